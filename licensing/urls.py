"""Money URLs: the Stripe webhook, buying, renewals, Connect onboarding, earnings, the fake gateway."""

from django.urls import path

from . import views

app_name = "licensing"

urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("checkout/buy/<str:identifier>/", views.package_buy, name="buy"),
    path("checkout/<int:payment_id>/success/", views.checkout_success, name="checkout-success"),
    path("checkout/renew/<int:pk>/", views.license_renew, name="license-renew"),
    path("fake-stripe/checkout/<str:session_id>/", views.fake_checkout, name="fake-checkout"),
    path("fake-stripe/connect/<str:account_id>/", views.fake_onboarding, name="fake-onboarding"),
    path("publishers/<slug:slug>/earnings/", views.earnings_page, name="earnings"),
    path("publishers/<slug:slug>/earnings/export.csv", views.earnings_csv, name="earnings-csv"),
    path("publishers/<slug:slug>/earnings/connect/", views.connect_start, name="connect-start"),
    path("publishers/<slug:slug>/earnings/connect/return/", views.connect_return, name="connect-return"),
    path("publishers/<slug:slug>/earnings/connect/refresh/", views.connect_refresh, name="connect-refresh"),
]
