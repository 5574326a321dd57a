"""API token services (tokens/services.py), the expiry-warning task and the token pages (tokens/views.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from catalog.models import PublisherMember
from publishing import services
from tests.conftest import make_user
from tokens import services as token_services
from tokens.models import ApiToken

pytestmark = pytest.mark.django_db


# --- api_token_create ------------------------------------------------------------------------


def test_create_stores_only_the_hash_and_a_prefix(author):
    token, raw = token_services.api_token_create(user=author.user, name=" ci ", publisher=author.publisher)

    assert raw.startswith("mkt_") and len(raw) == 4 + 43
    stored = ApiToken.objects.get()
    assert stored.name == "ci"
    assert stored.token_hash == token_services.token_hash(raw) and len(stored.token_hash) == 64
    assert stored.token_prefix == raw[:12]
    assert raw not in {str(getattr(stored, f.attname)) for f in ApiToken._meta.fields}
    assert timedelta(days=89, hours=23) < stored.expires_at - timezone.now() <= timedelta(days=90)


def test_create_with_a_package_and_expiry(author, build_pkg, submit):
    package = submit(build_pkg()).package

    token, _ = token_services.api_token_create(
        user=author.user, name="one", publisher=author.publisher, package=package, expires_days=1
    )

    assert token.package == package
    assert token.expires_at - timezone.now() <= timedelta(days=1)


@pytest.mark.parametrize("days", [0, 366, -5])
def test_expiry_must_be_1_to_365_days(author, days):
    with pytest.raises(token_services.ApiTokenNotAllowed, match="1 to 365"):
        token_services.api_token_create(
            user=author.user, name="x", publisher=author.publisher, expires_days=days
        )


def test_author_tokens_need_membership_and_own_packages(author, build_pkg, submit, django_user_model):
    bob = make_user(django_user_model, "bob")
    bobs = services.publisher_create(user=bob, name="Bob", slug="bob")
    package = submit(build_pkg()).package

    with pytest.raises(token_services.ApiTokenNotAllowed, match="not a member"):
        token_services.api_token_create(user=bob, name="x", publisher=author.publisher)
    with pytest.raises(token_services.ApiTokenNotAllowed, match="does not belong"):
        token_services.api_token_create(user=bob, name="x", publisher=bobs, package=package)
    with pytest.raises(token_services.ApiTokenNotAllowed, match="needs a publisher"):
        token_services.api_token_create(user=bob, name="x")
    with pytest.raises(token_services.ApiTokenNotAllowed, match="name"):
        token_services.api_token_create(user=bob, name="  ", publisher=bobs)


def test_staff_tokens_only_for_staff_and_without_publisher(author, reviewer):
    token, _ = token_services.api_token_create(user=reviewer, name="ops", staff=True)
    assert token.is_staff_token and token.publisher is None

    with pytest.raises(token_services.ApiTokenNotAllowed, match="Only staff"):
        token_services.api_token_create(user=author.user, name="x", staff=True)
    with pytest.raises(token_services.ApiTokenNotAllowed, match="no publisher"):
        token_services.api_token_create(user=reviewer, name="x", staff=True, publisher=author.publisher)


# --- api_token_authenticate --------------------------------------------------------------------


def test_authenticate_accepts_a_live_token(author):
    token, raw = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)

    assert token_services.api_token_authenticate(raw) == token


@pytest.mark.parametrize("raw", ["", "nonsense", "mkt_unknown"])
def test_authenticate_refuses_unknown_tokens(raw):
    with pytest.raises(token_services.ApiTokenInvalid) as info:
        token_services.api_token_authenticate(raw)
    assert info.value.code == "token.unknown"


def test_authenticate_refuses_expired_revoked_and_orphaned_tokens(author):
    token, raw = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)

    def code() -> str:
        with pytest.raises(token_services.ApiTokenInvalid) as info:
            token_services.api_token_authenticate(raw)
        return info.value.code

    ApiToken.objects.update(expires_at=timezone.now())
    assert code() == "token.expired"
    ApiToken.objects.update(expires_at=timezone.now() + timedelta(days=1))
    PublisherMember.objects.filter(user=author.user).delete()
    assert code() == "token.owner_inactive"
    token_services.api_token_revoke(token=token, by=author.user)
    assert code() == "token.revoked"


# --- api_token_record_use ------------------------------------------------------------------------


def test_record_use_writes_at_most_once_a_minute(author, django_assert_num_queries):
    token, _ = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)

    with django_assert_num_queries(1):
        token_services.api_token_record_use(token=token, ip="192.0.2.1")
    with django_assert_num_queries(0):
        token_services.api_token_record_use(token=token, ip="192.0.2.2")
    fresh = ApiToken.objects.get()
    with django_assert_num_queries(0):
        token_services.api_token_record_use(token=fresh, ip="192.0.2.3")
    assert (fresh.last_used_ip, ApiToken.objects.get().last_used_ip) == ("192.0.2.1", "192.0.2.1")

    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    token_services.api_token_record_use(token=ApiToken.objects.get(), ip="192.0.2.4")
    assert ApiToken.objects.get().last_used_ip == "192.0.2.4"


# --- api_token_revoke ---------------------------------------------------------------------------


def test_revoke_is_idempotent_and_checks_permission(author, reviewer, django_user_model):
    token, _ = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)
    bob = make_user(django_user_model, "bob")

    with pytest.raises(PermissionDenied):
        token_services.api_token_revoke(token=token, by=bob)
    revoked = token_services.api_token_revoke(token=token, by=reviewer)
    first = revoked.revoked_at
    assert first is not None and revoked.revoked_by == reviewer
    assert token_services.api_token_revoke(token=token, by=author.user).revoked_at == first


def test_a_reviewer_has_no_power_over_other_peoples_tokens(client, author, django_user_model):
    """Staff in the Reviewers group neither see nor revoke anyone's token."""
    from moderation.roles import REVIEWERS, SENIOR_REVIEWERS, roles_ensure

    groups = roles_ensure()
    gina = make_user(django_user_model, "gina", is_staff=True)
    gina.groups.add(groups[REVIEWERS])
    sven = make_user(django_user_model, "sven", is_staff=True)
    sven.groups.add(groups[SENIOR_REVIEWERS])
    carol = make_user(django_user_model, "carol")
    tokens = [
        token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)[0],
        token_services.api_token_create(user=carol, name="laptop", account=True)[0],
        token_services.api_token_create(user=sven, name="ops", staff=True)[0],
    ]
    client.force_login(gina)

    for token in tokens:
        url = reverse("publishing:token-revoke", args=[token.pk])
        for response in (client.get(url), client.post(url)):
            assert response.status_code == 403
            assert token.token_prefix not in response.content.decode()
        with pytest.raises(PermissionDenied):
            token_services.api_token_revoke(token=token, by=gina)
    listing = client.get(reverse("publishing:account-token-list")).content.decode()
    assert client.get(reverse("admin:tokens_apitoken_changelist")).status_code == 403

    assert not any(token.token_prefix in listing for token in tokens)
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 3


def test_staff_revoke_other_peoples_tokens_only_in_the_admin(client, reviewer, django_user_model):
    token, _ = token_services.api_token_create(
        user=make_user(django_user_model, "carol"), name="laptop", account=True
    )
    client.force_login(reviewer)  # a superuser: holds tokens.change_apitoken

    for response in (
        client.get(reverse("publishing:token-revoke", args=[token.pk])),
        client.post(reverse("publishing:token-revoke", args=[token.pk])),
    ):
        assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None

    response = client.post(
        reverse("admin:tokens_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == reviewer


# --- api_tokens_warn_expiring -------------------------------------------------------------------


def test_expiry_warning_is_sent_once(author, reviewer, mailoutbox):
    soon, _ = token_services.api_token_create(
        user=author.user, name="soon", publisher=author.publisher, expires_days=5
    )
    token_services.api_token_create(
        user=author.user, name="later", publisher=author.publisher, expires_days=30
    )
    gone, _ = token_services.api_token_create(
        user=author.user, name="gone", publisher=author.publisher, expires_days=2
    )
    token_services.api_token_revoke(token=gone, by=author.user)
    token_services.api_token_create(user=reviewer, name="ops", staff=True, expires_days=3)

    assert token_services.api_tokens_warn_expiring() == 2
    assert token_services.api_tokens_warn_expiring() == 0

    assert sorted(m.to[0] for m in mailoutbox) == [author.user.email, reviewer.email]
    mail = next(m for m in mailoutbox if m.to == [author.user.email])
    assert "soon" in mail.subject
    assert soon.token_prefix in mail.body
    assert reverse("publishing:token-list", args=[author.publisher.slug]) in mail.body
    assert ApiToken.objects.get(pk=soon.pk).expiry_warning_sent_at is not None
    assert ApiToken.objects.get(name="later").expiry_warning_sent_at is None


def test_expiry_warning_task_calls_the_service(author, mailoutbox):
    from tokens import tasks

    token_services.api_token_create(user=author.user, name="soon", publisher=author.publisher, expires_days=1)

    assert tasks.api_tokens_warn_expiring() == 1
    assert len(mailoutbox) == 1


# --- pages ----------------------------------------------------------------------------------------


def test_token_pages_need_membership(client, author, django_user_model):
    bob = make_user(django_user_model, "bob")
    token, _ = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)
    list_url = reverse("publishing:token-list", args=[author.publisher.slug])

    assert client.get(list_url).status_code == 302
    client.force_login(bob)
    assert client.get(list_url).status_code == 403
    assert client.get(reverse("publishing:token-create", args=[author.publisher.slug])).status_code == 403
    assert client.post(reverse("publishing:token-revoke", args=[token.pk])).status_code == 403
    assert ApiToken.objects.get().revoked_at is None


def test_create_shows_the_token_once_then_lists_it(client, author, build_pkg, submit):
    package = submit(build_pkg()).package
    client.force_login(author.user)
    create_url = reverse("publishing:token-create", args=[author.publisher.slug])
    assert client.get(create_url).status_code == 200

    response = client.post(create_url, {"name": "GitHub release", "package": package.pk, "expires_days": 30})

    list_url = reverse("publishing:token-list", args=[author.publisher.slug])
    assert response.status_code == 302 and response["Location"] == list_url
    page = client.get(list_url)
    raw = page.context["new_token"]["raw"]
    token = token_services.api_token_authenticate(raw)
    assert token.package == package and token.user == author.user
    content = page.content.decode()
    assert (
        raw in content and f"MKT_TOKEN={raw}" in content and 'data-copy-target="new-token-value"' in content
    )
    assert "GitHub release" in content and token.token_prefix in content and "hello-connector" in content

    again = client.get(list_url).content.decode()
    assert raw not in again and token.token_prefix in again


def test_create_form_errors(client, author):
    client.force_login(author.user)

    response = client.post(
        reverse("publishing:token-create", args=[author.publisher.slug]), {"name": "", "expires_days": 400}
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "expires_days"}
    assert not ApiToken.objects.exists()


def test_revoke_asks_then_revokes(client, author):
    token, raw = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)
    client.force_login(author.user)
    url = reverse("publishing:token-revoke", args=[token.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200 and token.token_prefix in confirm.content.decode()
    assert ApiToken.objects.get().revoked_at is None

    response = client.post(url)

    assert response["Location"] == reverse("publishing:token-list", args=[author.publisher.slug])
    assert ApiToken.objects.get().revoked_by == author.user
    with pytest.raises(token_services.ApiTokenInvalid):
        token_services.api_token_authenticate(raw)
    assert "Revoked" in client.get(response["Location"]).content.decode()


def test_token_pages_require_two_factor_when_configured(client, author, settings):
    settings.MFA_REQUIRED_FOR_PUBLISHING = True
    client.force_login(author.user)

    response = client.get(reverse("publishing:token-list", args=[author.publisher.slug]))

    assert response.status_code == 302 and reverse("mfa_activate_totp") in response["Location"]


def test_publisher_tabs_link_to_tokens(client, author):
    client.force_login(author.user)

    page = client.get(reverse("publishing:key-list", args=[author.publisher.slug])).content.decode()

    assert reverse("publishing:token-list", args=[author.publisher.slug]) in page


# --- account tokens (install and read) ------------------------------------------------------------------


@pytest.fixture
def customer(django_user_model):
    return make_user(django_user_model, "carol")


def test_account_tokens_belong_to_any_user_and_have_no_publisher(customer, author):
    token, raw = token_services.api_token_create(user=customer, name="laptop", account=True)
    assert token.publisher is None and not token.is_staff_token
    assert token.scope == ApiToken.Scope.INSTALL
    assert token_services.api_token_authenticate(raw) == token
    author_token, _ = token_services.api_token_create(user=author.user, name="ci", publisher=author.publisher)
    assert author_token.scope == ApiToken.Scope.PUBLISH
    with pytest.raises(token_services.ApiTokenNotAllowed, match="no publisher or package"):
        token_services.api_token_create(user=author.user, name="x", account=True, publisher=author.publisher)
    with pytest.raises(token_services.ApiTokenNotAllowed, match="either a staff token or an account token"):
        token_services.api_token_create(user=customer, name="x", account=True, staff=True)


def test_account_token_pages_create_show_once_list_and_revoke(client, customer, django_user_model):
    client.force_login(customer)
    assert client.get("/account/tokens/").status_code == 200

    response = client.post("/account/tokens/create/", {"name": "laptop", "expires_days": 30})

    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    token = ApiToken.objects.get(user=customer)
    assert token.scope == ApiToken.Scope.INSTALL
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    first = client.get("/account/tokens/").content.decode()
    raw = first.split('<pre id="new-token-value"><code>')[1].split("</code>")[0]
    assert token_services.api_token_authenticate(raw) == token
    assert "Install and read" in first and "mkt login" in first
    second = client.get("/account/tokens/").content.decode()
    assert raw not in second and token.token_prefix in second

    other = make_user(django_user_model, "mallory")
    client.force_login(other)
    assert client.get(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert token.token_prefix not in client.get("/account/tokens/").content.decode()

    client.force_login(customer)
    assert "Revoke the token" in client.get(f"/account/tokens/{token.pk}/revoke/").content.decode()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    with pytest.raises(token_services.ApiTokenInvalid):
        token_services.api_token_authenticate(raw)


def test_account_token_pages_need_a_login(client):
    assert client.get("/account/tokens/").status_code == 302
    assert client.get("/account/tokens/create/").status_code == 302


def test_account_tokens_cannot_publish(client, customer, build_pkg):
    from licensing.models import Subscription
    from tests.conftest import subscribe

    subscribe(customer, "pro")  # Even on a plan that may publish.
    _, raw = token_services.api_token_create(user=customer, name="laptop", account=True)
    pkg = build_pkg()
    response = client.post(
        "/api/v1/publish",
        {"package": pkg.file()},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 403
    assert [e["code"] for e in response.json()["errors"]] == ["token.install_only"]
    assert "cannot publish" in response.json()["errors"][0]["message"]
    assert client.get("/api/v1/submissions/1", headers={"Authorization": f"Bearer {raw}"}).status_code == 404
    assert Subscription.objects.filter(user=customer).exists()


def test_expiry_warning_of_an_account_token_links_to_the_account_page(customer, mailoutbox):
    token, _ = token_services.api_token_create(user=customer, name="laptop", account=True, expires_days=3)
    assert token_services.api_tokens_warn_expiring() == 1
    assert "/account/tokens/" in mailoutbox[0].body
