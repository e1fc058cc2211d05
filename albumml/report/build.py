"""Builds a training run's HTML report from the model and its test-split scores; every picture is optional.

A figure that cannot be made (an unreadable example cover, a vocabulary too small for t-SNE) becomes a note in the
report and a warning in the log: a report never fails the run it describes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from albumml.config import Settings
from albumml.dataset.snapshot import Snapshot, load_snapshot
from albumml.models.bundle import MoodModel, open_image
from albumml.registry.schema import GateTag
from albumml.registry.training_run import ReportRequest
from albumml.report.analysis import confused_pairs, per_mood_ap
from albumml.report.html import ChampionFigure, ReportContent, ReportFigure, render
from albumml.storage import Store
from albumml.training.measure import Evaluation
from albumml.urls import scrub

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"
MOOD_SPACE_NAME = "mood_space.html"


def champion_figure(settings: Settings) -> ChampionFigure | None:
    """The champion's test micro AP as the gate measured it when promoting it, or None without a champion."""
    from albumml.registry.champion import current_champion
    from albumml.registry.tracking import client, scrubbed

    try:
        champion = current_champion(client(settings), settings.model_name)
    except Exception as error:
        log.warning("the champion cannot be looked up for the report: %s", scrubbed(settings, error))
        return None
    if champion is None or GateTag.CHALLENGER_MICRO_AP not in champion.tags:
        return None
    return ChampionFigure(
        str(champion.version),
        float(champion.tags[GateTag.CHALLENGER_MICRO_AP]),
        champion.tags.get(GateTag.SNAPSHOT_ID, "?"),
    )


def _optional(what: str, notes: list[str], make: Callable[[], Any]) -> Any:
    """Runs `make`; a failure becomes a note in the report instead of an error."""
    try:
        return make()
    except Exception as error:
        text = scrub(str(error))
        log.warning("the report's %s could not be made: %s", what, text)
        notes.append(f"The {what} could not be made: {type(error).__name__}: {text}")
        return None


def saliency_examples(model: MoodModel, store: Store, snapshot: Snapshot, count: int) -> list[ReportFigure]:
    """Saliency and Grad-CAM for the top moods of the first `count` test covers of the snapshot."""
    from albumml.explain.attribution import explain_cover
    from albumml.explain.figures import cover_figure

    test = snapshot.manifest[snapshot.manifest["split"] == "test"].head(count)
    figures = []
    for row in test.to_dict("records"):
        explanation = explain_cover(model, open_image(store.get_blob(row["cover_key"]), row["album_id"]), moods=3)
        buffer = io.BytesIO()
        cover_figure(explanation, buffer, title=f"album {row['album_id']}")
        figures.append(
            ReportFigure(
                f"What the model looked at: album {row['album_id']}",
                buffer.getvalue(),
                f"true moods: {', '.join(row['moods'][:6])}; left: vanilla-gradient saliency, "
                "right: Grad-CAM, for its top three moods",
            )
        )
    return figures


def build_report(
    settings: Settings,
    store: Store,
    model: MoodModel,
    snapshot: Snapshot,
    *,
    run_id: str,
    facts: dict[str, str],
    evaluation: Evaluation,
    truth: np.ndarray,
    scores: np.ndarray,
    plots: dict[str, Path],
    out: Path,
    examples: int = 2,
) -> Path:
    """Writes `report.html` (and the interactive `mood_space.html`) under `out`; returns the report's path."""
    out.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    frequency = snapshot.meta.get("train_label_frequency", {})
    moods = per_mood_ap(truth, scores, model.vocabulary, np.array([frequency.get(m, 0.0) for m in model.vocabulary]))
    confusions = (
        _optional(
            "table of confused near-synonyms",
            notes,
            lambda: confused_pairs(truth, scores, model.vocabulary, _label_vectors(model, store)),
        )
        or []
    )
    figures = [
        ReportFigure(title, path.read_bytes(), caption)
        for title, path, caption in (
            ("Loss and validation micro AP per epoch", plots.get("loss"), "early stopping keeps the best epoch"),
            (
                "Precision-recall curves (micro)",
                plots.get("pr"),
                "the model beside the label-frequency and random baselines on the test split",
            ),
        )
        if path is not None and path.exists()
    ]
    links: dict[str, str] = {}
    space = _optional("mood-space map", notes, lambda: _mood_space(model, store, snapshot))
    if space is not None:
        caption = "t-SNE of the moods' label embeddings; test albums placed where their predictions fall"
        figures.append(ReportFigure("Mood space", space.png(dpi=110), caption))
        (out / MOOD_SPACE_NAME).write_text(space.html(), encoding="utf-8")
        links["the interactive mood-space map (hover for moods and albums)"] = MOOD_SPACE_NAME
    figures += _optional("saliency examples", notes, lambda: saliency_examples(model, store, snapshot, examples)) or []
    content = ReportContent(
        title=f"Model {int(model.variant)} on {model.backbone.name}: snapshot {snapshot.id[:12]}",
        run_id=run_id,
        facts=facts,
        evaluation=evaluation,
        champion=champion_figure(settings),
        moods=moods,
        confusions=confusions,
        figures=figures,
        links=links,
        notes=notes,
    )
    path = out / REPORT_NAME
    path.write_text(render(content), encoding="utf-8")
    return path


def _label_vectors(model: MoodModel, store: Store) -> np.ndarray:
    from albumml.viz.points import mood_vectors

    return mood_vectors(model, store)


def _mood_space(model: MoodModel, store: Store, snapshot: Snapshot) -> Any:
    from albumml.viz.mood_space import mood_space_figure

    return mood_space_figure(model, store, snapshot, albums=30)


def run_report(request: ReportRequest, folder: Path, plots: dict[str, Path]) -> Path:
    """A training run's report (a `RunReporter`): the run's facts, then everything `build_report` shows."""
    model, outcome, config = request.trained.model, request.trained.outcome, request.config
    facts = {
        "model": f"{int(config.variant)} ({model.variant.name.lower().replace('_', ' ')})",
        "backbone": f"{config.backbone} ({model.backbone.weights_id})",
        "snapshot": config.snapshot_id,
        "test albums": str(outcome.evaluation.model.albums),
        "target": model.target,
        model.target: str(len(model.vocabulary)),
    }
    return build_report(
        request.settings,
        request.store,
        model,
        load_snapshot(request.store, config.snapshot_id),
        run_id=request.run_id,
        facts=facts,
        evaluation=outcome.evaluation,
        truth=outcome.truth,
        scores=outcome.scores["model"],
        plots=plots,
        out=folder,
    )
