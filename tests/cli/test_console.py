"""The CLI's shared tables show titles, headers and cells literally: no markup, no emoji codes, no escapes."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from albumml.cli import console as cli_console
from albumml.cli.console import columns_table, key_value_table
from tests.support.hostile import HOSTILE, shown

COLOURS = re.compile(r"\x1b\[[0-9;]*m")
SHORT = [text for text in HOSTILE if len(text) < 100]


def printed(*renderables: object) -> tuple[str, str]:
    """What a colour terminal receives, and the plain text it shows."""
    out = io.StringIO()
    console = Console(file=out, record=True, width=400, emoji=False, color_system="truecolor", force_terminal=True)
    for renderable in renderables:
        console.print(renderable)
    return out.getvalue(), console.export_text()


def cell_lines(plain: str) -> list[str]:
    """The table's rows as the text between its borders, trailing blanks cut."""
    return [line.strip("│┃ ").rstrip() for line in plain.splitlines()]


@pytest.mark.parametrize("text", SHORT)
def test_columns_table_shows_hostile_text_literally(text: str) -> None:
    raw, plain = printed(columns_table(f"title {text}", ["mood", text], [(text, 0.5)]))
    assert "\x1b" not in COLOURS.sub("", raw)
    expected = shown(text).strip()
    assert plain.splitlines()[0].rstrip() == f"title {shown(text)}"
    assert any(line.startswith(expected) for line in cell_lines(plain)), plain


@pytest.mark.parametrize("text", SHORT)
def test_key_value_table_shows_hostile_text_literally(text: str) -> None:
    raw, plain = printed(key_value_table(text, [(text, text), ("none", None)]))
    assert "\x1b" not in COLOURS.sub("", raw)
    assert any(line.startswith(shown(text).strip()) for line in cell_lines(plain)), plain
    assert any(line.startswith("none") and line.endswith("-") for line in cell_lines(plain))


def test_a_long_cell_is_cut_to_the_terminal_width() -> None:
    raw, plain = printed(columns_table("long", ["title"], [("L" * 5000,)]))
    assert "\x1b" not in COLOURS.sub("", raw) and max(len(line) for line in plain.splitlines()) <= 400
    assert any(line.startswith("LLLL") and line.endswith("…") for line in cell_lines(plain))


def test_the_consoles_never_turn_emoji_codes_into_pictures() -> None:
    assert not cli_console.console._emoji and not cli_console.error_console._emoji
