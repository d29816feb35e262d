"""``/api/v1/tickets/{ref}/attachments``: upload, list and download a ticket's files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status
from fastapi.responses import FileResponse

from ticketing.api.deps import Context, CurrentActor
from ticketing.attachments import service as attachments
from ticketing.attachments.schemas import AttachmentOut
from ticketing.schema_types import Ref

router = APIRouter(tags=["department inbox"])


def _storage(request: Request) -> Path:
    """The attachment directory: the app's setting, else the module default (read per request)."""
    configured = getattr(request.app.state, "attachments_dir", None)
    return Path(configured) if configured else attachments.DEFAULT_STORAGE_DIR


@router.post("/tickets/{ref}/attachments", status_code=status.HTTP_201_CREATED)
def upload_attachment(
    ref: Ref,
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    file: Annotated[UploadFile, File(description="pdf, jpg, png, docx, xlsx or txt; at most 10 MB")],
) -> AttachmentOut:
    """Upload one file (multipart field ``file``); cite its id in 回复/承诺/延期申请/会签回复."""
    with ctx.unit_of_work() as session:
        service = attachments.AttachmentService(session, _storage(request), now=ctx.now)
        return service.upload(ref, actor, file.filename, file.file)


@router.get("/tickets/{ref}/attachments")
def list_attachments(ref: Ref, request: Request, ctx: Context, actor: CurrentActor) -> list[AttachmentOut]:
    """The ticket's attachments, oldest first."""
    with ctx.unit_of_work() as session:
        return attachments.AttachmentService(session, _storage(request), now=ctx.now).listing(ref, actor)


@router.get("/tickets/{ref}/attachments/{attachment_id}", response_class=FileResponse)
def download_attachment(
    ref: Ref, attachment_id: Ref, request: Request, ctx: Context, actor: CurrentActor
) -> FileResponse:
    """Download one attachment (only for those who may see the ticket)."""
    with ctx.unit_of_work() as session:
        service = attachments.AttachmentService(session, _storage(request), now=ctx.now)
        row, path = service.open(ref, attachment_id, actor)
        return FileResponse(
            path,
            media_type=row.content_type,
            filename=row.filename,
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
        )
