"""Page layout: raw page text → a sequence of blocks in reading order.

A block is a body paragraph, a headline (horizontal or vertical), or a photo
caption.  Every block keeps the raw line numbers it came from, so any
character of the clean text can be traced back to the page.

How the blocks are recognised (each rule is pinned by a test on the sample
pages, ``tests/test_layout.py``):

* **Paragraphs.**  Lines are joined until a paragraph break.  A blank line
  after a line ending a sentence (``。！？`` and closing quotes) is a
  paragraph break; a blank line after any other line is a column break inside
  a paragraph, so the lines on both sides are joined (``将进一步抓实`` /
  ``“四项行动”``).  A line that starts with a space starts a new text frame;
  a line that starts with 本报讯 starts a new paragraph.
* **Horizontal headlines.**  A line with no sentence punctuation (，。；：！？)
  that stands alone: it starts a frame, or follows a paragraph break, and is
  followed by a blank line, a new frame or another such line.  Consecutive
  headline lines (no blank between) are one headline.  A headline may also
  sit directly on top of its article's first line with no blank between;
  it is recognised when the next line is short like an indented first line
  of a paragraph while the lines after it are full column width, or when
  the headline line starts a text frame of its own (extraction marks a new
  frame with a leading space) right after a finished sentence.
* **Vertical headlines.**  Three or more consecutive one-character lines;
  a blank line separates two vertical headlines.
* **Captions.**  A line ending with a photographer's credit (``姜灏 摄``),
  bold doubling undone (:func:`analysis.corpus.clean.parse_caption`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from .clean import (
    clean_line,
    display_width,
    ends_sentence,
    has_sentence_punctuation,
    joiner,
    normalize_forms,
    parse_caption,
)

LEAD_MARK = "本报讯"
MIN_VERTICAL_RUN = 3


@dataclass
class Block:
    """One block of a page.

    ``kind`` is ``paragraph``, ``headline``, ``vertical`` (a headline set one
    character a line) or ``caption``.  ``lines`` are the raw 1-based line
    numbers and ``raw`` the raw line texts (stripped), in order.  For a caption
    ``credit`` holds the photographer.
    """

    kind: str
    lines: list[int] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    caption: str = ""
    credit: str = ""

    @property
    def first_line(self) -> int:
        return self.lines[0]

    @property
    def text(self) -> str:
        """Clean text of the block (lines joined, spaces and forms repaired)."""
        if self.kind == "caption":
            return self.caption
        if self.kind == "vertical":
            return normalize_forms("".join(self.raw))
        return join_clean(self.raw)[0]

    @property
    def is_headline(self) -> bool:
        return self.kind in ("headline", "vertical")


def join_clean(raw_lines: list[str]) -> tuple[str, list[int]]:
    """Clean each line and join them; return the text and each line's start offset."""
    text = ""
    starts: list[int] = []
    for raw in raw_lines:
        piece = clean_line(raw)
        if text and piece:
            text += joiner(text, piece)
        starts.append(len(text))
        text += piece
    return text, starts


@dataclass
class _Line:
    number: int
    raw: str  # as in the file, minus the line break
    blank_before: bool

    @property
    def text(self) -> str:
        return self.raw.strip()

    @property
    def frame_start(self) -> bool:
        return self.raw[:1].isspace() and bool(self.text)


def _lines(page_text: str) -> list[_Line]:
    out: list[_Line] = []
    blank = True  # the top of the page counts as a break
    for number, raw in enumerate(page_text.splitlines(), start=1):
        if not raw.strip():
            blank = True
            continue
        out.append(_Line(number, raw, blank))
        blank = False
    return out


def _is_vertical_char(line: _Line) -> bool:
    return len(line.text) == 1


def _looks_indented(lines: list[_Line], i: int) -> bool:
    """True when line ``i`` is markedly shorter than the full lines after it.

    The first line of a printed paragraph is indented by two characters, so
    the line directly under a headline that opens an article is short.
    """
    following = []
    for line in lines[i + 1 : i + 6]:
        if line.frame_start:
            break
        following.append(display_width(line.text))
    if len(following) < 3:
        return False
    return display_width(lines[i].text) <= median(following) - 1.5


def page_blocks(page_text: str) -> list[Block]:
    """Split a page's raw text into blocks in reading order.

    >>> [b.kind for b in page_blocks("标题在此\\n\\n本报讯（记者 张三）\\n今天开会。\\n")]
    ['headline', 'paragraph']
    """
    lines = _lines(page_text)
    blocks: list[Block] = []
    i = 0
    prev_sentence_end = True  # did the previous text line end a sentence?
    while i < len(lines):
        line = lines[i]
        # Vertical headline: a run of one-character lines with no blank inside.
        if _is_vertical_char(line):
            j = i
            while j + 1 < len(lines) and _is_vertical_char(lines[j + 1]) and not lines[j + 1].blank_before:
                j += 1
            if j - i + 1 >= MIN_VERTICAL_RUN:
                run = lines[i : j + 1]
                blocks.append(Block("vertical", [l.number for l in run], [l.text for l in run]))
                prev_sentence_end = True
                i = j + 1
                continue
        caption = parse_caption(line.raw)
        if caption is not None:
            blocks.append(Block("caption", [line.number], [line.text], caption=caption[0], credit=caption[1]))
            prev_sentence_end = True
            i += 1
            continue

        starts_unit = line.frame_start or (line.blank_before and prev_sentence_end) or not blocks
        if starts_unit and _headline_candidate(line):
            j = i
            while j + 1 < len(lines) and _continues_headline(lines[j + 1]):
                j += 1
            nxt = lines[j + 1] if j + 1 < len(lines) else None
            alone = nxt is None or nxt.blank_before or nxt.frame_start or nxt.text.startswith(LEAD_MARK)
            on_top = (
                nxt is not None
                and j == i
                and not has_sentence_punctuation(line.text)
                and not any(ch in "、“”" for ch in line.text)
                and _looks_indented(lines, j + 1)
            )
            # A frame of its own that opens with an unpunctuated line, after a
            # finished sentence, is a headline set above its article's text.
            frame_top = line.frame_start and prev_sentence_end and j == i
            if alone or on_top or frame_top:
                run = lines[i : j + 1]
                blocks.append(Block("headline", [l.number for l in run], [l.text for l in run]))
                prev_sentence_end = True
                i = j + 1
                continue

        new_paragraph = (
            not blocks
            or blocks[-1].kind != "paragraph"
            or line.frame_start
            or line.text.startswith(LEAD_MARK)
            or (line.blank_before and prev_sentence_end)
        )
        if new_paragraph:
            blocks.append(Block("paragraph"))
        blocks[-1].lines.append(line.number)
        blocks[-1].raw.append(line.text)
        prev_sentence_end = ends_sentence(line.text)
        i += 1
    return blocks


def _headline_candidate(line: _Line) -> bool:
    text = line.text
    return (
        4 <= len(text) <= 80
        and not has_sentence_punctuation(text)
        and not text.startswith(LEAD_MARK)
        and not ends_sentence(text)
    )


def _continues_headline(line: _Line) -> bool:
    """A second headline line: no blank before it, no sentence punctuation."""
    return not line.blank_before and not line.frame_start and _headline_candidate(line) and len(line.text) > 1
