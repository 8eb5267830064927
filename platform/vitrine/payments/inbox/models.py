"""Public schema: every Stripe event received, and the territory of each connected account."""

from __future__ import annotations

from django.db import models


class StripeEvent(models.Model):
    """One webhook delivery's event, stored before it is handled; a second delivery finds it here."""

    class Endpoint(models.TextChoices):
        PLATFORM = "platform", "platform"  # the platform's own objects: payment intents, charges, transfers
        CONNECT = "connect", "connect"  # the connected accounts' (the shops') objects: account.updated

    class Status(models.TextChoices):
        RECEIVED = "received", "received"  # stored, its task queued (or left for the sweep)
        HANDLED = "handled", "handled"
        IGNORED = "ignored", "ignored"  # a type Vitrine does not act on, or no territory of ours
        FAILED = "failed", "failed"  # handling raised: retried by the sweep, error kept

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=16, choices=Endpoint.choices)
    account = models.CharField(max_length=255, blank=True)  # the connected account, for Connect events
    schema_name = models.CharField(max_length=63, blank=True)  # the territory it belongs to, once known
    livemode = models.BooleanField(default=False)
    stripe_created = models.PositiveBigIntegerField(default=0)  # the event's own time (Unix seconds)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class StripeAccountRoute(models.Model):
    """Which territory (schema) and shop a connected account belongs to: Connect events name only the account."""

    account_id = models.CharField(max_length=255, unique=True)
    schema_name = models.CharField(max_length=63)
    shop_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.account_id} → {self.schema_name}"
