"""Data is never markup: each helper shows hostile text literally in its own kind of output."""

from __future__ import annotations

import html
import io
import re

import pytest
from rich.console import Console

from albumml.textsafe import CSV_FORMULA_STARTS, for_csv_cell, for_html, for_rich, for_terminal, from_csv_cell
from tests.support.hostile import HOSTILE, shown

COLOURS = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("\x1b]0;pwned\x07Title", "Title"),
        ("\x1b]2;pwned\x1b\\Title", "Title"),
        ("a\x1b[2Jb\x1b[31;1mc", "abc"),
        ("\x1b]8;;https://evil.example\x07link\x1b]8;;\x07", "link"),
        ("8-bit \x9b2J csi \x9d0;x\x9c end", "8-bit  csi  end"),
        ("an open \x1b] string", "an open  string"),
        ("bell\x07 nul\x00 cr\r del\x7f", "bell nul cr del"),
        ("tab\tnew\nline", "tab new\nline"),
        ("Right\u202eto \u2066left\u2069", "Rightto left"),
        ("emoji 🎸 and ünïcode", "emoji 🎸 and ünïcode"),
    ],
)
def test_for_terminal_keeps_printable_text_only(text: str, kept: str) -> None:
    assert for_terminal(text) == kept


@pytest.mark.parametrize("text", HOSTILE)
def test_for_rich_prints_the_text_literally_without_escapes(text: str) -> None:
    out = io.StringIO()
    console = Console(file=out, record=True, width=10_000, emoji=False, color_system="truecolor", force_terminal=True)
    console.print(f"[bold]name:[/] {for_rich(text)}", soft_wrap=True)
    assert console.export_text().rstrip("\n") == f"name: {shown(text)}"
    assert "\x1b" not in COLOURS.sub("", out.getvalue()), "only colour sequences reach the terminal"


@pytest.mark.parametrize("text", HOSTILE)
def test_for_html_escapes_once_and_leaves_no_markup_or_math(text: str) -> None:
    escaped = for_html(text)
    assert html.unescape(escaped) == text
    assert not set("<>\"'$") & set(escaped)
    assert escaped.count("&") == text.count("&") + sum(text.count(c) for c in "<>\"'$")


def test_for_html_writes_quotes_as_entities_plotly_decodes() -> None:
    assert for_html('"it\'s" $5') == "&#34;it&#39;s&#34; &#36;5"


@pytest.mark.parametrize("text", [*HOSTILE, "'=already quoted", "'plain", "", "\rreturn"])
def test_csv_cells_never_start_a_formula_and_read_back_unchanged(text: str) -> None:
    cell = for_csv_cell(text)
    assert not cell.startswith(CSV_FORMULA_STARTS)
    assert from_csv_cell(cell) == text


def test_a_quote_a_rater_typed_before_plain_text_is_kept() -> None:
    assert from_csv_cell("'Til Tuesday") == "'Til Tuesday"


def test_markdown_cells_render_hostile_text_as_plain_text() -> None:
    from markdown_it import MarkdownIt

    from albumml.textsafe import for_markdown

    renderer = MarkdownIt("commonmark").enable("table")
    for text in HOSTILE:
        if len(text) > 200:
            continue
        table = f"| mood | share |\n| --- | --- |\n| {for_markdown(text)} | 0.5 |\n"
        rendered = renderer.render(table)
        assert "<script" not in rendered and "<a " not in rendered and "<img" not in rendered, text
        assert "<em>" not in rendered and "<strong>" not in rendered and "<code>" not in rendered, text
        assert rendered.count("<td>") == 2, text  # no `|` in data adds a cell
