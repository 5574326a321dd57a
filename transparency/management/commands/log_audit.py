"""Rebuild the transparency log's tree from the stored entries and check every signed checkpoint.

manage.py log_audit   (exit status 1 naming the first bad index when a row was edited)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from transparency import tree


class Command(BaseCommand):
    help = "Rebuild the transparency log from its stored entries and compare it with every signed checkpoint."

    def handle(self, *args, **options) -> None:
        try:
            count = tree.audit()
        except tree.AuditFailed as exc:
            raise CommandError(f"The transparency log does not match its checkpoints. {exc}") from exc
        self.stdout.write(f"The log's {count} entries match every signed checkpoint.")
