"""``python manage.py state_diagrams``: write ``docs/state-machines.md`` from the declared transitions.

``tests/moderation/test_transitions.py`` fails when the file differs from what this writes.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from moderation.diagrams import state_machines_markdown


class Command(BaseCommand):
    help = "Write docs/state-machines.md from moderation/transitions.py."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "state-machines.md"
        path.write_text(state_machines_markdown(), encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
