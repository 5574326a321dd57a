"""Load the demo catalog: accounts, a publisher with a key, and the packages under ``examples/``.

Each example is built and signed with a generated Ed25519 key (kept under
``DATA_DIR/demo-keys/``, never committed), uploaded through
``publishing.services.submission_create`` like any upload, verified by the
``submission_verify`` task, and approved through
``moderation.services.submission_approve`` like a reviewer would. One
submission is left waiting in the moderation queue. Running it again only
adds what is missing.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError

from catalog.constants import PublisherType
from catalog.models import Publisher, Release
from moderation import services as moderation
from moderation.roles import roles_ensure
from publishing import format as pkgformat
from publishing import services
from publishing.models import SigningKey, Submission

#: (e-mail, password, is_staff, groups) of the demo accounts; the passwords are for the demo only.
DEMO_USERS = [
    ("author@example.com", "demo-author", False, []),
    ("reviewer@example.com", "demo-reviewer", True, ["Reviewers"]),
    ("customer@example.com", "demo-customer", False, []),
]
DEMO_PUBLISHER = "demo"
#: The example left in the moderation queue so a reviewer has work on first login.
PENDING_EXAMPLE = "sql-query-plugin"
#: Seconds to wait for a real Celery worker to verify one upload.
VERIFY_TIMEOUT = 120


class Command(BaseCommand):
    help = "Build, sign, upload and approve the demo catalog from examples/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--examples", default=str(settings.BASE_DIR / "examples"))

    def handle(self, *args, examples: str, **options):
        groups = roles_ensure()
        users = {
            email: self._user(email, password, staff, [groups[g] for g in group_names])
            for email, password, staff, group_names in DEMO_USERS
        }
        author, reviewer = users["author@example.com"], users["reviewer@example.com"]
        publisher = Publisher.objects.filter(slug=DEMO_PUBLISHER).first() or services.publisher_create(
            user=author,
            name="Demo Publisher",
            slug=DEMO_PUBLISHER,
            type=PublisherType.ORGANIZATION,
            description="Example packages that ship with the marketplace.",
            website="https://example.com",
        )
        signing_key = self._signing_key(publisher, author)

        sources = sorted(p.parent for p in Path(examples).glob("*/argent.plugin.json"))
        if not sources:
            raise CommandError(f"No example packages under {examples}.")
        for source in sources:
            manifest = json.loads((source / "argent.plugin.json").read_text())
            identifier, version = manifest.get("id") or manifest["name"], manifest["version"]
            if Release.objects.filter(package__identifier=identifier, version=version).exists():
                continue
            data = pkgformat.build_package(source, signing_key=signing_key)
            filename = f"{identifier}-{version}.argent-pkg"
            submission = services.submission_create(
                publisher=publisher,
                uploader=author,
                upload=ContentFile(data, name=filename),
                filename=filename,
                release_notes=f"First release of {manifest.get('name', identifier)}.",
            )
            submission = self._wait_for_checks(submission)
            if identifier == PENDING_EXAMPLE:
                self.stdout.write(f"  {identifier} {version}: left in the moderation queue")
                continue
            moderation.submission_approve(
                submission=submission,
                reviewer=reviewer,
                note="Demo catalog: approved by the loader.",
            )
            self.stdout.write(f"  {identifier} {version}: published")
        self.stdout.write(self.style.SUCCESS(f"Demo catalog ready ({len(sources)} examples)."))

    def _user(self, email: str, password: str, staff: bool, groups: list):
        User = get_user_model()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(username=email.split("@")[0], email=email, password=password)
            user.is_staff = staff
            user.save()
            user.groups.set(groups)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _signing_key(self, publisher: Publisher, author):
        path = Path(settings.DATA_DIR) / "demo-keys" / "demo.ed25519"
        if path.exists():
            key = pkgformat.load_signing_key(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            key = pkgformat.generate_signing_key()
            pkgformat.save_signing_key(path, key)
        public_key = pkgformat.public_key_b64(key)
        if not SigningKey.objects.filter(public_key=public_key).exists():
            services.signing_key_register(
                publisher=publisher,
                public_key=public_key,
                label="Demo key (generated)",
                user=author,
            )
        return key

    def _wait_for_checks(self, submission: Submission) -> Submission:
        deadline = time.monotonic() + VERIFY_TIMEOUT
        while True:
            submission.refresh_from_db()
            if not submission.is_checking:
                return submission
            if time.monotonic() > deadline:
                raise CommandError(
                    f"Submission #{submission.pk} was not verified within {VERIFY_TIMEOUT} s: "
                    "is a Celery worker running for REDIS_URL?"
                )
            time.sleep(0.5)
