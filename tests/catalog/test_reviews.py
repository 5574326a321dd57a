"""Ratings and reviews: the rules of ``catalog.reviews``, its pages and the listing page's reviews."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog import reviews
from catalog.models import Install, Package, Review
from moderation import reviews as review_moderation
from moderation.constants import Action
from moderation.models import Decision
from tests.conftest import make_user
from tests.factories import PublishedPackageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def package(author) -> Package:
    return PublishedPackageFactory(
        identifier="hello-connector", display_name="Hello Connector", publisher=author.publisher
    )


#: Queries of the listing page for a signed-in customer, reviews and watch button included.
PAGE_QUERIES_SIGNED_IN = 12


def customer(django_user_model, package: Package, name: str = "bob"):
    """A user who installed ``package``."""
    user = make_user(django_user_model, name)
    Install.objects.create(package=package, release=package.latest_release, user=user)
    return user


@pytest.fixture
def bob(django_user_model, package):
    return customer(django_user_model, package)


def detail(package: Package) -> str:
    return reverse("catalog:package-detail", args=[package.identifier])


# --- who may review ---------------------------------------------------------------------


def test_a_customer_who_installed_reviews_once_and_editing_keeps_one_row(package, bob):
    first = reviews.review_save(package=package, user=bob, rating=3, text="  Works.  ")
    second = reviews.review_save(package=package, user=bob, rating=5, text="Works well now.")

    assert first.pk == second.pk
    assert Review.objects.filter(package=package).count() == 1
    second.refresh_from_db()
    assert (second.rating, second.text) == (5, "Works well now.")
    package.refresh_from_db()
    assert (package.rating_average, package.rating_count) == (Decimal("5.0"), 1)


def test_only_customers_who_installed_or_bought_may_review(package, django_user_model, author, monkeypatch):
    stranger = make_user(django_user_model, "carol")

    with pytest.raises(reviews.ReviewError, match="Install or buy this package to review it."):
        reviews.review_save(package=package, user=stranger, rating=4, text="")
    with pytest.raises(reviews.ReviewError, match="You publish this package"):
        reviews.review_save(package=package, user=author.user, rating=5, text="Mine is great.")
    assert not Review.objects.exists()

    # Purchases arrive through the has_purchased hook.
    assert reviews.has_purchased(stranger, package) is False
    monkeypatch.setattr(reviews, "has_purchased", lambda user, package: user == stranger)
    assert reviews.review_save(package=package, user=stranger, rating=4, text="").pk


def test_another_users_install_or_another_package_does_not_qualify(package, bob, django_user_model, author):
    other = PublishedPackageFactory(
        identifier="other-connector", display_name="Other Connector", publisher=author.publisher
    )
    carol = make_user(django_user_model, "carol")
    Install.objects.create(package=other, user=carol)
    Install.objects.create(package=package, tenant_id="tenant-1")

    with pytest.raises(reviews.ReviewError):
        reviews.review_save(package=package, user=carol, rating=4, text="")


@pytest.mark.parametrize("rating", [0, 6, "5", True, None])
def test_rating_must_be_one_to_five(package, bob, rating):
    with pytest.raises(reviews.ReviewError, match="1 to 5"):
        reviews.review_save(package=package, user=bob, rating=rating, text="")


def test_review_text_has_a_limit(package, bob):
    with pytest.raises(reviews.ReviewError, match="under"):
        reviews.review_save(package=package, user=bob, rating=4, text="x" * (reviews.TEXT_MAX + 1))


# --- the rating on the package ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "average"),
    [
        ((4, 5), "4.5"),
        ((4, 4, 5), "4.3"),
        ((5, 5, 4), "4.7"),
        ((1, 2), "1.5"),
        # 4.25 rounds half up to 4.3 (banker's rounding would give 4.2).
        ((5,) * 5 + (4,) * 15, "4.3"),
        # 4.15 (83 / 20) rounds half up to 4.2.
        ((5,) * 3 + (4,) * 17, "4.2"),
        ((5,), "5.0"),
    ],
)
def test_average_has_one_decimal_rounded_half_up(package, django_user_model, ratings, average):
    for i, rating in enumerate(ratings):
        reviews.review_save(
            package=package, user=customer(django_user_model, package, f"c{i}"), rating=rating, text=""
        )

    package.refresh_from_db()
    assert package.rating_average == Decimal(average)
    assert package.rating_count == len(ratings)


def test_rating_average_of_no_reviews_is_zero(package):
    assert reviews.rating_summary(package=package) == (Decimal("0.0"), 0)


# --- the publisher's reply ------------------------------------------------------------------


def test_a_member_replies_once_and_the_customer_gets_an_email(
    package, bob, author, django_capture_on_commit_callbacks
):
    review = reviews.review_save(package=package, user=bob, rating=2, text="Crashes on start.")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        replied = reviews.review_reply(review=review, user=author.user, text="Fixed in 1.0.1, thanks!")

    assert replied.reply == "Fixed in 1.0.1, thanks!" and replied.replied_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [bob.email]
    assert "Alice Tools replied to your review of hello-connector" in message.subject
    assert "Fixed in 1.0.1, thanks!" in message.body and "Crashes on start." in message.body
    assert "/packages/hello-connector/#reviews" in message.body

    with pytest.raises(reviews.ReviewError, match="already replied"):
        reviews.review_reply(review=review, user=author.user, text="Another reply.")
    review.refresh_from_db()
    assert review.reply == "Fixed in 1.0.1, thanks!"


def test_only_members_of_the_publisher_reply(package, bob, django_user_model):
    review = reviews.review_save(package=package, user=bob, rating=2, text="")
    carol = customer(django_user_model, package, "carol")

    with pytest.raises(reviews.ReviewError, match="Only the package's publisher"):
        reviews.review_reply(review=review, user=carol, text="I am not the author.")
    with pytest.raises(reviews.ReviewError, match="Write a reply"):
        reviews.review_reply(review=review, user=bob, text="   ")
    review.refresh_from_db()
    assert review.reply == ""


# --- hiding ------------------------------------------------------------------------------


def test_hiding_logs_an_audit_entry_and_removes_it_from_the_average(
    package, bob, reviewer, django_user_model
):
    carol = customer(django_user_model, package, "carol")
    reviews.review_save(package=package, user=bob, rating=4, text="Good.")
    spam = reviews.review_save(package=package, user=carol, rating=1, text="Buy cheap watches at …")
    package.refresh_from_db()
    assert (package.rating_average, package.rating_count) == (Decimal("2.5"), 2)

    review_moderation.review_hide(review=spam, reviewer=reviewer, reason="Spam.")

    spam.refresh_from_db()
    package.refresh_from_db()
    assert spam.hidden_reason == "Spam."
    assert (package.rating_average, package.rating_count) == (Decimal("4.0"), 1)
    entry = Decision.objects.get(action=Action.HIDE_REVIEW)
    assert (entry.reviewer, entry.package, entry.status_before, entry.status_after) == (
        reviewer,
        package,
        "visible",
        "hidden",
    )
    assert "Spam." in entry.note and f"#{spam.pk}" in entry.note

    with pytest.raises(reviews.ReviewError, match="already hidden"):
        review_moderation.review_hide(review=spam, reviewer=reviewer, reason="Again.")

    review_moderation.review_unhide(review=spam, reviewer=reviewer, note="Appeal accepted.")

    package.refresh_from_db()
    assert (package.rating_average, package.rating_count) == (Decimal("2.5"), 2)
    unhide = Decision.objects.get(action=Action.UNHIDE_REVIEW)
    assert "Appeal accepted." in unhide.note and "Spam." in unhide.note
    with pytest.raises(reviews.ReviewError, match="not hidden"):
        review_moderation.review_unhide(review=spam, reviewer=reviewer)


def test_hiding_needs_the_permission_and_a_reason(package, bob, django_user_model):
    review = reviews.review_save(package=package, user=bob, rating=1, text="Meh.")
    staff = make_user(django_user_model, "staff", is_staff=True)
    moderator = make_user(django_user_model, "mod", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_package"))

    with pytest.raises(reviews.ReviewError, match="Only reviewers"):
        review_moderation.review_hide(review=review, reviewer=staff, reason="No.")
    with pytest.raises(reviews.ReviewError, match="Only reviewers"):
        review_moderation.review_hide(review=review, reviewer=bob, reason="No.")
    with pytest.raises(reviews.ReviewError, match="Give the reason"):
        review_moderation.review_hide(review=review, reviewer=moderator, reason="  ")
    with pytest.raises(reviews.ReviewError, match="under"):
        review_moderation.review_hide(review=review, reviewer=moderator, reason="x" * 301)
    assert not Decision.objects.filter(action=Action.HIDE_REVIEW).exists()

    review_moderation.review_hide(review=review, reviewer=moderator, reason="Off-topic.")
    assert Decision.objects.filter(action=Action.HIDE_REVIEW, reviewer=moderator).exists()


def test_editing_a_hidden_review_keeps_it_hidden(package, bob, reviewer):
    review = reviews.review_save(package=package, user=bob, rating=1, text="Rude words.")
    review_moderation.review_hide(review=review, reviewer=reviewer, reason="Abusive language.")

    reviews.review_save(package=package, user=bob, rating=2, text="Still rude.")

    review.refresh_from_db()
    package.refresh_from_db()
    assert review.hidden_reason == "Abusive language."
    assert package.rating_count == 0


# --- the listing page ----------------------------------------------------------------------


def test_listing_shows_the_average_the_reviews_and_replies(client, package, bob, author, django_user_model):
    carol = customer(django_user_model, package, "carol")
    review = reviews.review_save(package=package, user=bob, rating=4, text="Solid connector.")
    reviews.review_save(package=package, user=carol, rating=5, text="Love it.")
    reviews.review_reply(review=review, user=author.user, text="Thanks Bob!")

    body = client.get(detail(package)).content.decode()

    assert "4.5" in body and "2 reviews" in body
    assert 'aria-label="4.5 out of 5 stars"' in body
    assert "Solid connector." in body and "Love it." in body
    assert "Reply from Alice Tools" in body and "Thanks Bob!" in body
    assert "Log in to review this package." in body
    assert "Log in to watch" in body


def test_hidden_reviews_are_shown_only_to_their_author(client, package, bob, reviewer, django_user_model):
    review = reviews.review_save(package=package, user=bob, rating=1, text="Visit my shop.")
    review_moderation.review_hide(review=review, reviewer=reviewer, reason="Advertising")

    public = client.get(detail(package)).content.decode()
    client.force_login(customer(django_user_model, package, "carol"))
    other = client.get(detail(package)).content.decode()
    client.force_login(bob)
    own = client.get(detail(package)).content.decode()

    assert "Visit my shop." not in public and "Visit my shop." not in other
    assert "Visit my shop." in own
    assert "Hidden by a reviewer: Advertising" in own


def test_who_sees_which_form(client, package, bob, author, django_user_model):
    stranger = make_user(django_user_model, "carol")
    review = reviews.review_save(package=package, user=bob, rating=3, text="Fine.")
    edit_url = reverse("engagement:review-edit", args=[package.identifier])
    reply_url = reverse("engagement:review-reply", args=[package.identifier, review.pk])

    client.force_login(stranger)
    stranger_page = client.get(detail(package)).content.decode()
    client.force_login(bob)
    bob_page = client.get(detail(package)).content.decode()
    client.force_login(author.user)
    author_page = client.get(detail(package)).content.decode()

    assert "Install or buy this package to review it." in stranger_page
    assert f'action="{edit_url}"' not in stranger_page
    assert f'action="{edit_url}"' in bob_page and "Edit your review" in bob_page
    assert 'name="csrfmiddlewaretoken"' in bob_page
    assert f'action="{reply_url}"' in author_page and f'action="{reply_url}"' not in bob_page
    assert "You publish this package, so you cannot review it." in author_page


def test_listing_shows_the_latest_ten_and_links_to_all(client, package, django_user_model):
    for i in range(12):
        reviews.review_save(
            package=package, user=customer(django_user_model, package, f"c{i}"), rating=4, text=f"Review {i}."
        )

    page = client.get(detail(package))
    everything = client.get(reverse("engagement:review-list", args=[package.identifier]))

    assert len(page.context["engagement"].reviews) == 10
    assert "Review 11." in page.content.decode() and "Review 0." not in page.content.decode()
    assert reverse("engagement:review-list", args=[package.identifier]) in page.content.decode()
    assert "See all 12 reviews" in page.content.decode()
    assert all(f"Review {i}." in everything.content.decode() for i in range(12))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_listing_reviews_cost_a_fixed_number_of_queries(client, package, author, django_user_model):
    url = detail(package)
    anonymous_before = _queries(client, url)
    client.force_login(customer(django_user_model, package, "viewer"))

    def add_reviews(start: int, stop: int) -> None:
        for i in range(start, stop):
            review = reviews.review_save(
                package=package, user=customer(django_user_model, package, f"c{i}"), rating=4, text="Ok."
            )
            reviews.review_reply(review=review, user=author.user, text="Thanks.")

    add_reviews(0, 2)
    few = _queries(client, url)
    add_reviews(2, 12)
    many = _queries(client, url)
    client.logout()
    anonymous_after = _queries(client, url)

    assert few == many, "the reviews must not cost a query each (N+1)"
    assert anonymous_before == anonymous_after
    # Signed in: the session and user, the reviews, the viewer's review, membership, install, watches.
    assert many - anonymous_after == 5
    assert many <= PAGE_QUERIES_SIGNED_IN, many


# --- the review pages ----------------------------------------------------------------------


def test_review_form_posts_create_then_edit(client, package, bob):
    url = reverse("engagement:review-edit", args=[package.identifier])
    client.force_login(bob)

    created = client.post(url, {"rating": "4", "text": "Good."})
    edited = client.post(url, {"rating": "5", "text": "Great."}, follow=True)

    assert created.status_code == 302 and created["Location"].endswith("/packages/hello-connector/#reviews")
    assert "Your review was saved." in edited.content.decode()
    assert list(Review.objects.values_list("rating", "text")) == [(5, "Great.")]


def test_review_form_errors_and_refusals(client, package, bob, django_user_model):
    url = reverse("engagement:review-edit", args=[package.identifier])

    anonymous = client.get(url)
    client.force_login(bob)
    invalid = client.post(url, {"rating": "9", "text": "x"})
    form_page = client.get(url)
    client.force_login(make_user(django_user_model, "carol"))
    stranger = client.post(url, {"rating": "5", "text": "Never installed it."})

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert invalid.status_code == 200 and "Select a valid choice" in invalid.content.decode()
    assert form_page.status_code == 200 and 'name="rating"' in form_page.content.decode()
    assert stranger.status_code == 403
    assert "Install or buy this package to review it." in stranger.content.decode()
    assert not Review.objects.exists()


def test_reply_page_is_for_members_and_once(client, package, bob, author, django_capture_on_commit_callbacks):
    review = reviews.review_save(package=package, user=bob, rating=3, text="Ok.")
    url = reverse("engagement:review-reply", args=[package.identifier, review.pk])
    mail.outbox.clear()

    client.force_login(bob)
    refused = client.post(url, {"text": "Hijack."})
    client.force_login(author.user)
    form = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"text": "Thanks!"})
    again = client.post(url, {"text": "Twice."})

    assert refused.status_code == 403
    assert form.status_code == 200 and "Ok." in form.content.decode()
    assert done.status_code == 302
    assert again.status_code == 200 and "already replied" in again.content.decode()
    review.refresh_from_db()
    assert review.reply == "Thanks!"
    assert [m.to for m in mail.outbox] == [[bob.email]]


def test_review_pages_of_an_unpublished_package_are_not_found(client, author, bob):
    assert client.get(reverse("engagement:review-list", args=["nothing-here"])).status_code == 404
