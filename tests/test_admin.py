"""The admin is signed into through allauth (marketplace/admin.py).

``/admin/login/`` checks no password itself: it sends visitors to allauth's login, with allauth's
rate limits and its two-factor step. Codes are real TOTP codes of the enrolled secret.
"""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from moderation.roles import REVIEWERS, roles_ensure
from tests.conftest import PASSWORD, make_user, totp_code
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"
#: allauth's answer once its ``login_failed`` rate limit is reached.
TOO_MANY = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def _production_rules(settings) -> None:
    """Both two-factor rules on, as in production; one period of tolerance, so a code made at the end
    of a 30-second period is still accepted when the request lands in the next one."""
    settings.MFA_REQUIRED_FOR_STAFF = True
    settings.MFA_REQUIRED_FOR_PUBLISHING = True
    settings.MFA_TOTP_TOLERANCE = 1


@pytest.fixture
def staff_author(author):
    """``author``'s user made staff in the Reviewers group, with TOTP enrolled; returns its secret."""
    author.user.is_staff = True
    author.user.save(update_fields=["is_staff"])
    author.user.groups.add(roles_ensure()[REVIEWERS])
    secret = generate_totp_secret()
    TOTP.activate(author.user, secret)
    return secret


def test_the_password_alone_at_admin_login_opens_nothing(client, author, staff_author):
    for login in (author.user.username, author.user.email):
        response = client.post(ADMIN_LOGIN, {"username": login, "password": PASSWORD, "next": "/admin/"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session

    assert client.get("/admin/").status_code == 302
    assert client.get(reverse("publishing:dashboard")).status_code == 302
    assert client.get(reverse("publishing:account-token-list")).status_code == 302
    create = client.post(
        reverse("publishing:token-create", args=[author.publisher.slug]), {"name": "ci", "expires_days": 30}
    )
    assert create.status_code == 302 and reverse("account_login") in create["Location"]
    assert not ApiToken.objects.exists()


def test_admin_login_goes_through_allauths_second_factor(client, author, staff_author):
    to_login = client.get(f"{ADMIN_LOGIN}?next=/admin/")
    assert to_login.status_code == 302
    login_url = to_login["Location"]

    password_step = client.post(login_url, {"login": author.user.email, "password": PASSWORD})
    assert password_step.status_code == 302
    assert password_step["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session

    second_step = client.post(reverse("mfa_authenticate"), {"code": totp_code(staff_author)})
    assert second_step.status_code == 302 and second_step["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("moderation-metrics")).status_code == 200
    assert client.get(reverse("publishing:dashboard")).status_code == 200
    created = client.post(
        reverse("publishing:token-create", args=[author.publisher.slug]), {"name": "ci", "expires_days": 30}
    )
    assert created.status_code == 302
    assert ApiToken.objects.get().publisher == author.publisher


def test_wrong_passwords_through_admin_login_meet_allauths_rate_limit(client, author, staff_author):
    answers = []
    for _ in range(25):
        response = client.post(ADMIN_LOGIN, {"username": author.user.email, "password": "wrong"})
        assert response.status_code == 302
        answers.append(client.post(response["Location"], {"login": author.user.email, "password": "wrong"}))
    right_password = client.post(reverse("account_login"), {"login": author.email, "password": PASSWORD})

    limited = [TOO_MANY in answer.content.decode() or answer.status_code == 429 for answer in answers]
    assert not any(limited[:5]) and all(limited[10:])
    assert TOO_MANY in right_password.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_without_two_factor_are_sent_to_enrol(client, django_user_model, settings):
    staff = make_user(django_user_model, "stan", is_staff=True)
    staff.groups.add(roles_ensure()[REVIEWERS])
    logged_in = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert logged_in.status_code == 302 and "_auth_user_id" in client.session

    refused = client.get("/admin/", follow=True)

    assert refused.redirect_chain[0][0].startswith(reverse("mfa_activate_totp"))
    assert "staff accounts must enrol an authenticator app" in refused.content.decode()
    assert "auth.staff_mfa_required" in refused.content.decode()
    assert client.get(reverse("moderation-metrics"))["Location"].startswith(reverse("mfa_activate_totp"))
    assert client.get(reverse("admin:logout")).status_code in (200, 405)

    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_customers_are_refused_the_admin(client, user):
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert client.get(ADMIN_LOGIN).status_code == 403
    assert client.get("/admin/").status_code == 302


def test_a_signed_in_user_cannot_switch_accounts_at_admin_login(
    client, author, staff_author, django_user_model
):
    other = make_user(django_user_model, "oscar", is_staff=True)
    client.post(reverse("account_login"), {"login": author.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(staff_author)})
    assert client.session["_auth_user_id"] == str(author.user.pk)

    response = client.post(ADMIN_LOGIN, {"username": other.username, "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert client.session["_auth_user_id"] == str(author.user.pk)


def test_staff_enrol_then_pass_the_second_factor_to_open_the_admin(client, django_user_model):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    staff = make_user(django_user_model, "stan", is_staff=True)
    staff.groups.add(roles_ensure()[REVIEWERS])
    client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})

    to_enrol = client.get("/admin/")
    # allauth asks for the password again before an authenticator is added, then shows the secret.
    to_confirm = client.get(to_enrol["Location"])
    confirmed = client.post(to_confirm["Location"], {"password": PASSWORD})
    enrol_page = client.get(confirmed["Location"])
    secret = client.session[SECRET_SESSION_KEY]
    enrolled = client.post(confirmed["Location"], {"code": totp_code(secret)})
    to_pass = client.get("/admin/")
    passed = client.post(to_pass["Location"], {"code": totp_code(secret)})

    assert to_enrol["Location"].startswith(reverse("mfa_activate_totp"))
    assert confirmed["Location"] == to_enrol["Location"]
    assert enrol_page.status_code == 200 and enrolled.status_code == 302
    assert to_pass["Location"].startswith(reverse("mfa_reauthenticate"))
    assert passed.status_code == 302 and passed["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
