"""Stripe's webhook events as they arrive (public schema), and which territory each connected account is in.

The two webhook endpoints are on the public host: every event is stored here, deduplicated on
its id, before anything is done with it; then a Celery task handles it inside its territory's
schema (vitrine.payments.webhooks).
"""
