"""The moderation service: approve publishes, reject and request changes need a note."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail
from django.core.files.storage import storages

from catalog.constants import ListingStatus
from moderation import services
from moderation.models import Decision
from publishing.constants import SubmissionStatus

pytestmark = pytest.mark.django_db


def _decision_mails():
    """The e-mails about decisions (not those about uploads, nor the transparency log's monitors)."""
    return [m for m in mail.outbox if "was uploaded" not in m.subject and "Transparency log" not in m.subject]


def test_approve_publishes_the_release_and_the_listing(
    submit, build_pkg, reviewer, django_capture_on_commit_callbacks
):
    pkg = build_pkg()
    submission = submit(pkg)

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_approve(submission=submission, reviewer=reviewer, note="Looks good.")

    submission.refresh_from_db()
    release, package = submission.release, submission.package
    assert submission.status == SubmissionStatus.APPROVED
    assert submission.decided_by == reviewer and submission.reviewer_notes == "Looks good."
    assert release.published_at is not None
    assert package.status == ListingStatus.PUBLISHED and package.latest_release == release
    with storages["packages"].open(release.artifact.name) as artifact:
        assert hashlib.sha256(artifact.read()).hexdigest() == pkg.sha256
    decision = Decision.objects.get()
    assert (decision.action, decision.status_before, decision.status_after) == (
        "approve",
        "in-review",
        "approved",
    )
    decision_mails = _decision_mails()
    assert len(decision_mails) == 1
    assert "hello-connector 1.0.0 was approved and published" in decision_mails[0].subject
    assert decision_mails[0].to == [submission.publisher.members.get().email]


def test_approve_twice_is_refused(submit, build_pkg, reviewer):
    submission = submit(build_pkg())
    services.submission_approve(submission=submission, reviewer=reviewer)

    with pytest.raises(services.DecisionError, match="approved"):
        services.submission_approve(submission=submission, reviewer=reviewer)
    assert Decision.objects.count() == 1


@pytest.mark.parametrize(
    ("decide", "status", "listing"),
    [
        (services.submission_reject, SubmissionStatus.REJECTED, ListingStatus.REJECTED),
        (
            services.submission_request_changes,
            SubmissionStatus.CHANGES_REQUESTED,
            ListingStatus.DRAFT,
        ),
    ],
)
def test_reject_and_request_changes_need_a_note_the_author_sees(
    submit, build_pkg, reviewer, decide, status, listing, django_capture_on_commit_callbacks
):
    submission = submit(build_pkg())
    with pytest.raises(services.DecisionError, match="note"):
        decide(submission=submission, reviewer=reviewer, note="  ")

    with django_capture_on_commit_callbacks(execute=True):
        decide(
            submission=submission,
            reviewer=reviewer,
            note="The README promises tools that do not exist.",
        )

    submission.refresh_from_db()
    assert submission.status == status
    assert submission.reviewer_notes == "The README promises tools that do not exist."
    assert submission.package.status == listing
    assert submission.release.published_at is None
    assert "The README promises tools that do not exist." in _decision_mails()[0].body


def test_latest_version_is_the_greatest_stable_published_one(submit, build_pkg, reviewer):
    for version in ["1.0.0", "2.0.0-beta.1", "1.2.0", "1.1.5"]:
        submission = submit(build_pkg(version=version))
        services.submission_approve(submission=submission, reviewer=reviewer)

    package = submission.package
    package.refresh_from_db()
    assert package.latest_release.version == "1.2.0"
    assert services.latest_version(package).version == "1.2.0"


def test_listing_fields_follow_the_latest_release(submit, build_pkg, reviewer):
    services.submission_approve(
        submission=submit(build_pkg(version="2.0.0", name="New Name")), reviewer=reviewer
    )
    backport = submit(build_pkg(version="1.9.1", name="Old Name"))
    services.submission_approve(submission=backport, reviewer=reviewer)

    backport.package.refresh_from_db()
    assert backport.package.display_name == "New Name"
    assert backport.package.latest_release.version == "2.0.0"
