"""The ``ApiToken`` model moves here from ``publishing``, in the migration state only.

Its table stays ``publishing_apitoken`` (created by ``publishing.0002_tokens_scan_rules_audit``),
so nothing is done to the database; ``publishing.0005_apitoken_moves_to_tokens`` re-points the
submissions' foreign key and drops the old model from the state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0009_search_vector_inline"),
        ("publishing", "0004_submission_queue"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("is_staff_token", models.BooleanField(default=False)),
                        ("name", models.CharField(max_length=100)),
                        (
                            "token_prefix",
                            models.CharField(
                                help_text="The first characters, to recognise the token.", max_length=16
                            ),
                        ),
                        (
                            "token_hash",
                            models.CharField(
                                help_text="SHA-256 of the token, hex.", max_length=64, unique=True
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField()),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_ip", models.GenericIPAddressField(blank=True, null=True)),
                        ("expiry_warning_sent_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "package",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to="catalog.package",
                            ),
                        ),
                        (
                            "publisher",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to="catalog.publisher",
                            ),
                        ),
                        (
                            "revoked_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "publishing_apitoken",
                        "ordering": ["-created_at"],
                    },
                ),
            ],
        ),
    ]
