"""Accounts through django-allauth: sign up, verify the e-mail address, log in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_up_verify_email_and_reach_the_dashboard(client, django_user_model):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("publishing:dashboard")).status_code == 302
    assert len(mail.outbox) == 1
    confirm_url = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", mail.outbox[0].body).group(1)

    confirmed = client.post(confirm_url, follow=True)

    assert confirmed.status_code == 200
    user = django_user_model.objects.get(email="new@example.com")
    assert user.emailaddress_set.get().verified
    assert client.get(reverse("publishing:dashboard")).status_code == 200


def test_unverified_user_cannot_log_in(client, django_user_model):
    from tests.conftest import PASSWORD, make_user

    make_user(django_user_model, "pending", verified=False)

    response = client.post(reverse("account_login"), {"login": "pending@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
