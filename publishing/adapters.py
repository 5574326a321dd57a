"""Where allauth sends a person after logging in when the login named no ``next`` page.

The header's "Log in" and "Sign up" links carry ``next`` (the page the visitor was on), and
allauth returns there first. Without one, a member of a publisher lands on the author dashboard
(``publishing:dashboard``) and everyone else, customers, on the home page: a customer has no
use for "Publish".
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from catalog.models import Publisher


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
