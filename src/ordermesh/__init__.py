"""ordermesh: distributed order management."""

from ordermesh.native import refuse_stale

__version__ = "0.1.0"

refuse_stale()
