"""Seed a starter set of canned reasons; staff edit them in the admin afterwards."""

from django.db import migrations

REASONS = [
    ("reject", "Malicious behaviour",
     "The package contains code that acts against its users (see the scan findings). It will not be published."),
    ("reject", "Undeclared capabilities",
     "The code uses capabilities that its manifest does not declare (network, processes, files or secrets). "
     "Declare every permission the package needs, or remove the code that needs it."),
    ("reject", "Impersonation",
     "The package's name, identifier or description imitates another publisher's package."),
    ("request-changes", "README incomplete",
     "Please describe what the package does, how to configure it and why it needs each permission in its README."),
    ("request-changes", "Permissions too broad",
     "The package asks for broader permissions than it uses. Narrow them (for example network:HOST instead of "
     "network) and upload a new version."),
    ("flag", "Needs a security review",
     "The findings need a second opinion from a senior reviewer before a decision."),
    ("suspend", "Under investigation",
     "This listing is suspended while the marketplace investigates a report about it."),
]  # fmt: skip


def seed(apps, schema_editor):
    CannedReason = apps.get_model("moderation", "CannedReason")
    for position, (action, title, text) in enumerate(REASONS):
        CannedReason.objects.get_or_create(
            action=action, title=title, defaults={"text": text, "position": position, "enabled": True}
        )


def unseed(apps, schema_editor):
    CannedReason = apps.get_model("moderation", "CannedReason")
    for action, title, _ in REASONS:
        CannedReason.objects.filter(action=action, title=title).delete()


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_reports_blocklist_hunts_verification")]

    operations = [migrations.RunPython(seed, unseed)]
