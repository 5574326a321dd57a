"""Publishers, kinds, categories, packages and their releases."""

from __future__ import annotations

import semver
from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse

from .constants import (
    VERIFIED_LEVELS,
    ListingStatus,
    MemberRole,
    Pricing,
    PublisherType,
    VerificationLevel,
)
from .querysets import BROWSABLE, PackageQuerySet, ReleaseQuerySet


def packages_storage():
    """The storage alias that holds published artifacts."""
    return storages["packages"]


class Publisher(models.Model):
    """An individual or organization that owns packages (ObjectStack ``Publisher``)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=16, choices=PublisherType.choices, default=PublisherType.INDIVIDUAL)
    verification = models.CharField(
        max_length=16, choices=VerificationLevel.choices, default=VerificationLevel.UNVERIFIED
    )
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PublisherMember", related_name="publishers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        """True for the verified, trusted and partner levels."""
        return self.verification in VERIFIED_LEVELS

    def has_member(self, user) -> bool:
        """True when ``user`` is a member of this publisher (any role)."""
        return user.is_authenticated and self.memberships.filter(user=user).exists()

    def first_owner(self):
        """The user of the publisher's oldest owner membership, or ``None`` when it has no owner."""
        membership = (
            self.memberships.filter(role=MemberRole.OWNER).select_related("user").order_by("pk").first()
        )
        return membership.user if membership is not None else None


class PublisherMember(models.Model):
    """A user's membership of a publisher."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["publisher", "user"], name="unique_publisher_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.publisher} ({self.role})"


class Kind(models.Model):
    """A package kind (docs/package-format.md, "Kinds and permissions"): its permission vocabulary and install target.

    ``permissions`` is a list of permission templates understood by
    ``argent_pkg.manifest.permission_allowed`` (e.g. ``"network:<host>"``).
    """

    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    plural = models.SlugField(max_length=40, unique=True)
    description = models.CharField(max_length=200, blank=True)
    install_target = models.CharField(max_length=100, help_text="Under ~/.argentos/, e.g. connectors/ID/")
    permissions = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A browsing category (docs/package-format.md, "The manifest", ``category``)."""

    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Package(models.Model):
    """A listing: one package identifier, owned by the publisher that first uploaded it.

    The display fields mirror the manifest of the latest published release.
    """

    identifier = models.CharField(max_length=64, unique=True)
    display_name = models.CharField(max_length=100)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="packages")
    kind = models.ForeignKey(Kind, on_delete=models.PROTECT, related_name="packages")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="packages")
    tags = models.JSONField(default=list, blank=True)
    tagline = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    readme = models.TextField(blank=True)
    license = models.CharField(max_length=200, blank=True)
    pricing = models.CharField(max_length=16, choices=Pricing.choices, default=Pricing.FREE)
    price_cents = models.PositiveIntegerField(default=0)
    homepage = models.URLField(blank=True)
    repository = models.URLField(blank=True)
    status = models.CharField(max_length=16, choices=ListingStatus.choices, default=ListingStatus.SUBMITTED)
    status_reason = models.TextField(
        blank=True, help_text="Shown to customers while suspended or deprecated."
    )
    replacement = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        help_text="The package to use instead of this deprecated one.",
    )
    latest_release = models.ForeignKey(
        "Release", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    featured = models.BooleanField(default=False, help_text="Shown on the home page by staff choice.")
    rating_average = models.DecimalField(max_digits=2, decimal_places=1, default=0, help_text="0.0 to 5.0.")
    rating_count = models.PositiveIntegerField(default=0)
    total_downloads = models.PositiveBigIntegerField(default=0)
    installs_30d = models.PositiveIntegerField(default=0, help_text="Installs over the last 30 days.")
    last_release_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the latest release was published (kept by save()).",
    )

    objects = PackageQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]
        # The home page's sections and the sorts walk these instead of sorting every listing.
        indexes = [
            models.Index(fields=["status", "-updated_at"]),
            models.Index(fields=["-installs_30d", "-total_downloads", "identifier"], name="package_popular"),
            models.Index(fields=["-published_at", "identifier"], name="package_newest"),
            # "Name (A–Z)": the name with letter case aside (catalog.search.order_packages).
            models.Index(Lower("display_name"), F("identifier"), name="package_name_lower"),
            models.Index(
                fields=["-last_release_at", "identifier"],
                name="package_updated",
                condition=Q(last_release_at__gt=F("published_at")),
            ),
            models.Index(
                fields=["-installs_30d", "identifier"], name="package_featured", condition=Q(featured=True)
            ),
            # Counts per kind and category of the listed packages, read from the index alone.
            models.Index(
                fields=["kind", "category"],
                name="package_listed_kind_category",
                condition=Q(status__in=[status.value for status in BROWSABLE], latest_release__isnull=False),
            ),
        ]
        permissions = [
            ("moderate_package", "Can suspend, deprecate, unlist a listing and yank a release"),
            ("unsuspend_package", "Can lift a suspension"),
        ]

    def __str__(self) -> str:
        return self.identifier

    def save(self, *args, **kwargs) -> None:
        """Save, keeping ``last_release_at`` equal to the latest release's ``published_at``.

        With ``update_fields``, only when it names ``latest_release``.
        """
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "latest_release" in update_fields:
            release = self.latest_release if self.latest_release_id else None
            self.last_release_at = release.published_at if release is not None else None
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "last_release_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:package-detail", args=[self.identifier])

    @property
    def price_display(self) -> str:
        """``"Free"`` or the price in dollars, e.g. ``"$19.00"``."""
        if self.pricing == Pricing.FREE or not self.price_cents:
            return "Free"
        return f"${self.price_cents // 100}.{self.price_cents % 100:02d}"


class Release(models.Model):
    """One uploaded version of a package; published once a reviewer approves it.

    A version, once uploaded, is never replaced or reused (docs/package-format.md, "The manifest",
    ``version``): the unique constraint holds even for rejected uploads.
    """

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=128)
    version_major = models.PositiveIntegerField(default=0)
    version_minor = models.PositiveIntegerField(default=0)
    version_patch = models.PositiveIntegerField(default=0)
    is_prerelease = models.BooleanField(default=False)
    manifest = models.JSONField(default=dict, help_text="argent.plugin.json as uploaded.")
    listing = models.JSONField(default=dict, help_text="The listing fields normalised from the manifest.")
    readme = models.TextField(blank=True)
    permissions = models.JSONField(default=list, blank=True)
    compatibility = models.CharField(max_length=200, blank=True)
    artifact = models.FileField(storage=packages_storage, max_length=300, blank=True)
    artifact_sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(help_text="Bytes of the package file.")
    signatures = models.JSONField(default=dict, help_text='{"embedded": B64, "detached": B64}')
    signing_key = models.ForeignKey(
        "publishing.SigningKey", on_delete=models.PROTECT, related_name="releases"
    )
    key_fingerprint = models.CharField(max_length=60)
    release_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    yanked = models.BooleanField(default=False)
    yanked_reason = models.CharField(max_length=500, blank=True)
    wrapped_artifact = models.FileField(
        storage=packages_storage,
        max_length=300,
        blank=True,
        help_text="A copy wrapped for the ArgentOS installer (docs/package-format.md, 'ArgentOS download layout'), made at approval.",
    )
    wrapped_sha256 = models.CharField(max_length=64, blank=True)
    wrapped_size = models.PositiveBigIntegerField(null=True, blank=True, help_text="Bytes.")
    log_index = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The index of its release.published entry in the transparency log, once published.",
    )

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-version_major", "-version_minor", "-version_patch", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["package", "version"], name="unique_package_version")]

    def __str__(self) -> str:
        return f"{self.package.identifier} {self.version}"

    @property
    def semver(self) -> semver.Version:
        """The parsed version (Semantic Versioning 2.0.0)."""
        return semver.Version.parse(self.version)

    @property
    def filename(self) -> str:
        """``ID-VERSION.argent-pkg`` (docs/package-format.md, "Container")."""
        return f"{self.package.identifier}-{self.version}.argent-pkg"

    def get_download_url(self) -> str:
        return reverse("catalog:release-download", args=[self.package.identifier, self.version])


class Download(models.Model):
    """One counted artifact download, for statistics (per day and per version).

    A download counts once per visitor (an account or a client address, as an
    opaque hash: ``catalog.api.services.download_visitor``), release and UTC
    day; the unique constraint holds that under concurrent requests. Rows from
    before the rule have no visitor and are left as they are.
    """

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="downloads")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    dialect = models.CharField(max_length=16, blank=True, help_text="web, argentos, objectstack, mkt.")
    visitor = models.CharField(max_length=64, blank=True, help_text="A hash of the account or address.")
    counted_on = models.DateField(null=True, blank=True, help_text="The UTC day the download was counted.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "visitor", "counted_on"],
                condition=~Q(visitor=""),
                name="download_once_per_visitor_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.release} at {self.created_at:%Y-%m-%d %H:%M}"


class Install(models.Model):
    """An installation reported by a client, per account or tenant (ObjectStack ``install``)."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="installs")
    release = models.ForeignKey(
        Release, null=True, blank=True, on_delete=models.SET_NULL, related_name="installs"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="installs"
    )
    tenant_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    source = models.CharField(
        max_length=64,
        blank=True,
        help_text="A hash of the reporting account or address: popularity counts it once per release and day.",
    )

    class Meta:
        # One package's installs of the last 30 days, read on every new install
        # (catalog.stats.installs_30d_refresh) without walking its older rows.
        indexes = [models.Index(fields=["package", "created_at"], name="install_package_recent")]

    def __str__(self) -> str:
        return f"{self.package} for {self.user or self.tenant_id}"


class Review(models.Model):
    """A customer's rating (1 to 5 stars) and review of a package; one per customer, editable."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="reviews")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    reply = models.TextField(blank=True, help_text="The author's one reply.")
    replied_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True, help_text="Set by a reviewer to hide it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["package", "user"], name="one_review_per_customer"),
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.package} by {self.user}"


class Watch(models.Model):
    """A customer watching a package: an e-mail on each new release."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="watches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["package", "user"], name="one_watch_per_customer")]

    def __str__(self) -> str:
        return f"{self.user} watches {self.package}"
