"""The public host, /stripe/webhooks/: where Stripe delivers its events."""

from django.urls import path

from vitrine.payments import views_webhooks

urlpatterns = [
    path("plateforme/", views_webhooks.webhook_platform, name="stripe_webhook_platform"),
    path("comptes/", views_webhooks.webhook_connect, name="stripe_webhook_connect"),
]
