"""Watching a package: the toggle, the button and the e-mail to watchers on a new release."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from catalog import watch
from catalog.models import Package, Watch
from moderation import services as moderation
from tests.conftest import make_user
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(author) -> Package:
    """hello-connector 1.0.0 of ``author``'s publisher, signed with their key (so 1.1.0 can follow)."""
    return PublishedPackageFactory(
        identifier="hello-connector",
        display_name="Hello Connector",
        publisher=author.publisher,
        release__signing_key=author.key,
        release__private_key=author.signing_key,
    )


@pytest.fixture
def bob(django_user_model):
    return make_user(django_user_model, "bob")


def test_watch_and_unwatch_are_idempotent(package, bob):
    first = watch.watch_create(package=package, user=bob)
    again = watch.watch_create(package=package, user=bob)
    assert first.pk == again.pk and Watch.objects.count() == 1

    watch.watch_delete(package=package, user=bob)
    watch.watch_delete(package=package, user=bob)
    assert not Watch.objects.exists()


def test_toggle(package, bob):
    assert watch.watch_toggle(package=package, user=bob) is True
    assert watch.watch_toggle(package=package, user=bob) is False
    assert watch.watch_toggle(package=package, user=bob) is True
    assert list(Watch.objects.values_list("user", flat=True)) == [bob.pk]


def test_the_button_posts_and_toggles_with_the_count(client, package, bob):
    url = reverse("engagement:watch-toggle", args=[package.identifier])
    detail = package.get_absolute_url()
    client.force_login(bob)

    before = client.get(detail).content.decode()
    watched = client.post(url, follow=True)
    unwatched = client.post(url, follow=True)

    assert f'action="{url}"' in before and "0 watchers" in before and 'aria-pressed="false"' in before
    assert watched.redirect_chain[-1][0] == detail
    page = watched.content.decode()
    assert "1 watcher ·" in page and 'aria-pressed="true"' in page
    assert "You will get an e-mail when Hello Connector has a new release." in page
    assert "You no longer watch Hello Connector." in unwatched.content.decode()
    assert not Watch.objects.exists()


def test_the_button_needs_a_login_and_a_post(client, package):
    url = reverse("engagement:watch-toggle", args=[package.identifier])

    anonymous = client.post(url)
    get = client.get(url)
    page = client.get(package.get_absolute_url()).content.decode()

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert "next=/packages/hello-connector/" in anonymous["Location"]
    assert get.status_code == 405
    assert "Log in to watch" in page
    assert not Watch.objects.exists()


def test_unknown_package_is_not_found(client, bob):
    client.force_login(bob)
    assert client.post(reverse("engagement:watch-toggle", args=["nothing-here"])).status_code == 404


def test_watchers_get_one_email_each(package, bob, django_user_model):
    carol = make_user(django_user_model, "carol")
    make_user(django_user_model, "dave")  # Does not watch.
    gone = make_user(django_user_model, "erin", is_active=False)
    for user in (bob, carol, gone):
        watch.watch_create(package=package, user=user)
    release = package.latest_release
    mail.outbox.clear()

    assert watch.release_watchers_send(release_id=release.pk) == 2

    assert sorted(m.to[0] for m in mail.outbox) == [bob.email, carol.email]
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    message = mail.outbox[0]
    assert message.subject == "[Argent Marketplace] Hello Connector 1.0.0 is out"
    assert "version:  1.0.0" in message.body
    assert "/packages/hello-connector/" in message.body
    assert "mkt update hello-connector" in message.body


def test_no_email_for_a_yanked_release(package, bob, reviewer):
    watch.watch_create(package=package, user=bob)
    release = package.latest_release
    moderation.release_yank(release=release, reviewer=reviewer, reason="Broken.")
    mail.outbox.clear()

    assert watch.release_watchers_send(release_id=release.pk) == 0
    assert mail.outbox == []


def test_approving_a_new_release_emails_watchers(
    package, bob, build_pkg, submit, reviewer, django_capture_on_commit_callbacks
):
    watch.watch_create(package=package, user=bob)
    submission = submit(build_pkg(version="1.1.0"))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        moderation.submission_approve(submission=submission, reviewer=reviewer)

    to_bob = [m for m in mail.outbox if m.to == [bob.email]]
    assert len(to_bob) == 1 and "1.1.0 is out" in to_bob[0].subject
