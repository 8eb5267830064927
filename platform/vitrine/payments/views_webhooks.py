"""Stripe's two webhook endpoints, on the public host: the platform's events and the connected accounts'."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from vitrine.common.throttling import throttle
from vitrine.payments import stripe_api
from vitrine.payments.inbox.models import StripeEvent
from vitrine.payments.webhooks import BadDelivery, webhook_receive


def _receive(request: HttpRequest, endpoint: str) -> HttpResponse:
    if not stripe_api.online_payment_configured():
        raise Http404
    try:
        webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""), endpoint=endpoint)
    except BadDelivery:
        return HttpResponseBadRequest("Bad signature.", content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt  # Stripe signs its deliveries; there is no session to forge
@require_POST
@throttle("stripe_webhook", key="ip")
def webhook_platform(request: HttpRequest) -> HttpResponse:
    return _receive(request, StripeEvent.Endpoint.PLATFORM)


@csrf_exempt
@require_POST
@throttle("stripe_webhook", key="ip")
def webhook_connect(request: HttpRequest) -> HttpResponse:
    return _receive(request, StripeEvent.Endpoint.CONNECT)
