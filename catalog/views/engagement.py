"""Pages for reviews, the watch button and publisher statistics.

The listing page (``catalog.views.public.PackageDetailView``) shows the reviews and
the watch button through the ``package_engagement`` template tag
(``catalog/templatetags/engagement.py``), which calls :func:`listing_context`.
Every form here POSTs with a CSRF token and works without JavaScript.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from .. import reviews, stats, watch
from ..models import Package, Publisher, Review, Watch

#: Reviews shown on the listing page; the rest are on the reviews page.
LISTING_REVIEWS = 10

RATING_CHOICES = [
    (5, "5 stars: excellent"),
    (4, "4 stars: good"),
    (3, "3 stars: fair"),
    (2, "2 stars: poor"),
    (1, "1 star: does not work for me"),
]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect)
    text = forms.CharField(
        label="Your review",
        required=False,
        max_length=reviews.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What works well, what does not. Other customers read this.",
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply",
        max_length=reviews.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="You can reply once; the customer gets an e-mail.",
    )


@dataclass
class ListingEngagement:
    """What the listing page's reviews and watch partials need, in a fixed number of queries."""

    package: Package
    reviews: list[Review]
    own_review: Review | None
    reason: str
    is_member: bool
    watchers: int
    watching: bool
    form: ReviewForm | None = None
    reply_form: ReplyForm = field(default_factory=ReplyForm)

    @property
    def more(self) -> bool:
        """True when there are visible reviews the listing page does not show."""
        shown = len(self.reviews) + (1 if self.own_review and not self.own_review.hidden_reason else 0)
        return self.package.rating_count > shown


def listing_context(*, package: Package, user: AbstractBaseUser) -> ListingEngagement:
    """The latest visible reviews, the user's own review and what they may do; at most five queries."""
    visible = Review.objects.filter(package=package, hidden_reason="").select_related("user")
    own = None
    reason = "Log in to review this package."
    is_member = False
    if user.is_authenticated:
        own = Review.objects.filter(package=package, user=user).first()
        visible = visible.exclude(user=user)
        is_member = package.publisher.has_member(user)
        reason = "" if own else reviews.review_eligibility(user=user, package=package, is_member=is_member)
    counts = Watch.objects.filter(package=package).aggregate(
        total=Count("pk"),
        mine=Count("pk", filter=Q(user_id=user.pk) if user.is_authenticated else Q(pk=None)),
    )
    form = None
    if user.is_authenticated and not reason:
        form = ReviewForm(initial={"rating": own.rating, "text": own.text} if own else None)
    return ListingEngagement(
        package=package,
        reviews=list(visible[:LISTING_REVIEWS]),
        own_review=own,
        reason=reason,
        is_member=is_member,
        watchers=counts["total"],
        watching=bool(counts["mine"]),
        form=form,
    )


def _package(identifier: str) -> Package:
    return get_object_or_404(Package.objects.reachable().select_related("publisher"), identifier=identifier)


def _reviews_url(package: Package) -> str:
    return package.get_absolute_url() + "#reviews"


class ReviewListView(ListView):
    """Every visible review of a package, newest first."""

    template_name = "catalog/review_list.html"
    context_object_name = "reviews"
    paginate_by = 20

    def get_queryset(self):
        self.package = _package(self.kwargs["identifier"])
        return Review.objects.filter(package=self.package, hidden_reason="").select_related("user")

    def get_context_data(self, **kwargs):
        return super().get_context_data(package=self.package, **kwargs)


@login_required
def review_edit(request: HttpRequest, identifier: str) -> HttpResponse:
    """Write or edit the signed-in customer's review (the listing page's form posts here too)."""
    package = _package(identifier)
    own = Review.objects.filter(package=package, user=request.user).first()
    initial = {"rating": own.rating, "text": own.text} if own else None
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.review_save(
                package=package,
                user=request.user,
                rating=form.cleaned_data["rating"],
                text=form.cleaned_data["text"],
            )
        except reviews.ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Your review was saved." if own else "Thank you: your review is published."
            )
            return redirect(_reviews_url(package))
    reason = "" if own else reviews.review_eligibility(user=request.user, package=package)
    context = {"package": package, "form": form, "own_review": own, "reason": reason, "mode": "review"}
    return render(request, "catalog/review_form.html", context, status=403 if reason else 200)


@login_required
def review_reply(request: HttpRequest, identifier: str, pk: int) -> HttpResponse:
    """The publisher's one reply to a review; members of the package's publisher only."""
    package = _package(identifier)
    review = get_object_or_404(Review.objects.select_related("user"), pk=pk, package=package)
    if not package.publisher.has_member(request.user):
        raise PermissionDenied("Only the package's publisher can reply to a review.")
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reviews.review_reply(review=review, user=request.user, text=form.cleaned_data["text"])
        except reviews.ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your reply is published; the customer was e-mailed.")
            return redirect(_reviews_url(package))
    context = {"package": package, "form": form, "review": review, "mode": "reply"}
    return render(request, "catalog/review_form.html", context)


@require_POST
def watch_toggle(request: HttpRequest, identifier: str) -> HttpResponse:
    """Watch the package, or stop watching it; then back to the listing."""
    package = _package(identifier)
    if not request.user.is_authenticated:
        return redirect_to_login(package.get_absolute_url())
    watching = watch.watch_toggle(package=package, user=request.user)
    if watching:
        messages.success(request, f"You will get an e-mail when {package.display_name} has a new release.")
    else:
        messages.info(request, f"You no longer watch {package.display_name}.")
    return redirect(package.get_absolute_url())


def _member_publisher(request: HttpRequest, slug: str) -> Publisher:
    publisher = get_object_or_404(Publisher, slug=slug)
    if not publisher.has_member(request.user):
        raise PermissionDenied("You are not a member of this publisher.")
    return publisher


def _stats(request: HttpRequest, publisher: Publisher) -> tuple[stats.PublisherStats, list, Package | None]:
    """The statistics for ``?package=`` (one of the publisher's packages) or all of them."""
    packages = list(publisher.packages.order_by("identifier").only("identifier", "display_name", "publisher"))
    wanted = request.GET.get("package", "")
    package = next((p for p in packages if p.identifier == wanted), None)
    return stats.publisher_stats(publisher=publisher, package=package), packages, package


@login_required
def publisher_stats(request: HttpRequest, slug: str) -> HttpResponse:
    """Downloads and installs of the publisher's packages over 90 days: charts and a per-version table."""
    publisher = _member_publisher(request, slug)
    data, packages, package = _stats(request, publisher)
    context = {
        "publisher": publisher,
        "stats": data,
        "packages": packages,
        "package": package,
        "downloads_chart": stats.chart(data.days, data.downloads),
        "installs_chart": stats.chart(data.days, data.installs),
    }
    return render(request, "publishing/publisher_stats.html", context)


@login_required
def publisher_stats_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The same statistics as CSV: one row per day and version with any activity."""
    publisher = _member_publisher(request, slug)
    data, _, package = _stats(request, publisher)
    name = f"{package.identifier if package else publisher.slug}-stats-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv.writer(response).writerows(stats.csv_rows(data))
    return response
