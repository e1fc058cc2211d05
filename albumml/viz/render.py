"""The mood-space map drawn twice: a matplotlib figure (PNG, Agg) and an interactive plotly figure (HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from albumml.textsafe import MATPLOTLIB_PLAIN, for_html, for_matplotlib

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from albumml.viz.placed import PlacedAlbum

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#7f7f7f",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
)
MOOD_COLOUR = "#9a9a9a"


def colour(position: int) -> str:
    """The colour of the album at `position`."""
    return PALETTE[position % len(PALETTE)]


def short(text: str, width: int = 36) -> str:
    """`text` cut to `width` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def album_label(album: PlacedAlbum) -> str:
    """`Title — Artist`, shortened, for a legend."""
    return short(f"{album.title} — {album.artist}" if album.artist else album.title, 48)


def album_hover(album: PlacedAlbum) -> str:
    """Hover text of an album: title, artist, id, true moods and top predicted moods with scores."""
    predicted = ", ".join(f"{mood} ({score:.2f})" for mood, score in album.predicted)
    lines = [
        f"<b>{for_html(album.title)}</b>",
        for_html(album.artist or "unknown artist"),
        for_html(album.album_id),
        f"true moods: {for_html(', '.join(album.moods) or 'none in the vocabulary')}",
        f"predicted: {for_html(predicted)}",
    ]
    return "<br>".join(lines)


def matplotlib_figure(moods: Sequence[str], mood_xy: np.ndarray, albums: Sequence[PlacedAlbum], title: str) -> Figure:
    """The study's picture: every mood as a labelled dot, each album's predicted point with lines to its true moods."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(16, 12), layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(mood_xy[:, 0], mood_xy[:, 1], s=10, c=MOOD_COLOUR, zorder=1)
    index = {mood: i for i, mood in enumerate(moods)}
    true_moods = {mood for album in albums for mood in album.moods}
    for mood, (x, y) in zip(moods, mood_xy, strict=True):
        chosen = mood in true_moods
        axes.annotate(
            mood,
            (x, y),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=7 if chosen else 6,
            color="#222222" if chosen else "#707070",
            fontweight="bold" if chosen else "normal",
            zorder=2,
            **MATPLOTLIB_PLAIN,
        )
    for position, album in enumerate(albums):
        tint = colour(position)
        x, y = album.xy
        for mood in album.moods:
            mx, my = mood_xy[index[mood]]
            axes.plot([x, mx], [y, my], color=tint, alpha=0.45, linewidth=1.0, zorder=3)
        true_xy = np.array([mood_xy[index[mood]] for mood in album.moods]).reshape(-1, 2)
        axes.scatter(true_xy[:, 0], true_xy[:, 1], s=70, facecolors="none", edgecolors=tint, linewidths=1.4, zorder=4)
        axes.scatter(
            [x],
            [y],
            s=220,
            marker="*",
            color=tint,
            edgecolors="black",
            linewidths=0.6,
            zorder=5,
            label=album_label(album),
        )
    axes.set_title(title, fontsize=12, loc="left", **MATPLOTLIB_PLAIN)
    axes.set_xticks([])
    axes.set_yticks([])
    if albums:
        legend = axes.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            fontsize=8,
            title="★ predicted, ○ true moods",
            title_fontsize=8,
            frameon=False,
        )
        for_matplotlib(*legend.get_texts())
    return figure


def plotly_figure(moods: Sequence[str], mood_xy: np.ndarray, albums: Sequence[PlacedAlbum], title: str) -> Any:
    """The same map, interactive: hover names a mood, or an album with its true and top predicted moods."""
    import plotly.graph_objects as go

    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=mood_xy[:, 0],
            y=mood_xy[:, 1],
            mode="markers+text",
            name="moods",
            text=[for_html(mood) for mood in moods],
            hovertext=[for_html(mood) for mood in moods],
            hoverinfo="text",
            textposition="top center",
            textfont={"size": 9, "color": "#666"},
            marker={"size": 6, "color": MOOD_COLOUR},
        )
    )
    index = {mood: i for i, mood in enumerate(moods)}
    for position, album in enumerate(albums):
        tint, group = colour(position), album.album_id
        x, y = album.xy
        line_x: list[float | None] = []
        line_y: list[float | None] = []
        for mood in album.moods:
            mx, my = mood_xy[index[mood]]
            line_x += [x, float(mx), None]
            line_y += [y, float(my), None]
        figure.add_trace(
            go.Scatter(
                x=line_x,
                y=line_y,
                mode="lines",
                line={"color": tint, "width": 1},
                opacity=0.5,
                hoverinfo="skip",
                legendgroup=group,
                showlegend=False,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=[float(mood_xy[index[m], 0]) for m in album.moods],
                y=[float(mood_xy[index[m], 1]) for m in album.moods],
                mode="markers",
                marker={"size": 13, "color": "rgba(0,0,0,0)", "line": {"color": tint, "width": 2}},
                hovertext=[f"{for_html(m)}: a true mood of {for_html(album.title)}" for m in album.moods],
                hoverinfo="text",
                legendgroup=group,
                showlegend=False,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=[x],
                y=[y],
                mode="markers",
                name=for_html(album_label(album)),
                legendgroup=group,
                marker={"symbol": "star", "size": 18, "color": tint, "line": {"color": "black", "width": 1}},
                hovertext=[album_hover(album)],
                hoverinfo="text",
            )
        )
    figure.update_layout(
        title={"text": for_html(title), "x": 0.01},
        template="plotly_white",
        height=900,
        xaxis={"visible": False},
        yaxis={"visible": False},
        legend={"title": {"text": "★ predicted, ○ true moods"}},
        hoverlabel={"align": "left"},
    )
    return figure
