"""Management commands create_api_token and register_signing_key."""

from __future__ import annotations

import io

import argent_pkg as pkgformat
import pytest
from django.core.management import CommandError, call_command
from nacl.signing import SigningKey

from catalog.constants import MemberRole
from catalog.models import PublisherMember
from tests.conftest import make_user, public_key_b64
from tokens import services as token_services
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_author_token_for_the_first_owner(author, django_user_model):
    later = make_user(django_user_model, "zed")
    PublisherMember.objects.create(publisher=author.publisher, user=later, role=MemberRole.OWNER)

    out, err = run("create_api_token", "--publisher", "alice-tools", "--name", "ci", "--expires-days", "10")

    raw = out.strip()
    assert out == raw + "\n" and raw.startswith("mkt_")
    token = token_services.api_token_authenticate(raw)
    assert token.user == author.user and token.publisher == author.publisher and token.package is None
    assert raw not in err and token.token_prefix in err


def test_author_token_for_a_user_and_package(author, build_pkg, submit, django_user_model):
    package = submit(build_pkg()).package
    member = make_user(django_user_model, "mia")
    PublisherMember.objects.create(publisher=author.publisher, user=member)

    out, _ = run(
        "create_api_token",
        "--publisher",
        "alice-tools",
        "--name",
        "one",
        "--package",
        package.identifier,
        "--user",
        "MIA@example.com",
    )

    token = token_services.api_token_authenticate(out.strip())
    assert token.user == member and token.package == package


def test_staff_token(reviewer):
    out, _ = run("create_api_token", "--staff", "--user", reviewer.email, "--name", "ops")

    token = token_services.api_token_authenticate(out.strip())
    assert token.is_staff_token and token.user == reviewer


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x"], "--publisher"),
        (["--publisher", "nope", "--name", "x"], "No publisher"),
        (["--publisher", "alice-tools", "--name", "x", "--package", "nope"], "No package"),
        (["--publisher", "alice-tools", "--name", "x", "--user", "nobody@example.com"], "No user"),
        (["--publisher", "alice-tools", "--name", "x", "--expires-days", "0"], "1 to 365"),
        (["--staff", "--name", "x"], "--user"),
        (["--staff", "--publisher", "alice-tools", "--name", "x"], "no --publisher"),
        (["--staff", "--user", "alice@example.com", "--name", "x"], "Only staff"),
    ],
)
def test_create_api_token_errors(author, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_api_token", *args)
    assert not ApiToken.objects.exists()


def test_create_api_token_needs_an_owner(author):
    PublisherMember.objects.all().delete()

    with pytest.raises(CommandError, match="no owner"):
        run("create_api_token", "--publisher", "alice-tools", "--name", "x")


def test_register_signing_key_prints_the_fingerprint(author):
    key = SigningKey.generate()

    out, err = run(
        "register_signing_key",
        "--publisher",
        "alice-tools",
        "--public-key",
        public_key_b64(key),
        "--label",
        "ci",
    )

    assert out.strip() == pkgformat.fingerprint(bytes(key.verify_key))
    assert author.publisher.signing_keys.filter(label="ci").exists()
    assert "ci" in err


@pytest.mark.parametrize(
    ("publisher", "public_key", "message"),
    [("nope", "AAAA", "No publisher"), ("alice-tools", "not a key", "not an Ed25519 public key")],
)
def test_register_signing_key_errors(author, publisher, public_key, message):
    with pytest.raises(CommandError, match=message):
        run("register_signing_key", "--publisher", publisher, "--public-key", public_key, "--label", "x")


def test_register_signing_key_twice(author):
    with pytest.raises(CommandError, match="registered already"):
        run(
            "register_signing_key",
            "--publisher",
            "alice-tools",
            "--public-key",
            public_key_b64(author.signing_key),
            "--label",
            "again",
        )
