"""The API token model: a bearer token for the API, shown once and stored as its SHA-256."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A bearer token for the API (docs/api.md, "Authentication"): shown once, stored as its SHA-256.

    An author token is scoped to one publisher and optionally one package; a
    staff token (``is_staff_token``) belongs to a staff user and has no publisher;
    an account token has neither: it installs and reads as its user (see :attr:`scope`).
    """

    #: Prefix of every token, so that secret scanners can recognise a leaked one.
    PREFIX = "mkt_"

    class Scope(models.TextChoices):
        PUBLISH = "publish", "Publish (author)"
        STAFF = "staff", "Staff API"
        INSTALL = "install", "Install and read (account)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    publisher = models.ForeignKey(
        "catalog.Publisher", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    package = models.ForeignKey(
        "catalog.Package", null=True, blank=True, on_delete=models.CASCADE, related_name="api_tokens"
    )
    is_staff_token = models.BooleanField(default=False)
    name = models.CharField(max_length=100)
    token_prefix = models.CharField(max_length=16, help_text="The first characters, to recognise the token.")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, hex.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    expiry_warning_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table was created by the publishing app and keeps its name: the move changed no row.
        db_table = "publishing_apitoken"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    @property
    def scope(self) -> str:
        """What the token may do: ``publish`` (author), ``staff`` or ``install`` (account: install/read)."""
        if self.is_staff_token:
            return self.Scope.STAFF
        if self.publisher_id is not None:
            return self.Scope.PUBLISH
        return self.Scope.INSTALL
