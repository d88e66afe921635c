"""EDI X12 (4010, tolerant of 5010 envelopes): envelope, one mapping per transaction set,
and the 997 functional acknowledgment. Pure parsing and generation: no files, no database,
no clock (dates, times and control numbers are passed in). See docs/formats/x12.md.

Public API (stable; import from ``ordermesh.adapters.formats.x12``):

Envelope (``envelope.py``)
    ``Separators(element, component, segment, repetition)``, ``Separators.from_connector``
    ``PartyId(qualifier, id)``, ``PartyId.ours(connector)`` / ``PartyId.theirs(connector)``
    ``Segment(id, elements)`` (``Segment.of(id, *elements)``, ``.element(n)`` 1-based)
    ``TransactionSet(id, segments, control=None)``: the body between ST and SE
    ``FunctionalGroup``, ``Interchange``: dataclasses of GS/GE and ISA/IEA
    ``parse_interchange(data) -> ParsedInterchange(interchange, separators, errors)``
        never raises on bad input; ``read_interchange(data, source)`` raises ``InvalidX12``
    ``build_interchange(sets, sender=, receiver=, at=, numbers=, version="4010")``
        one GS per functional id; control numbers from a ``ControlNumberAllocator``
        (``SequentialControlNumbers`` is an in-memory one)
    ``write_interchange(interchange, separators, line_breaks=False) -> str``

Errors (``errors.py``)
    ``X12Error(segment_position, segment_id, element_position, code, message, level,
    set_position, bad_value)``, ``.where`` -> "segment 14 (SE), element 01"
    ``InvalidX12(InvalidInput)`` with ``.errors``; ``ErrorLevel`` and the 997 code enums

Transaction sets: each module has a dataclass, ``parse_NNN(ts) -> T`` (raises
``InvalidX12`` listing every problem, with positions) and ``generate_NNN(value) ->
TransactionSet`` (control None: allocated by ``build_interchange``).
    850 ``PurchaseOrder`` (+ ``order_lines``)            in from a B2B buyer
    855 ``PurchaseOrderAck`` (+ ``ack_from_order``)      out to the buyer
    856 ``ShipNotice`` (+ ``ship_notice_from_request``, ``notice_shipped``) in and out
    846 ``InventoryAdvice`` (+ ``snapshot_lines``)       in from a node or 3PL
    940 ``ShippingOrder`` (+ ``shipping_order_from_request``) out to a 3PL
    945 ``ShippingAdvice`` (+ ``advice_shipped``)        in from a 3PL
    997 ``FunctionalAcknowledgment``                     out for every interchange; in too

Receiving (``receive.py``)
    ``receive(data, source) -> Received``: envelope + every set mapped by its ST01;
        ``.documents`` (``ReceivedDocument``), ``.errors``, ``.accepted``,
        ``.raise_for_errors()``
    ``acknowledge(received, numbers=, at=, separators=None) -> Interchange | None``: the 997
        interchange (None when the ISA could not be read or only 997s were received)
"""

from __future__ import annotations

from ordermesh.adapters.formats.x12.common import (
    BUYER_SKU_QUALIFIERS,
    WAREHOUSE_SKU_QUALIFIERS,
    Address,
    ProductId,
    Reference,
    sku_of,
)
from ordermesh.adapters.formats.x12.envelope import (
    FUNCTIONAL_IDS,
    ControlNumberAllocator,
    FunctionalGroup,
    Interchange,
    ParsedInterchange,
    PartyId,
    Segment,
    Separators,
    SequentialControlNumbers,
    TransactionSet,
    X12Version,
    build_interchange,
    parse_interchange,
    read_interchange,
    write_interchange,
)
from ordermesh.adapters.formats.x12.errors import (
    ElementErrorCode,
    ErrorLevel,
    GroupErrorCode,
    InterchangeErrorCode,
    InvalidX12,
    SegmentErrorCode,
    SetErrorCode,
    X12Error,
)
from ordermesh.adapters.formats.x12.receive import (
    Document,
    Received,
    ReceivedDocument,
    acknowledge,
    functional_acknowledgments,
    receive,
)
from ordermesh.adapters.formats.x12.x846 import (
    InventoryAdvice,
    InventoryItem,
    InventoryQuantity,
    generate_846,
    parse_846,
    snapshot_lines,
)
from ordermesh.adapters.formats.x12.x850 import (
    PurchaseOrder,
    PurchaseOrderLine,
    generate_850,
    order_lines,
    parse_850,
)
from ordermesh.adapters.formats.x12.x855 import (
    AckItem,
    LineAck,
    LineStatus,
    PurchaseOrderAck,
    ack_from_order,
    generate_855,
    parse_855,
)
from ordermesh.adapters.formats.x12.x856 import (
    ShipNotice,
    ShipNoticeItem,
    ShipNoticeOrder,
    generate_856,
    notice_shipped,
    parse_856,
    ship_notice_from_request,
)
from ordermesh.adapters.formats.x12.x940 import (
    ShippingOrder,
    ShippingOrderLine,
    generate_940,
    parse_940,
    shipping_order_from_request,
)
from ordermesh.adapters.formats.x12.x945 import (
    ShippedLine,
    ShippingAdvice,
    advice_shipped,
    generate_945,
    parse_945,
)
from ordermesh.adapters.formats.x12.x997 import (
    AckCode,
    ElementNote,
    FunctionalAcknowledgment,
    SegmentNote,
    SetResponse,
    generate_997,
    parse_997,
)

__all__ = [
    "BUYER_SKU_QUALIFIERS",
    "FUNCTIONAL_IDS",
    "WAREHOUSE_SKU_QUALIFIERS",
    "AckCode",
    "AckItem",
    "Address",
    "ControlNumberAllocator",
    "Document",
    "ElementErrorCode",
    "ElementNote",
    "ErrorLevel",
    "FunctionalAcknowledgment",
    "FunctionalGroup",
    "GroupErrorCode",
    "Interchange",
    "InterchangeErrorCode",
    "InvalidX12",
    "InventoryAdvice",
    "InventoryItem",
    "InventoryQuantity",
    "LineAck",
    "LineStatus",
    "ParsedInterchange",
    "PartyId",
    "ProductId",
    "PurchaseOrder",
    "PurchaseOrderAck",
    "PurchaseOrderLine",
    "Received",
    "ReceivedDocument",
    "Reference",
    "Segment",
    "SegmentErrorCode",
    "SegmentNote",
    "Separators",
    "SequentialControlNumbers",
    "SetErrorCode",
    "SetResponse",
    "ShipNotice",
    "ShipNoticeItem",
    "ShipNoticeOrder",
    "ShippedLine",
    "ShippingAdvice",
    "ShippingOrder",
    "ShippingOrderLine",
    "TransactionSet",
    "X12Error",
    "X12Version",
    "ack_from_order",
    "acknowledge",
    "advice_shipped",
    "build_interchange",
    "functional_acknowledgments",
    "generate_846",
    "generate_850",
    "generate_855",
    "generate_856",
    "generate_940",
    "generate_945",
    "generate_997",
    "notice_shipped",
    "order_lines",
    "parse_846",
    "parse_850",
    "parse_855",
    "parse_856",
    "parse_940",
    "parse_945",
    "parse_997",
    "parse_interchange",
    "read_interchange",
    "receive",
    "ship_notice_from_request",
    "shipping_order_from_request",
    "sku_of",
    "snapshot_lines",
    "write_interchange",
]
