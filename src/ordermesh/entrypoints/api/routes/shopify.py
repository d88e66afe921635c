"""Shopify's ``orders/create`` webhook: ``POST /v1/channels/{channel_id}/shopify/orders``.

No API key: Shopify cannot send one. The delivery authenticates itself with
``X-Shopify-Hmac-Sha256`` (base64 HMAC-SHA256 of the raw body under the channel's
connector secret), compared in constant time; a forged one is 401. A channel without a
shopify connector is 404. A webhook id seen before is answered 200 with the original order
and creates nothing; a new order is 201; a payload that cannot be mapped is 422 and
changes nothing.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status
from starlette.types import Receive, Scope, Send

from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.adapters.formats import shopify as shopify_format
from ordermesh.bootstrap import Application
from ordermesh.entrypoints.api import auth
from ordermesh.entrypoints.api.dtos import OrderOut
from ordermesh.entrypoints.api.errors import Unauthenticated
from ordermesh.entrypoints.api.routes.orders import order_out
from ordermesh.services import network as network_service
from ordermesh.services import shopify as shopify_service

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
    summary="Shopify orders/create webhook (signed with X-Shopify-Hmac-Sha256, no API key)",
    responses={200: {"model": OrderOut, "description": "a repeat: the original order"}},
)
def shopify_order(
    request: Request,
    response: Response,
    channel_id: Annotated[str, Path(min_length=1, max_length=100)],
    body: Annotated[bytes, Depends(_raw_body)],
) -> OrderOut:
    application: Application = request.app.state.application
    network = network_service.current_network(application.uow()).network
    channel, secret = shopify_service.shopify_channel(network, channel_id)
    if not shopify_service.verify_hmac(
        secret, body, request.headers.get(shopify_service.HMAC_HEADER)
    ):
        raise Unauthenticated(f"missing or wrong {shopify_service.HMAC_HEADER}")
    payload = shopify_format.parse_payload(body)
    view, created = shopify_service.receive_order(
        application.uow,
        SqlDeliveryStore(application.engine),
        channel_id,
        request.headers.get(shopify_service.WEBHOOK_ID_HEADER),
        shopify_format.shopify_order_id(payload),
        lambda: shopify_format.to_place_order(payload, channel, network),
        application.clock,
        routing=application.routing,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return order_out(view)
