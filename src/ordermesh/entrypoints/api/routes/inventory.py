"""Inventory at a node: a counted snapshot, or an adjustment with a reason.

A node's key may post only for itself; admin for any node.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from ordermesh.bootstrap import Application
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import (
    AdjustmentIn,
    AdjustmentOut,
    Discrepancy,
    Id,
    SnapshotIn,
    SnapshotOut,
)
from ordermesh.services import inventory as inventory_service

router = APIRouter(prefix="/v1/nodes/{node}/inventory", tags=["inventory"])

NodePath = Annotated[Id, Path(description="the node id")]


@router.post(
    "/snapshot",
    response_model=SnapshotOut,
    summary="Replace on hand for the SKUs counted at this node",
)
def post_snapshot(
    request: Request, caller: CallerDep, node: NodePath, body: SnapshotIn
) -> SnapshotOut:
    caller.for_node(node)
    application: Application = request.app.state.application
    lines = [SnapshotLine(li.sku, li.on_hand, li.safety_stock) for li in body.lines]
    report = inventory_service.apply_snapshots(
        application.uow(),
        {node: lines},
        caller.actor,
        application.clock,
        routing=application.routing,
    )
    return SnapshotOut(
        node=node,
        lines=report.lines,
        discrepancies=[
            Discrepancy(sku=c.sku, held=c.on_hand_before, counted=c.on_hand_after)
            for c in report.discrepancies
        ],
    )


@router.post(
    "/adjustments",
    response_model=AdjustmentOut,
    summary="Add a delta (negative to remove) to on hand, with a reason",
)
def post_adjustment(
    request: Request, caller: CallerDep, node: NodePath, body: AdjustmentIn
) -> AdjustmentOut:
    caller.for_node(node)
    application: Application = request.app.state.application
    change = inventory_service.adjust(
        application.uow(),
        node,
        body.sku,
        body.delta,
        body.reason,
        caller.actor,
        application.clock,
        routing=application.routing,
    )
    return AdjustmentOut(
        node=node,
        sku=body.sku,
        on_hand_before=change.on_hand_before,
        on_hand_after=change.on_hand_after,
        reason=body.reason.value,
    )
