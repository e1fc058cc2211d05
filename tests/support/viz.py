"""Reading the figures the viz code draws, as a browser would find them in a page."""

from __future__ import annotations

import json
from typing import Any


def plotly_data(page: str) -> list[dict[str, Any]]:
    """The traces of the first plotly figure in an HTML page."""
    start = page.index("[", page.index("Plotly.newPlot("))
    data, _ = json.JSONDecoder().raw_decode(page[start:])
    return data
