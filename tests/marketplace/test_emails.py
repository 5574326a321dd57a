"""The account e-mails (django-allauth's) in the site's layout, with links on the configured address."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import PASSWORD, make_user
from tests.marketplace.emails import assert_branded, html_part

pytestmark = pytest.mark.django_db

SITE = "https://market.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Plugin Market"


def _links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def test_sign_up_confirmation_has_both_parts_and_links_on_the_configured_site(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )

    (message,) = mail.outbox
    assert_branded(message)
    assert message.subject == "[Plugin Market] Confirm your e-mail address to finish signing up"
    confirm = [link for link in _links(message.body) if "/accounts/confirm-email/" in link]
    assert confirm and confirm[0].startswith(f"{SITE}/accounts/confirm-email/")
    assert f'href="{confirm[0]}"' in html_part(message)
    assert client.post(confirm[0].removeprefix(SITE), follow=True).status_code == 200


def test_signing_up_with_a_taken_address_says_so_with_a_reset_link(client, django_user_model):
    make_user(django_user_model, "taken")

    client.post(
        reverse("account_signup"),
        {
            "email": "taken@example.com",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )

    (message,) = mail.outbox
    assert_branded(message)
    assert "already exists" in message.body
    assert f"{SITE}/accounts/password/reset/" in message.body


def test_password_reset_link_is_on_the_configured_site(client, django_user_model):
    make_user(django_user_model, "forgetful")

    client.post(reverse("account_reset_password"), {"email": "forgetful@example.com"})

    (message,) = mail.outbox
    assert_branded(message)
    assert message.subject == "[Plugin Market] Reset your password"
    assert [link for link in _links(message.body) if "/accounts/password/reset/key/" in link][0].startswith(
        SITE
    )


def test_password_reset_for_an_unknown_address_offers_sign_up(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    (message,) = mail.outbox
    assert_branded(message)
    assert f"{SITE}/accounts/signup/" in message.body


def test_changing_the_password_sends_a_branded_notice(client, django_user_model):
    user = make_user(django_user_model, "changer")
    client.force_login(user)

    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "another sturdy passphrase 7",
            "password2": "another sturdy passphrase 7",
        },
    )

    (message,) = mail.outbox
    assert_branded(message)
    assert message.subject == "[Plugin Market] Your password was changed"
    assert "Your password was changed." in message.body


def test_a_message_with_its_own_html_fragment_is_framed_once(settings, tmp_path):
    from marketplace import emails

    (tmp_path / "note.txt").write_text("Plain {{ what }}.")
    (tmp_path / "note.html").write_text("<p><strong>Rich</strong> {{ what }}.</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    message = emails.build(template="note", subject="A note", to=["a@example.com"], context={"what": "news"})

    html = html_part(message)
    assert message.body.startswith("Plugin Market\n\nPlain news.")
    assert "<p><strong>Rich</strong> news.</p>" in html and "Plain news" not in html
    assert html.count("<html") == 1
    assert_branded(message)


def test_a_group_gets_one_message_each_and_nobody_sees_another_address(
    author, submit, build_pkg, django_user_model
):
    from catalog.constants import MemberRole
    from catalog.models import PublisherMember
    from moderation.notifications import mail_reviewers
    from publishing.services import submission_upload_notify

    colleague = make_user(django_user_model, "carol")
    PublisherMember.objects.create(publisher=author.publisher, user=colleague, role=MemberRole.MEMBER)
    reviewers = [make_user(django_user_model, name, is_staff=True) for name in ("rita", "sam")]
    submission = submit(build_pkg())
    mail.outbox.clear()

    assert submission_upload_notify(submission_id=submission.pk) == 2
    assert mail_reviewers(subject="Hello", template="moderation/emails/report_new.txt", context={}) == 2

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [author.email, colleague.email, *(user.email for user in reviewers)]
    )
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
