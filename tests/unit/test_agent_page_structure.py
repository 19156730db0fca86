"""The agent page's HTML is well nested: every section view sits directly in <main>, never inside another view
(a view nested in a hidden one is "shown" yet drawn nowhere: merges of index.html once did that)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "web" / "agent" / "index.html"
CONTAINERS = {
    "section",
    "main",
    "div",
    "form",
    "details",
    "fieldset",
    "nav",
    "aside",
    "ul",
    "ol",
    "dl",
    "table",
}


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.views: dict[str, list[str]] = {}
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in CONTAINERS:
            return
        found = dict(attrs)
        if tag == "section" and "tool-view" in (found.get("class") or "").split():
            self.views[str(found.get("id"))] = [f"{t}#{i}" for t, i in self.stack if t in ("main", "section")]
        self.stack.append((tag, found.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag not in CONTAINERS:
            return
        open_tags = [t for t, _ in self.stack]
        if tag not in open_tags:
            self.problems.append(f"</{tag}> at line {self.getpos()[0]} closes nothing")
            return
        index = len(open_tags) - 1 - open_tags[::-1].index(tag)
        if index != len(self.stack) - 1:
            self.problems.append(f"</{tag}> at line {self.getpos()[0]} leaves {self.stack[index + 1 :]} open")
        del self.stack[index:]


def test_every_view_sits_directly_in_main_and_every_container_is_closed() -> None:
    outline = _Outline()
    outline.feed(PAGE.read_text(encoding="utf-8"))
    assert outline.problems == []
    assert outline.stack == []
    assert len(outline.views) >= 10
    assert {view: parents for view, parents in outline.views.items() if parents != ["main#main"]} == {}


def test_every_stylesheet_rule_is_closed() -> None:
    """An unclosed rule swallows every rule after it (a merge once dropped one brace: the Reports cards and
    the requests map lost their styles)."""
    for sheet in sorted(PAGE.parent.glob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{sheet.name}: a rule closed twice by line {number}"
        assert depth == 0, f"{sheet.name}: {depth} rule(s) never closed"
