"""``Package.last_release_at`` (the latest release's publication time) and indexes for the sorts.

The home page's popular, new, updated and featured sections, and the sorts of
the same names, walk these indexes instead of sorting every listing.
"""

from django.db import migrations, models


def backfill_last_release_at(apps, schema_editor):
    Package = apps.get_model("catalog", "Package")
    Release = apps.get_model("catalog", "Release")
    Package.objects.filter(latest_release__isnull=False).update(
        last_release_at=models.Subquery(
            Release.objects.filter(pk=models.OuterRef("latest_release_id")).values("published_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_search_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="package",
            name="last_release_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the latest release was published (kept by save()).",
                null=True,
            ),
        ),
        migrations.RunPython(backfill_last_release_at, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="package",
            index=models.Index(
                fields=["-installs_30d", "-total_downloads", "identifier"], name="package_popular"
            ),
        ),
        migrations.AddIndex(
            model_name="package",
            index=models.Index(fields=["-published_at", "identifier"], name="package_newest"),
        ),
        migrations.AddIndex(
            model_name="package",
            index=models.Index(
                condition=models.Q(("last_release_at__gt", models.F("published_at"))),
                fields=["-last_release_at", "identifier"],
                name="package_updated",
            ),
        ),
        migrations.AddIndex(
            model_name="package",
            index=models.Index(
                condition=models.Q(("featured", True)),
                fields=["-installs_30d", "identifier"],
                name="package_featured",
            ),
        ),
        migrations.AddIndex(
            model_name="package",
            index=models.Index(
                condition=models.Q(
                    ("latest_release__isnull", False), ("status__in", ["published", "deprecated"])
                ),
                fields=["kind", "category"],
                name="package_listed_kind_category",
            ),
        ),
    ]
