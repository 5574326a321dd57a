"""Seed the four account plans.

Prices are per month in US cents. Free caps installs per kind (the kind slugs of
``catalog.Kind``: ``app``, ``skill``, ``widget``, ``theme``, ``plugin``; kinds not named are
not capped) and cannot publish; Pro, Team and Enterprise install without caps and publish;
Team and Enterprise cover several members of one organization. Staff edit them in the admin;
running the seed again never overwrites an edited plan.
"""

from django.db import migrations

PLANS = [
    # slug, name, price_cents per month, install caps, can publish, max members
    ("free", "Free", 0, {"app": 3, "skill": 5, "widget": 10, "theme": 3, "plugin": 3}, False, 1),
    ("pro", "Pro", 900, {}, True, 1),
    ("team", "Team", 3900, {}, True, 5),
    ("enterprise", "Enterprise", 14900, {}, True, 25),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("licensing", "Plan")
    for position, (slug, name, price_cents, caps, can_publish, max_members) in enumerate(PLANS):
        Plan.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "price_cents": price_cents,
                "install_caps": caps,
                "can_publish": can_publish,
                "max_members": max_members,
                "position": position,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("licensing", "Plan").objects.filter(
        slug__in=[plan[0] for plan in PLANS], subscriptions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_licenses_payments_plans")]

    operations = [migrations.RunPython(seed, unseed)]
