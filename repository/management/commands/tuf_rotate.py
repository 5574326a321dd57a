"""``python manage.py tuf_rotate ROLE``: replace a TUF role's keys (``docs/operators.md``, "TUF keys")."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from repository import keys, services

#: The refusal of a key file that cannot be read or holds no Ed25519 key (docs/error-codes.md).
KEY_UNREADABLE = "tuf.key_unreadable"


class Command(BaseCommand):
    help = (
        "Rotate ROLE's keys: root (new root signed by a threshold of the old and of the new keys), "
        "targets, bins, snapshot or timestamp (a new key; the root or targets that names it is signed again)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("role", choices=["root", "targets", "bins", "snapshot", "timestamp"])
        parser.add_argument(
            "--root-key",
            action="append",
            default=[],
            metavar="FILE",
            help="A current root private key; give at least the root threshold.",
        )
        parser.add_argument(
            "--new-root-key",
            action="append",
            default=[],
            metavar="FILE",
            help="root: a new root private key; repeat for each.",
        )
        parser.add_argument("--threshold", type=int, default=None, help="root: the new threshold.")
        parser.add_argument("--targets-key", metavar="FILE", help="bins: the targets private key.")
        parser.add_argument(
            "--new-key",
            metavar="FILE",
            help="targets: the new targets key; online roles: a key to use instead of a generated one.",
        )

    def handle(self, *args, role: str, root_key, new_root_key, threshold, targets_key, new_key, **options):
        try:
            root_signers = [keys.load_signer(p) for p in root_key]
            new_root_signers = [keys.load_signer(p) for p in new_root_key]
            targets_signer = keys.load_signer(targets_key) if targets_key else None
            new_signer = keys.load_signer(new_key) if new_key and role == "targets" else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"{exc} ({KEY_UNREADABLE})") from exc
        new_key_file = None
        if role in keys.ONLINE_ROLES:
            target = keys.online_key_path(role)
            new_key_file = Path(tempfile.mkdtemp(dir=target.parent)) / "new.pem"
            if new_key:
                new_key_file.write_bytes(Path(new_key).read_bytes())
                new_key_file.chmod(0o600)
            else:
                keys.write_new_key(new_key_file)
        try:
            result = services.rotate(
                role,
                root_signers=root_signers,
                new_root_signers=new_root_signers,
                threshold=threshold,
                targets_signer=targets_signer,
                new_signer=new_signer,
                new_key_file=new_key_file,
            )
        except services.RepositoryError as exc:
            raise CommandError(f"{exc} ({exc.code})") from exc
        finally:
            if new_key_file is not None:
                new_key_file.unlink(missing_ok=True)
                new_key_file.parent.rmdir()
        root = services.current_root().signed
        self.stdout.write(
            f"Rotated {role}: root v{root.version}, snapshot v{result.snapshot}, timestamp v{result.timestamp}."
        )
