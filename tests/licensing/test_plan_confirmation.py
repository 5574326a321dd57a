"""After paying for a plan: a success message on the plan page and an e-mail saying what it allows and when it renews."""

from __future__ import annotations

import pytest
from django.core import mail

from licensing.models import Subscription
from tests.conftest import PASSWORD, make_user
from tests.marketplace.emails import assert_branded, html_part

pytestmark = pytest.mark.django_db

PAGE = "/account/plan/"


def test_upgrading_confirms_on_the_page_and_by_e_mail(
    client, django_user_model, django_capture_on_commit_callbacks
):
    buyer = make_user(django_user_model, "upgrader")
    client.login(username=buyer.username, password=PASSWORD)
    start = client.post("/account/plan/pro/subscribe/")

    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(start["Location"], {"action": "pay"})
    page = client.get(paid["Location"]).content.decode()

    renews = Subscription.objects.get(user=buyer).current_period_end
    assert "You are now on the Pro plan." in page
    assert f"It renews on {renews.day} {renews:%b %Y}" in page
    (message,) = [m for m in mail.outbox if "plan" in m.subject]
    assert_branded(message)
    assert message.to == [buyer.email]
    assert message.subject.endswith("You are on the Pro plan")
    assert "- publishing packages" in message.body
    assert "Price: $9.00 per month." in message.body
    assert "Renews: " in message.body and "every month, until you cancel" in message.body
    assert "/account/plan/" in html_part(message)
