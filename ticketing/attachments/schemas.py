"""Typed output of a ticket attachment."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class AttachmentOut(BaseModel):
    """An uploaded file's metadata (download with ``GET …/attachments/{id}``)."""

    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str
    uploader_role: str
    department_code: str | None
    uploaded_at: datetime
