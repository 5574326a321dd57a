"""``marketplace.text``: names are one line without control characters; mail subjects never break.

Before: a publisher name with CR/LF was stored, and every e-mail whose subject
named it raised ``BadHeaderError`` (the Senior reviewer's verification decision
answered 500); a token name with one stopped the daily expiry warnings.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from nacl.signing import SigningKey as NaclKey

from catalog.models import Publisher
from licensing.models import Activation
from moderation.verification import verification_grant, verification_request_create
from publishing.models import SigningKey
from tests.conftest import make_user, public_key_b64
from tokens import services as token_services
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

#: The code of the refusal (docs/error-codes.md); a literal, so that this file also runs on older code.
CONTROL_CHARACTER_CODE = "text.control_character"
BAD_NAMES = ["Evil\r\nBcc: victim@example.com", "tab\there", "nul\x00", "line\u2028separator", "del\x7f"]


def test_the_rule():
    from marketplace.text import has_control_characters, header_safe

    assert not has_control_characters("Alice Tools — café 😀")
    assert all(has_control_characters(name) for name in BAD_NAMES)
    assert header_safe("A\r\nBcc: x\t y") == "A Bcc: x y"


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_publisher_name_with_control_characters_is_refused(client, user, name):
    client.force_login(user)
    response = client.post("/publishers/create/", {"name": name, "slug": "evil", "type": "individual"})
    assert response.status_code == 200
    assert response.context["form"].has_error("name", CONTROL_CHARACTER_CODE)
    assert not Publisher.objects.filter(slug="evil").exists()


@pytest.mark.parametrize("name", BAD_NAMES)
def test_token_names_and_key_labels_with_control_characters_are_refused(client, author, name):
    client.force_login(author.user)
    account = client.post("/account/tokens/create/", {"name": name, "expires_days": 30})
    publisher = client.post("/publishers/alice-tools/tokens/create/", {"name": name, "expires_days": 30})
    key = client.post(
        "/publishers/alice-tools/keys/", {"label": name, "public_key": public_key_b64(NaclKey.generate())}
    )
    assert account.context["form"].has_error("name", CONTROL_CHARACTER_CODE)
    assert publisher.context["form"].has_error("name", CONTROL_CHARACTER_CODE)
    assert key.context["form"].has_error("label", CONTROL_CHARACTER_CODE)
    assert not ApiToken.objects.exists()
    assert SigningKey.objects.count() == 1


def test_an_activation_name_with_control_characters_is_refused_by_the_api(client):
    from tests.factories import LicenseFactory

    license = LicenseFactory()
    response = client.post(
        "/api/v1/activate", {"key": license.key, "instance_id": "box\r\n1"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == CONTROL_CHARACTER_CODE
    assert not Activation.objects.exists()


def test_a_stored_name_with_a_line_break_still_mails(
    author, django_user_model, django_capture_on_commit_callbacks
):
    """Rows from before the rule: the verification e-mails go out with the line break made a space."""
    Publisher.objects.filter(pk=author.publisher.pk).update(name="Alice\r\nBcc: victim@example.com")
    author.publisher.refresh_from_db()
    senior = make_user(django_user_model, "sven", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = verification_request_create(
            publisher=author.publisher, user=author.user, level="verified", evidence="DNS TXT record"
        )
    with django_capture_on_commit_callbacks(execute=True):
        verification_grant(request=request, reviewer=senior, note="Checked.")
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 2
    assert all("Alice Bcc: victim@example.com" in subject for subject in subjects)


def test_a_token_name_with_a_line_break_does_not_stop_the_expiry_warnings(author, django_user_model):
    now = timezone.now()
    bad, _ = token_services.api_token_create(user=author.user, publisher=author.publisher, name="ci")
    good, _ = token_services.api_token_create(user=author.user, publisher=author.publisher, name="laptop")
    ApiToken.objects.filter(pk=bad.pk).update(name="ci\r\nBcc: victim@example.com")
    ApiToken.objects.update(expires_at=now + dt.timedelta(days=2))

    assert token_services.api_tokens_warn_expiring(now=now) == 2
    assert sorted(message.subject.split("”")[0] for message in mail.outbox) == [
        "[Argent Marketplace] Your API token “ci Bcc: victim@example.com",
        "[Argent Marketplace] Your API token “laptop",
    ]
