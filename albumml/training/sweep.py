"""Choosing a variant's head hyper-parameters on the validation split with Optuna, on cached features.

TPE proposes a recipe (learning rate, weight decay, hidden sizes including none, dropout, and for models 3-4 the
target's `first_k` and weighting); each trial trains a head with early stopping and reports its validation micro
AP every epoch, so the median pruner stops a poor trial early. Studies live beside the catalogue (its database's
`optuna` schema on PostgreSQL, a SQLite file beside the catalogue's), so a killed or repeated sweep resumes where
it stopped, and a budget of trials and seconds bounds it. The test split is never read here. Tracking hangs off
Optuna callbacks (`albumml.registry.sweep_run` makes each trial an MLflow child run).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
import torch
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from albumml.config import Settings
from albumml.errors import ConfigError, TrainingError
from albumml.models.fitting import HeadData
from albumml.models.targets import TargetWeighting
from albumml.storage import Store
from albumml.training.config import TrainConfig
from albumml.training.data import TrainingData
from albumml.training.engine import EarlyStopping, evaluate, train_one_epoch
from albumml.training.loop import Progress, build_head, label_vectors_for, load_data, on_device, resolve_device

log = logging.getLogger(__name__)

# Hidden-layer choices: none (a linear head, which beat the default 512 on real covers), one block, two blocks.
HIDDEN_CHOICES: dict[str, tuple[int, ...]] = {
    "none": (),
    "256": (256,),
    "512": (512,),
    "1024": (1024,),
    "512-256": (512, 256),
}
LR_RANGE = (1e-4, 1e-2)
WEIGHT_DECAY_RANGE = (1e-6, 1e-2)
DROPOUT_RANGE = (0.0, 0.7)
FIRST_K_RANGE = (1, 12)
# TPE's random start and the pruner's: no trial is pruned before a few have finished, nor before its third epoch.
STARTUP_TRIALS = 5
WARMUP_EPOCHS = 3
OPTUNA_SCHEMA = "optuna"


def search_space(regresses_embeddings: bool) -> dict[str, Any]:
    """What the sweep searches, as recorded with its runs."""
    space: dict[str, Any] = {
        "lr": {"low": LR_RANGE[0], "high": LR_RANGE[1], "log": True},
        "weight_decay": {"low": WEIGHT_DECAY_RANGE[0], "high": WEIGHT_DECAY_RANGE[1], "log": True},
        "hidden": list(HIDDEN_CHOICES),
        "dropout": {"low": DROPOUT_RANGE[0], "high": DROPOUT_RANGE[1]},
    }
    if regresses_embeddings:
        space["target_weighting"] = [w.value for w in TargetWeighting]
        space["first_k"] = {"low": FIRST_K_RANGE[0], "high": FIRST_K_RANGE[1]}
    return space


def suggest(trial: optuna.Trial, base: TrainConfig) -> TrainConfig:
    """The trial's recipe: the base config with the searched knobs replaced."""
    chosen: dict[str, Any] = {
        "lr": trial.suggest_float("lr", *LR_RANGE, log=True),
        "weight_decay": trial.suggest_float("weight_decay", *WEIGHT_DECAY_RANGE, log=True),
        "hidden": HIDDEN_CHOICES[trial.suggest_categorical("hidden", list(HIDDEN_CHOICES))],
        "dropout": trial.suggest_float("dropout", *DROPOUT_RANGE),
    }
    if base.variant.regresses_embeddings:
        weighting = TargetWeighting(trial.suggest_categorical("target_weighting", [w.value for w in TargetWeighting]))
        chosen["target_weighting"] = weighting
        if weighting == TargetWeighting.FIRST_K:  # page order weights every mood: k plays no part
            chosen["first_k"] = trial.suggest_int("first_k", *FIRST_K_RANGE)
    return base.model_copy(update=chosen)


def config_of(base: TrainConfig, params: dict[str, Any]) -> TrainConfig:
    """The recipe a finished trial's parameters describe."""
    update = {k: v for k, v in params.items() if k != "hidden"}
    if "hidden" in params:
        update["hidden"] = HIDDEN_CHOICES[params["hidden"]]
    if "target_weighting" in update:
        update["target_weighting"] = TargetWeighting(update["target_weighting"])
    return TrainConfig.model_validate({**base.model_dump(), **update})


@dataclass(frozen=True)
class SweepBudget:
    """How much a sweep may spend: trials in the study (finished ones count, so a rerun resumes) and seconds."""

    trials: int
    timeout_s: float | None = None


@dataclass(frozen=True)
class TrialSummary:
    """One trial as reports show it."""

    number: int
    state: str
    value: float | None
    epochs: int
    params: dict[str, Any]


@dataclass
class SweepOutcome:
    """The study, its best recipe and how the search went."""

    study_name: str
    base: TrainConfig
    chosen: TrainConfig
    best_value: float
    best_trial: int
    search_space: dict[str, Any]
    trials: list[TrialSummary] = field(default_factory=list)
    new_trials: int = 0
    seconds: float = 0.0

    def best_params(self) -> dict[str, Any]:
        """The chosen trial's parameters."""
        return next(t.params for t in self.trials if t.number == self.best_trial)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: what a run records about the sweep that chose it."""
        return {
            "study": self.study_name,
            "best_trial": self.best_trial,
            "best_validation_micro_ap": self.best_value,
            "best_params": self.best_params(),
            "search_space": self.search_space,
            "new_trials": self.new_trials,
            "seconds": round(self.seconds, 2),
            "trials": [t.__dict__ for t in self.trials],
        }


SEARCHED = {"lr", "weight_decay", "hidden", "dropout", "first_k", "target_weighting"}
# Knobs that change neither what a trial learns nor how it is judged.
UNJUDGED = {"device", "amp", "report", "loader_workers"}


def study_name(base: TrainConfig) -> str:
    """One study per snapshot, variant, backbone and every knob the sweep does not search (seed, epochs, ...)."""
    fixed = base.model_dump(mode="json", exclude=SEARCHED | UNJUDGED)
    key = hashlib.sha256(json.dumps(fixed, sort_keys=True).encode()).hexdigest()[:8]
    return f"model{int(base.variant)}-{base.backbone}-{base.snapshot_id[:12]}-{key}"


def study_storage(settings: Settings) -> optuna.storages.RDBStorage:
    """Optuna's storage beside the catalogue: the `optuna` schema of its PostgreSQL database (Optuna keeps its own
    Alembic version there, apart from the catalogue's), or a SQLite file next to the catalogue's."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        database = Path(url.database or "catalogue.db")
        sqlite_url = url.set(database=str(database.with_name(f"{database.stem}.optuna.db")))
        # variants may sweep at once (ALBUMML_TRAIN_LOCAL_PARALLEL): wait for SQLite's lock rather than fail
        return optuna.storages.RDBStorage(
            sqlite_url.render_as_string(hide_password=False), engine_kwargs={"connect_args": {"timeout": 30}}
        )
    engine = create_engine(url, connect_args={"connect_timeout": settings.db_connect_timeout_s})
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {OPTUNA_SCHEMA}"))
    finally:
        engine.dispose()
    return optuna.storages.RDBStorage(
        url.render_as_string(hide_password=False),
        engine_kwargs={
            "connect_args": {
                "options": f"-csearch_path={OPTUNA_SCHEMA}",
                "connect_timeout": settings.db_connect_timeout_s,
            }
        },
    )


@dataclass
class SweepData:
    """What every trial shares: the splits on the device, the label vectors, the feature width."""

    splits: dict[str, HeadData]
    label_vectors: torch.Tensor | None
    feature_dim: int
    data: TrainingData
    device: str


def load_sweep_data(store: Store, base: TrainConfig, progress: Progress | None = None) -> SweepData:
    """The cached features and label vectors, read once for all trials."""
    device = resolve_device(base)
    backbone, data = load_data(store, base, device, progress or Progress())
    label_vectors = label_vectors_for(store, base, data.vocabulary)
    if label_vectors is not None:
        label_vectors = label_vectors.to(device)
    splits = {name: on_device(split, device) for name, split in data.splits.items() if name != "test"}
    return SweepData(splits, label_vectors, backbone.feature_dim, data, device)


def train_trial(shared: SweepData, config: TrainConfig, report: Callable[[int, float], None]) -> tuple[float, int]:
    """Trains one head with early stopping; `report` hears each epoch's validation micro AP (and may prune).
    Returns the best validation micro AP and the epochs run."""
    torch.manual_seed(config.seed)
    head = build_head(config, shared.feature_dim, shared.data, shared.label_vectors).to(shared.device)
    optimizer = torch.optim.Adam(head.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    generator = torch.Generator().manual_seed(config.seed)
    stopping = EarlyStopping(config.patience)
    train, validation = shared.splits["train"], shared.splits["validation"]
    epoch = 0
    for epoch in range(1, config.epochs + 1):
        train_one_epoch(
            head,
            optimizer,
            train,
            batch_size=config.batch_size,
            label_vectors=shared.label_vectors,
            k=config.first_k,
            weighting=config.target_weighting,
            generator=generator,
        )
        score = evaluate(head, validation, shared.label_vectors, train=train)
        stopping.update(epoch, score)
        report(epoch, score)
        if stopping.should_stop:
            break
    return stopping.best_score, epoch


def summaries(study: optuna.Study) -> list[TrialSummary]:
    """Every trial of the study, in order."""
    return [
        TrialSummary(
            t.number,
            t.state.name.lower(),
            t.value,
            int(t.user_attrs.get("epochs", len(t.intermediate_values))),
            dict(t.params),
        )
        for t in study.trials
    ]


def counted(study: optuna.Study) -> int:
    """Trials that spent the budget: finished or pruned (a crashed or interrupted one is tried again)."""
    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=done))


def run_sweep(
    store: Store,
    storage: optuna.storages.BaseStorage | str | None,
    base: TrainConfig,
    budget: SweepBudget,
    *,
    callbacks: Sequence[Callable[[optuna.Study, optuna.trial.FrozenTrial], None]] = (),
    progress: Progress | None = None,
) -> SweepOutcome:
    """Searches `base`'s head recipe within `budget`, resuming the study stored under its name; returns the recipe
    with the best validation micro AP."""
    if budget.trials < 1:
        raise ConfigError(f"a sweep needs at least one trial, got {budget.trials}")
    started = time.perf_counter()
    shared = load_sweep_data(store, base, progress)
    name = study_name(base)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=name,
        storage=storage,
        load_if_exists=True,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=base.seed, n_startup_trials=STARTUP_TRIALS),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=STARTUP_TRIALS, n_warmup_steps=WARMUP_EPOCHS),
    )
    remaining = budget.trials - counted(study)

    def objective(trial: optuna.Trial) -> float:
        config = suggest(trial, base)

        def report(epoch: int, score: float) -> None:
            trial.report(score, epoch)
            trial.set_user_attr("epochs", epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"validation micro AP {score:.4f} at epoch {epoch} is below the median")

        best, _ = train_trial(shared, config, report)
        return best

    if remaining > 0:
        log.info("sweep %s: %d trial(s) to run (budget %d, %s s)", name, remaining, budget.trials, budget.timeout_s)
        study.optimize(objective, n_trials=remaining, timeout=budget.timeout_s, callbacks=list(callbacks))
    else:
        log.info("sweep %s: its %d trials are done already", name, budget.trials)
    finished = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not finished:
        raise TrainingError(
            f"sweep {name}: no trial finished within the budget ({budget.timeout_s} s); raise the budget"
        )
    best = max(finished, key=lambda t: t.value if t.value is not None else float("-inf"))
    return SweepOutcome(
        name,
        base,
        config_of(base, best.params),
        float(best.value or 0.0),
        best.number,
        search_space(base.variant.regresses_embeddings),
        summaries(study),
        max(remaining, 0),
        time.perf_counter() - started,
    )
