"""Keyset paging, newest first by (created_at, id): the one cursor condition of every list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa


def older_than(
    created: sa.ColumnElement[Any], entity_id: sa.ColumnElement[Any], after: tuple[datetime, str]
) -> sa.ColumnElement[bool]:
    """Rows strictly after the cursor ``after`` in (created_at, id) descending order."""
    at, last_id = after
    return sa.or_(created < at, sa.and_(created == at, entity_id < last_id))
