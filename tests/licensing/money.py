"""Helpers for the money tests: sellable packages and signed webhook deliveries."""

from __future__ import annotations

import json

from django.conf import settings


def sellable(make_package, pricing: str = "pro", *, price_cents: int = 1900, identifier: str | None = None):
    """A package whose publisher has a connected account with charges enabled."""
    from licensing.models import ConnectedAccount

    package = make_package(pricing, identifier=identifier, price_cents=price_cents)
    ConnectedAccount.objects.get_or_create(
        publisher=package.publisher,
        defaults={
            "stripe_account_id": f"acct_test_{package.publisher.slug.replace('-', '')}",
            "details_submitted": True,
            "charges_enabled": True,
            "payouts_enabled": True,
        },
    )
    return package


def signed(event_type: str, obj: dict, *, event_id: str, secret: str | None = None, timestamp=None):
    """``(body, header)`` for an event, signed as Stripe signs it."""
    from licensing.gateways.fake import event_payload, sign_payload

    body = event_payload(event_type, obj, event_id=event_id)
    return body, sign_payload(body, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp)


def post_event(client, body: str, header: str | None):
    headers = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return client.post("/stripe/webhook/", data=body, content_type="application/json", **headers)


def event_body(body: str) -> dict:
    return json.loads(body)
