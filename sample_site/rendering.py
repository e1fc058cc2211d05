"""The Jinja2 environment the site's pages are rendered with (templates in `sample_site/templates/`).

Autoescaping is on, with the standard library's spelling of entities (`html.escape`: `&quot;`, `&#x27;`) rather
than MarkupSafe's (`&#34;`, `&#39;`), so pages keep the bytes they had as Python strings. The only raw markup a
template writes comes from the filters below that return `Markup` (JSON in `<script>` blocks, review text that
leaves quotes alone) and from the site chrome rendered once by `chrome`.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from sample_site.model import BASE_PLACEHOLDER, Tag
from sample_site.vocabulary import slugify

TEMPLATES_DIR = Path(__file__).with_name("templates")


class _Escaped(str):
    """Text `_finalize` has escaped: MarkupSafe's autoescape takes it as it is (a lighter Markup)."""

    __slots__ = ()

    def __html__(self) -> str:
        return self


def _finalize(value: object) -> object:
    """Escape every `{{ value }}` the way `html.escape` does; Markup (already safe) passes through."""
    if isinstance(value, Markup):
        return value
    return _Escaped(escape(value if value.__class__ is str else str(value)))


def _text(value: str) -> Markup:
    """Element text escaped without touching quotes (review paragraphs)."""
    return Markup(escape(value, quote=False))


def _json_ld(data: dict[str, Any]) -> Markup:
    """JSON-LD for a `<script type="application/ld+json">` block: indented, `</` escaped."""
    return Markup(json.dumps(data, indent=4, ensure_ascii=False).replace("</", "<\\/"))


def _gallery_json(data: object) -> Markup:
    """The `imageGallery` script variable: compact JSON with every `/` escaped, as the real pages write it."""
    return Markup(json.dumps(data).replace("/", "\\/"))


def _link(tag: Tag, kind: str) -> str:
    """A tag's absolute link on the site: `<base>/mood/<slug>-<id>`."""
    return f"{BASE_PLACEHOLDER}/{kind}/{slugify(tag.name)}-{tag.id}"


def _relative_link(tag: Tag, kind: str) -> str:
    """A tag's relative link, as the 2023 fragments write them: `/mood/<slug>-<id>`."""
    return f"/{kind}/{slugify(tag.name)}-{tag.id}"


ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    finalize=_finalize,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
    auto_reload=False,
)
ENVIRONMENT.filters.update(
    text=_text, json_ld=_json_ld, gallery_json=_gallery_json, link=_link, relative_link=_relative_link
)
ENVIRONMENT.globals["BASE_PLACEHOLDER"] = BASE_PLACEHOLDER


def render(name: str, **context: object) -> str:
    """The template `name` rendered with `context`, as a plain string."""
    return str(ENVIRONMENT.get_template(name).render(**context))
