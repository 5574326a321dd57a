"""Publisher verification: requests by members, grants and refusals by staff, the page and the admin."""

from __future__ import annotations

import pytest
from django.core import mail

from catalog.constants import VerificationLevel
from moderation.constants import Action
from moderation.models import Decision, VerificationRequest
from moderation.services import DecisionError
from moderation.verification import (
    verification_grant,
    verification_refuse,
    verification_request_create,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/publishers/alice-tools/verification/"


@pytest.fixture
def publisher(author):
    return author.publisher


def _request(publisher, user, level="verified", evidence="alice.example DNS TXT record"):
    return verification_request_create(publisher=publisher, user=user, level=level, evidence=evidence)


def test_a_member_requests_a_level_and_the_publisher_keeps_its_own_until_granted(
    publisher, user, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = _request(publisher, user)

    assert (request.status, request.requested_level, request.requested_by) == ("pending", "verified", user)
    publisher.refresh_from_db()
    assert publisher.verification == VerificationLevel.UNVERIFIED
    [message] = mail.outbox
    assert message.to == [reviewer.email] and "alice.example DNS TXT record" in message.body


def test_grant_sets_the_level_logs_and_emails_the_members(
    publisher, user, reviewer, django_capture_on_commit_callbacks
):
    request = _request(publisher, user)

    with django_capture_on_commit_callbacks(execute=True):
        verification_grant(request=request, reviewer=reviewer, note="DNS checked.")

    publisher.refresh_from_db()
    request.refresh_from_db()
    assert publisher.verification == VerificationLevel.VERIFIED
    assert (request.status, request.decided_by, request.note) == ("granted", reviewer, "DNS checked.")
    grant = Decision.objects.get(action=Action.VERIFICATION_GRANT)
    assert (grant.publisher, grant.status_before, grant.status_after) == (publisher, "pending", "granted")
    [message] = mail.outbox
    assert message.to == [user.email] and "granted" in message.subject and "DNS checked." in message.body
    with pytest.raises(DecisionError, match="granted already"):
        verification_refuse(request=request, reviewer=reviewer, note="Too late.")


def test_refuse_needs_a_note_and_keeps_the_level(
    publisher, user, reviewer, django_capture_on_commit_callbacks
):
    request = _request(publisher, user)
    with pytest.raises(DecisionError, match="note is required"):
        verification_refuse(request=request, reviewer=reviewer, note="")

    with django_capture_on_commit_callbacks(execute=True):
        verification_refuse(request=request, reviewer=reviewer, note="The domain does not match.")

    publisher.refresh_from_db()
    assert publisher.verification == VerificationLevel.UNVERIFIED
    refuse = Decision.objects.get(action=Action.VERIFICATION_REFUSE)
    assert refuse.publisher == publisher and "domain does not match" in refuse.note
    assert "refused" in mail.outbox[0].subject


def test_request_rules(publisher, user, reviewer, django_user_model):
    stranger = make_user(django_user_model, "mallory")
    with pytest.raises(DecisionError, match="Only members"):
        _request(publisher, stranger)
    with pytest.raises(DecisionError, match="not a level one can request"):
        _request(publisher, user, level="pending")
    with pytest.raises(DecisionError, match="Evidence is required"):
        _request(publisher, user, evidence=" ")

    request = _request(publisher, user)
    with pytest.raises(DecisionError, match="pending already"):
        _request(publisher, user, level="trusted")

    verification_grant(request=request, reviewer=reviewer)
    with pytest.raises(DecisionError, match="verified already"):
        _request(publisher, user, level="verified")
    assert _request(publisher, user, level="partner").status == "pending"


# --- the page ----------------------------------------------------------------------------------------


def test_the_dashboard_links_to_the_verification_page(client, publisher, user):
    client.force_login(user)

    assert URL in client.get("/dashboard/").content.decode()


def test_a_member_requests_verification_on_the_page_and_sees_past_requests(client, publisher, user, reviewer):
    client.force_login(user)
    page = client.get(URL).content.decode()
    assert "Partner" in page and "No request yet" in page

    response = client.post(URL, {"level": "trusted", "evidence": "Company register entry 12345."})

    assert response.status_code == 302
    request = VerificationRequest.objects.get()
    assert (request.requested_level, request.requested_by) == ("trusted", user)
    page = client.get(URL).content.decode()
    assert "Pending" in page and "A request is pending" in page

    verification_refuse(request=request, reviewer=reviewer, note="Send the register extract.")
    page = client.get(URL).content.decode()
    assert "Refused" in page and "Send the register extract." in page
    assert client.post(URL, {"level": "unverified", "evidence": "x"}).status_code == 200  # Not a choice.


def test_the_page_is_for_members_only(client, publisher, django_user_model):
    assert client.get(URL).status_code == 302  # Login first.
    client.force_login(make_user(django_user_model, "mallory"))

    assert client.get(URL).status_code == 403
    assert client.get("/publishers/nobody/verification/").status_code == 404


def test_a_service_refusal_shows_on_the_page(client, publisher, user):
    client.force_login(user)
    _request(publisher, user)
    # The form offers no level while a request is pending; a stale form posting one is refused by the service.
    response = client.post(URL, {"level": "verified", "evidence": "again"})

    assert "pending already" in response.content.decode()
    assert VerificationRequest.objects.count() == 1


# --- admin --------------------------------------------------------------------------------------------


def test_admin_lists_pending_first_and_grants_or_refuses(
    client, publisher, user, reviewer, publish, build_pkg
):
    old = _request(publisher, user)
    verification_refuse(request=old, reviewer=reviewer, note="No.")
    pending = _request(publisher, user)
    client.force_login(reviewer)
    changelist = "/admin/moderation/verificationrequest/"

    response = client.get(changelist)
    assert [r.pk for r in response.context["cl"].result_list] == [pending.pk, old.pk]
    assert client.get(f"{changelist}{pending.pk}/change/").status_code == 200

    response = client.post(
        changelist, {"action": "refuse", "_selected_action": [pending.pk], "note": ""}, follow=True
    )
    assert "note is required" in response.content.decode()
    response = client.post(
        changelist, {"action": "grant", "_selected_action": [pending.pk], "note": ""}, follow=True
    )
    assert "Requests granted: 1." in response.content.decode()
    publisher.refresh_from_db()
    assert publisher.verification == VerificationLevel.VERIFIED

    trusted = _request(publisher, user, level="trusted")
    client.post(changelist, {"action": "refuse", "_selected_action": [trusted.pk], "note": "Not yet."})
    trusted.refresh_from_db()
    assert trusted.status == "refused"
