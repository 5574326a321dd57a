"""Template filters for moderation pages."""

from datetime import timedelta

from django import template

from moderation.models import BlockEntry, Report, VerificationRequest
from publishing import queue

register = template.Library()


@register.filter
def duration_words(value: timedelta | None) -> str:
    """A duration in words at a useful precision: "2 days 4 hours", "5 hours", "40 minutes"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour")
    return unit(max(minutes, 1), "minute")


@register.inclusion_tag("admin/moderation/partials/waiting.html", takes_context=True)
def moderation_waiting(context) -> dict:
    """What waits for the signed-in reviewer: the queue, overdue items, reports, blocks, requests."""
    user = context["request"].user
    awaiting = list(queue.awaiting().only("pk", "status", "is_new_package", "queued_at", "created_at"))
    return {
        "awaiting": len(awaiting),
        "overdue": sum(queue.is_overdue(s) for s in awaiting),
        "escalated": queue.awaiting().filter(escalated=True).count(),
        "open_reports": Report.objects.filter(status="open").count(),
        "blocks_to_confirm": BlockEntry.objects.filter(confirmed_at__isnull=True, lifted_at__isnull=True)
        .exclude(requested_by=user)
        .count(),
        "verification_requests": VerificationRequest.objects.filter(status="pending").count(),
    }
