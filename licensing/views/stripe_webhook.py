"""Stripe's webhook endpoint: verify a delivery and hand it to ``licensing.webhooks``."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import webhooks

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's deliveries: 400 for anything not signed with our endpoint secret, else 200 at once."""
    try:
        webhooks.webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except webhooks.WebhookRejected as exc:
        logger.warning("Rejected a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("Invalid Stripe webhook.", content_type="text/plain")
    except webhooks.WebhookRetryLater as exc:
        logger.info("Stripe webhook deferred: %s", exc)
        return HttpResponse("Not ready; retry later.", status=503, content_type="text/plain")
    return JsonResponse({"received": True})
