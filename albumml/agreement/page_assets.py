"""The rating page's stylesheet and script, inlined so the page works from file:// with no server or network."""

import json

from albumml.textsafe import CSV_FORMULA_STARTS, CSV_QUOTE

STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; color: #1d1d1f; background: #f5f5f7; }
header { padding: 12px 20px; background: #fff; border-bottom: 1px solid #ddd; }
h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0; color: #555; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(320px, 440px); gap: 16px; padding: 16px; }
#covers { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px;
  align-content: start; }
.cover { background: #fff; border: 2px solid transparent; border-radius: 8px; padding: 8px; cursor: pointer; }
.cover.active { border-color: #0a66c2; }
.cover.done { background: #eef7ee; }
.cover img { width: 100%; aspect-ratio: 1; object-fit: contain; background: #eee; display: block; }
.meta { font-size: 12px; color: #666; margin: 4px 0; }
#panel { position: sticky; top: 8px; align-self: start; max-height: calc(100vh - 16px); overflow: auto;
  background: #fff; border-radius: 8px; padding: 12px; }
#panel label { display: block; margin-bottom: 8px; }
#panel input { width: 100%; padding: 6px 8px; font: inherit; }
#active-image { width: 100%; max-height: 320px; object-fit: contain; background: #eee; display: block; }
#moods { display: flex; flex-wrap: wrap; gap: 4px; max-height: 40vh; overflow: auto; margin: 8px 0; }
.chip { border: 1px solid #bbb; border-radius: 14px; background: #fff; padding: 2px 10px; font: inherit;
  font-size: 13px; cursor: pointer; }
.chip.on { background: #0a66c2; border-color: #0a66c2; color: #fff; }
.chosen { display: flex; flex-wrap: wrap; gap: 4px; }
.chosen .chip::after { content: " \\00d7"; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.actions button { font: inherit; padding: 4px 10px; }
#message { color: #a00; }
"""

SCRIPT = """
"use strict";
const COLUMNS = ["sample_id", "snapshot_id", "vocabulary_id", "album_id", "cover_key", "cover", "rater", "moods"];
const SEPARATOR = ";";
const FORMULA_STARTS = __FORMULA_STARTS__;
const CSV_QUOTE = __CSV_QUOTE__;

function formulaSafe(text) {
  const guarded = [...FORMULA_STARTS, CSV_QUOTE].some((start) => text.startsWith(start));
  return guarded ? CSV_QUOTE + text : text;
}

function csvField(value) {
  const text = formulaSafe(String(value === undefined || value === null ? "" : value));
  return /[",\\r\\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

function sheetCsv(sample, rater, chosen) {
  const lines = [COLUMNS.join(",")];
  for (const cover of sample.covers) {
    const moods = (chosen[cover.album_id] || []).join(SEPARATOR);
    const row = [sample.sample_id, sample.snapshot_id, sample.vocabulary_id, cover.album_id, cover.cover_key,
                 cover.cover, rater, moods];
    lines.push(row.map(csvField).join(","));
  }
  return lines.join("\\r\\n") + "\\r\\n";
}

function matchesFilter(mood, text) {
  return mood.toLowerCase().includes(text.trim().toLowerCase());
}

function start() {
  const sample = JSON.parse(document.getElementById("sample").textContent);
  const storageKey = "albumml-agreement-" + sample.sample_id;
  const covers = Array.from(document.querySelectorAll("article.cover"));
  const chips = Array.from(document.querySelectorAll("#moods .chip"));
  const byId = (id) => document.getElementById(id);
  let state = { rater: "", chosen: {} };
  try {
    state = Object.assign(state, JSON.parse(localStorage.getItem(storageKey) || "{}"));
  } catch (error) {
    state = { rater: "", chosen: {} };
  }
  let active = 0;

  function save() {
    try { localStorage.setItem(storageKey, JSON.stringify(state)); } catch (error) { /* private mode */ }
  }
  function albumOf(index) { return covers[index].dataset.album; }
  function moodsOf(index) { return state.chosen[albumOf(index)] || []; }

  function drawCover(index) {
    const box = covers[index].querySelector(".chosen");
    box.replaceChildren();
    for (const mood of moodsOf(index)) {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip on";
      chip.textContent = mood;
      chip.title = "remove " + mood;
      chip.addEventListener("click", (event) => { event.stopPropagation(); toggle(index, mood); });
      box.appendChild(chip);
    }
    covers[index].classList.toggle("done", moodsOf(index).length > 0);
  }

  function drawPanel() {
    const chosen = new Set(moodsOf(active));
    for (const chip of chips) {
      const on = chosen.has(chip.dataset.mood);
      chip.classList.toggle("on", on);
      chip.setAttribute("aria-pressed", String(on));
    }
    covers.forEach((cover, index) => cover.classList.toggle("active", index === active));
    byId("active-image").src = covers[active].querySelector("img").getAttribute("src");
    byId("active").textContent = "Cover " + (active + 1) + " of " + covers.length + " (" + albumOf(active) + ")";
    const done = covers.filter((cover, index) => moodsOf(index).length > 0).length;
    byId("progress").textContent = done + " of " + covers.length + " covers labelled";
  }

  function toggle(index, mood) {
    const moods = moodsOf(index).slice();
    const at = moods.indexOf(mood);
    if (at >= 0) { moods.splice(at, 1); } else { moods.push(mood); }
    if (moods.length) { state.chosen[albumOf(index)] = moods; } else { delete state.chosen[albumOf(index)]; }
    save();
    drawCover(index);
    drawPanel();
  }

  function activate(index) {
    active = Math.max(0, Math.min(covers.length - 1, index));
    drawPanel();
    covers[active].scrollIntoView({ block: "nearest" });
  }

  function applyFilter() {
    const text = byId("filter").value;
    for (const chip of chips) { chip.hidden = !matchesFilter(chip.dataset.mood, text); }
  }

  function exportSheet() {
    const rater = byId("rater").value.trim();
    if (!rater) {
      byId("message").textContent = "Enter your name first: it goes into the sheet's rater column.";
      byId("rater").focus();
      return;
    }
    byId("message").textContent = "";
    const blob = new Blob([sheetCsv(sample, rater, state.chosen)], { type: "text/csv;charset=utf-8" });
    const link = byId("download");
    if (link.href) { URL.revokeObjectURL(link.href); }
    link.href = URL.createObjectURL(blob);
    link.download = "sheet-" + rater.replace(/[^A-Za-z0-9_-]+/g, "_") + ".csv";
    link.textContent = "Download " + link.download;
    link.hidden = false;
    link.click();
  }

  covers.forEach((cover, index) => {
    cover.addEventListener("click", () => activate(index));
    cover.addEventListener("keydown", (event) => { if (event.key === "Enter") { activate(index); } });
    drawCover(index);
  });
  for (const chip of chips) { chip.addEventListener("click", () => toggle(active, chip.dataset.mood)); }
  byId("filter").addEventListener("input", applyFilter);
  byId("filter").addEventListener("keydown", (event) => {
    if (event.key !== "Enter") { return; }
    const first = chips.find((chip) => !chip.hidden);
    if (first) { toggle(active, first.dataset.mood); }
    byId("filter").value = "";
    applyFilter();
  });
  byId("rater").value = state.rater;
  byId("rater").addEventListener("input", () => { state.rater = byId("rater").value; save(); });
  byId("previous").addEventListener("click", () => activate(active - 1));
  byId("next").addEventListener("click", () => activate(active + 1));
  byId("export").addEventListener("click", exportSheet);
  drawPanel();
}

if (typeof document !== "undefined") {
  start();
}
""".replace("__FORMULA_STARTS__", json.dumps(CSV_FORMULA_STARTS)).replace("__CSV_QUOTE__", json.dumps(CSV_QUOTE))
