"""Every answer carries the Content-Security-Policy (marketplace/settings.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import PublishedPackageFactory

ROOT = Path(__file__).resolve().parent.parent


def directives(response) -> dict[str, list[str]]:
    """The directives of ``response``'s ``Content-Security-Policy`` header, name -> sources."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_site_policy(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'"
    assert not any(s in policy["script-src"] for s in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:"))
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]


@pytest.mark.parametrize(
    "url", ["/", "/search/?q=x", "/packages/shots/", "/accounts/login/", "/accounts/signup/", "/admin/login/"]
)
def test_anonymous_pages_carry_the_policy(client, db, url):
    PublishedPackageFactory(identifier="shots")

    assert_site_policy(client.get(url))
    assert_site_policy(client.get(url))  # the catalog cache's answer too


def test_a_404_carries_the_policy(client, db):
    assert_site_policy(client.get("/packages/none-such/"))


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/publishing/submission/", "/admin/catalog/package/", "/admin/metrics/"]
)
def test_the_admin_carries_the_policy(client, reviewer, url):
    client.force_login(reviewer)
    response = client.get(url)

    assert response.status_code == 200
    assert_site_policy(response)


def test_author_pages_carry_the_policy(client, author):
    client.force_login(author.user)

    assert_site_policy(client.get("/dashboard/"))


def _policy_with(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES'], default=str))",
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_stripe_pages_and_readme_image_hosts_come_from_the_settings(tmp_path):
    policy = _policy_with(
        STRIPE_BACKEND="stripe", README_IMAGE_HOSTS="img.shields.io", DATA_DIR=str(tmp_path)
    )

    assert policy["form-action"] == ["'self'", "https://checkout.stripe.com", "https://connect.stripe.com"]
    assert policy["img-src"] == ["'self'", "data:", "https://img.shields.io"]


TEMPLATES = ROOT / "templates"
#: What the policy refuses in a page: an inline script, a style element or attribute, an event handler
#: attribute, a ``javascript:`` address. (``<script src=…>`` and ``type="application/json"`` are fine.)
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: address"),
]


def test_no_template_has_inline_scripts_or_styles():
    """The catalog's cached pages cannot carry a per-request nonce, so no template relies on one."""
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        # E-mails are not served pages: mail clients need inline styles (marketplace/emails.py).
        if "emails" not in path.parts
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]

    assert found == []


def test_stars_are_filled_by_a_class(rf):
    from django.template.loader import render_to_string

    html = render_to_string("catalog/partials/stars.html", {"rating": 4.3})

    assert 'class="stars__fill stars__fill--85"' in html
    assert "style=" not in html
