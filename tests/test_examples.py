"""The demo packages under ``examples/`` (what ``make run`` loads) carry no warning findings."""

from __future__ import annotations

from pathlib import Path

import argent_pkg as pkgformat
import pytest
from django.conf import settings

EXAMPLES = sorted(p.parent for p in (Path(settings.BASE_DIR) / "examples").glob("*/argent.plugin.json"))


@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.name)
def test_demo_package_manifest_has_only_known_fields(source, signing_key):
    inspected = pkgformat.inspect_package(pkgformat.build_package(source, signing_key=signing_key))

    assert [(w.code, w.field) for w in inspected.warnings] == []
