"""Money URLs: the Stripe webhook, buying, renewals, Connect onboarding, earnings, the fake gateway."""

from django.urls import path

from ..views import checkout, earnings, fake_stripe, stripe_webhook

app_name = "licensing"

urlpatterns = [
    path("stripe/webhook/", stripe_webhook.stripe_webhook, name="stripe-webhook"),
    path("checkout/buy/<str:identifier>/", checkout.package_buy, name="buy"),
    path("checkout/<int:payment_id>/success/", checkout.checkout_success, name="checkout-success"),
    path("checkout/renew/<int:pk>/", checkout.license_renew, name="license-renew"),
    path("fake-stripe/checkout/<str:session_id>/", fake_stripe.fake_checkout, name="fake-checkout"),
    path("fake-stripe/connect/<str:account_id>/", fake_stripe.fake_onboarding, name="fake-onboarding"),
    path("publishers/<slug:slug>/earnings/", earnings.earnings_page, name="earnings"),
    path("publishers/<slug:slug>/earnings/export.csv", earnings.earnings_csv, name="earnings-csv"),
    path("publishers/<slug:slug>/earnings/connect/", earnings.connect_start, name="connect-start"),
    path("publishers/<slug:slug>/earnings/connect/return/", earnings.connect_return, name="connect-return"),
    path(
        "publishers/<slug:slug>/earnings/connect/refresh/", earnings.connect_refresh, name="connect-refresh"
    ),
]
