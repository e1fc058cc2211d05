"""The training engine without MLflow or a store: early stopping, the typed state, the epoch loop and its hooks."""

from __future__ import annotations

import io

import torch

from albumml.models.fitting import HeadData
from albumml.models.heads import MoodHead, Variant
from albumml.training.engine import (
    EarlyStopping,
    EpochHooks,
    TrainState,
    copy_weights,
    evaluate,
    run_epochs,
    train_one_epoch,
)


def test_early_stopping_remembers_the_best_and_stops_after_patience() -> None:
    stopping = EarlyStopping(patience=2)
    improved = [stopping.update(epoch, score) for epoch, score in enumerate([0.1, 0.3, 0.2, 0.3, 0.25], start=1)]
    assert improved == [True, True, False, False, False]
    assert (stopping.best_epoch, stopping.best_score) == (2, 0.3)
    assert stopping.should_stop


def scripted(scores: list[float]) -> tuple[list[str], EpochHooks, callable]:
    calls: list[str] = []

    def one_epoch(epoch: int) -> tuple[float, float]:
        calls.append(f"train {epoch}")
        return 1.0 / epoch, scores[epoch - 1]

    hooks = EpochHooks(
        best_weights=lambda: {"head": {"w": torch.tensor([float(len(calls))])}},
        save=lambda: calls.append("save"),
        recorded=lambda record: calls.append(f"recorded {record.epoch}"),
        saved=lambda record: calls.append(f"saved {record.epoch}"),
    )
    return calls, hooks, one_epoch


def test_the_loop_stops_early_keeps_the_best_weights_and_calls_back_in_order() -> None:
    calls, hooks, one_epoch = scripted([0.2, 0.5, 0.4, 0.3, 0.9])
    state = TrainState(EarlyStopping(patience=2))
    assert run_epochs(state, 5, one_epoch, hooks) is True
    assert state.epoch == 4 and state.stopping.best_epoch == 2
    assert [r.epoch for r in state.history] == [1, 2, 3, 4]
    assert calls[:4] == ["train 1", "recorded 1", "save", "saved 1"]
    assert "train 5" not in calls
    assert state.best["head"]["w"].item() == len(["train 1", "recorded 1", "save", "saved 1", "train 2"])


def test_a_state_survives_a_checkpoint_and_the_loop_resumes_where_it_stopped() -> None:
    _, hooks, one_epoch = scripted([0.2, 0.5, 0.6, 0.7, 0.8])
    state = TrainState(EarlyStopping(patience=3), extras={"note": torch.tensor([7])})
    assert run_epochs(state, 2, one_epoch, hooks) is False
    buffer = io.BytesIO()
    torch.save(state.state_dict(), buffer)
    restored = TrainState(EarlyStopping(patience=3))
    restored.load_state_dict(torch.load(io.BytesIO(buffer.getvalue()), weights_only=True))
    assert restored.history == state.history and restored.stopping == state.stopping
    calls, hooks, one_epoch = scripted([0.2, 0.5, 0.6, 0.7, 0.8])
    assert run_epochs(restored, 5, one_epoch, hooks) is False
    assert [c for c in calls if c.startswith("train")] == ["train 3", "train 4", "train 5"]
    assert restored.stopping.best_epoch == 5 and restored.extras["note"].item() == 7


def test_one_epoch_lowers_the_loss_and_evaluate_measures_micro_ap() -> None:
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(256, 16, generator=generator)
    truth = (features[:, :4] > 0).float()
    data = HeadData(features, truth, torch.zeros(256, 1, dtype=torch.long))
    head = MoodHead(Variant.CLASSIFIER, 16, 4, hidden=(), dropout=0.0)
    before = copy_weights(head)
    optimizer = torch.optim.Adam(head.parameters(), lr=0.05)
    losses = [train_one_epoch(head, optimizer, data, batch_size=32, generator=generator) for _ in range(15)]
    assert losses[-1] < losses[0] * 0.5
    assert any(not torch.equal(before[k], v) for k, v in head.state_dict().items())
    assert evaluate(head, data, None) > 0.95
