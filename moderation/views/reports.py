"""Customer and author pages of moderation: report a listing, request publisher verification."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from catalog.models import Package, Publisher

from ..constants import ReportReason
from ..reports import report_create
from ..services import DecisionError
from ..verification import requestable_levels, verification_request_create


class ReportForm(forms.Form):
    """What a customer says about a listing (input shape only)."""

    reason = forms.ChoiceField(choices=ReportReason.choices, widget=forms.RadioSelect)
    version = forms.ChoiceField(
        required=False, help_text="The version you mean, if the problem is in one version only."
    )
    description = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What is wrong, and how you found out: links, file names, what the package did.",
    )

    def __init__(self, *args, package: Package, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.releases = {r.version: r for r in package.releases.published()}
        self.fields["version"].choices = [("", "All versions"), *((v, v) for v in self.releases)]


class VerificationRequestForm(forms.Form):
    """A publisher's request for a verification level (input shape only)."""

    level = forms.ChoiceField(label="Requested level")
    evidence = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Your domain, company registration, public profiles: whatever proves who you are.",
    )

    def __init__(self, *args, publisher: Publisher, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(level.value, level.label) for level in requestable_levels(publisher)]


@login_required
def package_report(request: HttpRequest, identifier: str) -> HttpResponse:
    """Report a listing to the reviewers: ``packages/<identifier>/report/``."""
    package = get_object_or_404(
        Package.objects.reachable().select_related("publisher"), identifier=identifier
    )
    form = ReportForm(request.POST or None, package=package)
    if request.method == "POST" and form.is_valid():
        try:
            report_create(
                package=package,
                reporter=request.user,
                reason=form.cleaned_data["reason"],
                description=form.cleaned_data["description"],
                release=form.releases.get(form.cleaned_data["version"]),
            )
        except DecisionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Thank you. Your report was sent to the reviewers.")
            return redirect(package)
    return render(request, "moderation/report_create.html", {"package": package, "form": form})


@login_required
def verification_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Request a verification level and see past requests: ``publishers/<slug>/verification/``."""
    publisher = get_object_or_404(Publisher, slug=slug)
    if not publisher.has_member(request.user):
        raise PermissionDenied("You are not a member of this publisher.")
    form = VerificationRequestForm(request.POST or None, publisher=publisher)
    if request.method == "POST" and form.is_valid():
        try:
            verification_request_create(
                publisher=publisher,
                user=request.user,
                level=form.cleaned_data["level"],
                evidence=form.cleaned_data["evidence"],
            )
        except DecisionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Request sent. We will e-mail the publisher's members with the answer.")
            return redirect("moderation:verification-request", slug=publisher.slug)
    past = publisher.verification_requests.select_related("requested_by")
    pending = any(r.status == "pending" for r in past)
    context = {"publisher": publisher, "form": form, "requests": past, "pending": pending}
    return render(request, "moderation/verificationrequest_create.html", context)
