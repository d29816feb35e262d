"""Files attached to tickets: upload (type and size checked), list, download, and references from actions.

Files are stored in one directory under the attachment's UUID — never under a name the user chose; the
original name is kept (sanitised) for display only. The directory is :data:`DEFAULT_STORAGE_DIR` unless the
composition root passes another to :func:`ticketing.api.app.create_app`. Whoever may see the ticket may
upload, list and download its attachments (a unit no longer assigned gets ``404`` like for the ticket).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import unicodedata
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.attachments.models import TicketAttachment
from ticketing.attachments.schemas import AttachmentOut
from ticketing.clock import Clock, utcnow
from ticketing.departments.models import Department
from ticketing.errors import InvalidInput, NotFound, TicketingError
from ticketing.tickets.lifecycle import Role
from ticketing.tickets.models import Ticket
from ticketing.tickets.service import TicketService

DEFAULT_STORAGE_DIR = Path("var/attachments")
MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024

# extension -> (content type, magic prefix or None for text)
ALLOWED_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    "txt": ("text/plain; charset=utf-8", None),
}


class AttachmentTooLarge(TicketingError):
    """The upload exceeds :data:`MAX_BYTES`."""

    error_id = "attachment_too_large"
    http_status = 413


class UnsupportedAttachmentType(TicketingError):
    """The file is not one of the allowed types, or its content does not match its extension."""

    error_id = "unsupported_attachment_type"
    http_status = 415


class UnknownAttachment(InvalidInput):
    """An action references an attachment id that does not belong to this ticket."""

    error_id = "unknown_attachment"


class AttachmentService:
    """Store and serve the attachments of tickets the actor may see."""

    def __init__(self, session: Session, storage_dir: Path, *, now: Clock = utcnow) -> None:
        self._session = session
        self._dir = storage_dir
        self._now = now
        self._tickets = TicketService(session, now=now)

    def upload(self, ref: str, actor: Actor, filename: str | None, stream: BinaryIO) -> AttachmentOut:
        """Check and store one file for ticket ``ref``; the bytes are written before the row is added."""
        ticket = self._tickets.load(ref, actor)
        name = clean_filename(filename)
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if extension not in ALLOWED_TYPES:
            raise UnsupportedAttachmentType(
                f"files of type {extension or '(none)'!r} are not accepted",
                allowed=sorted(ALLOWED_TYPES),
            )
        content_type, magic = ALLOWED_TYPES[extension]
        attachment_id = uuid.uuid4()
        self._dir.mkdir(parents=True, exist_ok=True)
        final = self._dir / attachment_id.hex
        partial = self._dir / f".{attachment_id.hex}.part"
        try:
            size, digest = _copy_checked(stream, partial, extension, magic)
            os.replace(partial, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        row = TicketAttachment(
            id=attachment_id,
            ticket_id=ticket.id,
            filename=name,
            content_type=content_type,
            size=size,
            sha256=digest,
            uploaded_by=actor.user_id,
            uploader_role=actor.role.value,
            department_id=actor.department_id if actor.role is Role.DEPARTMENT else None,
            uploaded_at=self._now(),
        )
        self._session.add(row)
        try:
            self._session.flush()
        except Exception:
            final.unlink(missing_ok=True)
            raise
        return self._out([row])[0]

    def listing(self, ref: str, actor: Actor) -> list[AttachmentOut]:
        """The ticket's attachments, oldest first."""
        ticket = self._tickets.load(ref, actor)
        rows = self._session.scalars(
            select(TicketAttachment)
            .where(TicketAttachment.ticket_id == ticket.id)
            .order_by(TicketAttachment.uploaded_at, TicketAttachment.id)
        ).all()
        return self._out(rows)

    def open(self, ref: str, attachment_id: str, actor: Actor) -> tuple[TicketAttachment, Path]:
        """The row and file of one attachment of a ticket ``actor`` may see, else :class:`NotFound`."""
        ticket = self._tickets.load(ref, actor)
        row = None
        with contextlib.suppress(ValueError):
            row = self._session.get(TicketAttachment, uuid.UUID(attachment_id))
        path = self._dir / row.id.hex if row is not None else None
        if row is None or row.ticket_id != ticket.id or path is None or not path.is_file():
            raise NotFound(f"attachment {attachment_id!r} does not exist", attachment=attachment_id)
        return row, path

    def _out(self, rows: Sequence[TicketAttachment]) -> list[AttachmentOut]:
        ids = {r.department_id for r in rows if r.department_id is not None}
        codes: dict[uuid.UUID, str] = {}
        if ids:
            query = select(Department.id, Department.code).where(Department.id.in_(ids))
            codes = {row.id: row.code for row in self._session.execute(query)}
        return [
            AttachmentOut(
                id=r.id,
                filename=r.filename,
                content_type=r.content_type,
                size=r.size,
                sha256=r.sha256,
                uploader_role=r.uploader_role,
                department_code=codes.get(r.department_id) if r.department_id else None,
                uploaded_at=r.uploaded_at,
            )
            for r in rows
        ]


def referenced(session: Session, ticket: Ticket, ids: Sequence[uuid.UUID]) -> list[str]:
    """The ids (as strings, in order, without repeats) of attachments an action cites; each must belong to
    ``ticket``, else :class:`UnknownAttachment`."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(
        session.scalars(
            select(TicketAttachment.id).where(
                TicketAttachment.ticket_id == ticket.id, TicketAttachment.id.in_(wanted)
            )
        ).all()
    )
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise UnknownAttachment(
            "attachment(s) not uploaded to this ticket: " + ", ".join(missing),
            field="attachment_ids",
            missing=missing,
        )
    return [str(i) for i in wanted]


def clean_filename(raw: str | None) -> str:
    """A display name from the client's file name: last path part, no control characters, ≤ 200 chars."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        short = dot and len(extension) < 10
        name = stem[: 200 - len(extension) - 1] + dot + extension if short else name[:200]
    return name or "attachment"


def _copy_checked(stream: BinaryIO, target: Path, extension: str, magic: bytes | None) -> tuple[int, str]:
    """Copy ``stream`` to ``target`` checking size and content; returns (size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > MAX_BYTES:
                raise AttachmentTooLarge(
                    f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", limit_bytes=MAX_BYTES
                )
            if len(head) < 16:
                head = (head + chunk)[:16]
            if magic is None and b"\x00" in chunk:
                raise UnsupportedAttachmentType("a .txt file must be text (it contains NUL bytes)")
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise InvalidInput("the file is empty", field="file")
    if magic is not None and not head.startswith(magic):
        raise UnsupportedAttachmentType(f"the content is not a .{extension} file", extension=extension)
    return size, digest.hexdigest()
