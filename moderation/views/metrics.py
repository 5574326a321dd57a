"""The moderation metrics page in the admin (``/admin/metrics/``), for staff who may see submissions
(and whose session passed two-factor authentication when ``MFA_REQUIRED_FOR_STAFF`` is on)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from marketplace.mfa import staff_mfa_required

from .. import metrics
from ..constants import Action

#: Who may open the page (besides being staff).
REQUIRED_PERMISSION = "publishing.view_submission"


def _duration(value: timedelta | None) -> str:
    """``"2 d 3 h"``, ``"3 h 5 min"``, ``"4 min"``; an em dash without data."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@staff_member_required
@staff_mfa_required
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Queue sizes, time to decision, decisions per reviewer and outcome, and the queue over 30 days."""
    if not request.user.has_perm(REQUIRED_PERMISSION):
        raise PermissionDenied
    now = timezone.now()
    days = metrics.WINDOW_DAYS
    times = metrics.time_to_decision(now=now, days=days)
    series = metrics.queue_size_series(now=now, days=days)
    outcomes = metrics.decisions_per_outcome(now=now, days=days)
    context = {
        **admin.site.each_context(request),
        "title": "Moderation metrics",
        "now": now,
        "days": days,
        "sizes": metrics.queue_sizes(now=now),
        "times": times,
        "median": _duration(times.median),
        "p90": _duration(times.p90),
        "actions": [Action(a).label for a in metrics.DECISION_ACTIONS],
        "outcomes": [(Action(a).label, n) for a, n in outcomes.items()],
        "outcomes_total": sum(outcomes.values()),
        "reviewers": metrics.decisions_per_reviewer(now=now, days=days),
        "series": series,
        "chart": metrics.queue_chart(series),
    }
    return render(request, "moderation/metrics.html", context)
