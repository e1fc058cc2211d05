"""Renders a run's report as one self-contained HTML page: inline CSS, figures as data URIs, no scripts, no network."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from albumml.report.analysis import ConfusedPair, MoodAP
from albumml.textsafe import for_html
from albumml.training.measure import Evaluation

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1d1d1f; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6rem 0; } td, th { padding: .25rem .7rem; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f6f6f7; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #555; } .win { color: #0a7d32; font-weight: 600; } .lose { color: #b3261e; font-weight: 600; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: .9rem; } .cols { display: flex; gap: 2rem; flex-wrap: wrap; }
.note { background: #fff8e1; padding: .5rem .8rem; border-left: 3px solid #f0b400; }
"""

METRICS = ("micro_ap", "macro_ap", "micro_roc_auc", "precision_at_k", "recall_at_k", "mean_kappa_at_k")


@dataclass(frozen=True)
class ReportFigure:
    """A PNG figure with a title and a caption."""

    title: str
    png: bytes
    caption: str = ""


@dataclass(frozen=True)
class ChampionFigure:
    """The registered champion's test micro AP, as the registry recorded it."""

    version: str
    micro_ap: float
    snapshot_id: str


@dataclass
class ReportContent:
    """Everything one run's report shows."""

    title: str
    run_id: str
    facts: dict[str, str]
    evaluation: Evaluation
    champion: ChampionFigure | None
    moods: list[MoodAP]
    confusions: list[ConfusedPair]
    figures: list[ReportFigure] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _figure(figure: ReportFigure) -> str:
    data = base64.b64encode(figure.png).decode()
    return (
        f'<figure><h3>{for_html(figure.title)}</h3><img alt="{for_html(figure.title)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{for_html(figure.caption)}</figcaption></figure>'
    )


def _metrics_table(content: ReportContent) -> str:
    evaluation = content.evaluation
    anchors = evaluation.anchors
    header = (
        "<tr><th>metric</th><th>model</th><th>label frequency</th><th>random</th>"
        + "".join(f"<th>{for_html(a.name)} ({for_html(a.choice)})</th>" for a in anchors)
        + "<th>champion</th></tr>"
    )
    rows = []
    for name in METRICS:
        model = getattr(evaluation.model, name)
        frequency = getattr(evaluation.label_frequency, name)
        verdict = "win" if model > frequency else "lose"
        champion = ""
        if name == "micro_ap" and content.champion is not None:
            champion = f"{content.champion.micro_ap:.4f} (v{for_html(content.champion.version)})"
        rows.append(
            f'<tr><td>{name}</td><td class="n {verdict}">{model:.4f}</td><td class="n">{frequency:.4f}</td>'
            f'<td class="n">{getattr(evaluation.random, name):.4f}</td>'
            + "".join(f'<td class="n">{getattr(a.metrics, name):.4f}</td>' for a in anchors)
            + f'<td class="n">{champion}</td></tr>'
        )
    if evaluation.semantic_closeness is not None:
        rows.append(
            f'<tr><td>semantic_closeness</td><td class="n">{evaluation.semantic_closeness:.4f}</td>'
            "<td></td><td></td>" + "<td></td>" * len(anchors) + "<td></td></tr>"
        )
    if evaluation.beyond:
        rows.append(
            "<tr><td>model &minus; anchor micro_ap (95% CI)</td><td></td><td></td><td></td>"
            + "".join(
                f'<td class="n">{for_html(evaluation.beyond[a.key].text()) if a.key in evaluation.beyond else ""}</td>'
                for a in anchors
            )
            + "<td></td></tr>"
        )
    if evaluation.mistakes is not None:
        mistakes = evaluation.mistakes
        rows.append(
            f'<tr><td>mistake_closeness</td><td class="n">{mistakes.model:.4f}</td>'
            f'<td class="n">{mistakes.label_frequency:.4f}</td><td class="n">{mistakes.chance:.4f}</td>'
            + "<td></td>" * len(anchors)
            + "<td></td></tr>"
        )
    verdicts = "".join(f'<p class="lose">{for_html(line)}</p>' for line in evaluation.verdicts())
    return f"<table>{header}{''.join(rows)}</table>{verdicts}"


def _moods_table(title: str, moods: list[MoodAP]) -> str:
    rows = "".join(
        f'<tr><td>{for_html(m.mood)}</td><td class="n">{m.average_precision:.3f}</td>'
        f'<td class="n">{m.train_frequency:.1%}</td><td class="n">{m.test_albums}</td></tr>'
        for m in moods
    )
    return (
        f"<div><h3>{for_html(title)}</h3><table><tr><th>mood</th><th>AP</th><th>train frequency</th>"
        f"<th>test albums</th></tr>{rows}</table></div>"
    )


def _confusions_table(pairs: list[ConfusedPair]) -> str:
    if not pairs:
        return "<p>No near-synonym confusions above the similarity threshold.</p>"
    rows = "".join(
        f'<tr><td>{for_html(p.true_mood)}</td><td>{for_html(p.predicted_mood)}</td><td class="n">{p.times}</td>'
        f'<td class="n">{p.cosine:.2f}</td></tr>'
        for p in pairs
    )
    return (
        "<table><tr><th>true mood (missed)</th><th>guessed instead</th><th>albums</th>"
        f"<th>label cosine</th></tr>{rows}</table>"
    )


def render(content: ReportContent, extremes: int = 10) -> str:
    """The report page as a string."""
    champion = content.champion
    if champion is None:
        standing = "No champion is registered yet."
    else:
        better = content.evaluation.model.micro_ap > champion.micro_ap
        standing = (
            f"Champion v{for_html(champion.version)} recorded test micro AP {champion.micro_ap:.4f} on snapshot "
            f"{for_html(champion.snapshot_id)}; this run {'beats' if better else 'does not beat'} that figure "
            "(the registry's gate re-measures both on one split before promoting)."
        )
    facts = "".join(f"<tr><th>{for_html(k)}</th><td>{for_html(v)}</td></tr>" for k, v in content.facts.items())
    links = "".join(f'<li><a href="{for_html(href)}">{for_html(text)}</a></li>' for text, href in content.links.items())
    notes = "".join(f'<p class="note">{for_html(note)}</p>' for note in content.notes)
    worst = list(reversed(content.moods[-extremes:]))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{for_html(content.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body>
<h1>{for_html(content.title)}</h1>
<p class="meta">MLflow run {for_html(content.run_id)}</p>
<table>{facts}</table>
<h2>Test metrics beside the baselines and the champion</h2>
{_metrics_table(content)}
<p>{standing}</p>
<h2>Moods: best and worst average precision</h2>
<div class="cols">{_moods_table("best", content.moods[:extremes])}{_moods_table("worst", worst)}</div>
<h2>Near-synonyms the model confuses most</h2>
{_confusions_table(content.confusions)}
<h2>Figures</h2>
{"".join(_figure(f) for f in content.figures)}
{f"<ul>{links}</ul>" if links else ""}
{notes}
</body></html>
"""
