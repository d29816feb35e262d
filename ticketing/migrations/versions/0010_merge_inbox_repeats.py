"""Merge the unit-replies and repeat-matters branches

Revision ID: 0010
Revises: 0008, 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

revision = "0010"
down_revision = ("0008", "0009")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
