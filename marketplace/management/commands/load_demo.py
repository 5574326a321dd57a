"""Load the demo catalog: accounts, a publisher with a key, and the packages under ``examples/``.

Each example is built and signed with a generated Ed25519 key (kept under
``DATA_DIR/demo-keys/``, never committed), uploaded through
``publishing.services.submission_create`` like any upload, verified by the
``submission_verify`` task, and approved through
``moderation.services.submission_approve`` like a reviewer would. A new
package and an update (with a diff to review) are left in the moderation
queue, with a customer's report and the publisher's verification request.
The demo author is on the Pro plan (publishing needs it); the demo customer
stays on Free with a few installs. Running it again only adds what is missing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import argent_pkg as pkgformat
import semver
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from catalog.api.services import install_record
from catalog.constants import PublisherType
from catalog.models import Package, Publisher, Release
from licensing.constants import PaymentKind, PaymentStatus, SubscriptionStatus
from licensing.fees import application_fee
from licensing.licenses import license_issue
from licensing.models import ConnectedAccount, License, Payment, Plan, Subscription
from moderation import services as moderation
from moderation.models import Report, VerificationRequest
from moderation.reports import report_create
from moderation.roles import roles_ensure
from moderation.verification import verification_request_create
from publishing import services
from publishing.models import SigningKey, Submission

#: (e-mail, password, is_staff, groups) of the demo accounts; the passwords are for the demo only.
DEMO_USERS = [
    ("author@example.com", "demo-author", False, []),
    ("reviewer@example.com", "demo-reviewer", True, ["Reviewers"]),
    ("senior@example.com", "demo-senior", True, ["Senior reviewers"]),
    ("customer@example.com", "demo-customer", False, []),
]
DEMO_PUBLISHER = "demo"
#: The example left in the moderation queue so a reviewer has work on first login.
PENDING_EXAMPLE = "release-notes-agent"
#: The paid ``pro`` example the demo customer holds a license for, and that license's key (demo only).
LICENSED_EXAMPLE = "sql-query-plugin"
DEMO_LICENSE_KEY = "ARG-0ZBS-DKDJ-62PS-VEHT-634Q-DE4F-YZPW"
#: The example of which a new version waits in the queue, to show a reviewer the diff.
UPDATE_EXAMPLE = "weather-connector"
#: The examples the demo customer (Free plan) has installed: the plan page shows them against its caps.
CUSTOMER_INSTALLS = ("midnight-theme", "solarized-theme", "meeting-notes-skill")
#: The example a demo customer reported.
REPORTED_EXAMPLE = "csv-tools-connector"
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
        self._author_plan(author)
        publisher = Publisher.objects.filter(slug=DEMO_PUBLISHER).first() or services.publisher_create(
            user=author,
            name="Demo Publisher",
            slug=DEMO_PUBLISHER,
            type=PublisherType.ORGANIZATION,
            description="Example packages that ship with the marketplace.",
            website="https://example.com",
        )
        signing_key = self._signing_key(publisher, author)
        # A (fake) Stripe Connect account that can take charges, so paid releases can be published.
        ConnectedAccount.objects.get_or_create(
            publisher=publisher,
            defaults={
                "stripe_account_id": "acct_fake_demo",
                "details_submitted": True,
                "charges_enabled": True,
                "payouts_enabled": True,
            },
        )

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
        self._pending_update(Path(examples) / UPDATE_EXAMPLE, publisher, author, signing_key)
        self._open_cases(publisher, author, users["customer@example.com"])
        self._demo_license(users["customer@example.com"])
        self._customer_installs(users["customer@example.com"])
        self.stdout.write(self.style.SUCCESS(f"Demo catalog ready ({len(sources)} examples)."))

    def _pending_update(self, source: Path, publisher: Publisher, author, signing_key) -> None:
        """Upload a new version of one example (one more permission, a README line) for review."""
        manifest = json.loads((source / "argent.plugin.json").read_text())
        current = semver.Version.parse(manifest["version"])
        manifest["version"] = str(current.bump_minor())
        if Release.objects.filter(package__identifier=manifest["id"], version=manifest["version"]).exists():
            return
        manifest["permissions"] = [*manifest.get("permissions", []), "network:geocoding-api.open-meteo.com"]
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / source.name
            shutil.copytree(
                source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
            )
            (copy / "argent.plugin.json").write_text(json.dumps(manifest, indent=2) + "\n")
            readme = copy / "README.md"
            readme.write_text(
                readme.read_text()
                + f"\n## {manifest['version']}\n\nLooks up place names with the Open-Meteo geocoding API.\n"
            )
            data = pkgformat.build_package(copy, signing_key=signing_key)
        filename = f"{manifest['id']}-{manifest['version']}.argent-pkg"
        submission = services.submission_create(
            publisher=publisher,
            uploader=author,
            upload=ContentFile(data, name=filename),
            filename=filename,
            release_notes="### New\n\n- Looks up **place names** with the Open-Meteo geocoding API.\n",
        )
        self._wait_for_checks(submission)
        self.stdout.write(f"  {manifest['id']} {manifest['version']}: update left in the moderation queue")

    def _demo_license(self, customer) -> None:
        """The demo customer's paid ``pro`` license (key in the README), with its payment."""
        package = Package.objects.filter(identifier=LICENSED_EXAMPLE).first()
        if package is None or License.objects.filter(owner=customer, package=package).exists():
            return
        with transaction.atomic():
            license, _ = license_issue(package=package, owner=customer, key=DEMO_LICENSE_KEY)
            Payment.objects.create(
                buyer=customer,
                package=package,
                kind=PaymentKind.PURCHASE,
                license=license,
                amount_cents=package.price_cents,
                application_fee_cents=application_fee(package.price_cents),
                destination_account="acct_fake_demo",
                status=PaymentStatus.PAID,
                paid_at=timezone.now(),
            )
        self.stdout.write(f"  {LICENSED_EXAMPLE}: demo license {DEMO_LICENSE_KEY} for {customer.email}")

    def _author_plan(self, author) -> None:
        """The demo author is on Pro: publishing needs a plan that includes it."""
        Subscription.objects.get_or_create(
            user=author,
            defaults={
                "plan": Plan.objects.get(slug="pro"),
                "status": SubscriptionStatus.ACTIVE,
                "current_period_end": timezone.now() + timezone.timedelta(days=30),
            },
        )

    def _customer_installs(self, customer) -> None:
        """The demo customer stays on Free, with a few installs to show against its caps."""
        for identifier in CUSTOMER_INSTALLS:
            package = Package.objects.filter(identifier=identifier).select_related("latest_release").first()
            if package is not None and package.latest_release is not None:
                install_record(package=package, release=package.latest_release, user=customer)
        self.stdout.write(f"  {customer.email}: Free plan with {len(CUSTOMER_INSTALLS)} installs")

    def _open_cases(self, publisher: Publisher, author, customer) -> None:
        """A customer's report and the publisher's verification request, for the reviewer's first login."""
        package = Package.objects.filter(identifier=REPORTED_EXAMPLE).first()
        if package is not None and not Report.objects.filter(package=package).exists():
            report_create(
                package=package,
                reporter=customer,
                reason="other",
                description="The summary command fails on semicolon-separated files and prints a traceback.",
            )
        if not VerificationRequest.objects.filter(publisher=publisher).exists():
            verification_request_create(
                publisher=publisher,
                user=author,
                level="verified",
                evidence="We own example.com (DNS TXT record argent-verify=demo) and publish the examples "
                "that ship with the marketplace.",
            )

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
