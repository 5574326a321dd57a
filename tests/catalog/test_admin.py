"""Listing actions in the admin: suspend, unsuspend, deprecate, unlist and yank, each through the service."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.constants import ListingStatus
from catalog.models import Package, Release
from moderation.constants import Action
from moderation.models import Decision
from tests.conftest import make_user
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db

PACKAGES = reverse("admin:catalog_package_changelist")
RELEASES = reverse("admin:catalog_release_changelist")


@pytest.fixture
def package(author):
    return PublishedPackageFactory(
        identifier="hello-connector", display_name="Hello Connector", publisher=author.publisher
    )


@pytest.fixture
def other(author):
    return PublishedPackageFactory(
        identifier="other-connector", display_name="Other Connector", publisher=author.publisher
    )


def _act(client, url, action, obj, **data):
    return client.post(url, {"action": action, "_selected_action": [obj.pk], **data}, follow=True)


def test_suspend_needs_a_reason_and_unsuspend_lifts_it(client, reviewer, package):
    client.force_login(reviewer)

    refused = _act(client, PACKAGES, "suspend", package)
    package.refresh_from_db()
    assert "A reason is required." in refused.content.decode()
    assert package.status == ListingStatus.PUBLISHED

    done = _act(client, PACKAGES, "suspend", package, reason="Malware reported.")
    package.refresh_from_db()
    assert "Suspended 1 listing(s)." in done.content.decode()
    assert (package.status, package.status_reason) == (ListingStatus.SUSPENDED, "Malware reported.")

    _act(client, PACKAGES, "unsuspend", package, reason="False alarm.")
    package.refresh_from_db()
    assert package.status == ListingStatus.PUBLISHED
    assert list(Decision.objects.filter(package=package).values_list("action", "reviewer", "note"))[:2] == [
        (Action.UNSUSPEND, reviewer.pk, "False alarm."),
        (Action.SUSPEND, reviewer.pk, "Malware reported."),
    ]


def test_deprecate_with_a_replacement(client, reviewer, package, other):
    client.force_login(reviewer)

    unknown = _act(client, PACKAGES, "deprecate", package, reason="Old.", replacement="nope")
    assert "No package &#x27;nope&#x27;" in unknown.content.decode()

    _act(client, PACKAGES, "deprecate", package, reason="Use the other one.", replacement=other.identifier)

    package.refresh_from_db()
    assert package.status == ListingStatus.DEPRECATED
    assert package.replacement == other
    assert package.status_reason == "Use the other one."


def test_unlist(client, reviewer, package):
    client.force_login(reviewer)

    _act(client, PACKAGES, "unlist", package)

    package.refresh_from_db()
    assert package.status == ListingStatus.UNLISTED
    assert Decision.objects.filter(package=package, action=Action.UNLIST).exists()


def test_yank_a_release(client, reviewer, package):
    release = package.latest_release
    client.force_login(reviewer)

    refused = _act(client, RELEASES, "yank", release)
    assert "A reason is required." in refused.content.decode()

    done = _act(client, RELEASES, "yank", release, reason="Broken build.")

    release.refresh_from_db()
    assert "Yanked 1 release(s)." in done.content.decode()
    assert (release.yanked, release.yanked_reason) == (True, "Broken build.")
    assert Decision.objects.filter(release=release, action=Action.YANK, note="Broken build.").exists()


def test_releases_are_read_only_but_offer_yank(client, reviewer, package):
    release = package.latest_release
    client.force_login(reviewer)

    changelist = client.get(RELEASES).content.decode()
    change = client.post(reverse("admin:catalog_release_change", args=[release.pk]), {"version": "9.9.9"})

    release.refresh_from_db()
    assert 'value="yank"' in changelist and 'value="delete_selected"' not in changelist
    assert change.status_code == 403
    assert release.version == "1.0.0"


def _staff_with(django_user_model, *codenames):
    user = make_user(django_user_model, "mod", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_actions_follow_the_permission_codenames(client, django_user_model, package):
    viewer = _staff_with(django_user_model, "view_package", "view_release")
    client.force_login(viewer)

    packages = client.get(PACKAGES).content.decode()
    releases = client.get(RELEASES).content.decode()
    refused = _act(client, PACKAGES, "suspend", package, reason="x")

    package.refresh_from_db()
    assert 'value="suspend"' not in packages and 'value="yank"' not in releases
    assert package.status == ListingStatus.PUBLISHED
    assert refused.status_code == 200


def test_moderators_cannot_unsuspend_without_the_permission(client, django_user_model, package):
    moderator = _staff_with(django_user_model, "view_package", "view_release", "moderate_package")
    client.force_login(moderator)

    packages = client.get(PACKAGES).content.decode()
    releases = client.get(RELEASES).content.decode()
    _act(client, PACKAGES, "suspend", package, reason="Malware.")

    package.refresh_from_db()
    assert 'value="suspend"' in packages and 'value="deprecate"' in packages and 'value="unlist"' in packages
    assert 'value="unsuspend"' not in packages
    assert 'value="yank"' in releases
    assert package.status == ListingStatus.SUSPENDED
    assert Package.objects.get(pk=package.pk).status_reason == "Malware."
    assert Release.objects.filter(package=package, yanked=False).exists()
