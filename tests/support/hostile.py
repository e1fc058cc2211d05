"""Hostile text as a crawled site could serve it: markup of every output kind, escapes, quotes, long and odd text."""

from __future__ import annotations

HOSTILE = (
    "<script>document.title='pwned'</script>",
    '<img src=x onerror="window.pwned=1">',
    "<a href='https://evil.example/'>click</a>",
    "$x$ and $$",
    "costs $5 \\$ a \\(",
    "[bold]loud[/bold] [/]",
    "[/]",
    '=HYPERLINK("https://evil.example","x")',
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\tTabbed",
    "'quoted' \"double\" `back` “curly” ‘single’ &quot; &amp;",
    "\x1b]0;pwned\x07Title",
    "\x1b[2JCleared",
    "Right\u202eto left",
    ":thumbs_up: emoji 🎸🔥👩‍🎤",
    "L" * 5000,
)
ESCAPE_FREE = {
    "\x1b]0;pwned\x07Title": "Title",
    "\x1b[2JCleared": "Cleared",
    "Right\u202eto left": "Rightto left",
    "\tTabbed": " Tabbed",
}


def shown(text: str) -> str:
    """What a terminal should show of `text`: the text itself, less escape sequences and bidi overrides."""
    return ESCAPE_FREE.get(text, text)
