"""Seed the kinds (docs/package-format.md, "Kinds and permissions") and browsing categories (docs/package-format.md, "The manifest", ``category``).

The values are frozen here, as data migrations must be; administrators add
or change rows afterwards in the admin.
"""

from django.db import migrations

BASE = [
    "network",
    "network:<host>",
    "chat_inject",
    "fs:tmp",
    "fs:read",
    "fs:write",
    "secrets:<name>",
    "process",
]

KINDS = [
    # slug, name, plural, install target, permissions, description
    ("connector", "Connector", "connectors", "connectors/ID/", BASE,
     "Connects ArgentOS to an outside service, usually with a Python agent harness."),
    ("skill", "Skill", "skills", "skills/ID/", BASE, "Teaches an agent how to do a task."),
    ("plugin", "Plugin", "plugins", "extensions/ID/", [*BASE, "mcp:<tool>"], "Adds tools to ArgentOS."),
    ("agent", "Agent", "agents", "agents/ID/", BASE, "A ready-made agent with its prompts and tools."),
    ("bundle", "Bundle", "bundles", "extensions/ID/", [*BASE, "mcp:<tool>"], "Several extensions shipped together."),
    ("app", "App", "apps", "apps/ID/", ["docker:<capability>", "port:<port>", "mount:<abspath>"],
     "A containerised application."),
    ("widget", "Widget", "widgets", "widgets/ID/", ["data:read.<name>", "refresh:<interval>"],
     "A dashboard widget."),
    ("theme", "Theme", "themes", "themes/ID/", [], "Colours and styles for the ArgentOS interface."),
]  # fmt: skip

CATEGORIES = [
    ("crm", "CRM"),
    ("erp", "ERP"),
    ("hr", "HR"),
    ("finance", "Finance"),
    ("project", "Project management"),
    ("collaboration", "Collaboration"),
    ("analytics", "Analytics"),
    ("integration", "Integration"),
    ("automation", "Automation"),
    ("ai", "AI"),
    ("security", "Security"),
    ("developer-tools", "Developer tools"),
    ("ui-theme", "UI themes"),
    ("storage", "Storage"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    Kind = apps.get_model("catalog", "Kind")
    Category = apps.get_model("catalog", "Category")
    for position, (slug, name, plural, target, permissions, description) in enumerate(KINDS):
        Kind.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "plural": plural,
                "install_target": target,
                "permissions": permissions,
                "description": description,
                "position": position,
            },
        )
    for position, (slug, name) in enumerate(CATEGORIES):
        Category.objects.update_or_create(slug=slug, defaults={"name": name, "position": position})


def unseed(apps, schema_editor):
    apps.get_model("catalog", "Kind").objects.filter(slug__in=[k[0] for k in KINDS]).delete()
    apps.get_model("catalog", "Category").objects.filter(slug__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(seed, unseed)]
