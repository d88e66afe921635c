"""The one error tree of ordermesh.

Every error raised on purpose derives from ``OrdermeshError`` and carries data, not just
prose, so an edge (CLI, API) can render it and map it to an exit code or HTTP status once::

    OrdermeshError
    ├── InvalidInput            malformed input; ``problems`` lists where and why
    │   ├── InvalidNetwork      the network document
    │   ├── InvalidInventory    an inventory file or command
    │   └── IdempotencyKeyReused an Idempotency-Key sent again with a different request
    ├── NotFound                something referenced does not exist
    │   ├── UnknownNode
    │   ├── UnknownSku
    │   ├── UnknownChannel
    │   ├── NetworkNotLoaded
    │   ├── UnknownOrder
    │   ├── UnknownFulfillmentRequest
    │   ├── UnknownReplay
    │   ├── UnknownIntakeException
    │   └── UnknownApiKey
    └── Conflict                the request is well formed but the state refuses it
        ├── InsufficientStock   a reservation asked for more than is available to sell
        ├── StaleInventory      a position moved between reading and writing it
        ├── IllegalTransition   an order or fulfillment request cannot go to that status
        ├── RequestAccepted     a change would touch a request its node has accepted
        ├── DuplicateOrder      a concurrent request stored the same order first
        └── ConcurrentUpdate    the database aborted a transaction to break a deadlock
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: ``where`` is a field path or a file position."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class OrdermeshError(Exception):
    """Base of every error ordermesh raises on purpose."""


class InvalidInput(OrdermeshError):
    """Input that cannot be accepted; nothing was changed."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{lines}")


class InvalidNetwork(InvalidInput):
    """The network document is malformed or inconsistent."""


class InvalidInventory(InvalidInput):
    """An inventory snapshot, adjustment or file is malformed or references unknown ids."""


class IdempotencyKeyReused(InvalidInput):
    """A request under an ``Idempotency-Key`` already used, by the same channel, for a
    request with a different body: the original order is left as it is and nothing new is
    placed (the IETF Idempotency-Key draft's 422)."""

    def __init__(self, channel: str, key: str, order_id: str) -> None:
        self.channel = channel
        self.key = key
        self.order_id = order_id
        super().__init__(
            "request",
            [
                Problem(
                    "header.Idempotency-Key",
                    f"{key!r} was already used by channel {channel!r} for a different request "
                    f"(order {order_id}); send a new key for a new order",
                )
            ],
        )


class NotFound(OrdermeshError):
    """Something referenced does not exist."""


class UnknownNode(NotFound):
    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        super().__init__(f"unknown node {node_id!r}")


class UnknownSku(NotFound):
    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"unknown SKU or bundle {sku!r}")


class UnknownChannel(NotFound):
    def __init__(self, channel_id: str) -> None:
        self.channel_id = channel_id
        super().__init__(f"unknown channel {channel_id!r}")


class NetworkNotLoaded(NotFound):
    def __init__(self) -> None:
        super().__init__("no network is loaded: run `ordermesh network load FILE` first")


class Conflict(OrdermeshError):
    """A well-formed request the current state refuses."""


class InsufficientStock(Conflict):
    def __init__(self, node_id: str, sku: str, requested: int, available: int) -> None:
        self.node_id = node_id
        self.sku = sku
        self.requested = requested
        self.available = available
        super().__init__(
            f"cannot reserve {requested} x {sku} at {node_id}: {available} available to sell"
        )


class StaleInventory(Conflict):
    """Another writer changed the position after it was read; the service retries."""

    def __init__(self, node_id: str, sku: str) -> None:
        self.node_id = node_id
        self.sku = sku
        super().__init__(f"{node_id}/{sku} was changed concurrently; try again")


class UnknownOrder(NotFound):
    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"unknown order {order_id!r}")


class UnknownReplay(NotFound):
    def __init__(self, replay_id: str) -> None:
        self.replay_id = replay_id
        super().__init__(f"unknown replay {replay_id!r}")


class UnknownFulfillmentRequest(NotFound):
    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        super().__init__(f"unknown fulfillment request {request_id!r}")


class UnknownApiKey(NotFound):
    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        super().__init__(f"unknown API key {key_id!r}")


class IllegalTransition(Conflict):
    """``entity`` ("order", "order_hold", "order_recipient" or "fulfillment_request") cannot
    go from ``from_status`` to ``to_status``; ``detail`` says why when the table alone does
    not."""

    def __init__(
        self,
        entity: str,
        entity_id: str,
        from_status: str,
        to_status: str,
        detail: str = "",
    ) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.from_status = from_status
        self.to_status = to_status
        self.detail = detail
        message = f"{entity} {entity_id} cannot go from {from_status} to {to_status}"
        super().__init__(f"{message}: {detail}" if detail else message)


class RequestAccepted(Conflict):
    """``change`` (a cancel, an address change) would alter fulfillment request
    ``request_id``, which node ``node_id`` has already accepted: the node may be packing it,
    so ordermesh refuses rather than change it behind the node's back (docs/lifecycle.md)."""

    def __init__(self, order_id: str, request_id: str, node_id: str, change: str) -> None:
        self.order_id = order_id
        self.request_id = request_id
        self.node_id = node_id
        self.change = change
        super().__init__(
            f"{change} of order {order_id} refused: fulfillment request {request_id} is "
            f"accepted by {node_id}; ask the node to reject it first"
        )


class DuplicateOrder(Conflict):
    """Another request stored an order with the same idempotency key or channel order id
    first; the order service answers with that order instead."""

    def __init__(self, channel: str, key: str) -> None:
        self.channel = channel
        self.key = key
        super().__init__(f"channel {channel!r} already placed an order under {key!r}")


class ConcurrentUpdate(Conflict):
    """The database aborted a transaction to break a deadlock or a serialisation failure
    between concurrent writers; the services run the whole unit of work again."""


class UnknownIntakeException(NotFound):
    def __init__(self, exception_id: str) -> None:
        self.exception_id = exception_id
        super().__init__(f"unknown intake exception {exception_id!r}")
