"""Bind parameters shared by the services' queries."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import ARRAY, UUID


def uuid_array(ids: Iterable[uuid.UUID]) -> Any:
    """Ids as one array parameter, for ``= ANY`` and ``<> ALL``: the statement stays the same however
    many ids, so it is prepared once per connection (an IN list has a parameter per id)."""
    return bindparam(None, list(ids), type_=ARRAY(UUID(as_uuid=True)))
