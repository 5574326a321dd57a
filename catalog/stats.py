"""Publisher statistics: downloads and installs per day and per version, and the 30-day install count.

Plain functions over ``Download`` and ``Install`` rows. Each takes ``now`` so
tests (and the CSV export) can pin the window; a window is the last
:data:`WINDOW_DAYS` calendar days in the site's time zone, today included.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone

from .models import Download, Install, Package, Publisher

WINDOW_DAYS = 90
#: ``Package.installs_30d`` counts the ``Install`` rows of this many days.
POPULARITY_DAYS = 30

#: (day, package identifier, version) → count; version is ``""`` for an install without a release.
Key = tuple[dt.date, str, str]


@dataclass(frozen=True)
class VersionRow:
    """One line of the per-version table."""

    identifier: str
    version: str
    downloads: int
    installs: int


@dataclass(frozen=True)
class DailyRow:
    """One line of the CSV export: a day, a version, and its counts."""

    day: dt.date
    identifier: str
    version: str
    downloads: int
    installs: int


@dataclass
class PublisherStats:
    """What the statistics page shows for a window of days."""

    days: list[dt.date]
    downloads: list[int]
    installs: list[int]
    versions: list[VersionRow]
    rows: list[DailyRow] = field(repr=False)

    @property
    def total_downloads(self) -> int:
        return sum(self.downloads)

    @property
    def total_installs(self) -> int:
        return sum(self.installs)


def window(*, now: dt.datetime, days: int = WINDOW_DAYS) -> list[dt.date]:
    """The calendar days of the window ending on ``now``'s day, oldest first."""
    today = timezone.localdate(now)
    return [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _counts(queryset: QuerySet, *, identifier: str, version: str, first: dt.date, now: dt.datetime):
    """Count ``queryset``'s rows per (day, identifier, version) between ``first`` and ``now``."""
    rows = (
        queryset.filter(created_at__gte=_start(first), created_at__lte=now)
        .annotate(day=TruncDate("created_at"))
        .values("day", identifier, version)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["day"], row[identifier], row[version] or ""): row["n"] for row in rows}


def daily_counts(
    *, publisher: Publisher, now: dt.datetime, package: Package | None = None, days: int = WINDOW_DAYS
) -> tuple[dict[Key, int], dict[Key, int]]:
    """Downloads and installs of ``publisher``'s packages (or one of them) per day and version.

    Two queries. Returns ``(downloads, installs)``, each mapping
    ``(day, identifier, version)`` to a count.
    """
    first = window(now=now, days=days)[0]
    downloads = Download.objects.filter(release__package__publisher=publisher)
    installs = Install.objects.filter(package__publisher=publisher)
    if package is not None:
        downloads = downloads.filter(release__package=package)
        installs = installs.filter(package=package)
    return (
        _counts(
            downloads,
            identifier="release__package__identifier",
            version="release__version",
            first=first,
            now=now,
        ),
        _counts(installs, identifier="package__identifier", version="release__version", first=first, now=now),
    )


def publisher_stats(
    *, publisher: Publisher, now: dt.datetime | None = None, package: Package | None = None
) -> PublisherStats:
    """Per-day series, the per-version table and the CSV rows for the last :data:`WINDOW_DAYS` days."""
    now = now or timezone.now()
    days = window(now=now)
    downloads, installs = daily_counts(publisher=publisher, now=now, package=package)

    per_day_downloads: dict[dt.date, int] = defaultdict(int)
    per_day_installs: dict[dt.date, int] = defaultdict(int)
    per_version: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (day, identifier, version), n in downloads.items():
        per_day_downloads[day] += n
        per_version[identifier, version][0] += n
    for (day, identifier, version), n in installs.items():
        per_day_installs[day] += n
        per_version[identifier, version][1] += n

    rows = [
        DailyRow(*key, downloads=downloads.get(key, 0), installs=installs.get(key, 0))
        for key in sorted(downloads.keys() | installs.keys())
    ]
    versions = [
        VersionRow(identifier, version, d, i)
        for (identifier, version), (d, i) in sorted(per_version.items(), key=_version_order)
    ]
    return PublisherStats(
        days=days,
        downloads=[per_day_downloads[day] for day in days],
        installs=[per_day_installs[day] for day in days],
        versions=versions,
        rows=rows,
    )


def _version_order(item: tuple[tuple[str, str], list[int]]):
    """Sort the per-version table by package, then newest version first (unknown version last)."""
    (identifier, version), _ = item
    parts = version.split("-", 1)[0].split("+", 1)[0].split(".")
    numbers = tuple(-int(p) if p.isdigit() else 0 for p in parts)
    return (identifier, not version, numbers, version)


CSV_HEADER = ["date", "package", "version", "downloads", "installs"]


def csv_rows(stats: PublisherStats) -> list[list[str | int]]:
    """The CSV export: a header, then one row per day and version with any activity, oldest first."""
    return [CSV_HEADER] + [
        [row.day.isoformat(), row.identifier, row.version, row.downloads, row.installs] for row in stats.rows
    ]


def install_count() -> Count:
    """The number of counted installs among ``Install`` rows (an aggregate for ``annotate``).

    One per source (the reporting account or address, ``Install.source``),
    release and UTC day, so one address reporting installs for many fresh
    tenant ids moves popularity by one. Rows without a source
    (reported before the rule) count one each.
    """
    unit = Case(
        When(source="", then=Concat(Value("row:"), Cast("pk", CharField()))),
        default=Concat(
            "source",
            Value(":"),
            Cast("release_id", CharField()),
            Value(":"),
            Cast(TruncDate("created_at", tzinfo=dt.UTC), CharField()),
        ),
        output_field=CharField(),
    )
    return Count(unit, distinct=True)


def installs_30d_refresh(*, now: dt.datetime | None = None, package_ids: list[int] | None = None) -> int:
    """Recompute ``Package.installs_30d`` from the ``Install`` rows; one UPDATE.

    Counts the installs reported in the last :data:`POPULARITY_DAYS` days
    (reinstalls included), each source once per release and day
    (:func:`install_count`). The one rule for the count, used in two places:
    every package, daily by Celery beat (``catalog.tasks.installs_30d_refresh``,
    so counts fall as installs age out of the window), and the one package an
    install was just recorded for (``catalog.api.services.install_record``),
    so cards and sorts are current on write.

    Args:
        now: the end of the window (default: the current time).
        package_ids: primary keys of the packages to recompute; ``None`` for every package.

    Returns:
        The number of packages updated.
    """
    now = now or timezone.now()
    recent = (
        Install.objects.filter(
            package=OuterRef("pk"), created_at__gt=now - dt.timedelta(days=POPULARITY_DAYS)
        )
        .order_by()
        .values("package")
        .annotate(n=install_count())
        .values("n")
    )
    packages = Package.objects.all() if package_ids is None else Package.objects.filter(pk__in=package_ids)
    return packages.update(installs_30d=Coalesce(Subquery(recent, output_field=IntegerField()), Value(0)))


# --- charts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: dt.date
    value: int


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    """The geometry of a server-rendered SVG bar chart (``viewBox`` units)."""

    width: int
    height: int
    left: int
    top: int
    bottom: float
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    total: int
    maximum: int  # the top gridline
    peak: int  # the busiest day's count


def nice_step(maximum: int, ticks: int = 4) -> int:
    """The gridline step of a chart of counts: 1, 2 or 5 × 10^n, covering ``maximum`` in about ``ticks`` steps.

    Args:
        maximum: the largest count shown (0 or more).
        ticks: the number of steps wanted between the axis and the top gridline (at least 1).

    Returns:
        A whole number of at least 1, so that every gridline of a count chart falls on a whole count
        and its label equals its value: a count chart has no half downloads.
    """
    raw = max(1.0, maximum / ticks)
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return int(multiple * magnitude)
    return int(10 * magnitude)  # pragma: no cover - the loop always returns


def chart(
    days: list[dt.date], values: list[int], *, width: int = 720, height: int = 200, label_every: int = 15
) -> Chart:
    """Lay out one bar per day, whole-number gridlines and a date label every ``label_every`` days.

    Args:
        days: the days shown, oldest first.
        values: one count per day (0 or more), as long as ``days``.
        width, height: the size of the SVG ``viewBox``, in its units.
        label_every: label every n-th day counted back from the last, so the last day is labelled.

    Returns:
        The geometry; the y axis runs from 0 to a multiple of :func:`nice_step` at or above the
        busiest day, with a gridline at every step labelled with its own count.

    Raises:
        ValueError: ``days`` and ``values`` differ in length.
    """
    left, top, right, bottom_margin = 40, 10, 24, 22
    plot_w, plot_h = width - left - right, height - top - bottom_margin
    peak = max(values, default=0)
    step = nice_step(peak)
    maximum = max(step, math.ceil(peak / step) * step)
    slot = plot_w / max(len(days), 1)
    bottom = top + plot_h
    bars = []
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        h = plot_h * value / maximum
        bars.append(
            Bar(
                x=round(left + i * slot + slot * 0.1, 2),
                y=round(bottom - h, 2),
                width=round(slot * 0.8, 2),
                height=round(h, 2),
                day=day,
                value=value,
            )
        )
    y_ticks = [Tick(round(bottom - plot_h * v / maximum, 2), str(v)) for v in range(0, maximum + 1, step)]
    x_ticks = [
        Tick(round(left + i * slot + slot / 2, 2), f"{day.day} {day:%b}")
        for i, day in enumerate(days)
        if (len(days) - 1 - i) % label_every == 0
    ]
    return Chart(width, height, left, top, bottom, bars, y_ticks, x_ticks, sum(values), maximum, peak)
