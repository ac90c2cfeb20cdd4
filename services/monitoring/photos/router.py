"""Photos of a visit: uploaded by the phone after the inspection itself (often later, once online)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response

from services.common.audit import audit_trail
from services.common.auth import Permission, Principal
from services.common.database import ReadSessionDep, SessionDep
from services.common.guards import requires
from services.monitoring.photos.schemas import PHOTO_TYPES, PhotoList, PhotoRead
from services.monitoring.photos.service import PhotoService, read

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"])

Reader = Annotated[Principal, requires(Permission.monitoring_read)]
Inspector = Annotated[Principal, requires(Permission.inspections_write)]
IMAGE_BODY = {t: {"schema": {"type": "string", "format": "binary"}} for t in PHOTO_TYPES}


@router.put(
    "/{inspection_id:uuid}/photos/{photo_id:uuid}",
    response_model=PhotoRead,
    status_code=201,
    openapi_extra={"requestBody": {"required": True, "content": IMAGE_BODY}},
    responses={200: {"description": "Already received with the same bytes (a retry): no effect"}},
)
async def put_photo(
    inspection_id: uuid.UUID,
    photo_id: uuid.UUID,
    request: Request,
    principal: Inspector,
    session: SessionDep,
    response: Response,
) -> PhotoRead:
    """Attach a photo (JPEG, PNG or WebP bytes as the body, the phone's UUID in the path) to a visit."""
    settings = request.app.state.settings
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    photo, created = await PhotoService(session).attach(
        inspection_id,
        photo_id,
        content_type,
        await request.body(),
        principal,
        max_bytes=settings.photo_max_bytes,
        max_photos=settings.photos_per_inspection,
    )
    if created:
        audit_trail(session).record(
            "inspection.photo_attach", "inspection_photo", str(photo.id), area_code=photo.area_code
        )
    else:
        response.status_code = 200
    return read(photo)


@router.get("/{inspection_id:uuid}/photos", response_model=PhotoList)
async def list_photos(inspection_id: uuid.UUID, principal: Reader, session: ReadSessionDep) -> PhotoList:
    """The photos of a visit, oldest first (without their bytes)."""
    return PhotoList(items=[read(p) for p in await PhotoService(session).list(inspection_id, principal)])


@router.get(
    "/{inspection_id:uuid}/photos/{photo_id:uuid}",
    response_class=Response,
    responses={200: {"description": "The photo's bytes", "content": IMAGE_BODY}},
)
async def get_photo(
    inspection_id: uuid.UUID, photo_id: uuid.UUID, principal: Reader, session: ReadSessionDep
) -> Response:
    """The photo itself, with its type; its ETag is the SHA-256 of the bytes."""
    photo = await PhotoService(session).get(inspection_id, photo_id, principal)
    return Response(
        content=photo.data,
        media_type=photo.content_type,
        headers={"ETag": f'"{photo.content_sha256.hex()}"', "Cache-Control": "private, max-age=86400"},
    )
