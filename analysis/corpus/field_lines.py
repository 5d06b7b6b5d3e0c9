"""Raw line of a character in any field of an article: headline, subheadline or text.

The articles table maps ``text`` offsets to raw lines (``line_map``) but
records only one line for the headlines (``headline_line``).  A subheadline
printed on two lines under its headline (data/raw/001_37b71d2a634c19f4.txt,
headline line 101, subheadline lines 103 and 104) needs its own lines: they
are found by matching the field, whitespace ignored, against the raw page's
lines, preferring lines near the headline.

The page is looked up in the corpus's page folder (``pages``, a
:class:`~analysis.corpus.folder.Corpus`'s ``pages_dir``); without one (an
article table) a headline's line is ``headline_line``.

>>> from analysis.corpus import load_articles
>>> from analysis.paths import RAW_DIR
>>> a = load_articles().set_index("article_id", drop=False).loc["001_37b71d2a634c19f4-03"]
>>> [field_line(a, "subheadline", a["subheadline"].index(p), RAW_DIR) for p in ("倍增追赶", "安全城市")]
[103, 104]
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache
from pathlib import Path

_SPACE = re.compile(r"\s+")
FIELDS = ("headline", "subheadline", "text")


def _page_path(source: str, pages: str | Path | None) -> Path | None:
    """The raw page file of ``source`` in the page folder ``pages`` (None: no page to read)."""
    if not source or pages is None:
        return None
    path = Path(pages) / source
    return path if path.is_file() else None


@lru_cache(maxsize=64)
def _page_lines(path: str, _mtime: int) -> tuple[tuple[int, str], ...]:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = _SPACE.sub("", line)
        if stripped:
            out.append((number, stripped))
    return tuple(out)


@lru_cache(maxsize=512)
def _field_map(path: str, mtime: int, field_text: str, anchor: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(offsets, lines): from each offset of ``field_text`` on, the raw line it is printed on."""
    lines = _page_lines(path, mtime)
    kept = [i for i, ch in enumerate(field_text) if not ch.isspace()]
    flat = "".join(field_text[i] for i in kept)
    starts: list[int] = []
    numbers: list[int] = []
    p = 0
    current = anchor
    while p < len(flat):
        best = None
        for number, stripped in lines:
            # A raw line matches when it is printed here in full, or when the field
            # ends inside it (a headline's last line may carry more than the field).
            size = len(stripped)
            if not (flat.startswith(stripped, p) or (size > len(flat) - p >= 2 and stripped.startswith(flat[p:]))):
                continue
            adjacent = number in (current, current + 1)
            # One character a line is a vertical headline: only after the headline's line.
            if size == 1 and not adjacent and not (anchor <= number <= anchor + 200):
                continue
            if True:
                # Continuing on the next line beats a longer match elsewhere on the page.
                key = (not adjacent, -min(size, len(flat) - p), abs(number - current))
                if best is None or key < best[0]:
                    best = (key, number, min(size, len(flat) - p))
        if best is None:
            p += 1
            continue
        _, number, size = best
        starts.append(kept[p])
        numbers.append(number)
        current = number
        p += size
    return tuple(starts), tuple(numbers)


def field_line(article, field: str, offset: int, pages: str | Path | None = None) -> int:
    """Raw line on which character ``offset`` of ``article[field]`` is printed.

    ``field`` is ``headline``, ``subheadline`` or ``text`` (``text`` uses the
    table's ``line_map``).  For the headlines, the raw page is read from the
    page folder ``pages`` and each printed line of the field located; where
    there is no page, or the line is not found, the headline's line
    (``headline_line``) is returned.
    """
    if field not in FIELDS:
        raise ValueError(f"field must be one of {', '.join(FIELDS)}, not {field!r}")
    if field == "text":
        from .read import source_line

        if "line_map" in article:
            return int(source_line(article, offset))
        return int(article.get("line_start", 0) or 0)
    anchor = int(article.get("headline_line", 0) or 0)
    text = str(article.get(field, "") or "")
    path = _page_path(str(article.get("source", "") or ""), pages)
    if not text or path is None or anchor == 0:
        return anchor
    starts, numbers = _field_map(str(path), path.stat().st_mtime_ns, text, anchor)
    if not starts:
        return anchor
    k = bisect.bisect_right(starts, offset) - 1
    return numbers[max(k, 0)]


def line_lookup(article, pages: str | Path | None = None):
    """``line(field, offset)`` for one article, with its line map parsed once (for loops over occurrences).

    >>> from analysis.corpus import load_articles
    >>> from analysis.paths import RAW_DIR
    >>> a = load_articles().set_index("article_id", drop=False).loc["001_37b71d2a634c19f4-03"]
    >>> line = line_lookup(a, RAW_DIR); line("text", a["text"].index("王少峰")), line("subheadline", 3)
    (109, 103)
    """
    pairs = [tuple(map(int, item.split(":"))) for item in str(article.get("line_map", "") or "").split(";") if item]
    offsets = [o for o, _ in pairs]
    fallback = int(article.get("line_start", 0) or 0)

    def line(field: str, offset: int) -> int:
        if field != "text":
            return field_line(article, field, offset, pages)
        if not pairs:
            return fallback
        k = bisect.bisect_right(offsets, offset) - 1
        return pairs[max(k, 0)][1]

    return line
