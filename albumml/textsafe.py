"""Data is never markup: the one place that decides how untrusted text is shown in each kind of output.

Titles, artists, mood names and anything else from the crawled site pass through these helpers on their way to
the terminal, rich, matplotlib, HTML/plotly and CSV, so no output parses data as its own markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Protocol

# ECMA-48 sequences (CSI, terminated OSC/DCS/SOS/PM/APC strings, other escapes), then any C0/C1 control left.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                # CSI ... final byte
    | \x9b[0-?]*[ -/]*[@-~]?                # 8-bit CSI
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])  # OSC, DCS, SOS, PM, APC (7- or 8-bit) ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)     # ... up to BEL or ST
    | \x1b[ -/]*[0-~]?                      # any other escape
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates would reorder the text around them on screen.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV Injection").
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_QUOTE = "'"

_HTML_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&#34;",
    "'": "&#39;",
    "$": "&#36;",
}
_HTML_SPECIAL = re.compile("[&<>\"'$]")
# CommonMark lets a backslash escape any ASCII punctuation character.
_MARKDOWN_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")


class _MatplotlibText(Protocol):
    def set_parse_math(self, parse_math: bool) -> None: ...

    def set_usetex(self, usetex: bool | None) -> None: ...


# Keyword arguments for any matplotlib call that makes a Text from data: drawn as written, never as math or TeX.
MATPLOTLIB_PLAIN: dict[str, Any] = {"parse_math": False, "usetex": False}


def for_terminal(text: object) -> str:
    """`text` with escape sequences, control characters and bidi overrides removed; a tab becomes a space."""
    cleaned = _ESCAPE_SEQUENCE.sub("", str(text))
    cleaned = _CONTROL.sub("", cleaned.replace("\t", " "))
    return _BIDI.sub("", cleaned)


def for_rich(text: object) -> str:
    """`text` safe for the terminal, with rich markup escaped: for table cells and f-strings printed by rich."""
    from rich.markup import escape

    return escape(for_terminal(text))


def for_matplotlib(*texts: _MatplotlibText) -> None:
    """Mark drawn matplotlib Text objects (legend entries, titles) as plain: no mathtext, no TeX."""
    for text in texts:
        text.set_parse_math(False)
        text.set_usetex(False)


def for_html(text: object) -> str:
    """`text` escaped once for HTML and plotly labels (quotes and `$` as numeric entities plotly decodes)."""
    return _HTML_SPECIAL.sub(lambda match: _HTML_ENTITIES[match.group()], str(text))


def for_markdown(text: object) -> str:
    """`text` for a Markdown table cell (Prefect artifacts): every ASCII punctuation mark backslash-escaped, so no
    emphasis, link, HTML tag, math or cell border comes from data; escapes and controls removed, one line."""
    cleaned = " ".join(for_terminal(text).split())
    return _MARKDOWN_SPECIAL.sub(lambda found: "\\" + found.group(), cleaned)


def for_csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet never runs as a formula: a leading quote before a formula character (or a quote)."""
    cell = "" if value is None else str(value)
    return CSV_QUOTE + cell if cell.startswith((*CSV_FORMULA_STARTS, CSV_QUOTE)) else cell


def from_csv_cell(cell: str) -> str:
    """The value `for_csv_cell` wrote: its guard quote removed, anything else left as the rater wrote it."""
    guarded = cell.startswith(CSV_QUOTE) and cell[1:].startswith((*CSV_FORMULA_STARTS, CSV_QUOTE))
    return cell[1:] if guarded else cell


def for_csv_row(values: Iterable[object]) -> list[str]:
    """Every cell of a CSV row made formula-safe."""
    return [for_csv_cell(value) for value in values]
