"""Create or update the Reviewers and Senior reviewers groups (run after every migrate)."""

from django.core.management.base import BaseCommand, CommandError

from moderation.roles import RolesError, roles_ensure


class Command(BaseCommand):
    help = "Create or update the reviewer groups so they hold exactly their permissions."

    def handle(self, *args, **options):
        try:
            groups = roles_ensure()
        except RolesError as exc:
            raise CommandError(str(exc)) from exc
        for name, group in groups.items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
