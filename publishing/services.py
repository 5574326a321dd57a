"""Publishing workflows: publishers, signing keys, and the one way a package arrives.

Every way a package reaches the marketplace (web form, API, CLI, demo
loader) calls :func:`submission_create`; the verification task calls
:func:`submission_verify`.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

import semver
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.constants import ListingStatus, MemberRole, PublisherType
from catalog.models import Category, Kind, Package, Publisher, PublisherMember, Release

from . import format as pkgformat
from . import scanning, tasks
from .constants import CHECKING_STATUSES, Severity, SubmissionStatus
from .models import ScanFinding, SigningKey, Submission, quarantine_storage

logger = logging.getLogger(__name__)


class SubmissionRejected(Exception):
    """An upload broke one or more rules; nothing was stored.

    Attributes:
        problems: every broken rule, as ``publishing.format.Problem`` objects.
        status: the HTTP status that fits (400 invalid, 409 conflict, 413 too large).
    """

    def __init__(self, problems: list[pkgformat.Problem], *, status: int = 400) -> None:
        self.problems = list(problems)
        self.status = status
        super().__init__("; ".join(f"{p.code}: {p.message}" for p in self.problems))


class KeyRegistrationError(Exception):
    """A public key could not be registered; ``str()`` says why."""


def package_limits() -> pkgformat.Limits:
    """The archive limits of spec section 1, as configured in settings (bytes, counts)."""
    return pkgformat.Limits(
        max_compressed_bytes=settings.PACKAGE_MAX_COMPRESSED_BYTES,
        max_total_bytes=settings.PACKAGE_MAX_TOTAL_BYTES,
        max_members=settings.PACKAGE_MAX_MEMBERS,
        max_member_bytes=settings.PACKAGE_MAX_MEMBER_BYTES,
        max_ratio=settings.PACKAGE_MAX_RATIO,
    )


def kind_rules() -> dict[str, pkgformat.KindRule]:
    """The kinds table as the format library's ``{slug: KindRule}`` mapping (spec section 5)."""
    return {
        kind.slug: pkgformat.KindRule(install_target=kind.install_target, permissions=tuple(kind.permissions))
        for kind in Kind.objects.all()
    }


def publisher_create(
    *,
    user: AbstractBaseUser,
    name: str,
    slug: str,
    type: str = PublisherType.INDIVIDUAL,
    description: str = "",
    website: str = "",
) -> Publisher:
    """Create a publisher with ``user`` as its owner.

    Raises:
        IntegrityError: the slug is taken (forms check this first).
    """
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
        KeyRegistrationError: the key is malformed or registered already (spec section 3).
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
    return SigningKey.objects.create(
        publisher=publisher,
        public_key=base64.b64encode(raw).decode("ascii"),
        fingerprint=fingerprint,
        label=label,
        created_by=user,
    )


@dataclass(frozen=True)
class _Checked:
    """What :func:`_check_upload` learned about an upload."""

    inspection: pkgformat.Inspection
    key: SigningKey


def _problem(code: str, message: str, field: str | None = None, value: object = None) -> pkgformat.Problem:
    return pkgformat.Problem(code=code, message=message, field=field, value=value)


def _check_upload(
    *, publisher: Publisher, fileobj, detached_signature: str | None, public_key: str | None
) -> _Checked:
    """Apply every structural rule (spec sections 1 to 5) and the key registration rule.

    Raises:
        SubmissionRejected: with every broken rule.
    """
    try:
        inspection = pkgformat.inspect_package(
            fileobj,
            detached_signature=detached_signature or None,
            public_key=public_key or None,
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


def package_apply_release(*, package: Package, release: Release) -> None:
    """Copy a release's listing fields (from its manifest and README) onto ``package``; no save."""
    listing = release.listing
    package.display_name = listing["name"]
    package.kind = Kind.objects.get(slug=listing["kind"])
    package.category = Category.objects.get(slug=listing["category"])
    for field in (
        "tagline",
        "description",
        "tags",
        "license",
        "pricing",
        "price_cents",
        "homepage",
        "repository",
    ):
        setattr(package, field, listing[field])
    package.readme = release.readme


def submission_create(
    *,
    publisher: Publisher,
    uploader: AbstractBaseUser | None,
    upload: File,
    filename: str,
    release_notes: str = "",
    detached_signature: str | None = None,
    public_key: str | None = None,
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
            (spec section 3), when the client sends one.
        public_key: ``authorPublicKey`` from the publish request, if any.

    The structural checks run here, so a bad upload is refused at once and
    nothing is written. On success the file is stored in the ``quarantine``
    storage, the package (when new), its release and the submission are
    created in one transaction, and ``publishing.tasks.submission_verify``
    is enqueued on commit.

    Raises:
        SubmissionRejected: the upload broke a rule of the package format
            (400, 413), its key is not registered to ``publisher`` (400),
            its identifier belongs to another publisher (409), or its
            version was uploaded before (409).
    """
    upload.seek(0)
    checked = _check_upload(
        publisher=publisher,
        fileobj=upload,
        detached_signature=detached_signature,
        public_key=public_key,
    )
    inspection, manifest = checked.inspection, checked.inspection.manifest

    existing = Package.objects.filter(identifier=manifest.id).first()
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
            package = Package.objects.filter(identifier=manifest.id).first()
            created = package is None
            if created:
                package = Package(identifier=manifest.id, publisher=publisher, status=ListingStatus.SUBMITTED)
                package_apply_release(package=package, release=Release(**fields))
                package.save()
            elif package.publisher_id != publisher.pk:
                raise IntegrityError("package.id_taken")
            elif not package.releases.published().exists():
                package.status = ListingStatus.SUBMITTED
                package.save(update_fields=["status", "updated_at"])
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
            )
            transaction.on_commit(lambda: tasks.submission_verify.delay(submission.pk))
    except IntegrityError as exc:
        # A concurrent upload took the identifier or the version first.
        storage.delete(stored_name)
        raise SubmissionRejected([_version_taken(manifest)], status=409) from exc
    except BaseException:
        storage.delete(stored_name)
        raise
    logger.info("Submission %s created for %s %s", submission.pk, manifest.id, manifest.version)
    return submission


def _version_taken(manifest: pkgformat.Manifest) -> pkgformat.Problem:
    return _problem(
        "release.version_exists",
        f"Version {manifest.version} of '{manifest.id}' was uploaded before; "
        "a version is never replaced or reused. Bump the version.",
        "version",
        manifest.version,
    )


def submission_verify(*, submission: Submission) -> Submission:
    """Re-read the stored upload, verify it, record the findings, and move the submission on.

    Idempotent: a submission past the checks is returned unchanged, and a
    re-run after a crash replaces the findings of the earlier attempt.
    Moves ``pending``/``scanning`` to ``in-review``, or to ``rejected`` when
    the stored file no longer verifies (digest changed, key revoked since).
    """
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status not in CHECKING_STATUSES:
            return submission
        submission.status = SubmissionStatus.SCANNING
        submission.save(update_fields=["status", "updated_at"])

    findings: list[ScanFinding] = []
    rejected = False
    with submission.upload.open("rb") as fileobj:
        try:
            checked = _check_upload(
                publisher=submission.publisher,
                fileobj=fileobj,
                detached_signature=submission.detached_signature,
                public_key=submission.release.signing_key.public_key,
            )
        except SubmissionRejected as exc:
            rejected = True
            findings = [_finding_from_problem(p, Severity.CRITICAL) for p in exc.problems]
        else:
            if checked.inspection.sha256 != submission.upload_sha256:
                rejected = True
                findings.append(
                    ScanFinding(
                        code="artifact.digest_changed",
                        severity=Severity.CRITICAL,
                        message="The stored file differs from the one uploaded.",
                    )
                )
            findings += [_finding_from_problem(p, Severity.LOW) for p in checked.inspection.warnings]
            findings += [
                ScanFinding(
                    code=f.code,
                    severity=f.severity,
                    message=f.message,
                    path=f.path,
                    excerpt=f.excerpt,
                )
                for f in scanning.scan(checked.inspection)
            ]

    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status != SubmissionStatus.SCANNING:
            return submission
        submission.findings.all().delete()
        for finding in findings:
            finding.submission = submission
        ScanFinding.objects.bulk_create(findings)
        submission.checked_at = timezone.now()
        if rejected:
            submission.status = SubmissionStatus.REJECTED
            submission.reviewer_notes = "The automatic verification of the stored file failed."
            submission.decided_at = submission.checked_at
        else:
            submission.status = SubmissionStatus.IN_REVIEW
        submission.save()
        if not rejected and not submission.package.releases.published().exists():
            submission.package.status = ListingStatus.IN_REVIEW
            submission.package.save(update_fields=["status", "updated_at"])
    return submission


def _finding_from_problem(problem: pkgformat.Problem, severity: str) -> ScanFinding:
    return ScanFinding(
        code=problem.code,
        severity=severity,
        message=problem.message,
        field=problem.field or "",
        excerpt="" if problem.value is None else str(problem.value)[:500],
    )
