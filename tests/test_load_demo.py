"""The demo loader publishes the examples through the real pipeline, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from catalog.constants import ListingStatus
from catalog.models import Package
from catalog.release_images import manifest_images
from licensing import plans
from licensing.licenses import license_lookup
from licensing.models import License
from marketplace.management.commands.load_demo import (
    CUSTOMER_INSTALLS,
    DEMO_LICENSE_KEY,
    LICENSED_EXAMPLE,
    PENDING_EXAMPLE,
    REPORTED_EXAMPLE,
    UPDATE_EXAMPLE,
)
from moderation.models import Decision, Report, VerificationRequest
from publishing.constants import SubmissionStatus
from publishing.models import Submission

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_load_demo_publishes_all_examples_but_one_and_is_idempotent(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    examples = sorted(p.parent.name for p in EXAMPLES.glob("*/argent.plugin.json"))
    assert len(examples) >= 8

    call_command("load_demo")

    assert Submission.objects.count() == len(examples) + 1
    waiting = Submission.objects.filter(status=SubmissionStatus.IN_REVIEW)
    assert sorted((s.package.identifier, s.is_new_package) for s in waiting) == [
        (PENDING_EXAMPLE, True),
        (UPDATE_EXAMPLE, False),
    ]
    update = waiting.get(package__identifier=UPDATE_EXAMPLE)
    assert "network:geocoding-api.open-meteo.com" in update.release.permissions
    assert set(Submission.objects.exclude(pk__in=waiting).values_list("status", flat=True)) == {
        SubmissionStatus.APPROVED
    }
    assert Package.objects.filter(status=ListingStatus.PUBLISHED).count() == len(examples) - 1
    assert Decision.objects.filter(action="approve").count() == len(examples) - 1
    assert Report.objects.get().package.identifier == REPORTED_EXAMPLE
    demo_license = License.objects.get()
    assert demo_license.package.identifier == LICENSED_EXAMPLE
    assert license_lookup(DEMO_LICENSE_KEY) == demo_license
    assert demo_license.payments.get().application_fee_cents == 570
    assert VerificationRequest.objects.get().status == "pending"
    author, customer = (User.objects.get(email=e) for e in ("author@example.com", "customer@example.com"))
    assert plans.plan_of(author).slug == "pro"
    assert plans.plan_of(customer).slug == "free"
    assert plans.installed_counts(user=customer) == {"theme": 2, "skill": 1}
    # The cards' 30-day counts are true at once (no scheduled task runs in the demo).
    assert dict(Package.objects.filter(installs_30d__gt=0).values_list("identifier", "installs_30d")) == {
        identifier: 1 for identifier in CUSTOMER_INSTALLS
    }
    assert (tmp_path / "demo-keys" / "demo.ed25519").exists()
    manifest = json.loads((EXAMPLES / "weather-connector" / "argent.plugin.json").read_text())
    weather = Package.objects.get(identifier="weather-connector")
    assert weather.latest_release.version == manifest["version"]
    # The demo shows a manifest icon and a screenshot gallery (Midnight), served from its release.
    midnight = Package.objects.get(identifier="midnight-theme").latest_release
    images = manifest_images(midnight)
    assert images.icon == "icon.svg" and len(images.screenshots) == 2
    shot = Client().get(f"/packages/midnight-theme/{midnight.version}/images/{images.screenshots[0]}")
    assert shot.status_code == 200 and shot["Content-Type"] == "image/png"

    call_command("load_demo")

    assert Submission.objects.count() == len(examples) + 1
    assert Report.objects.count() == 1 and VerificationRequest.objects.count() == 1
