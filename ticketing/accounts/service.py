"""Accounts, password hashing (scrypt) and opaque bearer tokens (stored as SHA-256)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ticketing.accounts.actor import Actor
from ticketing.accounts.models import ApiToken, User
from ticketing.accounts.schemas import UserCreate
from ticketing.clock import Clock, utcnow
from ticketing.departments.service import DepartmentService
from ticketing.errors import AuthenticationRequired, Conflict, InvalidInput, PermissionDenied
from ticketing.tickets.lifecycle import Role

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """``scrypt$salt$hash`` for storage."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` value."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


class UserService:
    """Create accounts, log in, resolve tokens to actors."""

    def __init__(self, session: Session, *, now: Clock = utcnow, token_ttl: timedelta = timedelta(hours=12)):
        self._session = session
        self._now = now
        self._ttl = token_ttl

    def create(self, data: UserCreate, actor: Actor) -> User:
        """Make an account. A ``department`` user must be bound to a unit; others must not be."""
        if actor.role is not Role.ADMIN:
            raise PermissionDenied("only an admin may create accounts", role=actor.role.value)
        if self._session.scalar(select(User.id).where(User.username == data.username)):
            raise Conflict(f"username {data.username!r} is taken", username=data.username)
        department_id = None
        if data.role is Role.DEPARTMENT:
            if not data.department:
                raise InvalidInput("a department user needs --department", field="department")
            department_id = DepartmentService(self._session).resolve(data.department, active_only=True).id
        elif data.department:
            raise InvalidInput("only department users are bound to a unit", field="department")
        user = User(
            username=data.username,
            display_name=data.display_name,
            role=data.role.value,
            department_id=department_id,
            password_hash=hash_password(data.password),
            active=True,
            created_at=self._now(),
        )
        self._session.add(user)
        self._session.flush()
        return user

    def list(self) -> list[User]:
        """All accounts by username."""
        return list(self._session.scalars(select(User).order_by(User.username)))

    def issue_token(self, username: str, password: str) -> tuple[str, datetime, User]:
        """Log in: a new bearer token for valid credentials, :class:`AuthenticationRequired` otherwise."""
        user = self._session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or not verify_password(password, user.password_hash):
            raise AuthenticationRequired("wrong username or password")
        token = secrets.token_urlsafe(32)
        now = self._now()
        expires = now + self._ttl
        self._session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
        self._session.add(
            ApiToken(token_hash=_token_hash(token), user_id=user.id, created_at=now, expires_at=expires)
        )
        self._session.flush()
        return token, expires, user

    def actor_for_token(self, token: str) -> Actor:
        """The actor behind a bearer token; :class:`AuthenticationRequired` if unknown or expired."""
        row = self._session.get(ApiToken, _token_hash(token))
        if row is None or row.expires_at <= self._now():
            raise AuthenticationRequired("token unknown or expired")
        user = self._session.get(User, row.user_id)
        if user is None or not user.active:
            raise AuthenticationRequired("account disabled")
        return Actor(
            user_id=user.id, username=user.username, role=Role(user.role), department_id=user.department_id
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
