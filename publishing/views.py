"""Author pages: dashboard, publishers, signing keys, upload and submissions."""

from __future__ import annotations

import functools

from argent_pkg import Problem
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from api.uploads import cap_upload_size
from catalog.constants import ListingStatus
from catalog.models import Publisher
from licensing import plans
from licensing.connect import can_sell
from licensing.fees import PAID_PRICING
from marketplace.mfa import PUBLISHING_CODE, mfa_challenge, session_passed_mfa

from . import queue, services
from .constants import SEVERITY_RANK, SubmissionStatus
from .forms import PublisherForm, SigningKeyForm, SigningKeyRevokeForm, UploadForm
from .models import Submission


def mfa_required(view):
    """Require that the session passed two-factor authentication for ``view`` when
    ``MFA_REQUIRED_FOR_PUBLISHING`` is on (``marketplace.mfa``: having an authenticator is not enough).

    Users without one are sent to allauth's TOTP set-up page; users with one, whose session logged in
    without it, to allauth's second-factor step, which comes back afterwards.
    """

    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if settings.MFA_REQUIRED_FOR_PUBLISHING and not session_passed_mfa(request):
            return mfa_challenge(
                request,
                code=PUBLISHING_CODE,
                message="Two-factor authentication first: it protects the keys, tokens and uploads "
                "of your publishers.",
            )
        return view(request, *args, **kwargs)

    return wrapper


def _member_publisher(request: HttpRequest, slug: str) -> Publisher:
    publisher = get_object_or_404(Publisher, slug=slug)
    if not publisher.has_member(request.user):
        raise PermissionDenied("You are not a member of this publisher.")
    return publisher


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    publishers = request.user.publishers.annotate(
        key_count=Count("signing_keys", distinct=True),
        package_count=Count("packages", distinct=True),
    )
    submissions = (
        Submission.objects.filter(publisher__memberships__user=request.user)
        .select_related("package", "release")
        .order_by("-created_at")[:25]
    )
    context = {"publishers": publishers, "submissions": submissions, "plan": plans.plan_summary(request.user)}
    return render(request, "publishing/dashboard.html", context)


@login_required
def publisher_create(request: HttpRequest) -> HttpResponse:
    form = PublisherForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        publisher = services.publisher_create(user=request.user, **form.cleaned_data)
        messages.success(request, f"Publisher “{publisher.name}” created. Register a signing key next.")
        return redirect("publishing:key-list", slug=publisher.slug)
    context = {"form": form, "plan": plans.plan_summary(request.user)}
    return render(request, "publishing/publisher_form.html", context)


@mfa_required
def signing_key_list(request: HttpRequest, slug: str) -> HttpResponse:
    publisher = _member_publisher(request, slug)
    form = SigningKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = services.signing_key_register(
                publisher=publisher,
                public_key=form.cleaned_data["public_key"],
                label=form.cleaned_data["label"],
                user=request.user,
            )
        except services.KeyRegistrationError as exc:
            form.add_error("public_key", str(exc))
        else:
            messages.success(request, f"Key registered. Its fingerprint is {key.fingerprint}.")
            return redirect("publishing:key-list", slug=publisher.slug)
    keys = publisher.signing_keys.all()
    context = {"publisher": publisher, "keys": keys, "form": form}
    return render(request, "publishing/signingkey_list.html", context)


@require_POST
@mfa_required
def signing_key_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Revoke one of the publisher's keys with a reason; new uploads signed by it fail."""
    publisher = _member_publisher(request, slug)
    key = get_object_or_404(publisher.signing_keys, pk=pk)
    form = SigningKeyRevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason to revoke the key.")
        return redirect("publishing:key-list", slug=publisher.slug)
    try:
        services.signing_key_revoke(key=key, reason=form.cleaned_data["reason"], user=request.user)
    except services.KeyRegistrationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Key {key.fingerprint} revoked: uploads signed by it are refused from now on."
        )
    return redirect("publishing:key-list", slug=publisher.slug)


@cap_upload_size
@mfa_required
def package_upload(request: HttpRequest, slug: str) -> HttpResponse:
    publisher = _member_publisher(request, slug)
    form = UploadForm(request.POST or None, request.FILES or None)
    problems, status = [], 200
    if request.upload_too_large:
        form = UploadForm()
        problems = [Problem(code="archive.too_large", message=str(request.upload_too_large), field="package")]
        status = 413
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["package"]
        try:
            submission = services.submission_create(
                publisher=publisher,
                uploader=request.user,
                upload=upload,
                filename=upload.name,
                release_notes=form.cleaned_data["release_notes"],
                detached_signature=form.cleaned_data["signature"] or None,
                plan_page_url=request.build_absolute_uri(reverse("plans:page")),
            )
        except services.SubmissionRejected as exc:
            problems, status = exc.problems, exc.status
        else:
            return redirect(submission)
    elif request.method == "POST":
        status = 400
    context = {
        "publisher": publisher,
        "form": form,
        "problems": problems,
        "plan": plans.plan_summary(request.user),
    }
    return render(request, "publishing/upload_form.html", context, status=status)


def _visible_submission(request: HttpRequest, pk: int) -> Submission:
    submission = get_object_or_404(
        Submission.objects.select_related("package", "release", "publisher"), pk=pk
    )
    if not (request.user.is_staff or submission.publisher.has_member(request.user)):
        raise PermissionDenied("Only the publisher's members can see this submission.")
    return submission


def _submission_context(submission: Submission) -> dict:
    listing_url = None
    if submission.package.status == ListingStatus.PUBLISHED and submission.release.published_at:
        listing_url = submission.package.get_absolute_url()
    sell_blocked = ""
    if not submission.is_final and submission.release.listing.get("pricing") in PAID_PRICING:
        sell_blocked = can_sell(submission.publisher)[1]
    return {
        "sell_blocked": sell_blocked,
        "queue_position": queue.position(submission),
        "expected_wait": queue.expected_wait(is_new_package=submission.is_new_package)
        if submission.status == SubmissionStatus.IN_REVIEW
        else None,
        "submission": submission,
        "findings": sorted(
            submission.findings.all(), key=lambda f: (-SEVERITY_RANK[f.severity], f.code, f.path)
        ),
        "listing_url": listing_url,
    }


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _visible_submission(request, pk)
    return render(request, "publishing/submission_detail.html", _submission_context(submission))


@login_required
def submission_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the submission page, polled by htmx while the checks run."""
    submission = _visible_submission(request, pk)
    return render(request, "publishing/partials/submission_status.html", _submission_context(submission))
