"""Who is acting: the authenticated user as the service layer sees it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ticketing.errors import PermissionDenied
from ticketing.tickets.lifecycle import Role


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


def require_role(actor: Actor, *roles: Role) -> None:
    """Refuse ``actor`` (403 ``permission_denied``) unless it has one of ``roles``."""
    if actor.role not in roles:
        raise PermissionDenied(
            f"role {actor.role.value} may not do this", allowed_roles=[r.value for r in roles]
        )
