"""allauth's account adapter: where a person lands after logging in, and the account e-mails.

**Landing.**
The header's "Log in" and "Sign up" links carry ``next`` (the page the visitor was on), and
allauth returns there first. Without one, a member of a publisher lands on the author dashboard
(``publishing:dashboard``) and everyone else, customers, on the home page: a customer has no
use for "Publish".

**E-mails.** allauth's messages (confirm an address, reset a password, an account already exists,
the notices of a changed password, e-mail or two-factor setting) go out in the site's layout with a
text and an HTML part (``marketplace/emails.py``). The texts are our own templates under
``templates/account/email/`` and ``templates/mfa/email/``. allauth builds its links from the
request's host; an e-mail's links use the configured ``SITE_URL`` instead, so each link's origin is
replaced before rendering.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse

from catalog.models import Publisher
from marketplace import emails


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter (setting ``ACCOUNT_ADAPTER``) with the landing page chosen by role."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """The dashboard's path for a member of a publisher (or staff), else the home page's."""
        user = request.user
        if user.is_authenticated and (
            user.is_staff or Publisher.objects.filter(memberships__user=user).exists()
        ):
            return reverse("publishing:dashboard")
        return reverse("catalog:home")

    def format_email_subject(self, subject: str) -> str:
        """``subject`` prefixed with ``[SITE_NAME]`` (settings), not with the request's host."""
        return emails.subject_line(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Send allauth's message ``template_prefix`` to ``email`` with links on ``SITE_URL``."""
        request_origin = self.request.build_absolute_uri("/") if self.request is not None else None
        if request_origin:
            site_root = settings.SITE_URL + "/"
            context = {
                key: site_root + value[len(request_origin) :]
                if isinstance(value, str) and value.startswith(request_origin)
                else value
                for key, value in context.items()
            }
        super().send_mail(template_prefix, email, {**emails.site_context(), **context})

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMultiAlternatives:
        """allauth's message as text and HTML in the site's layout (``marketplace.emails.render_bodies``)."""
        message = super().render_mail(template_prefix, email, {**emails.site_context(), **context}, headers)
        message.body, html = emails.render_bodies(text=message.body, subject=message.subject)
        message.alternatives = []
        message.attach_alternative(html, "text/html")
        return message
