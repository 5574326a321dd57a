"""``python manage.py tuf_init``: initialise the TUF repository (``docs/operators.md``, "TUF keys")."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from repository import keys, services

#: The refusal of a key file that cannot be read or holds no Ed25519 key (docs/error-codes.md).
KEY_UNREADABLE = "tuf.key_unreadable"


class Command(BaseCommand):
    help = (
        "Write root v1 (signed by the given root keys), targets v1, every bin, the snapshot and the "
        "timestamp. With DEBUG on and no keys given, generates every key under DATA_DIR."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--root-key",
            action="append",
            default=[],
            metavar="FILE",
            help="A root private key (Ed25519 PEM); repeat for each root key.",
        )
        parser.add_argument(
            "--threshold",
            type=int,
            default=None,
            help="Root keys needed to sign a new root (default: 2 with 3 keys, else 1).",
        )
        parser.add_argument("--targets-key", metavar="FILE", help="The targets private key (Ed25519 PEM).")

    def handle(self, *args, root_key: list[str], threshold: int | None, targets_key: str | None, **options):
        if not root_key and not targets_key:
            if not settings.DEBUG:
                raise CommandError(
                    "Give --root-key (each root key) and --targets-key: they are offline keys (tuf.key_missing)."
                )
            root, targets, made = keys.development_keys()
            root_key, targets_key = [str(p) for p in root], str(targets)
            for path in made:
                self.stdout.write(f"Generated the development key {path}.")
        if not root_key or not targets_key:
            raise CommandError("Give both --root-key and --targets-key (tuf.key_missing).")
        for role in keys.ONLINE_ROLES:
            path = keys.online_key_path(role)
            if not path.exists():
                if not settings.DEBUG:
                    raise CommandError(f"{keys.ONLINE_ROLES[role]} {path} does not exist (repository.E001).")
                keys.write_new_key(path)
                self.stdout.write(f"Generated the {role} key at {path}.")
        try:
            root_signers = [keys.load_signer(path) for path in root_key]
            targets_signer = keys.load_signer(targets_key)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{exc} ({KEY_UNREADABLE})") from exc
        if threshold is None:
            threshold = 2 if len(root_signers) >= 3 else 1
        try:
            result = services.initialise(
                root_signers=root_signers, threshold=threshold, targets_signer=targets_signer
            )
        except services.RepositoryError as exc:
            raise CommandError(f"{exc} ({exc.code})") from exc
        root = services.current_root().signed
        self.stdout.write(f"Root v{root.version}: {threshold} of {len(root.roles['root'].keyids)} keys:")
        for keyid in root.roles["root"].keyids:
            self.stdout.write(f"  {keyid}")
        self.stdout.write(f"Snapshot v{result.snapshot}, timestamp v{result.timestamp}; 256 bins written.")
