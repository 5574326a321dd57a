"""Fixtures shared by every test.

Autouse, for every test:
  * the ``default``, ``quarantine`` and ``packages`` storages point at
    ``tmp_path`` subdirectories (when ``STORAGE_BACKEND`` is local; the
    integration tests override ``storages_config`` with S3 buckets);
  * a fast password hasher and the locmem e-mail backend;
  * Celery runs eagerly (the integration tests override ``celery_mode``);
  * every e-mail a test sends is checked against the site's layout (``marketplace/emails.py``):
    a text and an HTML part, the site's name, links on ``SITE_URL``.

Shared: ``signing_key``, ``user``, ``reviewer``, ``author`` and ``build_pkg``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings

PASSWORD = "a long and unguessable test password"

#: Storage aliases the application writes to (``staticfiles`` is left alone).
FILE_STORAGE_ALIASES = ("default", "quarantine", "packages")


# --- storage -------------------------------------------------------------------


def refresh_file_field_storages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-evaluate ``FileField(storage=callable)`` after ``STORAGES`` changed.

    Django calls a callable ``storage`` once, when the model class is built,
    and keeps the instance on the field; overriding ``settings.STORAGES``
    resets ``django.core.files.storage.storages`` (Django's ``setting_changed``
    receiver clears ``storages._storages`` and ``storages.backends``) but not
    those field instances. ``monkeypatch`` restores them afterwards.
    """
    from django.apps import apps
    from django.db.models import FileField

    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, FileField) and hasattr(model_field, "_storage_callable"):
                monkeypatch.setattr(model_field, "storage", model_field._storage_callable())


@pytest.fixture
def storages_config(tmp_path: Path) -> dict[str, dict]:
    """``STORAGES`` entries for the file aliases: directories under ``tmp_path``.

    Empty (no override) when ``STORAGE_BACKEND`` is not ``local``.
    """
    from marketplace.settings import StorageBackend

    if django_settings.STORAGE_BACKEND is not StorageBackend.LOCAL:
        return {}
    return {
        alias: {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(tmp_path / "storage" / alias),
                "file_permissions_mode": 0o640,
            },
        }
        for alias in FILE_STORAGE_ALIASES
    }


@pytest.fixture(autouse=True)
def _storages(settings, storages_config: dict[str, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the file storages at ``storages_config`` for the duration of a test."""
    if not storages_config:
        return
    settings.STORAGES = {**settings.STORAGES, **storages_config}
    default_location = storages_config.get("default", {}).get("OPTIONS", {}).get("location")
    if storages_config.get("default", {}).get("BACKEND", "").endswith("FileSystemStorage"):
        settings.MEDIA_ROOT = default_location
    refresh_file_field_storages(monkeypatch)


# --- speed and side effects ------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _empty_static_root(tmp_path_factory) -> Iterator[None]:
    """An empty ``STATIC_ROOT`` for the session (the live server's handler lives that long).

    WhiteNoise warns when there is none and would serve stale files after a
    ``collectstatic``; tests get static files from the finders instead.
    """
    from django.test import override_settings

    with override_settings(STATIC_ROOT=tmp_path_factory.mktemp("staticfiles")):
        yield


def _new_key_file(tmp_path_factory, name: str) -> Path:
    """A new Ed25519 key file ``name`` in its own temporary folder (tests run with DEBUG off, so
    the settings generate none)."""
    from argent_pkg import generate_signing_key, save_signing_key

    path = tmp_path_factory.mktemp(name) / f"{name}.key"
    save_signing_key(path, generate_signing_key())
    return path


@pytest.fixture(scope="session")
def marketplace_key_path(tmp_path_factory) -> Path:
    """The marketplace's signing key (it signs the blocklist) for the whole run."""
    return _new_key_file(tmp_path_factory, "marketplace-signing")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with empty caches (cached catalog answers, throttles), as the database does."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _marketplace_key(settings, marketplace_key_path: Path) -> None:
    settings.SIGNING_KEY_PATH = marketplace_key_path


@pytest.fixture(scope="session")
def log_key_path(tmp_path_factory) -> Path:
    """The transparency log's key (it signs the checkpoints) for the whole run."""
    return _new_key_file(tmp_path_factory, "log-signing")


@pytest.fixture(autouse=True)
def _log_key(request, settings, log_key_path: Path) -> None:
    """The log key; with a live server, the log's files are served by it (``LOG_BASE_URL``)."""
    settings.LOG_SIGNING_KEY_PATH = log_key_path
    if "live_server" in request.fixturenames:
        settings.LOG_BASE_URL = request.getfixturevalue("live_server").url + "/log"


@pytest.fixture(autouse=True)
def _live_server_closes_connections(request, monkeypatch) -> None:
    """The live server's thread closes its database connection after each request.

    With PostgreSQL the settings keep connections for ``CONN_MAX_AGE`` seconds; the live server's
    thread would then hold one until the session ends, and dropping the test database fails
    ("being accessed by other users").
    """
    if "live_server" in request.fixturenames:
        from django.db import connections

        monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 0)


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Two-factor authentication is tested on its own (tests/publishing/test_views.py,
    # tests/test_admin.py).
    settings.MFA_REQUIRED_FOR_PUBLISHING = False
    settings.MFA_REQUIRED_FOR_STAFF = False


@pytest.fixture(autouse=True)
def _emails_are_branded(settings) -> Iterator[None]:
    """After each test, hold every message in the outbox to the e-mail rules (marketplace/emails.py)."""
    yield
    from django.core import mail

    from tests.marketplace.emails import assert_branded

    for message in getattr(mail, "outbox", []):
        assert_branded(message)


@pytest.fixture
def celery_eager() -> bool:
    """Whether Celery runs tasks eagerly in this test (integration tests: ``False``)."""
    return True


@pytest.fixture(autouse=True)
def celery_mode(settings, celery_eager: bool):
    """Set Celery's eager mode in both Django settings and the live app's config."""
    from marketplace.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    settings.CELERY_TASK_ALWAYS_EAGER = celery_eager
    app.conf.task_always_eager = celery_eager
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


# --- data from migrations ------------------------------------------------------------


#: The data migrations' seed functions, as (module, function name).
DATA_MIGRATIONS = [
    ("catalog.migrations.0003_seed_kinds_categories", "seed"),
    ("publishing.migrations.0003_starter_scan_rules", "load_rules"),
    ("moderation.migrations.0003_canned_reasons", "seed"),
    ("licensing.migrations.0002_seed_plans", "seed"),
]


def reseed() -> None:
    """Run the data migrations' seed functions again (they are idempotent)."""
    import importlib

    from django.apps import apps

    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)  # they use no schema editor


@pytest.fixture
def migrated_data(transactional_db) -> None:
    """Restore the rows data migrations seed (kinds, categories, scan rules) in a transactional test.

    A transactional test ends with a flush that empties every table, so the
    next one would find no kinds, categories or scan rules. ``serialized_rollback``
    does not help here: mixed with plain transactional tests it collides on
    content types.
    """
    reseed()


@pytest.fixture(autouse=True)
def _reseed_transactional(request) -> None:
    """Every transactional test starts with the seeded rows (see ``migrated_data``)."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("migrated_data")


# --- people, publishers and keys ----------------------------------------------------


@pytest.fixture
def signing_key():
    """A fresh Ed25519 private key (``nacl.signing.SigningKey``)."""
    from nacl.signing import SigningKey

    return SigningKey.generate()


def public_key_b64(key) -> str:
    """The 32 raw bytes of ``key``'s public key in standard base64 (docs/package-format.md, "Signatures and keys")."""
    return base64.b64encode(bytes(key.verify_key)).decode("ascii")


def make_user(django_user_model, username: str, *, verified: bool = True, plan: str | None = None, **extra):
    """A user who logs in with ``<username>@example.com`` / ``PASSWORD``.

    ``plan`` (a seeded plan's slug, e.g. ``"pro"``) gives them an active subscription; without
    it they are on the Free plan, which installs under caps and cannot publish.
    """
    from allauth.account.models import EmailAddress

    email = f"{username}@example.com"
    user = django_user_model.objects.create_user(username=username, email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    if plan is not None:
        subscribe(user, plan)
    return user


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now for the TOTP ``secret`` (base32), computed with
    allauth's own functions. Tests that post it set ``MFA_TOTP_TOLERANCE = 1``, so a code made at the
    end of a period is still accepted in the next one."""
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def subscribe(user, plan: str = "pro", *, organization=None, status: str = "active"):
    """Give ``user`` a subscription to the seeded plan ``plan`` (replacing any they had)."""
    from licensing.models import Plan, Subscription

    subscription, _ = Subscription.objects.update_or_create(
        user=user,
        defaults={"plan": Plan.objects.get(slug=plan), "organization": organization, "status": status},
    )
    return subscription


@pytest.fixture
def user(db, django_user_model):
    """A user with a verified primary e-mail address; password ``PASSWORD``."""
    return make_user(django_user_model, "alice")


@pytest.fixture
def reviewer(db, django_user_model):
    """A staff superuser who may decide submissions."""
    return make_user(django_user_model, "rita", is_staff=True, is_superuser=True)


@pytest.fixture
def second_reviewer(db, django_user_model):
    """Another staff superuser, for the rules that need two reviewers (a hard block's confirmation)."""
    return make_user(django_user_model, "sam", is_staff=True, is_superuser=True)


@dataclass
class Author:
    """A user who owns a publisher with a registered signing key."""

    user: object
    publisher: object
    key: object  # publishing.models.SigningKey
    signing_key: object  # nacl.signing.SigningKey

    @property
    def email(self) -> str:
        return self.user.email

    password: str = PASSWORD


@pytest.fixture
def author(user, signing_key) -> Author:
    """``user`` on the Pro plan, owner of publisher ``alice-tools`` with ``signing_key`` registered."""
    from publishing import services

    subscribe(user, "pro")
    publisher = services.publisher_create(user=user, name="Alice Tools", slug="alice-tools")
    key = services.signing_key_register(
        publisher=publisher, public_key=public_key_b64(signing_key), label="laptop", user=user
    )
    return Author(user=user, publisher=publisher, key=key, signing_key=signing_key)


# --- packages --------------------------------------------------------------------------


def default_manifest(**overrides) -> dict:
    """A valid connector manifest (docs/package-format.md, "The manifest") with ``overrides`` (``None`` removes a field).

    ``author.publicKey`` is added on build.
    """
    from tests.argent_pkg.helpers import manifest

    return manifest(
        **{
            "description": "Says hello to your ArgentOS agent; a package built by the test suite.",
            **overrides,
        }
    )


def default_members(manifest: Mapping) -> dict[str, bytes]:
    """The members of a small valid connector package for ``manifest``."""
    return {
        "argent.plugin.json": json.dumps(manifest, indent=2).encode(),
        "README.md": f"# {manifest.get('name', 'Package')}\n\nBuilt by the test suite.\n".encode(),
        "connector.json": json.dumps({"name": manifest.get("id"), "tools": []}).encode(),
    }


@dataclass
class BuiltPackage:
    """A signed ``.argent-pkg`` built by ``build_pkg``."""

    data: bytes
    path: Path
    manifest: dict
    members: dict[str, bytes] = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def filename(self) -> str:
        return self.path.name

    def file(self):
        """The bytes as a Django ``File``, as a view or the API hands them to services."""
        from django.core.files import File

        return File(io.BytesIO(self.data), name=self.filename)


@pytest.fixture
def build_pkg(tmp_path: Path, signing_key) -> Callable[..., BuiltPackage]:
    """Build a real signed package: ``build_pkg(members=None, *, key=None, **manifest_fields)``.

    ``members`` maps archive paths to bytes and is added to the default members
    (or replaces them all when it carries its own ``argent.plugin.json``);
    keyword arguments override fields of the default manifest. Signed with
    ``signing_key`` unless ``key`` is given; the manifest gets the key as
    ``author.publicKey``. The file is also written under ``tmp_path``.

    Built with ``argent_pkg.build_package``. A manifest that breaks the
    rules (tests of the server's checks build those on purpose) is packed
    with the same primitives but without validation: correct ``SHA256SUMS``
    and a valid embedded signature, so only the intended rules are broken.
    Pass ``strict=True`` to let ``PackageInvalid`` propagate instead.
    """
    import argent_pkg as pkgformat

    out_dir = tmp_path / "built-packages"
    out_dir.mkdir(exist_ok=True)

    def build(
        members: Mapping[str, bytes] | None = None,
        *,
        key=None,
        strict: bool = False,
        **manifest_fields,
    ) -> BuiltPackage:
        key = key or signing_key
        if members is not None and "argent.plugin.json" in members:
            manifest = json.loads(members["argent.plugin.json"])
            members = dict(members)
        else:
            manifest = default_manifest(**manifest_fields)
            members = {**default_members(manifest), **(members or {})}
        try:
            data = pkgformat.build_package(members, signing_key=key)
        except pkgformat.PackageInvalid:
            if strict:
                raise
            data = _pack_unvalidated(members, key)
        path = out_dir / f"{manifest.get('id', 'package')}-{manifest.get('version', '0')}.argent-pkg"
        path.write_bytes(data)
        return BuiltPackage(data=data, path=path, manifest=manifest, members=members)

    return build


def _pack_unvalidated(members: Mapping[str, bytes], key) -> bytes:
    """What ``build_package`` does, minus the manifest checks."""
    import argent_pkg as pkgformat

    members = {path: bytes(content) for path, content in members.items()}
    try:
        manifest = json.loads(members["argent.plugin.json"])
    except (KeyError, ValueError):
        manifest = None
    if isinstance(manifest, dict) and isinstance(manifest.get("author", {}), dict):
        manifest.setdefault("author", {})["publicKey"] = pkgformat.public_key_b64(key)
        members["argent.plugin.json"] = (json.dumps(manifest, indent=2) + "\n").encode()
    sums = pkgformat.render_sha256sums(members)
    members["SHA256SUMS"] = sums
    members["SIGNATURE"] = (pkgformat.sign_bytes(key, sums) + "\n").encode("ascii")
    return pkgformat.pack_members(members)


@pytest.fixture
def submit(author, django_capture_on_commit_callbacks):
    """``submit(pkg)``: upload a ``BuiltPackage`` as ``author`` and run the verification task."""
    from publishing import services

    def submit(pkg: BuiltPackage):
        with django_capture_on_commit_callbacks(execute=True):
            submission = services.submission_create(
                publisher=author.publisher, uploader=author.user, upload=pkg.file(), filename=pkg.filename
            )
        submission.refresh_from_db()
        return submission

    submit.publisher = author.publisher
    return submit


@pytest.fixture
def publish(submit, reviewer, django_capture_on_commit_callbacks):
    """``publish(pkg)``: upload, verify and approve a ``BuiltPackage``; returns the submission."""
    from moderation import services

    def publish(pkg: BuiltPackage):
        if pkg.manifest.get("pricing", "free") not in ("free", "trial"):
            # A paid release needs a connected account that can take charges.
            from licensing.models import ConnectedAccount

            ConnectedAccount.objects.get_or_create(
                publisher=submit.publisher,
                defaults={"stripe_account_id": f"acct_test_{submit.publisher.slug}", "charges_enabled": True},
            )
        with django_capture_on_commit_callbacks(execute=True):
            return services.submission_approve(submission=submit(pkg), reviewer=reviewer)

    return publish


@pytest.fixture
def published(publish, build_pkg):
    """``published(identifier, version)``: build, upload and approve a package version; returns its release."""

    def published(identifier: str = "hello-connector", version: str = "1.0.0"):
        return publish(build_pkg(id=identifier, version=version)).release

    return published
