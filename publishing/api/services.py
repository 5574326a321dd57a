"""The API's way into :func:`publishing.services.submission_create`, and waiting for the checks.

The token decides the publisher and uploader; the request's own rules (a
package-scoped token, a ``manifest`` sent beside the file, the kind named by
the Cloud OS path) are passed to ``submission_create``, which checks them with
the package's, so a client sees every broken rule at once.
"""

from __future__ import annotations

import time

import argent_pkg as pkgformat

from publishing import services
from publishing.constants import CHECKING_STATUSES, Severity
from publishing.models import Submission
from tokens.models import ApiToken

#: Seconds between two reads of a submission's status while a client waits.
WAIT_POLL_SECONDS = 0.25
#: The most a client may wait for the checks, in seconds (docs/api.md, "Publishing").
MAX_WAIT_SECONDS = 60
#: Findings at these severities are reported as warnings in the publish reply.
WARNING_SEVERITIES = (Severity.INFO, Severity.LOW)


def api_submission_create(
    *,
    token: ApiToken,
    upload,
    filename: str,
    release_notes: str = "",
    detached_signature: str | None = None,
    public_key: str | None = None,
    declared_manifest: dict | None = None,
    expected_kind: str | None = None,
    client_ip: str | None = None,
) -> Submission:
    """Create a submission for an API upload with :func:`services.submission_create`.

    Args:
        token: the authenticated token; its publisher is the uploader's and its user the uploader.
        upload: the package file (at most ``PACKAGE_MAX_COMPRESSED_BYTES`` bytes), seekable.
        filename: the client's file name, for display.
        release_notes: ``metadata.changelog``.
        detached_signature: ``metadata.signature``, base64 Ed25519 over the file's SHA-256.
        public_key: ``metadata.authorPublicKey``, base64 of 32 bytes.
        declared_manifest: the request's ``manifest`` part, which must equal the one inside.
        expected_kind: the kind the URL names (Cloud OS path), e.g. ``"connector"``.
        client_ip: the uploader's address, recorded on the submission.

    Raises:
        SubmissionRejected: 400 with every broken rule, 403 (an account token:
            ``token.install_only``; a staff token: ``token.not_author``; token not allowed),
            409 (identifier or version taken), 413 (too large).
    """
    if token.scope == ApiToken.Scope.INSTALL:
        raise services.SubmissionRejected(
            [
                pkgformat.Problem(
                    code="token.install_only",
                    message="This is an account token: it installs and reads, but cannot publish. Publish "
                    "with an author token created under Publish → API tokens of your publisher.",
                )
            ],
            status=403,
        )
    if token.is_staff_token or token.publisher is None:
        raise services.SubmissionRejected(
            [
                pkgformat.Problem(
                    code="token.not_author", message="Publishing needs an author token of a publisher."
                )
            ],
            status=403,
        )
    return services.submission_create(
        publisher=token.publisher,
        uploader=token.user,
        upload=upload,
        filename=filename,
        release_notes=release_notes,
        detached_signature=detached_signature,
        public_key=public_key,
        api_token=token,
        client_ip=client_ip,
        allowed_identifier=token.package.identifier if token.package_id else None,
        declared_manifest=declared_manifest,
        expected_kind=expected_kind,
    )


def submission_wait(*, submission: Submission, seconds: float) -> Submission:
    """Re-read ``submission`` until its automatic checks finish or ``seconds`` pass (at most 60).

    Returns the submission as last read; its ``outcome`` says whether the checks finished.
    """
    deadline = time.monotonic() + min(max(seconds, 0), MAX_WAIT_SECONDS)
    # The checks may have finished already (eager tasks, or a fast worker).
    submission.refresh_from_db(fields=["status", "flagged", "updated_at"])
    while submission.status in CHECKING_STATUSES and time.monotonic() < deadline:
        time.sleep(min(WAIT_POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        submission.refresh_from_db(fields=["status", "flagged", "updated_at"])
    return submission


def submission_warnings(*, submission: Submission) -> list[dict]:
    """The reply's ``warnings``: the submission's low and info findings, as ``{"code", "field", "message"}``."""
    return [
        {"code": f.code, "field": f.field or f.path or None, "message": f.message}
        for f in submission.findings.filter(severity__in=WARNING_SEVERITIES).order_by("code", "pk")
    ]
