"""The rating page: valid, self-contained HTML listing every mood and cover; its export script writes a real sheet."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
import pytest

from albumml.agreement import collect, read_sheet
from albumml.agreement.page import render_page
from albumml.textsafe import CSV_FORMULA_STARTS
from tests.support.agreement import VOCABULARY, small_sample

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SAMPLE = small_sample(8, (*VOCABULARY, 'Rock "n" Roll, <Loud>'))


class Structure(HTMLParser):
    """Checks that every element is closed in order and ids are unique; records the doctype."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.ids: list[str] = []
        self.doctype = ""
        self.problems: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value or "" for name, value in attrs if name == "id"]
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


@pytest.fixture(scope="module")
def page() -> str:
    return render_page(SAMPLE)


def test_the_page_is_well_formed_html(page: str) -> None:
    structure = Structure()
    structure.feed(page)
    structure.close()
    assert structure.doctype.lower() == "doctype html"
    assert structure.problems == [] and structure.open == []
    assert len(structure.ids) == len(set(structure.ids))
    tree = lxml.html.document_fromstring(page)
    assert tree.get("lang") == "en" and tree.xpath("//meta[@charset='utf-8']") and tree.findtext(".//title")


def test_the_page_is_self_contained(page: str) -> None:
    tree = lxml.html.document_fromstring(page)
    for element in tree.xpath("//script | //link | //img | //iframe | //source"):
        for attribute in ("src", "href"):
            assert not (element.get(attribute) or "").startswith(("http:", "https:", "//"))
    assert not tree.xpath("//link[@rel='stylesheet'] | //script[@src]")
    assert "http://" not in page and "https://" not in page


def test_the_page_lists_every_mood_and_every_cover(page: str) -> None:
    tree = lxml.html.document_fromstring(page)
    assert [chip.get("data-mood") for chip in tree.xpath("//div[@id='moods']/button")] == list(SAMPLE.vocabulary)
    assert [chip.text_content() for chip in tree.xpath("//div[@id='moods']/button")] == list(SAMPLE.vocabulary)
    covers = tree.xpath("//article[@class='cover']")
    assert [c.get("data-album") for c in covers] == [c.album_id for c in SAMPLE.covers]
    assert [c.find("img").get("src") for c in covers] == [c.cover for c in SAMPLE.covers]
    data = json.loads(tree.xpath("//script[@id='sample']")[0].text)
    assert data == SAMPLE.to_json()
    assert tree.xpath("//input[@id='filter']") and tree.xpath("//a[@id='download']")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the page's script")
def test_the_page_script_exports_a_sheet_that_scores(page: str, tmp_path: Path) -> None:
    script = lxml.html.document_fromstring(page).xpath("//script[not(@type)]")[0].text
    odd = SAMPLE.vocabulary[-1]
    chosen = {SAMPLE.covers[0].album_id: ["Brash", odd], SAMPLE.covers[2].album_id: ["Wistful"]}
    rater = '=Ann, the "first"'
    call = f"sheetCsv({json.dumps(SAMPLE.to_json())}, {json.dumps(rater)}, {json.dumps(chosen)})"
    runner = tmp_path / "export.js"
    runner.write_text(f"{script}\nprocess.stdout.write({call});\n")
    exported = subprocess.run(["node", str(runner)], capture_output=True, text=True, timeout=60, check=True).stdout
    (tmp_path / "sheet-Ann.csv").write_text(exported, encoding="utf-8", newline="")
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert rater not in cells and not [cell for cell in cells if cell.startswith(CSV_FORMULA_STARTS)]
    ratings = read_sheet(tmp_path / "sheet-Ann.csv")
    assert len(ratings) == len(SAMPLE.covers)
    assert collect(ratings, SAMPLE) == {rater: {k: set(v) for k, v in chosen.items()}}
