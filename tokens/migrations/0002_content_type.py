"""The content type of ``ApiToken`` moves from ``publishing`` to ``tokens``.

Renaming the row (rather than letting ``post_migrate`` create a new one) keeps its primary key, so
the permissions (``change_apitoken`` …) that point at it, and the groups and users that hold them,
and admin log entries keep working. A fresh database has no row yet: nothing to do then.
"""

from django.db import migrations

MODEL = "apitoken"


def _move(apps, old_label: str, new_label: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    old = content_type.objects.filter(app_label=old_label, model=MODEL).first()
    if old is None:
        return
    # A row under the new label can only come from a post_migrate run between the two migrations;
    # it holds nothing but the default permissions, which the old row has too.
    content_type.objects.filter(app_label=new_label, model=MODEL).delete()
    old.app_label = new_label
    old.save(update_fields=["app_label"])
    content_type.objects.clear_cache()


def forwards(apps, schema_editor) -> None:
    _move(apps, "publishing", "tokens")


def backwards(apps, schema_editor) -> None:
    _move(apps, "tokens", "publishing")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tokens", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
