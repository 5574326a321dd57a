"""Author pages: publishers, keys, the upload form and the submission page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from catalog.models import Publisher
from publishing.models import SigningKey, Submission
from tests.conftest import make_user, public_key_b64, totp_code

pytestmark = pytest.mark.django_db


def test_author_pages_need_login(client):
    response = client.get(reverse("publishing:dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_create_publisher_makes_the_user_its_owner(client, user):
    client.force_login(user)

    response = client.post(
        reverse("publishing:publisher-create"),
        {"name": "Acme", "slug": "acme", "type": "organization"},
    )

    publisher = Publisher.objects.get(slug="acme")
    assert response.status_code == 302 and response["Location"] == reverse(
        "publishing:key-list", args=["acme"]
    )
    assert publisher.has_member(user)
    assert client.post(
        reverse("publishing:publisher-create"), {"name": "A", "slug": "acme", "type": "individual"}
    ).context["form"].errors["slug"] == ["This slug is taken."]


def test_register_key_shows_fingerprint_and_errors(client, author):
    from nacl.signing import SigningKey as NaclKey

    client.force_login(author.user)
    url = reverse("publishing:key-list", args=[author.publisher.slug])

    bad = client.post(url, {"label": "bad", "public_key": "not-a-key"})
    good = client.post(url, {"label": "ci", "public_key": public_key_b64(NaclKey.generate())}, follow=True)

    assert "not an Ed25519 public key" in bad.content.decode()
    key = SigningKey.objects.get(label="ci")
    assert key.fingerprint.startswith("SHA256:")
    assert key.fingerprint in good.content.decode()


def test_non_members_cannot_upload(client, author, django_user_model):
    client.force_login(make_user(django_user_model, "mallory"))

    response = client.get(reverse("publishing:upload", args=[author.publisher.slug]))

    assert response.status_code == 403


def test_upload_form_shows_every_broken_rule(client, author, build_pkg):
    client.force_login(author.user)
    pkg = build_pkg(version="one", tags=["UPPER"])

    with open(pkg.path, "rb") as fh:
        response = client.post(reverse("publishing:upload", args=[author.publisher.slug]), {"package": fh})

    body = response.content.decode()
    assert response.status_code == 400
    assert len(response.context["problems"]) >= 2
    for problem in response.context["problems"]:
        assert problem.code in body
    assert not Submission.objects.exists()


def test_upload_form_creates_a_submission_and_shows_its_outcome(
    client, author, build_pkg, django_capture_on_commit_callbacks
):
    client.force_login(author.user)
    pkg = build_pkg({"run.py": b"import subprocess\n"})

    with open(pkg.path, "rb") as fh, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("publishing:upload", args=[author.publisher.slug]),
            {"package": fh, "release_notes": "Initial release."},
        )
    submission = Submission.objects.get()
    body = client.get(response["Location"]).content.decode()

    assert response["Location"] == submission.get_absolute_url()
    assert submission.release_notes == "Initial release."
    assert submission.status == "in-review"
    assert "Waiting for a reviewer" in body
    assert "scan.undeclared_process" in body
    assert "run.py:1: import subprocess" in body
    status = client.get(reverse("publishing:submission-status", args=[submission.pk]))
    assert status.status_code == 200 and "hx-get" not in status.content.decode()


def test_submission_page_is_private_to_the_publisher(client, author, build_pkg, django_user_model):
    client.force_login(author.user)
    with open(build_pkg().path, "rb") as fh:
        client.post(reverse("publishing:upload", args=[author.publisher.slug]), {"package": fh})
    submission = Submission.objects.get()

    client.force_login(make_user(django_user_model, "eve"))

    assert client.get(submission.get_absolute_url()).status_code == 403


def redirect_target(response) -> tuple[str, str | None]:
    """The path a redirect sends to, and its ``next`` parameter."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    return location.path, parse_qs(location.query).get("next", [None])[0]


@pytest.mark.parametrize("url_name", ["publishing:upload", "publishing:key-list"])
def test_two_factor_authentication_is_required_to_publish(client, author, settings, url_name):
    """The session must have passed the second factor; having an authenticator is not enough."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    settings.MFA_REQUIRED_FOR_PUBLISHING = True
    settings.MFA_TOTP_TOLERANCE = 1
    client.force_login(author.user)
    url = reverse(url_name, args=[author.publisher.slug])

    without_authenticator = client.get(url)
    secret = generate_totp_secret()
    TOTP.activate(author.user, secret)
    without_second_factor = client.get(url)
    passed = client.post(
        f"{reverse('mfa_reauthenticate')}?{urlencode({'next': url})}", {"code": totp_code(secret)}
    )
    allowed = client.get(url)

    assert redirect_target(without_authenticator) == (reverse("mfa_activate_totp"), url)
    assert redirect_target(without_second_factor) == (reverse("mfa_reauthenticate"), url)
    assert passed.status_code == 302 and passed["Location"] == url
    assert allowed.status_code == 200


def test_revoke_a_key_with_a_reason(client, author, build_pkg):
    client.force_login(author.user)
    url = reverse("publishing:key-revoke", args=[author.publisher.slug, author.key.pk])

    without_reason = client.post(url, {"reason": ""}, follow=True)
    author.key.refresh_from_db()
    assert author.key.revoked_at is None
    assert "Give a reason" in without_reason.content.decode()

    client.post(url, {"reason": "laptop lost"})
    author.key.refresh_from_db()
    assert author.key.revoked_at is not None and author.key.revoked_reason == "laptop lost"
    with open(build_pkg().path, "rb") as fh:
        response = client.post(reverse("publishing:upload", args=[author.publisher.slug]), {"package": fh})
    assert response.status_code == 400
    assert "signature.key_revoked" in response.content.decode()


def test_upload_over_the_size_cap_is_refused_before_it_is_read(client, author, build_pkg, settings):
    settings.PACKAGE_MAX_COMPRESSED_BYTES = 200
    client.force_login(author.user)

    with open(build_pkg().path, "rb") as fh:
        response = client.post(reverse("publishing:upload", args=[author.publisher.slug]), {"package": fh})

    assert response.status_code == 413
    assert "archive.too_large" in response.content.decode()
    assert not Submission.objects.exists()


def test_paid_release_waits_for_a_payout_account_and_says_why(client, author, submit, build_pkg, reviewer):
    from moderation import services as moderation

    submission = submit(build_pkg(pricing="pro", price_cents=1900))
    client.force_login(author.user)

    body = client.get(submission.get_absolute_url()).content.decode()

    assert "This paid release cannot be published yet" in body
    with pytest.raises(moderation.DecisionError, match="payout account"):
        moderation.submission_approve(submission=submission, reviewer=reviewer)
