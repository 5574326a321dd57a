"""The tokens app's wiring: the beat schedule names its task, the model kept its table and content type."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from tokens import tasks
from tokens.models import ApiToken


def test_the_daily_expiry_warning_is_scheduled():
    assert (
        settings.CELERY_BEAT_SCHEDULE["api-tokens-warn-expiring"]["task"]
        == tasks.api_tokens_warn_expiring.name
    )
    assert tasks.api_tokens_warn_expiring.name == "tokens.tasks.api_tokens_warn_expiring"


def test_the_model_keeps_the_publishing_table():
    assert ApiToken._meta.app_label == "tokens"
    assert ApiToken._meta.db_table == "publishing_apitoken"


@pytest.mark.django_db
def test_permissions_live_under_tokens():
    content_type = ContentType.objects.get_for_model(ApiToken)
    assert content_type.app_label == "tokens"
    assert not ContentType.objects.filter(app_label="publishing", model="apitoken").exists()
    assert {p.codename for p in content_type.permission_set.all()} >= {"change_apitoken", "view_apitoken"}
