"""The checks every snapshot passes before a model learns from it (pandera): well-formed ids and keys, each album in
the split its id hashes to (so no test album ever trains), split shares near the configured ones, moods inside the
kept vocabulary and each kept mood on enough albums, plausible years. A failure names the rows that broke it."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from albumml.catalogue.records import CATALOGUE_ALBUM_ID_PATTERN, SHA256_HEX_PATTERN
from albumml.dataset.config import SnapshotConfig, split_of
from albumml.errors import SnapshotError

SPLITS = ("train", "validation", "test")
FIRST_RECORDING_YEAR = 1877  # the phonograph: no album is older
SHARE_SIGMAS = 4.0  # how far a split's share may stray from the configured one, in binomial standard deviations
SHARE_SLACK = 0.02  # plus this, so tiny snapshots are not refused for a few albums
FAILURES_SHOWN = 8


def _share_checks(config: SnapshotConfig) -> list[pa.Check]:
    expected = {"test": config.test_share, "validation": config.validation_share}

    def near(split: str, share: float) -> pa.Check:
        def within(frame: pd.DataFrame) -> bool:
            albums = len(frame)
            observed = float((frame["split"] == split).mean())
            tolerance = SHARE_SIGMAS * math.sqrt(share * (1 - share) / albums) + SHARE_SLACK
            return abs(observed - share) <= tolerance

        return pa.Check(within, name=f"{split} share near {share:g}")

    return [near(split, share) for split, share in expected.items()]


def _label_count_check(column: str, singular: str, vocabulary: list[str], minimum: int) -> pa.Check:
    def counted(frame: pd.DataFrame) -> pd.Series:
        counts = Counter(label for labels in frame[column] for label in labels)
        rare = {label for label in vocabulary if counts[label] < minimum}
        return frame[column].map(lambda labels: not rare.intersection(labels))

    return pa.Check(counted, name=f"every kept {singular} on at least {minimum} albums")


def snapshot_schema(vocabulary: list[str], config: SnapshotConfig) -> pa.DataFrameSchema:
    """The schema a snapshot's manifest must satisfy, for its vocabulary and configuration."""
    kept = frozenset(vocabulary)
    latest_year = datetime.now(UTC).year + 1
    column = config.target.value
    labels = pa.Column(
        object,
        [
            pa.Check(lambda labels: len(labels) > 0, element_wise=True, name=f"at least one {config.target.singular}"),
            pa.Check(lambda labels: set(labels) <= kept, element_wise=True, name=f"{column} inside the vocabulary"),
            pa.Check(
                lambda labels: len(set(labels)) == len(labels),
                element_wise=True,
                name=f"no repeated {config.target.singular}",
            ),
        ],
    )
    return pa.DataFrameSchema(
        {
            "album_id": pa.Column(str, pa.Check.str_matches(CATALOGUE_ALBUM_ID_PATTERN), unique=True),
            "cover_key": pa.Column(str, pa.Check.str_matches(SHA256_HEX_PATTERN)),
            column: labels,
            **({} if column == "genres" else {"genres": pa.Column(object)}),
            "year": pa.Column(float, pa.Check.in_range(FIRST_RECORDING_YEAR, latest_year), nullable=True, coerce=True),
            "split": pa.Column(str, pa.Check.isin(SPLITS)),
        },
        checks=[
            pa.Check(
                lambda frame: frame["split"] == frame["album_id"].map(lambda album_id: split_of(album_id, config)),
                name="the split its id hashes to",
            ),
            _label_count_check(column, config.target.singular, vocabulary, config.min_mood_count),
            *_share_checks(config),
        ],
        strict=True,
    )


def _failure(row: pd.Series, manifest: pd.DataFrame) -> str:
    index = row["index"]
    album = manifest["album_id"].iloc[int(index)] if isinstance(index, int | float) and not pd.isna(index) else None
    where = f"album {album!r}" if album is not None else "the snapshot"
    column = f" {row['column']}" if isinstance(row["column"], str) and row["column"] != row["schema_context"] else ""
    return f"{where}{column}: {row['check']} (got {row['failure_case']!r})"


def check_snapshot(snapshot_id: str, manifest: pd.DataFrame, vocabulary: list[str], config: SnapshotConfig) -> None:
    """Raise SnapshotError naming the rows that break the snapshot's checks; return quietly when it passes."""
    rows = manifest.reset_index(drop=True)  # failure cases name positions; the message names their albums
    try:
        snapshot_schema(vocabulary, config).validate(rows, lazy=True)
    except SchemaErrors as errors:
        lines = [_failure(case, rows) for _, case in errors.failure_cases.iterrows()]
        unique = list(dict.fromkeys(lines))
        shown = "; ".join(unique[:FAILURES_SHOWN])
        more = f"; and {len(unique) - FAILURES_SHOWN} more" if len(unique) > FAILURES_SHOWN else ""
        raise SnapshotError(
            f"snapshot {snapshot_id} fails its checks ({len(unique)} problems): {shown}{more}"
        ) from None
