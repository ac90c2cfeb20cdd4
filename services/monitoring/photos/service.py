"""Attaching photos to a visit: the bytes must be the image type declared and within the size limit;
the phone's UUID makes a retried upload a no-op, and the same UUID with other bytes a conflict."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from services.common.auth import Principal
from services.common.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from services.common.scope import in_scope
from services.monitoring.models import Inspection, InspectionPhoto
from services.monitoring.photos.schemas import PHOTO_TYPES, PhotoRead


def sniff(data: bytes) -> str | None:
    """The image type the bytes themselves show (their signature), whatever the header says."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def read(photo: InspectionPhoto) -> PhotoRead:
    return PhotoRead(
        id=photo.id,
        inspection_id=photo.inspection_id,
        area_code=photo.area_code,
        content_type=photo.content_type,
        size_bytes=photo.size_bytes,
        sha256=photo.content_sha256.hex(),
        uploaded_by=photo.uploaded_by,
        uploaded_at=photo.uploaded_at,
    )


class PhotoService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def attach(
        self,
        inspection_id: uuid.UUID,
        photo_id: uuid.UUID,
        declared_type: str,
        data: bytes,
        principal: Principal,
        *,
        max_bytes: int,
        max_photos: int,
    ) -> tuple[InspectionPhoto, bool]:
        """The photo, and whether it is new (False: the same upload again)."""
        self._check(declared_type, data, max_bytes)
        inspection = await self._inspection(inspection_id, principal, lock=True)
        digest = hashlib.sha256(data).digest()
        if (earlier := await self.session.get(InspectionPhoto, photo_id)) is not None:
            return self._same_or_conflict(earlier, inspection_id, digest), False
        count = await self.session.scalar(
            select(func.count()).where(InspectionPhoto.inspection_id == inspection_id)
        )
        if (count or 0) >= max_photos:
            raise Conflict(
                f"Inspection {inspection_id} already has {count} photos (at most {max_photos})",
                code="too_many_photos",
                max_photos=max_photos,
            )
        values = {
            "id": photo_id,
            "inspection_id": inspection_id,
            "area_code": inspection.area_code,
            "content_type": declared_type,
            "size_bytes": len(data),
            "content_sha256": digest,
            "data": data,
            "uploaded_by": principal.id,
        }
        statement = (
            insert(InspectionPhoto)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(col(InspectionPhoto.id))
        )
        if (await self.session.execute(statement)).scalar() is None:  # a racing retry stored it first
            earlier = await self.session.get(InspectionPhoto, photo_id, populate_existing=True)
            assert earlier is not None
            return self._same_or_conflict(earlier, inspection_id, digest), False
        photo = await self.session.get(InspectionPhoto, photo_id)
        assert photo is not None
        return photo, True

    async def list(self, inspection_id: uuid.UUID, principal: Principal) -> list[InspectionPhoto]:
        await self._inspection(inspection_id, principal)
        query = (
            select(InspectionPhoto)
            .where(InspectionPhoto.inspection_id == inspection_id)
            .order_by(col(InspectionPhoto.uploaded_at), col(InspectionPhoto.id))
        )
        return list((await self.session.execute(query)).scalars())

    async def get(
        self, inspection_id: uuid.UUID, photo_id: uuid.UUID, principal: Principal
    ) -> InspectionPhoto:
        photo = await self.session.get(InspectionPhoto, photo_id)
        if photo is None or photo.inspection_id != inspection_id or not principal.covers(photo.area_code):
            raise NotFound(f"No photo {photo_id} on inspection {inspection_id}", code="photo_not_found")
        return photo

    @staticmethod
    def _check(declared_type: str, data: bytes, max_bytes: int) -> None:
        if declared_type not in PHOTO_TYPES:
            raise UnsupportedMediaType(
                f"Send the photo as {', '.join(PHOTO_TYPES)} (got {declared_type or 'no Content-Type'})"
            )
        if len(data) > max_bytes:
            error = PayloadTooLarge(f"The photo is {len(data)} bytes; the limit is {max_bytes}")
            error.extra["max_bytes"] = max_bytes
            raise error
        if sniff(data) != declared_type:
            raise ValidationFailed.field(
                ["body"],
                f"The bytes are not a {declared_type} image",
                "photo_type_mismatch",
            )

    @staticmethod
    def _same_or_conflict(
        earlier: InspectionPhoto, inspection_id: uuid.UUID, digest: bytes
    ) -> InspectionPhoto:
        if earlier.inspection_id == inspection_id and earlier.content_sha256 == digest:
            return earlier
        raise Conflict(
            f"Photo {earlier.id} was already received with other content", code="photo_id_conflict"
        )

    async def _inspection(
        self, inspection_id: uuid.UUID, principal: Principal, *, lock: bool = False
    ) -> Inspection:
        query = select(Inspection).where(
            Inspection.id == inspection_id, in_scope(col(Inspection.area_code), principal.scope_prefix)
        )
        if lock:  # uploads to one visit take turns, so the photo limit holds under racing uploads
            query = query.with_for_update()
        inspection = (await self.session.execute(query)).scalars().first()
        if inspection is None:
            raise NotFound(f"No inspection {inspection_id}", code="inspection_not_found")
        return inspection
