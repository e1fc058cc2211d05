"""Headless Chromium for the HTML albumml writes: launched once per module, and what a page ran or injected."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.services import unavailable

CHROMIUM = "/usr/bin/chromium"
QUIET = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# What hostile data would leave behind if a page took it as markup: a flag set by script, a retitled document,
# injected images, event handlers and links to the attacker's host.
INJECTED = """() => ({
    pwned: window.pwned === undefined ? null : String(window.pwned),
    title: document.title,
    images: document.querySelectorAll("img[src='x'], [onerror], [onload]:not(body)").length,
    links: document.querySelectorAll("a[href*='evil'], svg a[href*='evil']").length,
    text: document.body ? document.body.innerText : "",
})"""


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (Debian's package); fails as unavailable where it is missing."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (Debian package chromium; `make test` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        try:
            yield launched
        finally:
            launched.close()


def injected(browser: Any, path: Path) -> dict[str, Any]:
    """Open a local page, let it load, and return what hostile text would have run or injected there."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_timeout(300)
        return page.evaluate(INJECTED)
    finally:
        page.close()
