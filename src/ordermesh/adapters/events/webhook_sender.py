"""POSTing one event to one webhook subscriber, signed.

The body is the event envelope (docs/events.md) as JSON; ``X-Ordermesh-Signature`` is
``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (see
``services.events_delivery.verify_signature`` for the receiving side). Any 2xx is a
delivery; anything else, or no answer within the timeout, is a failed attempt.
"""

from __future__ import annotations

import time

import httpx

from ordermesh.adapters.events.store import OutboxEvent
from ordermesh.services.events_delivery import SIGNATURE_HEADER, Subscriber, signature


class WebhookSender:
    def __init__(self, timeout_s: float = 10.0, max_connections: int = 64) -> None:
        self._client = httpx.AsyncClient(
            timeout=timeout_s,
            limits=httpx.Limits(max_connections=max_connections),
            follow_redirects=False,
        )

    async def send(self, subscriber: Subscriber, event: OutboxEvent) -> str | None:
        """None when delivered, else why not."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "ordermesh-webhooks/1",
            SIGNATURE_HEADER: signature(subscriber.secret, int(time.time()), event.body),
            "X-Ordermesh-Event-Id": event.event_id,
            "X-Ordermesh-Event-Type": event.type,
        }
        try:
            response = await self._client.post(subscriber.url, content=event.body, headers=headers)
        except httpx.HTTPError as error:
            return f"{type(error).__name__}: {error}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

    async def close(self) -> None:
        await self._client.aclose()
