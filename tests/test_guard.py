"""The guard: no URL of the project answers a server error, whatever a person puts in it.

Walks every URL pattern the resolver knows (``marketplace.urls``, the admin and
allauth included; not a hand-written list) and requests each one with hostile
values (:data:`HOSTILE`) in every path parameter and in a set of query
parameters (:data:`QUERY_PARAMETERS`), then posts hostile form fields (and, to
the API, hostile and deeply nested JSON), as four people: anonymous, a
customer, an author (a member of a publisher) and a reviewer (a Senior
reviewer; the admin pages also as a superuser, who reaches every model). Any
exception escapes Django's test client (``raise_request_exception``) and is
collected with its traceback; any 5xx answer is collected too; the test fails
listing them all.

Sampling keeps it to a few minutes: for each hostile value, each path
parameter in turn takes it (the others keep a value naming a real row, so the
view is reached), then every query parameter takes it at once, then every form
field of a POST; each value goes as one person, round-robin, shifted from one
pattern to the next so that every value meets every person over the patterns.
The admin's generic views get six of the values, as anonymous and as the
superuser. Views that answer a plain POST with 405 get no POST variants.

It runs in both unit stages of ``scripts/test.sh``: on SQLite and on
PostgreSQL, where NUL and out-of-range numbers matter.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import traceback
from urllib.parse import quote, urlencode

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import make_user
from tests.factories import (
    LicenseFactory,
    PaymentFactory,
    PublishedPackageFactory,
    ReviewFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

TWELVE_WORDS = "one two three four five six seven eight nine ten eleven twelve thirteen"

#: Values a person can type.
HOSTILE = [
    "a\x00b",
    "a\r\nSubject: injected",
    "99999999999999999999999",
    "x" * 10_240,
    "%!?@\"-'",
    TWELVE_WORDS,
    "\U0001f600\u202e",
    "-1",
    "0",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "1e309",
]

#: Query parameters every page and endpoint gets (those the views read, and the admin's).
QUERY_PARAMETERS = [
    "q", "query", "page", "limit", "pageSize", "sort", "sortBy", "sortDirection", "kind", "category",
    "tag", "tags", "pricing", "verification", "platformVersion", "version", "key", "next", "o", "p",
    "status", "days", "months", "from", "to", "e", "_changelist_filters", "all",
]  # fmt: skip

#: Form fields posted to every page (what the forms of the site ask for, and the admin's).
FORM_FIELDS = [
    "name", "display_name", "slug", "title", "text", "body", "rating", "reason", "note", "details",
    "email", "label", "public_key", "expires_days", "scope", "package", "changelog", "key",
    "machine_id", "machine_name", "action", "_selected_action", "index", "q", "next", "code",
    "reply", "category", "kind", "plan", "website", "description", "login", "password",
]  # fmt: skip

#: JSON bodies posted to API endpoints: a hostile object, then nesting past the parser's limit.
JSON_BODIES = [
    json.dumps({field: value for field, value in zip(FORM_FIELDS, itertools.cycle(HOSTILE), strict=False)}),
    json.dumps({"key": ["ARG"] * 3, "listingId": {"a": 1}, "tenantId": None, "machine_id": 1e300}),
    "[" * 100_000,
    '{"a":' * 5_000,
]

ROLES = ["anonymous", "customer", "author", "reviewer"]

_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def url_patterns(patterns=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """Every pattern of the project as ``(route, pattern)``; ``route`` joins the prefixes' text."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found += url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def parameters(route: str) -> list[tuple[str, str]]:
    """``(name, converter)`` of each path parameter (``regex`` for a regex group)."""
    found = [(m["name"], m["converter"] or "str") for m in _CONVERTER.finditer(route)]
    return found + [(m["name"], "regex") for m in _GROUP.finditer(route)]


def build(route: str, values: dict[str, str]) -> str:
    """The path of ``route`` with each parameter replaced by ``values[name]`` (quoted)."""
    path = _CONVERTER.sub(lambda m: quote(values[m["name"]], safe=""), route)
    path = _GROUP.sub(lambda m: quote(values[m["name"]], safe="/"), path)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + path


class World:
    """The rows the URLs name, and a client per person."""

    def __init__(self, django_user_model):
        from moderation.roles import SENIOR_REVIEWERS, roles_ensure
        from publishing import services
        from tests.conftest import public_key_b64, subscribe
        from tokens import services as token_services

        groups = roles_ensure()
        self.customer = make_user(django_user_model, "carol")
        self.author = make_user(django_user_model, "alice")
        subscribe(self.author, "pro")
        self.reviewer = make_user(django_user_model, "sven", is_staff=True)
        self.reviewer.groups.add(groups[SENIOR_REVIEWERS])
        self.superuser = make_user(django_user_model, "root", is_staff=True, is_superuser=True)
        import nacl.signing

        signing_key = nacl.signing.SigningKey.generate()
        self.publisher = services.publisher_create(user=self.author, name="Alice Tools", slug="alice-tools")
        self.key = services.signing_key_register(
            publisher=self.publisher, public_key=public_key_b64(signing_key), label="laptop", user=self.author
        )
        self.package = PublishedPackageFactory(
            identifier="hello-connector",
            publisher=self.publisher,
            tags=["weather"],
            release__signing_key=self.key,
            release__private_key=signing_key,
            release__stored=True,
        )
        self.release = self.package.latest_release
        self.review = ReviewFactory(package=self.package, user=self.customer)
        self.license = LicenseFactory(owner=self.customer)
        self.payment = PaymentFactory(buyer=self.customer, package=self.license.package)
        self.submission = SubmissionFactory(
            release__package=self.package,
            release__version="1.1.0",
            release__signing_key=self.key,
            release__private_key=signing_key,
        )
        self.token, _ = token_services.api_token_create(user=self.author, publisher=self.publisher, name="ci")
        self.by_keyword = {
            "submission": self.submission.pk,
            "token": self.token.pk,
            "review": self.review.pk,
            "renew": self.license.pk,
            "license": self.license.pk,
            "key": self.key.pk,
            "checkout": self.payment.pk,
            "payment": self.payment.pk,
        }

    def baseline(self, route: str, name: str, converter: str) -> str:
        """A value of parameter ``name`` that names a real row, so that the view is reached."""
        named = {
            "identifier": self.package.identifier,
            "slug": self.publisher.slug,
            "plural": "connectors",
            "category": "connectors",
            "tag": "weather",
            "version": self.release.version,
            "key": self.license.key,
            "app_label": "catalog",
            "payment_id": str(self.payment.pk),
        }
        if name in named and converter != "int":
            return named[name]
        if name == "object_id":
            return str(_admin_object_pk(route) or 1)
        if converter == "int" or name in ("pk", "payment_id"):
            before = route.split(f"<{converter}:{name}>")[0].rstrip("/").rsplit("/", 1)[-1]
            for keyword, pk in self.by_keyword.items():
                if keyword in before:
                    return str(pk)
            return "1"
        return "x"

    def client(self, role: str, route: str) -> Client:
        client = Client(raise_request_exception=True)
        user = {
            "anonymous": None,
            "customer": self.customer,
            "author": self.author,
            "reviewer": self.superuser
            if route.startswith("admin/") and role == "reviewer"
            else self.reviewer,
        }[role]
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client


def _admin_object_pk(route: str) -> int | None:
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if not match:
        return None
    for model in admin_site._registry:
        if (model._meta.app_label, model._meta.model_name) == match.groups():
            row = model._default_manager.order_by("pk").first()
            return row.pk if row else None
    return None


def _is_api(pattern: URLPattern, path: str) -> bool:
    return path.startswith(("/api/", "/cp/api/")) or hasattr(pattern.callback, "cls")


#: The values the admin's generic views get (its other values exercise the same code).
ADMIN_HOSTILE = [HOSTILE[i] for i in (0, 1, 2, 3, 6, 7)]


def _requests(world: World, route: str, pattern: URLPattern, index: int):
    """``(role, method, path, body, content_type)`` for one pattern, sampled as the module says.

    ``index`` (the pattern's position) shifts the round-robin, so each value meets every person
    over the patterns. POSTs follow only when the view does not answer a plain POST with 405.
    """
    params = parameters(route)
    base = {name: world.baseline(route, name, converter) for name, converter in params}
    base_path = build(route, base)
    admin = route.startswith("admin/")
    roles = ["anonymous", "reviewer"] if admin else ROLES
    for role in roles:
        yield role, "GET", base_path, None, None
    posts = yield roles[-1], "POST", base_path, {}, None
    for turn, value in enumerate(ADMIN_HOSTILE if admin else HOSTILE):
        role = roles[(index + turn) % len(roles)]
        for name in base:
            yield role, "GET", build(route, {**base, name: value}), None, None
        yield role, "GET", base_path + "?" + urlencode(dict.fromkeys(QUERY_PARAMETERS, value)), None, None
        if posts:
            yield role, "POST", base_path, dict.fromkeys(FORM_FIELDS, value), None
    if posts and _is_api(pattern, base_path):
        for turn, body in enumerate(JSON_BODIES):
            yield roles[(index + turn) % len(roles)], "POST", base_path, body, "application/json"


def _order(route: str) -> tuple[bool, str]:
    # Deleting and logging out change the world: last.
    return (any(word in route for word in ("delete", "logout", "revoke")), route)


def test_no_url_answers_a_server_error(django_user_model, settings):
    settings.API_LICENSE_ADDRESS_RATE = None
    world = World(django_user_model)
    problems: list[str] = []
    requests = 0
    for index, (route, pattern) in enumerate(sorted(url_patterns(), key=lambda item: _order(item[0]))):
        clients = {role: world.client(role, route) for role in ROLES}
        steps = _requests(world, route, pattern, index)
        answer = None
        while True:
            try:
                role, method, path, body, content_type = steps.send(answer)
            except StopIteration:
                break
            answer = None
            requests += 1
            try:
                if method == "GET":
                    response = clients[role].get(path)
                elif content_type:
                    response = clients[role].post(path, body, content_type=content_type)
                else:
                    response = clients[role].post(path, body)
            except Exception:  # noqa: BLE001 - every escaping exception is a finding, listed below.
                problems.append(f"{role} {method} {path[:200]!r}\n{traceback.format_exc(limit=-6)}")
                print(problems[-1], file=sys.stderr)
                continue
            if response.streaming:
                # Read to the end: the test client closes the file then (``response.close()`` here would
                # also close the test's database connection, through ``request_finished``).
                b"".join(response.streaming_content)
            if response.status_code >= 500:
                problems.append(f"{role} {method} {path[:200]!r}: {response.status_code}")
            # Tells the generator whether the view takes POSTs (after its plain POST).
            answer = response.status_code != 405
    assert requests > 5000, requests
    assert not problems, f"{len(problems)} server errors:\n" + "\n".join(p[:3000] for p in problems[:40])
