"""Who is acting: the authenticated user as the service layer sees it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ticketing.lifecycle import Role


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated user (or a system process acting as one)."""

    user_id: uuid.UUID | None
    username: str
    role: Role
    department_id: uuid.UUID | None = None

    @classmethod
    def system(cls, role: Role = Role.ADMIN) -> Actor:
        """The system itself (IVR, scheduler, CLI)."""
        return cls(user_id=None, username="system", role=role)
