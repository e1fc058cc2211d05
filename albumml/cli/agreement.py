"""`albumml agreement sample|score`: a rater study of human (and model) agreement, Cohen's kappa."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from albumml.cli import context
from albumml.cli.console import columns_table, console, print_json
from albumml.textsafe import for_rich

if TYPE_CHECKING:
    from albumml.agreement import PairAgreement, StudyReport

app = typer.Typer(
    help="A rater study: draw covers to label, then score agreement with Cohen's kappa.", no_args_is_help=True
)


def _default_snapshot() -> str:
    """The store's only snapshot; an error listing them when there are none or several."""
    from albumml.dataset import list_snapshots
    from albumml.errors import AgreementError

    ids = sorted(meta["id"] for meta in list_snapshots(context.store()))
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise AgreementError("the store holds no snapshot: create one with `albumml snapshot create`")
    raise AgreementError(f"the store holds {len(ids)} snapshots ({', '.join(ids)}): choose one with --snapshot")


@app.command("sample")
def sample(
    n: Annotated[int, typer.Option("--n", min=1, help="How many covers to draw.")] = 50,
    snapshot: Annotated[str | None, typer.Option(help="Snapshot id; the store's only snapshot if unset.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed draws the same covers.")] = 0,
    split: Annotated[str, typer.Option(help="test (unseen by models), validation, train or all.")] = "test",
    out: Annotated[Path | None, typer.Option(help="Folder to write; agreement-<sample id> if unset.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Draw random covers from a snapshot split and write a rating sheet, the covers and a rating page."""
    from albumml.agreement import draw_sample, write_sample
    from albumml.agreement.sample import PAGE_FILE, SHEET_FILE
    from albumml.dataset import load_snapshot

    store = context.store()
    drawn = draw_sample(store, load_snapshot(store, snapshot or _default_snapshot()), n, seed, split)
    chosen = drawn.sample
    folder = (out or Path(f"agreement-{chosen.id}")).absolute()
    write_sample(drawn, folder)
    if as_json:
        print_json(
            {
                "sample_id": chosen.id,
                "snapshot_id": chosen.snapshot_id,
                "split": split,
                "seed": seed,
                "covers": len(chosen.covers),
                "moods": len(chosen.vocabulary),
                "folder": str(folder),
                "page": str(folder / PAGE_FILE),
                "sheet": str(folder / SHEET_FILE),
                "skipped": drawn.skipped,
            }
        )
        return
    console.print(
        f"sample [bold]{for_rich(chosen.id)}[/]: {len(chosen.covers)} covers from the {for_rich(split)} split of "
        f"snapshot {for_rich(chosen.snapshot_id)} (seed {seed}), {len(chosen.vocabulary)} moods, in {for_rich(folder)}",
        soft_wrap=True,
    )
    if drawn.skipped:
        console.print(
            f"{len(drawn.skipped)} albums skipped for an unreadable cover: {for_rich(', '.join(drawn.skipped))}"
        )
    console.print(
        f"raters open {for_rich(folder / PAGE_FILE)} (or fill a copy of {SHEET_FILE}, moods separated by ';'); "
        "then run "
        f"`albumml agreement score <their sheets>`",
        soft_wrap=True,
    )


def _kappa(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _pair_row(pair: PairAgreement) -> list[str]:
    from albumml.agreement import landis_koch

    return [
        pair.first,
        pair.second,
        str(pair.covers),
        f"{pair.observed:.3f}",
        _kappa(pair.micro_kappa),
        landis_koch(pair.micro_kappa),
        _kappa(pair.macro_kappa),
        landis_koch(pair.macro_kappa),
        f"{pair.defined_moods}/{len(pair.per_mood)}",
        _kappa(pair.per_cover_kappa),
    ]


def _per_mood_table(pair: PairAgreement) -> None:
    from albumml.agreement import landis_koch

    rows = sorted(((m, f) for m, f in pair.per_mood.items() if f.kappa is not None), key=lambda item: -item[1].kappa)
    console.print(
        columns_table(
            f"{pair.first} vs {pair.second}: kappa per mood ({len(pair.undefined_moods)} undefined moods not shown)",
            ["mood", pair.first, pair.second, "observed", "kappa", "band"],
            [
                (m, f.first_count, f.second_count, f"{f.observed:.3f}", _kappa(f.kappa), landis_koch(f.kappa))
                for m, f in rows
            ],
        )
    )


def _print_report(report: StudyReport, sample_id: str, snapshot_id: str, per_mood: bool) -> None:
    from albumml.agreement.kappa import BANDS

    dropped = for_rich(", ".join(f"{rater}: {len(covers)}" for rater, covers in report.dropped.items()))
    console.print(
        f"sample [bold]{for_rich(sample_id)}[/] (snapshot {for_rich(snapshot_id)}, {len(report.vocabulary)} moods): "
        f"{len(report.covers)} covers scored"
        + (f", {report.dropped_covers} dropped as not labelled by every rater ({dropped})" if dropped else ""),
        soft_wrap=True,
    )
    console.print(
        columns_table(
            "raters",
            ["rater", "covers labelled", "mean moods per cover"],
            [(r.name, r.covers_rated, f"{r.mean_moods:.2f}") for r in report.raters],
        )
    )
    headers = [
        "first",
        "second",
        "covers",
        "observed",
        "micro kappa",
        "micro band",
        "macro kappa",
        "macro band",
        "moods with kappa",
        "per-cover kappa",
    ]
    pairs = [*report.pairs, *report.model_pairs]
    console.print(columns_table("agreement (Cohen's kappa)", headers, [_pair_row(p) for p in pairs]))
    if report.model is not None:
        unknown = len(report.model_unknown_moods)
        console.print(
            f"model {for_rich(report.model)}: its top-k moods, k {for_rich(report.k_rule)}"
            + (f"; {unknown} of the sample's moods are unknown to it and never chosen" if unknown else ""),
            soft_wrap=True,
        )
    console.print(
        "micro: pooled cover x mood decisions; macro: mean over moods whose kappa is defined (a mood neither chose, "
        "or both chose for every cover, has none). Bands (Landis & Koch): < 0 poor, "
        + ", ".join(f"<= {upper:.2f} {name}" for upper, name in BANDS[1:]),
        soft_wrap=True,
    )
    if per_mood:
        for pair in pairs:
            _per_mood_table(pair)


@app.command("score")
def score(
    sheets: Annotated[list[Path], typer.Argument(help="Filled rating sheets (CSV), one or more raters each.")],
    sample_folder: Annotated[
        Path | None, typer.Option("--sample", help="The sample folder; found next to the sheets if unset.")
    ] = None,
    model: Annotated[str | None, typer.Option(help="MLflow model URI; models:/<model name>@champion if unset.")] = None,
    no_model: Annotated[bool, typer.Option("--no-model", help="Compare the raters only.")] = False,
    top_k: Annotated[
        int | None, typer.Option("--top-k", min=1, help="Model moods per cover; each rater's own count if unset.")
    ] = None,
    per_mood: Annotated[bool, typer.Option("--per-mood", help="Also print kappa for every mood.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Cohen's kappa between every pair of raters, and between each rater and the model's top-k moods."""
    from albumml.agreement import collect, read_sample, read_sheet, score_study
    from albumml.agreement.sample import find_sample
    from albumml.agreement.study import common_covers
    from albumml.errors import AgreementError

    if model is not None and no_model:
        raise AgreementError("--model and --no-model contradict each other: give one of them")
    ratings = [rating for sheet in sheets for rating in read_sheet(sheet)]
    if sample_folder is not None:
        chosen, folder = read_sample(sample_folder), sample_folder if sample_folder.is_dir() else sample_folder.parent
    else:
        chosen, folder = find_sample(sheets, ratings[0].sample_id if ratings else None)
    raters = collect(ratings, chosen)
    common_covers(raters)
    opinion = None
    if not no_model:
        from albumml.agreement.opinion import load_rater_model, model_opinion
        from albumml.registry.models import default_uri

        uri = model or default_uri(context.settings())
        opinion = model_opinion(load_rater_model(context.settings(), uri), uri, context.store(), chosen, folder)
    report = score_study(raters, chosen.vocabulary, opinion, top_k)
    if as_json:
        print_json(
            {
                "sample_id": chosen.id,
                "snapshot_id": chosen.snapshot_id,
                "vocabulary_id": chosen.vocabulary_id,
                **report.as_dict(),
            }
        )
        return
    _print_report(report, chosen.id, chosen.snapshot_id, per_mood)
