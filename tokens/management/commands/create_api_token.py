"""Create an API token and print it once: only the token on stdout, everything else on stderr.

manage.py create_api_token --publisher SLUG --name NAME [--package ID] [--expires-days N] [--user EMAIL]
manage.py create_api_token --staff --user EMAIL --name NAME [--expires-days N]
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tokens import services
from tokens.models import ApiToken


class Command(BaseCommand):
    help = "Create an author token (for a publisher) or a staff token, and print it once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True, help="A label for the token.")
        parser.add_argument("--publisher", help="Slug of the publisher (author token).")
        parser.add_argument("--package", help="Identifier of one package the token is limited to.")
        parser.add_argument("--staff", action="store_true", help="A staff token (needs --user).")
        parser.add_argument(
            "--user",
            help="E-mail of the token's owner; for an author token, default: the publisher's first owner.",
        )
        parser.add_argument(
            "--expires-days", type=int, default=services.DEFAULT_EXPIRES_DAYS, help="1 to 365 (default 90)."
        )

    def handle(self, *args, name: str, publisher: str | None, package: str | None, staff: bool, **options):
        user = self._user(options["user"]) if options["user"] else None
        if staff:
            if publisher or package:
                raise CommandError("A staff token has no --publisher or --package.")
            if user is None:
                raise CommandError("A staff token needs --user EMAIL.")
            pub = pkg = None
        else:
            if not publisher:
                raise CommandError("Give --publisher SLUG (or --staff --user EMAIL).")
            # catalog's Publisher and Package, reached through the token's foreign keys: this app
            # sits below catalog and does not import it.
            publisher_model = ApiToken._meta.get_field("publisher").related_model
            package_model = ApiToken._meta.get_field("package").related_model
            pub = publisher_model.objects.filter(slug=publisher).first()
            if pub is None:
                raise CommandError(f"No publisher '{publisher}'.")
            pkg = None
            if package:
                pkg = package_model.objects.filter(identifier=package).first()
                if pkg is None:
                    raise CommandError(f"No package '{package}'.")
            if user is None:
                user = pub.first_owner()
                if user is None:
                    raise CommandError(f"The publisher '{publisher}' has no owner; give --user EMAIL.")
        try:
            token, raw = services.api_token_create(
                user=user,
                name=name,
                publisher=pub,
                package=pkg,
                staff=staff,
                expires_days=options["expires_days"],
            )
        except services.ApiTokenNotAllowed as exc:
            raise CommandError(str(exc)) from exc
        scope = "staff" if staff else (f"package {pkg.identifier}" if pkg else f"publisher {pub.slug}")
        self.stderr.write(
            f"Created token “{token.name}” ({token.token_prefix}…) for {user.email}, {scope}, "
            f"expires {token.expires_at:%Y-%m-%d}. It is printed once, below:"
        )
        self.stdout.write(raw)

    @staticmethod
    def _user(email: str):
        user = get_user_model().objects.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            raise CommandError(f"No user with the e-mail address {email}.")
        return user
