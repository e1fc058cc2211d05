"""Crawl runs record their web archive (the store key of their WARC), what each page design gave, and why they failed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as table:
        table.add_column(sa.Column("archive_key", sa.String(200), nullable=True))
        table.add_column(sa.Column("failure", sa.Text(), nullable=True))
        table.add_column(sa.Column("page_counts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as table:
        table.drop_column("page_counts")
        table.drop_column("failure")
        table.drop_column("archive_key")
