"""Read a report back: its tables, its definition lists and its figures, with the standard
library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser


class ReportReader(HTMLParser):
    """Tables (a list of rows of cell texts each, the header row first) and definition lists
    (term → text) in document order, per section id; the ids of the inline figures."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[list[str]]]] = {}
        self.facts: dict[str, dict[str, str]] = {}
        self.figures: list[str] = []
        self.section = ""
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._term: str | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section":
            self.section = attributes.get("id", "")
        elif tag == "table":
            self.tables.setdefault(self.section, []).append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("dt", "dd"):
            self._text = []
        elif tag == "svg":
            self.figures.append(attributes.get("id", ""))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self.section][-1].append(self._row)
            self._row = None
        elif tag == "dt" and self._text is not None:
            self._term = "".join(self._text).strip()
            self._text = None
        elif tag == "dd" and self._text is not None and self._term is not None:
            self.facts.setdefault(self.section, {})[self._term] = "".join(self._text).strip()
            self._text = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)


def read_report(text: str) -> ReportReader:
    reader = ReportReader()
    reader.feed(text)
    return reader
