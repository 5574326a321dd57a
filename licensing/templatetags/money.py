"""``{{ cents|dollars }}``: US cents as ``$12.34``."""

from django import template

register = template.Library()


@register.filter
def dollars(cents) -> str:
    try:
        cents = int(cents or 0)
    except (TypeError, ValueError):
        return ""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"
