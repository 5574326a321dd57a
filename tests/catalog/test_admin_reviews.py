"""The review admin: read-only, with hide and show-again actions that take a reason and write the audit log."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from catalog import reviews
from catalog.models import Install, Review
from moderation.constants import Action
from moderation.models import Decision
from tests.conftest import make_user
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(author, django_user_model) -> Review:
    package = PublishedPackageFactory(
        identifier="hello-connector", display_name="Hello Connector", publisher=author.publisher
    )
    bob = make_user(django_user_model, "bob")
    Install.objects.create(package=package, user=bob)
    return reviews.review_save(package=package, user=bob, rating=1, text="Spam spam spam.")


def _act(client, action, review, **data):
    url = reverse("admin:catalog_review_changelist")
    return client.post(url, {"action": action, "_selected_action": [review.pk], **data}, follow=True)


def test_hide_needs_a_reason_then_logs_and_show_again(client, reviewer, review):
    client.force_login(reviewer)

    refused = _act(client, "hide", review)
    review.refresh_from_db()
    assert "Give the reason for hiding the review." in refused.content.decode()
    assert review.hidden_reason == ""

    done = _act(client, "hide", review, reason="Spam.")
    review.refresh_from_db()
    assert "Hid 1 review(s)." in done.content.decode()
    assert review.hidden_reason == "Spam."
    assert Decision.objects.filter(action=Action.HIDE_REVIEW, reviewer=reviewer).count() == 1

    _act(client, "unhide", review, reason="Appeal.")
    review.refresh_from_db()
    assert review.hidden_reason == ""
    assert Decision.objects.filter(action=Action.UNHIDE_REVIEW).count() == 1


def test_reviews_are_read_only(client, reviewer, review):
    client.force_login(reviewer)

    changelist = client.get(reverse("admin:catalog_review_changelist"))
    change = client.post(reverse("admin:catalog_review_change", args=[review.pk]), {"rating": "5"})
    delete = client.post(reverse("admin:catalog_review_delete", args=[review.pk]), {"post": "yes"})

    assert changelist.status_code == 200 and "Spam spam spam." in changelist.content.decode()
    assert change.status_code == 403 and delete.status_code == 403
    review.refresh_from_db()
    assert review.rating == 1
    assert client.get(reverse("admin:catalog_review_add")).status_code == 403


def test_the_reviewers_group_may_hide_and_others_may_not(client, django_user_model, review):
    from moderation.roles import REVIEWERS, roles_ensure

    roles_ensure()
    member = make_user(django_user_model, "rev", is_staff=True)
    member.groups.add(Group.objects.get(name=REVIEWERS))
    viewer = make_user(django_user_model, "viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_review"))

    client.force_login(viewer)
    page = client.get(reverse("admin:catalog_review_changelist")).content.decode()
    _act(client, "hide", review, reason="No.")
    review.refresh_from_db()
    assert 'value="hide"' not in page and review.hidden_reason == ""

    client.force_login(member)
    page = client.get(reverse("admin:catalog_review_changelist")).content.decode()
    _act(client, "hide", review, reason="Off-topic.")
    review.refresh_from_db()
    assert 'value="hide"' in page and review.hidden_reason == "Off-topic."
