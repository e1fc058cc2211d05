"""The rating page: every sampled cover and the vocabulary's moods as chips, one self-contained HTML file.

It works from file:// with no server and no network; choices stay in the browser (localStorage) and the rater
exports them as a sheet CSV through a download link built in the page.
"""

from __future__ import annotations

import json

from albumml.agreement.page_assets import SCRIPT, STYLE
from albumml.agreement.sample import Sample
from albumml.textsafe import for_html


def _data(sample: Sample) -> str:
    """The sample as JSON that cannot close the script element holding it."""
    return json.dumps(sample.to_json(), ensure_ascii=False).replace("<", "\\u003c")


def _cover(number: int, album_id: str, cover: str) -> str:
    return (
        f'<article class="cover" id="cover-{number}" data-album="{for_html(album_id)}" tabindex="0">'
        f'<img src="{for_html(cover)}" alt="cover {number}" loading="lazy">'
        f'<div class="meta">{number}. {for_html(album_id)}</div><div class="chosen"></div></article>'
    )


def render_page(sample: Sample) -> str:
    """The page's HTML."""
    covers = "\n".join(_cover(i, c.album_id, c.cover) for i, c in enumerate(sample.covers, start=1))
    chips = "\n".join(
        f'<button type="button" class="chip" data-mood="{for_html(mood)}" aria-pressed="false">'
        f"{for_html(mood)}</button>"
        for mood in sample.vocabulary
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rate album covers: sample {for_html(sample.id)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Which moods does each cover convey?</h1>
<p>Sample {for_html(sample.id)} of snapshot {for_html(sample.snapshot_id)}: {len(sample.covers)} covers,
{len(sample.vocabulary)} moods. Click a cover, then the moods it conveys; type in the filter box to find one
(Enter picks the first match). Choices are kept in this browser. When done, enter your name and export the sheet.</p>
</header>
<main>
<section id="covers" aria-label="covers">
{covers}
</section>
<aside id="panel">
<label>Your name <input id="rater" autocomplete="name"></label>
<img id="active-image" src="{for_html(sample.covers[0].cover)}" alt="the cover being rated">
<p id="active"></p>
<input id="filter" type="search" placeholder="Filter moods" aria-label="filter moods">
<div id="moods" role="group" aria-label="moods">
{chips}
</div>
<div class="actions">
<button type="button" id="previous">Previous cover</button>
<button type="button" id="next">Next cover</button>
<button type="button" id="export">Export sheet (CSV)</button>
<a id="download" hidden>download</a>
</div>
<p id="progress"></p>
<p id="message" role="status"></p>
</aside>
</main>
<script type="application/json" id="sample">{_data(sample)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
