"""The real gateway: Stripe through the ``stripe`` library (``STRIPE_BACKEND=stripe``)."""

from __future__ import annotations

import stripe
from django.conf import settings

from .protocol import AccountStatus, CheckoutRequest, CheckoutSession, SubscriptionCheckoutRequest


class StripeGateway:
    """Stripe through the ``stripe`` library, at ``STRIPE_API_BASE`` (``https://api.stripe.com``)."""

    def __init__(self) -> None:
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=2,
        )

    def checkout_session_create(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {"payment_id": str(request.payment_id)}
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": request.currency,
                            "unit_amount": request.amount_cents,
                            "product_data": {"name": request.product_name},
                        },
                    }
                ],
                "payment_intent_data": {
                    "application_fee_amount": request.application_fee_cents,
                    "transfer_data": {"destination": request.destination_account},
                    "metadata": metadata,
                },
                "client_reference_id": str(request.payment_id),
                "customer_email": request.customer_email,
                "metadata": metadata,
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
            },
            options={"idempotency_key": f"checkout-payment-{request.payment_id}"},
        )
        return CheckoutSession(id=session.id, url=session.url)

    def subscription_checkout_create(self, request: SubscriptionCheckoutRequest) -> CheckoutSession:
        """``POST /v1/checkout/sessions`` with ``mode=subscription`` (one line item, monthly)."""
        if request.price_id:
            line_item: dict = {"quantity": 1, "price": request.price_id}
        else:
            line_item = {
                "quantity": 1,
                "price_data": {
                    "currency": request.currency,
                    "unit_amount": request.amount_cents,
                    "recurring": {"interval": "month"},
                    "product_data": {"name": f"Argent Marketplace {request.plan_name} plan"},
                },
            }
        session = self.client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [line_item],
                "client_reference_id": str(request.payment_id),
                "customer_email": request.customer_email,
                "metadata": request.metadata,
                "subscription_data": {"metadata": request.metadata},
                "success_url": request.success_url,
                "cancel_url": request.cancel_url,
            },
            options={"idempotency_key": f"checkout-subscription-{request.payment_id}"},
        )
        return CheckoutSession(id=session.id, url=session.url)

    def subscription_cancel(self, subscription_id: str) -> None:
        """``DELETE /v1/subscriptions/{id}``: cancel now; Stripe then sends ``customer.subscription.deleted``."""
        self.client.v1.subscriptions.cancel(subscription_id)

    def account_create(self, *, email: str, publisher_slug: str) -> str:
        account = self.client.v1.accounts.create(
            params={
                "type": "express",
                "email": email,
                "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
                "metadata": {"publisher": publisher_slug},
            },
            options={"idempotency_key": f"account-publisher-{publisher_slug}"},
        )
        return account.id

    def account_link_create(self, *, account_id: str, refresh_url: str, return_url: str) -> str:
        link = self.client.v1.account_links.create(
            params={
                "account": account_id,
                "type": "account_onboarding",
                "refresh_url": refresh_url,
                "return_url": return_url,
            }
        )
        return link.url

    def account_retrieve(self, account_id: str) -> AccountStatus:
        account = self.client.v1.accounts.retrieve(account_id)
        return AccountStatus(
            id=account.id,
            details_submitted=bool(account.details_submitted),
            charges_enabled=bool(account.charges_enabled),
            payouts_enabled=bool(account.payouts_enabled),
        )

    def refund_create(self, *, payment_intent_id: str, payment_id: int) -> str:
        refund = self.client.v1.refunds.create(
            params={
                "payment_intent": payment_intent_id,
                "reverse_transfer": True,
                "refund_application_fee": True,
                "metadata": {"payment_id": str(payment_id)},
            },
            options={"idempotency_key": f"refund-payment-{payment_id}"},
        )
        return refund.id
