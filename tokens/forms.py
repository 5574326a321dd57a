"""Forms of the token pages: an account token (name, lifetime) and an author token (plus a package)."""

from __future__ import annotations

from django import forms

from marketplace.text import validate_single_line

from . import services


class AccountTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What uses it, e.g. “work laptop” or “home server”.",
        strip=True,
        validators=[validate_single_line],
    )
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        min_value=services.MIN_EXPIRES_DAYS,
        max_value=services.MAX_EXPIRES_DAYS,
        initial=services.DEFAULT_EXPIRES_DAYS,
        help_text="1 to 365 days. You get an e-mail a week before it expires.",
    )


class ApiTokenForm(AccountTokenForm):
    name = forms.CharField(
        max_length=100,
        help_text="What uses it, e.g. “GitHub Actions release job”.",
        strip=True,
        validators=[validate_single_line],
    )
    package = forms.ModelChoiceField(
        queryset=None,  # the publisher's packages, set in __init__
        required=False,
        empty_label="Any package of this publisher",
        help_text="Limit the token to publishing this one package.",
    )
    field_order = ["name", "package", "expires_days"]

    def __init__(self, *args, publisher, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["package"].queryset = publisher.packages.order_by("identifier")
        self.fields["package"].label_from_instance = lambda package: package.identifier
