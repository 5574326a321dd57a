"""Publishing workflows: publishers, signing keys, and the one way a package arrives.

Every way a package reaches the marketplace (web form, API, CLI, demo
loader) calls :func:`submission_create`; the verification task calls
:func:`submission_verify`.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import argent_pkg as pkgformat
import semver
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from api.errors import ProblemsRefused
from catalog.constants import MemberRole, PublisherType
from catalog.models import Kind, Package, Publisher, PublisherMember, Release
from catalog.services import package_apply_release
from licensing import plans
from marketplace import emails
from marketplace.celery import enqueue, enqueue_on_commit
from tokens.models import ApiToken
from transparency import services as log_events

from . import policy, scanning, tasks
from .constants import CHECKING_STATUSES, Severity, SubmissionStatus
from .models import ScanFinding, SigningKey, Submission, quarantine_storage
from .scanning import capabilities
from .similarity import similar_identifiers
from .status_owner import Refused, status_owner

logger = logging.getLogger(__name__)


class SubmissionRejected(ProblemsRefused):
    """An upload broke one or more rules; nothing was stored.

    Attributes:
        problems: every broken rule, as ``argent_pkg.Problem`` objects.
        status: the HTTP status that fits (400 invalid, 403 refused, 409 conflict, 413 too large).
    """


class KeyRegistrationError(Exception):
    """A public key could not be registered; ``str()`` says why."""


def package_limits() -> pkgformat.Limits:
    """The archive limits of docs/package-format.md, "Container", as configured in settings (bytes, counts)."""
    return pkgformat.Limits(
        max_compressed_bytes=settings.PACKAGE_MAX_COMPRESSED_BYTES,
        max_total_bytes=settings.PACKAGE_MAX_TOTAL_BYTES,
        max_members=settings.PACKAGE_MAX_MEMBERS,
        max_member_bytes=settings.PACKAGE_MAX_MEMBER_BYTES,
        max_ratio=settings.PACKAGE_MAX_RATIO,
    )


def kind_rules() -> dict[str, pkgformat.KindRule]:
    """The kinds table as the format library's ``{slug: KindRule}`` mapping (docs/package-format.md, "Kinds and permissions")."""
    return {
        kind.slug: pkgformat.KindRule(install_target=kind.install_target, permissions=tuple(kind.permissions))
        for kind in Kind.objects.all()
    }


def publisher_slug_for(name: str) -> str:
    """A free publisher slug made from ``name`` (at most 64 characters).

    Django's ``slugify`` (accents dropped, lower case), with every run of other characters turned into
    one hyphen so the slug keeps to the form's rule (``[a-z0-9]`` and inner hyphens). A name with
    nothing usable gives ``publisher``. A taken slug gets the first free suffix ``-2``, ``-3``, …
    """
    base = re.sub(r"[^a-z0-9]+", "-", slugify(name)).strip("-")[:64].rstrip("-") or "publisher"
    taken = set(Publisher.objects.filter(slug__startswith=base[:54]).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: 64 - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def publisher_create(
    *,
    user: AbstractBaseUser,
    name: str,
    slug: str = "",
    type: str = PublisherType.INDIVIDUAL,
    description: str = "",
    website: str = "",
) -> Publisher:
    """Create a publisher with ``user`` as its owner; a blank ``slug`` is made from ``name``
    (:func:`publisher_slug_for`).

    Raises:
        IntegrityError: the slug is taken (forms check this first).
    """
    slug = slug or publisher_slug_for(name)
    with transaction.atomic():
        publisher = Publisher.objects.create(
            name=name, slug=slug, type=type, description=description, website=website
        )
        PublisherMember.objects.create(publisher=publisher, user=user, role=MemberRole.OWNER)
    return publisher


def signing_key_register(
    *, publisher: Publisher, public_key: str, label: str, user: AbstractBaseUser | None = None
) -> SigningKey:
    """Register an Ed25519 public key (32 raw bytes, standard base64) to ``publisher``.

    Raises:
        KeyRegistrationError: the key is malformed or registered already (docs/package-format.md, "Signatures and keys").
    """
    try:
        raw = pkgformat.decode_public_key(public_key.strip())
    except pkgformat.FormatError as exc:
        raise KeyRegistrationError(
            "This is not an Ed25519 public key: paste the 32-byte key in standard base64 "
            "(44 characters ending in '='), as printed by `mkt keygen`."
        ) from exc
    fingerprint = pkgformat.fingerprint(raw)
    if SigningKey.objects.filter(fingerprint=fingerprint).exists():
        raise KeyRegistrationError(f"The key {fingerprint} is registered already.")
    with transaction.atomic():  # the key and its transparency log entry commit together
        key = SigningKey.objects.create(
            publisher=publisher,
            public_key=base64.b64encode(raw).decode("ascii"),
            fingerprint=fingerprint,
            label=label,
            created_by=user,
        )
        log_events.key_registered(key)
    return key


def signing_key_revoke(*, key: SigningKey, reason: str, user: AbstractBaseUser | None = None) -> SigningKey:
    """Revoke ``key`` with a reason (docs/package-format.md, "Signatures and keys": a revoked key verifies no new upload).

    Releases it signed keep their record of it. Raises ``KeyRegistrationError``
    when the key is revoked already or the reason is empty.
    """
    if key.revoked_at is not None:
        raise KeyRegistrationError(f"The key {key.fingerprint} is revoked already.")
    if not reason.strip():
        raise KeyRegistrationError("A reason is required to revoke a key.")
    with transaction.atomic():  # the revocation and its transparency log entry commit together
        key.revoked_at = timezone.now()
        key.revoked_reason = reason.strip()[:500]
        key.save(update_fields=["revoked_at", "revoked_reason"])
        log_events.key_revoked(key)
    logger.info("Key %s of %s revoked by %s: %s", key.fingerprint, key.publisher.slug, user, reason)
    return key


@dataclass(frozen=True)
class _Checked:
    """What :func:`_check_upload` learned about an upload."""

    inspection: pkgformat.Inspection
    key: SigningKey


def _problem(code: str, message: str, field: str | None = None, value: object = None) -> pkgformat.Problem:
    return pkgformat.Problem(code=code, message=message, field=field, value=value)


def _check_plan(uploader: AbstractBaseUser | None, plan_page_url: str | None = None) -> None:
    """Refuse an upload by a user whose account plan does not include publishing."""
    if not settings.PLANS_ENFORCE_PUBLISHING or uploader is None:
        return
    refusal = plans.publishing_refusal(uploader, plan_page_url=plan_page_url)
    if refusal is not None:
        raise SubmissionRejected([_problem("plan.cannot_publish", refusal)], status=403)


def _check_upload(
    *, publisher: Publisher, fileobj, detached_signature: str | None, public_key: str | None
) -> _Checked:
    """Apply every structural rule (docs/package-format.md) and the key registration rule.

    Raises:
        SubmissionRejected: with every broken rule.
    """
    try:
        inspection = pkgformat.inspect_package(
            fileobj,
            detached_signature=detached_signature or None,
            public_key=public_key or None,
            # A package that names no key is tried with the publisher's active keys
            # (docs/package-format.md, "Signatures"), oldest first.
            fallback_keys=list(
                SigningKey.objects.filter(publisher=publisher, revoked_at__isnull=True)
                .order_by("created_at", "pk")
                .values_list("public_key", flat=True)
            ),
            kinds=kind_rules(),
            limits=package_limits(),
        )
    except pkgformat.PackageInvalid as exc:
        too_large = any(p.code == "archive.too_large" for p in exc.problems)
        raise SubmissionRejected(exc.problems, status=413 if too_large else 400) from exc

    key = SigningKey.objects.filter(fingerprint=inspection.key_fingerprint).first()
    if key is None or key.publisher_id != publisher.pk:
        raise SubmissionRejected(
            [
                _problem(
                    "signature.key_not_registered",
                    f"The package is signed with key {inspection.key_fingerprint}, which is not "
                    f"registered to the publisher '{publisher.slug}'. Register it under Signing keys.",
                    "author.publicKey",
                    inspection.key_fingerprint,
                )
            ]
        )
    if key.revoked_at is not None:
        raise SubmissionRejected(
            [
                _problem(
                    "signature.key_revoked",
                    f"The key {key.fingerprint} was revoked on {key.revoked_at:%Y-%m-%d}.",
                    "author.publicKey",
                    key.fingerprint,
                )
            ]
        )
    return _Checked(inspection=inspection, key=key)


def _release_fields(inspection: pkgformat.Inspection, key: SigningKey) -> dict:
    """The ``Release`` columns for a checked upload."""
    manifest = inspection.manifest
    version = semver.Version.parse(manifest.version)
    return {
        "version": manifest.version,
        "version_major": version.major,
        "version_minor": version.minor,
        "version_patch": version.patch,
        "is_prerelease": bool(version.prerelease),
        "manifest": manifest.raw,
        "listing": {
            "name": manifest.name,
            "kind": manifest.kind,
            "category": manifest.category,
            "tagline": manifest.tagline,
            "description": manifest.description,
            "tags": list(manifest.tags),
            "license": manifest.license or "",
            "pricing": manifest.pricing,
            "price_cents": manifest.price_cents,
            "homepage": manifest.homepage or "",
            "repository": manifest.repository or "",
        },
        "readme": inspection.readme or "",
        "permissions": list(manifest.permissions),
        "compatibility": manifest.compatibility or "",
        "artifact_sha256": inspection.sha256,
        "size": inspection.size,
        "signatures": dict(inspection.signatures),
        "signing_key": key,
        "key_fingerprint": key.fingerprint,
    }


def submission_create(
    *,
    publisher: Publisher,
    uploader: AbstractBaseUser | None,
    upload: File,
    filename: str,
    release_notes: str = "",
    detached_signature: str | None = None,
    public_key: str | None = None,
    api_token: ApiToken | None = None,
    client_ip: str | None = None,
    allowed_identifier: str | None = None,
    declared_manifest: dict | None = None,
    expected_kind: str | None = None,
    plan_page_url: str | None = None,
) -> Submission:
    """Accept an uploaded package file as a new submission, or refuse it with every reason.

    Args:
        publisher: the publisher the upload is made for (the uploader's).
        uploader: the user (or token owner) uploading.
        upload: the package file, read from the start; at most
            ``PACKAGE_MAX_COMPRESSED_BYTES`` bytes.
        filename: the client's file name, kept for display only.
        release_notes: Markdown text shown with the release.
        detached_signature: base64 Ed25519 signature over the SHA-256 of the file
            (docs/package-format.md, "Signatures and keys"), when the client sends one.
        public_key: ``authorPublicKey`` from the publish request, if any.
        api_token: the token the upload came with (API and CLI), recorded.
        client_ip: the uploader's address, recorded and named in the e-mail.
        allowed_identifier: the only identifier the upload may carry (a token
            scoped to one package), else ``403 token.package_scope``.
        declared_manifest: a manifest sent beside the file (docs/api.md, "Publishing"),
            which must equal ``argent.plugin.json`` (``400 manifest.mismatch``).
        expected_kind: the kind the request's URL names (the Cloud OS path),
            else ``400 package.kind_mismatch``.
        plan_page_url: the absolute URL of the plan page that a ``plan.cannot_publish``
            refusal names (the web page passes its request's); default ``SITE_URL``'s.

    First of all, when ``PLANS_ENFORCE_PUBLISHING`` is on (the default), the
    uploader's account plan must include publishing
    (:func:`licensing.plans.publishing_refusal`: Pro, Team or Enterprise;
    staff are exempt), else ``403 plan.cannot_publish``.

    The structural checks run here, so a bad upload is refused at once and
    nothing is written. On success the file is stored in the ``quarantine``
    storage, the package (when new), its release and the submission are
    created in one transaction; on commit ``publishing.tasks.submission_verify``
    is enqueued and every member of the publisher is e-mailed about the upload
    (a task: a failing mail server does not change the answer).
    A new identifier that resembles another publisher's is flagged.

    Raises:
        SubmissionRejected: the uploader's plan cannot publish (403), the
            upload broke a rule of the package format
            (400, 413), its key is not registered to ``publisher`` (400),
            it breaks a rule of the request (400, 403, see above), its
            listing is suspended or blocked (``403 package.suspended`` /
            ``package.blocked``, asked of ``publishing.status_owner``), its
            identifier belongs to another publisher (409), or its version
            was uploaded before (409).
    """
    _check_plan(uploader, plan_page_url)
    upload.seek(0)
    try:
        checked = _check_upload(
            publisher=publisher,
            fileobj=upload,
            detached_signature=detached_signature,
            public_key=public_key,
        )
    except SubmissionRejected as exc:
        if declared_manifest is not None and exc.status == 400:
            exc.problems += _manifest_mismatch(_raw_manifest(upload), declared_manifest)
        raise
    inspection, manifest = checked.inspection, checked.inspection.manifest
    if allowed_identifier is not None and manifest.id != allowed_identifier:
        raise SubmissionRejected(
            [
                _problem(
                    "token.package_scope",
                    f"This token may only publish '{allowed_identifier}', not '{manifest.id}'.",
                    "id",
                    manifest.id,
                )
            ],
            status=403,
        )
    request_problems = _manifest_mismatch(manifest.raw, declared_manifest)
    if expected_kind is not None and manifest.kind != expected_kind:
        request_problems.append(
            _problem(
                "package.kind_mismatch",
                f"The package is a {manifest.kind}, but it was sent to the {expected_kind} listings.",
                "kind",
                manifest.kind,
            )
        )
    if request_problems:
        raise SubmissionRejected(request_problems)

    existing = Package.objects.filter(identifier=manifest.id).first()
    if existing is not None and existing.publisher_id == publisher.pk:
        _check_listing_open(package=existing, uploader=uploader)
    if existing is not None and existing.publisher_id != publisher.pk:
        raise SubmissionRejected(
            [
                _problem(
                    "package.id_taken",
                    f"The identifier '{manifest.id}' belongs to another publisher.",
                    "id",
                    manifest.id,
                )
            ],
            status=409,
        )
    if existing is not None and existing.releases.filter(version=manifest.version).exists():
        raise SubmissionRejected([_version_taken(manifest)], status=409)

    storage_name = f"{publisher.slug}/{manifest.id}/{manifest.version}/{inspection.sha256}.argent-pkg"
    upload.seek(0)
    storage = quarantine_storage()
    stored_name = storage.save(storage_name, upload)
    try:
        with transaction.atomic():
            fields = _release_fields(inspection, checked.key)
            package = Package.objects.select_for_update().filter(identifier=manifest.id).first()
            created = package is None
            if created:
                # A new listing starts as ``submitted`` (the field's default).
                package = Package(identifier=manifest.id, publisher=publisher)
                package_apply_release(package=package, release=Release(**fields))
                package.save()
            elif package.publisher_id != publisher.pk:
                raise IntegrityError("package.id_taken")
            else:
                _check_listing_open(package=package, uploader=uploader, take=True)
            release = Release.objects.create(package=package, release_notes=release_notes, **fields)
            submission = Submission.objects.create(
                publisher=publisher,
                package=package,
                release=release,
                submitted_by=uploader,
                is_new_package=created or not package.releases.published().exists(),
                upload=stored_name,
                upload_sha256=inspection.sha256,
                upload_size=inspection.size,
                filename=filename[:255],
                detached_signature=detached_signature or "",
                release_notes=release_notes,
                api_token=api_token,
                client_ip=client_ip,
            )
            # An answer to "changes requested" keeps the place in the queue of the submission it replaces.
            previous = (
                package.submissions.filter(
                    status=SubmissionStatus.CHANGES_REQUESTED, replaced_by__isnull=True
                )
                .exclude(pk=submission.pk)
                .order_by("-created_at")
                .first()
            )
            submission.replaces = previous
            submission.queued_at = (
                (previous.queued_at or previous.created_at) if previous else submission.created_at
            )
            submission.save(update_fields=["replaces", "queued_at"])
            # The manifest's warnings show at once; the verification task replaces them with its own.
            ScanFinding.objects.bulk_create(
                _finding_from_problem(p, Severity.LOW, submission=submission) for p in inspection.warnings
            )
            if created:
                others = Package.objects.exclude(publisher=publisher).values_list("identifier", flat=True)
                submission.similar_to = similar_identifiers(manifest.id, others)
                if submission.similar_to:
                    submission.flagged = True
                    submission.flag_reasons = [
                        f"The identifier resembles {', '.join(submission.similar_to)} of another publisher."
                    ]
                    submission.save(update_fields=["similar_to", "flagged", "flag_reasons"])
            transaction.on_commit(lambda: submission_enqueue(submission_id=submission.pk))
            enqueue_on_commit(tasks.submission_upload_notify, submission.pk)
    except IntegrityError as exc:
        # A concurrent upload took the identifier or the version first.
        storage.delete(stored_name)
        raise SubmissionRejected([_version_taken(manifest)], status=409) from exc
    except BaseException:
        storage.delete(stored_name)
        raise
    logger.info("Submission %s created for %s %s", submission.pk, manifest.id, manifest.version)
    return submission


def submission_enqueue(*, submission_id: int) -> bool:
    """Enqueue the verification task; returns False (and logs) when the broker is unreachable.

    The request never waits on a broker that is down: the periodic
    ``submissions_sweep`` task enqueues the submission again once it is back.
    """
    return enqueue(tasks.submission_verify, submission_id)


def submission_upload_notify(*, submission_id: int) -> int:
    """E-mail every member of the publisher about an upload, so a hijacked account is noticed.

    Run by the task ``publishing.tasks.submission_upload_notify``; returns how many
    addresses were written to.
    """
    submission = Submission.objects.select_related("package", "release", "api_token", "submitted_by").get(
        pk=submission_id
    )
    recipients = list(submission.publisher.members.values_list("email", flat=True))
    if not recipients:
        return 0
    context = {
        "submission": submission,
        "url": settings.SITE_URL + submission.get_absolute_url(),
        "keys_url": settings.SITE_URL + reverse("publishing:key-list", args=[submission.publisher.slug]),
        "tokens_url": settings.SITE_URL + reverse("publishing:token-list", args=[submission.publisher.slug]),
    }
    emails.send_each(
        template="publishing/emails/upload",
        subject=f"A new version of {submission.package.identifier} was uploaded",
        to=recipients,
        context=context,
    )
    return len(recipients)


def _check_listing_open(*, package: Package, uploader: AbstractBaseUser | None, take: bool = False) -> None:
    """Ask the owner of the statuses whether ``package``'s listing accepts a new version (and, with
    ``take``, record it: ``package`` locked by the caller).

    Raises:
        SubmissionRejected: the listing is suspended (``403 package.suspended``) or a hard
            block is in force (``403 package.blocked``); ``docs/state-machines.md``.
    """
    try:
        status_owner().upload_admit(package=package, uploader=uploader, take=take)
    except Refused as exc:
        raise SubmissionRejected(
            [_problem(exc.code, str(exc), "id", package.identifier)], status=403
        ) from exc


def submissions_sweep(*, now: datetime | None = None) -> list[int]:
    """Enqueue again the submissions whose verification never started or never finished.

    A submission counts as lost when it is ``pending`` for longer than
    ``SUBMISSION_SWEEP_PENDING_AFTER`` seconds (the broker was down when it
    was uploaded) or ``scanning`` for longer than
    ``SUBMISSION_SWEEP_SCANNING_AFTER`` seconds (its worker died and the
    broker did not hand the task out again). Running a task twice is safe:
    ``submission_verify`` is idempotent by submission. Returns the ids enqueued.
    """
    now = now or timezone.now()
    lost = Submission.objects.filter(
        Q(
            status=SubmissionStatus.PENDING,
            updated_at__lt=now - timedelta(seconds=settings.SUBMISSION_SWEEP_PENDING_AFTER),
        )
        | Q(
            status=SubmissionStatus.SCANNING,
            updated_at__lt=now - timedelta(seconds=settings.SUBMISSION_SWEEP_SCANNING_AFTER),
        )
    ).values_list("pk", flat=True)
    return [pk for pk in lost if submission_enqueue(submission_id=pk)]


def _raw_manifest(upload: File) -> object:
    """The manifest JSON inside an upload that failed inspection, or None when unreadable."""
    upload.seek(0)
    try:
        members = pkgformat.read_archive(upload, limits=package_limits()).members
        return json.loads(members["argent.plugin.json"].decode("utf-8-sig"))
    except (pkgformat.PackageInvalid, KeyError, ValueError, RecursionError):
        return None
    finally:
        upload.seek(0)


def _manifest_mismatch(inside: object, declared: dict | None) -> list[pkgformat.Problem]:
    """``manifest.mismatch`` when a manifest sent beside the file differs from the one inside."""
    if declared is None or declared == inside:
        return []
    return [
        _problem(
            "manifest.mismatch",
            "The manifest sent with the request differs from argent.plugin.json inside the package.",
            "manifest",
        )
    ]


def _version_taken(manifest: pkgformat.Manifest) -> pkgformat.Problem:
    return _problem(
        "release.version_exists",
        f"Version {manifest.version} of '{manifest.id}' was uploaded before; "
        "a version is never replaced or reused. Bump the version.",
        "version",
        manifest.version,
    )


def submission_verify(*, submission: Submission) -> Submission:
    """Re-read the stored upload, verify and scan it, record the findings and apply the policy.

    Idempotent: a submission past the checks is returned unchanged, a re-run
    after a crash replaces the findings of the earlier attempt, and of two
    concurrent runs only the first to finish records its verdict.
    Moves ``pending``/``scanning`` to ``in-review`` (flagged or not, see
    ``publishing.policy``), to ``approved`` through
    ``moderation.services.submission_approve`` when the policy publishes it,
    or to ``rejected`` when the stored file no longer verifies (digest
    changed, key revoked since the upload).
    """
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if not status_owner().submission_checks_start(submission=submission):
            return submission

    findings, rejected, has_code = _verify_and_scan(submission)
    return _record_checks(submission=submission, findings=findings, rejected=rejected, has_code=has_code)


def submission_scan_timed_out(*, submission: Submission) -> Submission:
    """Hand a submission whose checks ran out of time to a reviewer, flagged; never published."""
    finding = ScanFinding(
        code="scan.timeout",
        severity=Severity.HIGH,
        message="The automatic checks ran out of time; a reviewer must inspect this package.",
    )
    return _record_checks(submission=submission, findings=[finding], rejected=False, force_review=True)


def _verify_and_scan(submission: Submission) -> tuple[list[ScanFinding], bool, bool]:
    """Verify the stored file again and scan it; returns the findings, whether it failed, and
    whether it holds code (``scanning.capabilities.is_code``; assumed when the file failed)."""
    with submission.upload.open("rb") as fileobj:
        try:
            checked = _check_upload(
                publisher=submission.publisher,
                fileobj=fileobj,
                detached_signature=submission.detached_signature,
                public_key=submission.release.signing_key.public_key,
            )
        except SubmissionRejected as exc:
            return [_finding_from_problem(p, Severity.CRITICAL) for p in exc.problems], True, True
    findings = [_finding_from_problem(p, Severity.LOW) for p in checked.inspection.warnings]
    if checked.inspection.sha256 != submission.upload_sha256:
        findings.append(
            ScanFinding(
                code="artifact.digest_changed",
                severity=Severity.CRITICAL,
                message="The stored file differs from the one uploaded.",
            )
        )
        return findings, True, True
    findings += [
        ScanFinding(
            code=f.code,
            severity=f.severity,
            message=f.message,
            path=f.path,
            line=getattr(f, "line", None),
            excerpt=f.excerpt,
        )
        for f in scanning.scan(checked.inspection)
    ]
    has_code = any(capabilities.is_code(path) for path in checked.inspection.members)
    return findings, False, has_code


def _record_checks(
    *,
    submission: Submission,
    findings: list[ScanFinding],
    rejected: bool,
    force_review: bool = False,
    has_code: bool = True,
) -> Submission:
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("publisher")
            .get(pk=submission.pk)
        )
        if submission.status not in CHECKING_STATUSES:
            # Decided while the checks ran (a reviewer rejected it): the verdict stands.
            return submission
        submission.findings.all().delete()
        for finding in findings:
            finding.submission = submission
        ScanFinding.objects.bulk_create(findings)
        report = scanning.audit(findings, has_code=has_code)
        submission.audit_score, submission.audit_verdict = report.score, report.verdict
        submission.checked_at = timezone.now()
        outcome = policy.decide(
            severities=[f.severity for f in findings],
            similar_to=submission.similar_to,
            is_new_package=submission.is_new_package,
            verification=submission.publisher.verification,
        )
        if rejected:
            submission.reviewer_notes = "The automatic verification of the stored file failed."
            submission.decided_at = submission.checked_at
        else:
            submission.flagged = submission.flagged or outcome.flagged
            submission.flag_reasons = list(dict.fromkeys([*submission.flag_reasons, *outcome.reasons]))
        submission.save()
        submission = status_owner().submission_checks_record(
            submission=submission, rejected=rejected, publish=outcome.publish and not force_review
        )
    return submission


def _finding_from_problem(
    problem: pkgformat.Problem, severity: str, submission: Submission | None = None
) -> ScanFinding:
    return ScanFinding(
        submission=submission,
        code=problem.code,
        severity=severity,
        message=problem.message,
        field=problem.field or "",
        excerpt="" if problem.value is None else str(problem.value)[:500],
    )
