"""``ApiToken`` now belongs to the ``tokens`` app (``tokens.0001_initial``); state only.

The table (``publishing_apitoken``) and the ``submission.api_token_id`` column with its foreign key
constraint stay exactly as they are: only the migration state changes its owner.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0004_submission_queue"),
        ("tokens", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="submission",
                    name="api_token",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="submissions",
                        to="tokens.apitoken",
                    ),
                ),
                migrations.DeleteModel(name="ApiToken"),
            ],
        ),
    ]
