"""Initial catalogue schema: albums, mood and theme vocabularies with ordered links, crawl runs and errors.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _vocabulary(table: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_name", table, ["name"])


def _ordered_links(table: str, tag_column: str, tag_table: str) -> None:
    op.create_table(
        table,
        sa.Column("album_id", sa.String(16), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(tag_column, sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["album_id"], ["albums.id"], name=f"fk_{table}_album_id_albums", ondelete="CASCADE"),
        sa.ForeignKeyConstraint([tag_column], [f"{tag_table}.id"], name=f"fk_{table}_{tag_column}_{tag_table}"),
        sa.PrimaryKeyConstraint("album_id", "position", name=f"pk_{table}"),
        sa.UniqueConstraint("album_id", tag_column, name=f"uq_{table}_album_id"),
    )
    op.create_index(f"ix_{table}_{tag_column}", table, [tag_column])


def upgrade() -> None:
    op.create_table(
        "albums",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("artist", sa.String(500)),
        sa.Column("artist_id", sa.String(16)),
        sa.Column("release_date", sa.Date()),
        sa.Column("year", sa.SmallInteger()),
        sa.Column("rating", sa.SmallInteger()),
        sa.Column("review_text", sa.Text()),
        sa.Column("review_author", sa.String(200)),
        sa.Column("genres", sa.JSON(), nullable=False),
        sa.Column("styles", sa.JSON(), nullable=False),
        sa.Column("cover_url", sa.String(2000)),
        sa.Column("cover_key", sa.String(64)),
        sa.Column("page_design", sa.String(16), nullable=False),
        sa.Column("etag", sa.String(200)),
        sa.Column("last_modified", sa.String(64)),
        _timestamp("sitemap_lastmod", nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        _timestamp("first_seen"),
        _timestamp("last_fetched"),
        _timestamp("last_changed"),
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 10)", name="ck_albums_rating_1_to_10"),
        sa.PrimaryKeyConstraint("id", name="pk_albums"),
    )
    op.create_index("ix_albums_year", "albums", ["year"])
    op.create_index("ix_albums_cover_key", "albums", ["cover_key"])

    _vocabulary("moods")
    _vocabulary("themes")
    _ordered_links("album_moods", "mood_id", "moods")
    _ordered_links("album_themes", "theme_id", "themes")

    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(2000)),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "pages_fetched",
                "pages_not_modified",
                "albums_new",
                "albums_changed",
                "albums_unchanged",
                "covers_stored",
                "errors",
            )
        ),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_table(
        "crawl_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer()),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text()),
        _timestamp("occurred_at"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["crawl_runs.id"], name="fk_crawl_errors_run_id_crawl_runs", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_errors"),
    )
    op.create_index("ix_crawl_errors_reason", "crawl_errors", ["reason"])
    op.create_index("ix_crawl_errors_run_id", "crawl_errors", ["run_id"])


def downgrade() -> None:
    for table in ("crawl_errors", "crawl_runs", "album_themes", "album_moods", "themes", "moods", "albums"):
        op.drop_table(table)
