"""Shopify's order webhooks: ``POST /v1/channels/{channel_id}/shopify/orders``.

No API key: Shopify cannot send one. The delivery authenticates itself with
``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 of the raw body under the channel's
connector secret), compared in constant time; a forged one is 401. A channel without a
shopify connector is 404. Past those two checks every delivery is answered 2xx, so that
Shopify stops retrying it, and nothing is lost (``services.shopify``): a placed order is
201 with the order (200 with the original for a repeat); a delivery kept as an intake
exception is 202; a cancellation, an address change, a test order or a topic ordermesh
does not handle is 200 with what was done.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.adapters.formats import shopify as shopify_format
from ordermesh.bootstrap import Application
from ordermesh.entrypoints.api import auth
from ordermesh.entrypoints.api.dtos import OrderOut
from ordermesh.entrypoints.api.errors import Unauthenticated
from ordermesh.entrypoints.api.intake_dtos import ShopifyAck
from ordermesh.entrypoints.api.routes.orders import order_out
from ordermesh.services import network as network_service
from ordermesh.services import shopify as shopify_service
from ordermesh.services.shopify import Delivery, Outcome

router = APIRouter(prefix="/v1/channels", tags=["shopify"])

WEBHOOK_PATH = re.compile(r"^/v1/channels/[^/]+/shopify/orders/?$")


class Authentication(auth.Authentication):
    """The API key check, except for Shopify's webhook, which signs its body instead."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and WEBHOOK_PATH.match(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/{channel_id}/shopify/orders",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    summary="Shopify order webhooks (orders/create, orders/updated, orders/cancelled; "
    "signed with X-Shopify-Hmac-Sha256, no API key)",
    responses={
        200: {
            "model": OrderOut | ShopifyAck,
            "description": "a repeat (the original order), or a delivery applied or "
            "ignored without placing an order",
        },
        202: {"model": ShopifyAck, "description": "kept as an intake exception for review"},
    },
)
def shopify_order(
    request: Request,
    response: Response,
    channel_id: Annotated[str, Path(min_length=1, max_length=100)],
    body: Annotated[bytes, Depends(_raw_body)],
) -> OrderOut | JSONResponse:
    application: Application = request.app.state.application
    network = network_service.current_network(application.read_uow()).network
    channel, secret = shopify_service.shopify_channel(network, channel_id)
    if not shopify_service.verify_hmac(
        secret, body, request.headers.get(shopify_service.HMAC_HEADER)
    ):
        raise Unauthenticated(f"missing or wrong {shopify_service.HMAC_HEADER}")
    result = shopify_service.receive(
        application.uow,
        SqlDeliveryStore(application.engine),
        shopify_format.READER,
        Delivery(
            channel=channel,
            network=network,
            topic=request.headers.get(shopify_service.TOPIC_HEADER),
            webhook_id=request.headers.get(shopify_service.WEBHOOK_ID_HEADER),
            body=body,
        ),
        application.clock,
        routing=application.routing,
    )
    if result.outcome in (Outcome.PLACED, Outcome.REPEAT) and result.order is not None:
        if result.outcome is Outcome.REPEAT:
            response.status_code = status.HTTP_200_OK
        return order_out(result.order)
    ack = ShopifyAck(
        outcome=str(result.outcome),
        message=result.message,
        order_id=result.order.id if result.order is not None else None,
        intake_exception_id=result.exception.id if result.exception is not None else None,
    )
    code = status.HTTP_202_ACCEPTED if result.outcome is Outcome.KEPT else status.HTTP_200_OK
    return JSONResponse(ack.model_dump(mode="json"), status_code=code)
