"""Admin pieces shared by the apps."""

from functools import update_wrapper

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from marketplace.mfa import staff_mfa_required

#: ``formfield_overrides`` for admin forms: a scheme-less address in a URL field is read as https
#: (Django 6's default, and no deprecation warning on 5.2).
URL_FIELDS_HTTPS = {models.URLField: {"assume_scheme": "https"}}


def yes_no(value: bool, yes: str = "", no: str = "") -> str:
    """A yes/no value as the admin shows it: a sign for the eye and the word "Yes" or "No" for everyone.

    ``yes``/``no`` (optional) say what the answer means, after the word. Django's own boolean icon
    sits beside the field's help text, which reads as "yes" even when the icon says no; this says
    the answer in words. The sign is hidden from screen readers, which read the word. Styled by
    ``.q-yes``/``.q-no`` in static/css/admin-site.css.
    """
    sign, word, tone, meaning = ("✓", "Yes", "q-yes", yes) if value else ("✗", "No", "q-no", no)
    return format_html(
        '<span class="{}"><span aria-hidden="true">{} </span>{}</span>{}',
        tone,
        sign,
        word,
        format_html(" — {}", meaning) if meaning else "",
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows change only through the services: no add, change or delete in the admin.

    Admin actions that call a service (with their own ``permissions=``) still work.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MarketplaceAdminSite(admin.AdminSite):
    """The admin, signed into through allauth (``marketplace.apps.MarketplaceAdminConfig`` makes it
    ``admin.site``).

    - ``/admin/login/`` never checks a password itself: an anonymous visitor is sent to allauth's
      login (its rate limits and its two-factor step; allauth's ``secure_admin_login``, the
      integration allauth documents for the admin), and comes back to the admin page they asked for.
    - With ``MFA_REQUIRED_FOR_STAFF`` on, every admin page (logout aside) is refused to a staff
      session that has not passed a second factor (``marketplace.mfa.staff_mfa_required``): it is
      sent to enrol one, or to pass it.
    """

    def login(self, request, extra_context=None):
        """Send anonymous visitors to allauth's login; signed-in staff to the admin index; others 403.

        Django's own admin login form is never shown nor processed, not even for a signed-in user
        (it would switch the session to another account on a password alone).
        """
        return secure_admin_login(self._signed_in)(request)

    def _signed_in(self, request):
        return redirect(reverse("admin:index", current_app=self.name))

    def admin_view(self, view, cacheable=False):
        """Django's admin check (signed in, active staff), then the second-factor rule (logout aside)."""
        guarded = staff_mfa_required(view)

        def inner(request, *args, **kwargs):
            if request.path == reverse("admin:logout", current_app=self.name):
                return view(request, *args, **kwargs)
            return guarded(request, *args, **kwargs)

        return super().admin_view(update_wrapper(inner, view), cacheable)
