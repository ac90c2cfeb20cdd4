"""Photos attached to inspections."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


class PhotoRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The phone's UUID for the photo")
    inspection_id: uuid.UUID
    area_code: str
    content_type: str = Field(description="image/jpeg, image/png or image/webp")
    size_bytes: int
    sha256: str = Field(description="Hex SHA-256 of the bytes (also the download's ETag)")
    uploaded_by: str
    uploaded_at: datetime


class PhotoList(BaseModel):
    items: list[PhotoRead]
