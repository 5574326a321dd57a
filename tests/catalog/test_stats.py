"""Publisher statistics: per day and per version, the CSV, the page, and the 30-day install count."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from catalog import stats
from catalog.models import Download, Install, Package, Release
from tests.conftest import make_user
from tests.factories import PublishedPackageFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 30, 15, 0, tzinfo=dt.UTC)


def at(day: int, hour: int = 12, month: int = 6) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=dt.UTC)


def download(release: Release, when: dt.datetime, dialect: str = "mkt") -> None:
    row = Download.objects.create(release=release, dialect=dialect)
    Download.objects.filter(pk=row.pk).update(created_at=when)  # auto_now_add ignores a given value.


def install(package: Package, release: Release | None, when: dt.datetime, **who) -> None:
    row = Install.objects.create(package=package, release=release, **who)
    Install.objects.filter(pk=row.pk).update(created_at=when)


@pytest.fixture
def releases(author):
    """hello-connector 1.0.0 and 1.1.0, other-connector 2.0.0, and a package of another publisher."""
    keys = {"signing_key": author.key, "private_key": author.signing_key}
    hello = PublishedPackageFactory(
        identifier="hello-connector",
        display_name="Hello Connector",
        publisher=author.publisher,
        **{f"release__{name}": value for name, value in keys.items()},
    )
    v1 = hello.latest_release
    v11 = ReleaseFactory(package=hello, version="1.1.0", **keys)
    other = ReleaseFactory(
        package__identifier="other-connector",
        package__display_name="Other Connector",
        package__publisher=author.publisher,
        version="2.0.0",
        **keys,
    )
    return v1, v11, other


@pytest.fixture
def activity(releases, django_user_model):
    v1, v11, other = releases
    customer = make_user(django_user_model, "bob")
    download(v1, at(28, 9))
    download(v1, at(28, 23))
    download(v11, at(29))
    download(v11, at(30, 14, month=6))
    download(other, at(29))
    download(v1, at(1, 12, month=4))  # 2026-04-01: day 91 before NOW, outside the window.
    download(v1, at(2, 0, month=4))  # 2026-04-02 00:00: the first day of the window.
    download(v11, at(30, 16))  # After NOW.
    install(v1.package, v1, at(28), user=customer)
    install(v1.package, v11, at(29), tenant_id="acme")
    install(v1.package, None, at(29), tenant_id="globex")
    install(other.package, other, at(30, 1))
    return releases


def test_window_is_ninety_calendar_days_ending_today():
    days = stats.window(now=NOW)

    assert len(days) == 90
    assert (days[0], days[-1]) == (dt.date(2026, 4, 2), dt.date(2026, 6, 30))


def test_per_day_and_per_version(author, activity):
    result = stats.publisher_stats(publisher=author.publisher, now=NOW)

    by_day = dict(zip(result.days, result.downloads, strict=True))
    installs_by_day = dict(zip(result.days, result.installs, strict=True))
    assert by_day[dt.date(2026, 6, 28)] == 2
    assert by_day[dt.date(2026, 6, 29)] == 2
    assert by_day[dt.date(2026, 6, 30)] == 1
    assert by_day[dt.date(2026, 4, 2)] == 1
    assert result.total_downloads == 6
    assert installs_by_day[dt.date(2026, 6, 28)] == 1
    assert installs_by_day[dt.date(2026, 6, 29)] == 2
    assert installs_by_day[dt.date(2026, 6, 30)] == 1
    assert result.total_installs == 4
    assert [(r.identifier, r.version, r.downloads, r.installs) for r in result.versions] == [
        ("hello-connector", "1.1.0", 2, 1),
        ("hello-connector", "1.0.0", 3, 1),
        ("hello-connector", "", 0, 1),
        ("other-connector", "2.0.0", 1, 1),
    ]


def test_one_package_and_other_publishers_are_left_out(author, activity, django_user_model, build_pkg):
    from publishing import services as publishing

    v1, _, other = activity
    stranger = make_user(django_user_model, "mallory")
    theirs = publishing.publisher_create(user=stranger, name="Mallory", slug="mallory")

    only_other = stats.publisher_stats(publisher=author.publisher, now=NOW, package=other.package)
    nothing = stats.publisher_stats(publisher=theirs, now=NOW)

    assert (only_other.total_downloads, only_other.total_installs) == (1, 1)
    assert [r.identifier for r in only_other.versions] == ["other-connector"]
    assert (nothing.total_downloads, nothing.total_installs, nothing.versions) == (0, 0, [])
    assert nothing.downloads == [0] * 90


def test_csv_rows(author, activity):
    rows = stats.csv_rows(stats.publisher_stats(publisher=author.publisher, now=NOW))

    assert rows == [
        ["date", "package", "version", "downloads", "installs"],
        ["2026-04-02", "hello-connector", "1.0.0", 1, 0],
        ["2026-06-28", "hello-connector", "1.0.0", 2, 1],
        ["2026-06-29", "hello-connector", "", 0, 1],
        ["2026-06-29", "hello-connector", "1.1.0", 1, 1],
        ["2026-06-29", "other-connector", "2.0.0", 1, 0],
        ["2026-06-30", "hello-connector", "1.1.0", 1, 0],
        ["2026-06-30", "other-connector", "2.0.0", 0, 1],
    ]


def test_installs_30d_refresh(activity, django_user_model):
    v1, _, other = activity
    install(v1.package, v1, at(31, 12, month=5))  # 30 days before NOW minus 3 hours: too old.
    install(v1.package, v1, at(1))
    Package.objects.filter(pk=other.package.pk).update(installs_30d=99)

    updated = stats.installs_30d_refresh(now=NOW)

    assert updated == Package.objects.count()
    assert dict(Package.objects.values_list("identifier", "installs_30d")) == {
        "hello-connector": 4,
        "other-connector": 1,
    }
    stats.installs_30d_refresh(now=NOW + dt.timedelta(days=60))
    assert set(Package.objects.values_list("installs_30d", flat=True)) == {0}


def test_chart_geometry():
    days = stats.window(now=NOW, days=4)
    chart = stats.chart(days, [0, 3, 6, 1], width=440, height=200, label_every=2)

    assert chart.maximum == 6 and chart.peak == 6 and chart.total == 10
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1]) and heights[2] < 200
    assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6"]
    assert [t.label for t in chart.x_ticks] == ["28 Jun", "30 Jun"]
    assert [t.label for t in stats.chart(days, [0, 0, 0, 0]).y_ticks] == ["0", "1"]


@pytest.mark.parametrize(
    ("busiest", "gridlines"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (2, [0, 1, 2]),
        (3, [0, 1, 2, 3]),
        (5, [0, 2, 4, 6]),
        (7, [0, 2, 4, 6, 8]),
        (12, [0, 5, 10, 15]),
    ],
)
def test_chart_gridlines_fall_on_whole_counts_and_say_their_value(busiest, gridlines):
    days = stats.window(now=NOW, days=4)
    chart = stats.chart(days, [0, busiest, 1 if busiest else 0, 0])

    assert [int(t.label) for t in chart.y_ticks] == gridlines
    # Each label sits on the gridline of that count: bar heights and gridlines share one scale.
    plot_h = chart.bottom - chart.top
    for tick in chart.y_ticks:
        assert tick.position == pytest.approx(
            chart.bottom - plot_h * int(tick.label) / chart.maximum, abs=0.01
        )
    assert chart.y_ticks[-1].position == pytest.approx(chart.top)
    tallest = chart.bars[1]
    assert tallest.height == pytest.approx(plot_h * busiest / gridlines[-1], abs=0.01)


# --- the page and the CSV ------------------------------------------------------------------


@pytest.fixture
def recent(releases):
    """Activity of the last days (the pages use the real clock)."""
    from django.utils import timezone

    v1, v11, other = releases
    now = timezone.now()
    for release, days_ago in [(v1, 3), (v1, 2), (v11, 1), (v11, 0), (other, 0)]:
        download(release, now - dt.timedelta(days=days_ago))
    install(other.package, other, now - dt.timedelta(hours=1))
    return releases


def test_stats_page_is_for_members_only(client, author, recent, django_user_model):
    url = reverse("engagement:publisher-stats", args=[author.publisher.slug])
    csv_url = reverse("engagement:publisher-stats-csv", args=[author.publisher.slug])

    anonymous = client.get(url)
    client.force_login(make_user(django_user_model, "mallory"))
    stranger, stranger_csv = client.get(url), client.get(csv_url)

    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert stranger.status_code == 403 and stranger_csv.status_code == 403
    assert client.get(reverse("engagement:publisher-stats", args=["nobody"])).status_code == 404


def test_stats_page_shows_charts_and_the_version_table(client, author, recent, django_assert_max_num_queries):
    client.force_login(author.user)
    url = reverse("engagement:publisher-stats", args=[author.publisher.slug])

    # Session, user, publisher, membership, the package menu, downloads, installs.
    with django_assert_max_num_queries(7):
        response = client.get(url)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('<svg class="chart__svg"') == 2
    assert "Downloads per day" in body and "Installs per day" in body
    assert "1.1.0" in body and "other-connector" in body
    assert 'class="chart__bar"' in body


def test_stats_page_filters_by_package(client, author, recent):
    client.force_login(author.user)
    url = reverse("engagement:publisher-stats", args=[author.publisher.slug])

    response = client.get(url, {"package": "other-connector"})
    unknown = client.get(url, {"package": "not-theirs"})

    assert response.context["package"].identifier == "other-connector"
    assert response.context["stats"].total_installs == 1
    assert unknown.context["package"] is None


def test_csv_export(client, author, recent):
    client.force_login(author.user)

    response = client.get(reverse("engagement:publisher-stats-csv", args=[author.publisher.slug]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alice-tools-stats-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["date", "package", "version", "downloads", "installs"]
    assert sorted((row[1], row[2], row[3], row[4]) for row in rows[1:]) == [
        ("hello-connector", "1.0.0", "1", "0"),
        ("hello-connector", "1.0.0", "1", "0"),
        ("hello-connector", "1.1.0", "1", "0"),
        ("hello-connector", "1.1.0", "1", "0"),
        ("other-connector", "2.0.0", "1", "1"),
    ]
    one = client.get(
        reverse("engagement:publisher-stats-csv", args=[author.publisher.slug]),
        {"package": "other-connector"},
    )
    assert one["Content-Disposition"].startswith('attachment; filename="other-connector-stats-')
    assert len(list(csv.reader(io.StringIO(one.content.decode())))) == 2


def test_dashboard_links_to_the_stats_page(client, author):
    client.force_login(author.user)

    body = client.get(reverse("publishing:dashboard")).content.decode()

    assert reverse("engagement:publisher-stats", args=[author.publisher.slug]) in body


def test_the_daily_task_refreshes_installs_30d(settings):
    from catalog import tasks

    assert "installs-30d-refresh" in settings.CELERY_BEAT_SCHEDULE
    assert tasks.installs_30d_refresh.delay().get() == 0
