"""Bring every published release's ArgentOS copy to the layout its kind needs now.

manage.py rewrap_artifacts [--kind connector]

Connector copies were once wrapped in ``package/``; the ArgentOS installer takes a
connector only from ``aos-ID/`` (docs/package-format.md, "ArgentOS download layout").
Run it once after upgrading; it is idempotent, so running it again changes nothing.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from catalog import artifacts
from catalog.models import Release


class Command(BaseCommand):
    help = "Replace ArgentOS download copies whose top-level directory is not the one their kind needs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--kind", help="Only releases of this kind (slug, e.g. connector).")

    def handle(self, *args, kind: str | None = None, **options) -> None:
        releases = Release.objects.published().select_related("package__kind").order_by("pk")
        if kind:
            releases = releases.filter(package__kind__slug=kind)
        outcomes: Counter[str] = Counter()
        for release in releases.iterator(chunk_size=200):
            outcome = artifacts.release_rewrap(release=release)
            outcomes[outcome] += 1
            if outcome != "kept":
                self.stderr.write(f"{release.package.identifier} {release.version}: {outcome}")
        self.stdout.write(
            f"{outcomes['made']} made, {outcomes['kept']} kept, {outcomes['unwrappable']} unwrappable"
        )
