"""Ratings and reviews: who may review, editing, the publisher's one reply.

Rules:

* A customer may review a package once (the ``one_review_per_customer``
  constraint); saving again edits the same row.
* Only customers who installed the package (an ``Install`` row with their
  account) or bought it (:func:`has_purchased`) may review it; members of
  the package's publisher may not review their own package.
* A member of the package's publisher may reply to a review once; the
  review's author gets an e-mail.
* A reviewer holding :data:`HIDE_PERMISSION` may hide a review with a
  reason and show it again (``moderation.reviews``); both are written to the audit log.
* ``Package.rating_average`` (one decimal, rounded half up) and
  ``Package.rating_count`` count visible reviews only and are recomputed in
  the same transaction as every change, with the package row locked.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from marketplace import emails

from .entitlements import entitlements
from .models import Install, Package, Review

#: The permission that lets a reviewer hide a review and show it again. It is
#: the listing-moderation permission the ``Reviewers`` group already holds
#: (``moderation.roles``): hiding a review is moderating the listing.
HIDE_PERMISSION = "catalog.moderate_package"

#: Longest reason a reviewer may give (``Review.hidden_reason``).
HIDDEN_REASON_MAX = Review._meta.get_field("hidden_reason").max_length
#: Longest review and reply text.
TEXT_MAX = 5000

ONE_DECIMAL = Decimal("0.1")


class ReviewError(Exception):
    """A review rule was broken; the message is shown to the user as it is."""


def has_purchased(user: AbstractBaseUser, package: Package) -> bool:
    """True when ``user`` holds a paid license of ``package`` (licensing answers, :mod:`catalog.entitlements`).

    :func:`review_eligibility` is its only caller.
    """
    return entitlements().has_purchased(user, package)


def has_installed(user: AbstractBaseUser, package: Package) -> bool:
    """True when a client reported an install of ``package`` signed in as ``user``."""
    return Install.objects.filter(package=package, user=user).exists()


def review_eligibility(*, user: AbstractBaseUser, package: Package, is_member: bool | None = None) -> str:
    """Why ``user`` may not review ``package``, or ``""`` when they may.

    ``is_member`` saves a query when the caller already knows whether ``user``
    is a member of the package's publisher.
    """
    if not user.is_authenticated:
        return "Log in to review this package."
    if is_member is None:
        is_member = package.publisher.has_member(user)
    if is_member:
        return "You publish this package, so you cannot review it."
    if not (has_installed(user, package) or has_purchased(user, package)):
        return "Install or buy this package to review it."
    return ""


def package_lock_for_rating(package: Package) -> Package:
    """Lock the package row, so concurrent review changes recompute the rating one after another."""
    return Package.objects.select_for_update(of=("self",)).get(pk=package.pk)


def rating_summary(*, package: Package) -> tuple[Decimal, int]:
    """The average (one decimal, half up) and the count of ``package``'s visible reviews."""
    totals = Review.objects.filter(package=package, hidden_reason="").aggregate(
        total=Sum("rating"), count=Count("pk")
    )
    count = totals["count"] or 0
    if not count:
        return Decimal("0.0"), 0
    average = (Decimal(totals["total"]) / Decimal(count)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    return average, count


def package_rating_refresh(*, package: Package) -> Package:
    """Store ``package``'s rating average and count; call it inside the transaction that changed a review."""
    average, count = rating_summary(package=package)
    # ``update()`` leaves ``updated_at`` alone: a review does not make the listing "recently updated".
    Package.objects.filter(pk=package.pk).update(rating_average=average, rating_count=count)
    package.rating_average, package.rating_count = average, count
    return package


def review_save(*, package: Package, user: AbstractBaseUser, rating: int, text: str) -> Review:
    """Create ``user``'s review of ``package`` or edit it; returns the review.

    Editing a hidden review keeps it hidden: only a reviewer shows it again.

    Raises:
        ReviewError: the user may not review the package, or the rating is not 1 to 5.
    """
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ReviewError("Choose a rating from 1 to 5 stars.")
    text = text.strip()
    if len(text) > TEXT_MAX:
        raise ReviewError(f"Keep the review under {TEXT_MAX} characters.")
    reason = review_eligibility(user=user, package=package)
    if reason:
        raise ReviewError(reason)
    with transaction.atomic():
        locked = package_lock_for_rating(package)
        review, _ = Review.objects.update_or_create(
            package=locked, user=user, defaults={"rating": rating, "text": text}
        )
        package_rating_refresh(package=package)
    return review


def review_reply(*, review: Review, user: AbstractBaseUser, text: str) -> Review:
    """Publish the publisher's one reply to ``review``; e-mails the review's author on commit.

    Raises:
        ReviewError: ``user`` is not a member of the package's publisher, the
            review already has a reply, or the text is empty.
    """
    text = text.strip()
    if not text:
        raise ReviewError("Write a reply.")
    if len(text) > TEXT_MAX:
        raise ReviewError(f"Keep the reply under {TEXT_MAX} characters.")
    if not review.package.publisher.has_member(user):
        raise ReviewError("Only the package's publisher can reply to a review.")
    with transaction.atomic():
        review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
        if review.reply:
            raise ReviewError("The publisher has already replied to this review.")
        review.reply = text
        review.replied_at = timezone.now()
        review.save(update_fields=["reply", "replied_at", "updated_at"])
        transaction.on_commit(lambda: _notify_reply(review.pk))
    return review


def _notify_reply(review_id: int) -> None:
    """E-mail the review's author that the publisher replied."""
    review = Review.objects.select_related("user", "package__publisher").get(pk=review_id)
    if not review.user.email:
        return
    package = review.package
    context = {
        "review": review,
        "package": package,
        "url": settings.SITE_URL + package.get_absolute_url() + "#reviews",
    }
    emails.send(
        template="catalog/emails/review_reply",
        subject=f"{package.publisher.name} replied to your review of {package.identifier}",
        to=[review.user.email],
        context=context,
    )
