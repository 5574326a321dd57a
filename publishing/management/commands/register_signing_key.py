"""Register an Ed25519 public key to a publisher and print its fingerprint.

manage.py register_signing_key --publisher SLUG --public-key B64 --label LABEL
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Publisher
from publishing import services


class Command(BaseCommand):
    help = "Register an Ed25519 public key (32 bytes, standard base64) to a publisher."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--publisher", required=True, help="Slug of the publisher.")
        parser.add_argument("--public-key", required=True, help="The key as printed by `mkt keygen`.")
        parser.add_argument("--label", required=True, help="A label, e.g. “CI release key”.")

    def handle(self, *args, publisher: str, public_key: str, label: str, **options) -> None:
        pub = Publisher.objects.filter(slug=publisher).first()
        if pub is None:
            raise CommandError(f"No publisher '{publisher}'.")
        try:
            key = services.signing_key_register(publisher=pub, public_key=public_key, label=label)
        except services.KeyRegistrationError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Registered “{key.label}” to {pub.slug}. Fingerprint:")
        self.stdout.write(key.fingerprint)
