"""Forms of the author pages: input shape only, no writes."""

from django import forms
from django.core.validators import RegexValidator

from catalog.constants import PublisherType
from catalog.models import Publisher
from marketplace.text import validate_single_line


class PublisherForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[validate_single_line])
    slug = forms.SlugField(
        max_length=64,
        required=False,
        help_text="Lower-case letters, digits and hyphens; shown in URLs and the CLI. "
        "Left blank, it is made from the name.",
        widget=forms.TextInput(attrs={"data-slug-from": "name"}),
        validators=[
            RegexValidator(
                r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", "Use lower-case letters, digits and hyphens."
            )
        ],
    )
    type = forms.ChoiceField(choices=PublisherType.choices, initial=PublisherType.INDIVIDUAL)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    website = forms.URLField(required=False, assume_scheme="https")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug and Publisher.objects.filter(slug=slug).exists():
            raise forms.ValidationError("This slug is taken.")
        return slug


class SigningKeyForm(forms.Form):
    label = forms.CharField(
        max_length=100,
        help_text="A name for this key, e.g. “laptop 2026”.",
        validators=[validate_single_line],
    )
    public_key = forms.CharField(
        label="Public key",
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}),
        help_text="The Ed25519 public key in standard base64 (44 characters), as printed by <code>mkt keygen</code>.",
    )


class SigningKeyRevokeForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        help_text="Why the key is revoked, e.g. “laptop lost” or “rotated to a new key”.",
        validators=[validate_single_line],
    )


class UploadForm(forms.Form):
    package = forms.FileField(
        label="Package file",
        help_text="A signed .argent-pkg file (at most 50 MiB).",
        widget=forms.ClearableFileInput(attrs={"accept": ".argent-pkg,application/gzip"}),
    )
    release_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="Markdown; shown with this version.",
    )
    signature = forms.CharField(
        label="Detached signature",
        required=False,
        max_length=100,
        help_text="Optional: base64 Ed25519 signature over the SHA-256 of the file (the .sig file's content).",
    )
