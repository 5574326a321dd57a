"""Hiding a customer's review and showing it again: a reviewer's decision, written to the audit log.

The review rules themselves (who may review, the rating) are in ``catalog.reviews``; hiding takes
the review out of the rating in the same transaction, with the package row locked.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from catalog.models import Review
from catalog.reviews import (
    HIDDEN_REASON_MAX,
    HIDE_PERMISSION,
    ReviewError,
    package_lock_for_rating,
    package_rating_refresh,
)

from .constants import Action
from .transitions import audit_log


def _require_reviewer(reviewer: AbstractBaseUser) -> None:
    if not (reviewer.is_active and reviewer.is_staff and reviewer.has_perm(HIDE_PERMISSION)):
        raise ReviewError("Only reviewers may hide or show reviews.")


def review_hide(*, review: Review, reviewer: AbstractBaseUser, reason: str) -> Review:
    """Hide ``review`` from the public with ``reason`` (its author still sees it, with the reason).

    Writes the audit log and removes the review from the package's rating.

    Raises:
        ReviewError: ``reviewer`` lacks :data:`HIDE_PERMISSION`, the reason is
            empty or too long, or the review is already hidden.
    """
    _require_reviewer(reviewer)
    reason = reason.strip()
    if not reason:
        raise ReviewError("Give the reason for hiding the review.")
    if len(reason) > HIDDEN_REASON_MAX:
        raise ReviewError(f"Keep the reason under {HIDDEN_REASON_MAX} characters.")
    with transaction.atomic():
        package = package_lock_for_rating(review.package)
        review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
        if review.hidden_reason:
            raise ReviewError("This review is already hidden.")
        review.hidden_reason = reason
        review.save(update_fields=["hidden_reason", "updated_at"])
        audit_log(
            action=Action.HIDE_REVIEW,
            reviewer=reviewer,
            note=f"Review #{review.pk} by {review.user}: {reason}",
            package=package,
            before="visible",
            after="hidden",
        )
        package_rating_refresh(package=package)
    return review


def review_unhide(*, review: Review, reviewer: AbstractBaseUser, note: str = "") -> Review:
    """Show a hidden review again; writes the audit log and counts it in the rating again.

    Raises:
        ReviewError: ``reviewer`` lacks :data:`HIDE_PERMISSION` or the review is not hidden.
    """
    _require_reviewer(reviewer)
    with transaction.atomic():
        package = package_lock_for_rating(review.package)
        review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
        if not review.hidden_reason:
            raise ReviewError("This review is not hidden.")
        previous = review.hidden_reason
        review.hidden_reason = ""
        review.save(update_fields=["hidden_reason", "updated_at"])
        audit_log(
            action=Action.UNHIDE_REVIEW,
            reviewer=reviewer,
            note=f"Review #{review.pk} by {review.user} (hidden for: {previous}). {note.strip()}".strip(),
            package=package,
            before="hidden",
            after="visible",
        )
        package_rating_refresh(package=package)
    return review
