"""``python manage.py state_diagrams``: write ``docs/state-machines.md`` from the declared transitions."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from moderation.diagrams import state_machines_markdown


class Command(BaseCommand):
    help = "Write docs/state-machines.md from moderation/transitions.py (use --check to compare only)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Exit 1 when the file is out of date.")

    def handle(self, *args, check: bool = False, **options):
        path = Path(settings.BASE_DIR) / "docs" / "state-machines.md"
        text = state_machines_markdown()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                self.stderr.write(f"{path} is out of date: run python manage.py state_diagrams")
                raise SystemExit(1)
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
