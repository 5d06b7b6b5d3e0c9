"""String-level repairs of PDF-extracted Chinese text.

PDF extraction of a justified, column-set Chinese page leaves:

* spaces between characters of a justified line (``会 主 任 高 峰 出 席``) and
  between numbers and characters (``2月 11日``);
* vertical presentation forms in headlines set top to bottom (``﹃四项行动﹄``);
* bold captions whose every run is doubled
  (``赠送小礼物赠送小礼物。。姜灏姜灏 摄摄``).

The functions here repair single lines; joining lines into paragraphs and
finding headlines is :mod:`analysis.corpus.layout`'s job.

>>> clean_line("会 主 任 高 峰 出 席")
'会主任高峰出席'
>>> clean_line("2月 11日上午，EVE CINA高定")
'2月11日上午，EVE CINA高定'
"""
from __future__ import annotations

import re
import unicodedata

# Ideographs (BMP blocks and the supplementary planes) plus CJK and
# full-width punctuation, and the general punctuation Chinese text uses
# (quotes, dashes, ellipsis, middle dot).
_CJK_CHARS = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
    "\u2010-\u2027\u00b7"
)
_IDEOGRAPH = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE = "[ \t\u3000\u00a0]+"
# A space is a justification artefact when it sits between two CJK characters
# or between a digit and a CJK character; spaces around Latin words are real.
_CJK_CJK = re.compile(f"(?<=[{_CJK_CHARS}]){_SPACE}(?=[{_CJK_CHARS}])")
_CJK_DIGIT = re.compile(f"(?<=[{_CJK_CHARS}]){_SPACE}(?=[0-9])")
_DIGIT_CJK = re.compile(f"(?<=[0-9]){_SPACE}(?=[{_CJK_CHARS}])")
_MULTISPACE = re.compile(_SPACE)
IDEOGRAPH_RE = re.compile(f"[{_IDEOGRAPH}]")

# Vertical presentation forms.  In mainland vertical setting ﹃﹄ stand for the
# double quotes “” and ﹁﹂ for the single quotes ‘’ (NFKC would give the
# corner brackets 『』「」 instead, which the same paper's horizontal text does
# not use); brackets and punctuation map to their full-width horizontal forms,
# anything else in the block by NFKC.
_VERTICAL_QUOTES = str.maketrans({
    "\ufe43": "“", "\ufe44": "”", "\ufe41": "‘", "\ufe42": "’",
    # NFKC would give ASCII for these; Chinese text uses the full-width forms.
    "\ufe35": "（", "\ufe36": "）", "\ufe37": "｛", "\ufe38": "｝", "\ufe39": "〔", "\ufe3a": "〕",
    "\ufe3b": "【", "\ufe3c": "】", "\ufe3d": "《", "\ufe3e": "》", "\ufe3f": "〈", "\ufe40": "〉",
    "\ufe10": "，", "\ufe11": "、", "\ufe12": "。", "\ufe13": "：", "\ufe14": "；", "\ufe15": "！",
    "\ufe16": "？", "\ufe19": "…", "\ufe31": "—", "\ufe32": "–",
})
_VERTICAL_FORMS = re.compile("[\ufe10-\ufe19\ufe30-\ufe4f]")

SENTENCE_PUNCTUATION = "，。；：！？,;:!?"
TERMINAL_PUNCTUATION = "。！？!?…"
_CLOSERS = "”’）)」』》】"



def normalize_forms(text: str) -> str:
    """Replace vertical presentation forms by their horizontal counterparts.

    >>> normalize_forms("聚焦﹃四项行动﹄")
    '聚焦“四项行动”'
    """
    if not _VERTICAL_FORMS.search(text):  # most text has none, and translating costs ~150 ns a character
        return text
    text = text.translate(_VERTICAL_QUOTES)
    return _VERTICAL_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def remove_justification_spaces(text: str) -> str:
    """Drop spaces between CJK characters and between digits and CJK characters.

    Spaces between Latin words or digits are kept (``EVE CINA``, ``LED 屏幕``).

    >>> remove_justification_spaces("地铁 1号线 2024 年 EVE CINA")
    '地铁1号线2024年 EVE CINA'
    """
    if not _MULTISPACE.search(text):  # no space at all: nothing to remove (most lines of an article table)
        return text
    text = _CJK_CJK.sub("", text)
    text = _CJK_DIGIT.sub("", text)
    text = _DIGIT_CJK.sub("", text)
    return _MULTISPACE.sub(" ", text)


# Characters that print as nothing: zero-width spaces and joiners, word
# joiner, byte-order marks inside the text, soft hyphen, and control
# characters other than tab and what str.splitlines counts as a line break
# (so line numbers stay put), NUL from broken extractions included.
# Zero-width and formatting characters, control codes, and the bidirectional controls (which reorder
# what a reader sees without being text: never meaningful in a Chinese article).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\x00-\x08\x0e-\x1b\x1f\x7f]")


def scrub_invisible(text: str) -> str:
    r"""Remove zero-width characters, soft hyphens and control characters (not tab or line breaks).

    Line breaks are kept, so line numbers do not move.

    >>> scrub_invisible("丰\u200b台\x00区\n第二行")
    '丰台区\n第二行'
    """
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text


def clean_line(line: str) -> str:
    r"""Repair one extracted line: trim, horizontal forms, no justification spaces, no invisible characters.

    >>> clean_line("\u200b\u200b")
    ''
    """
    return remove_justification_spaces(normalize_forms(scrub_invisible(line).strip()))


# One character class (an alternation of classes would be tried character by character, 10× slower).
_NEEDS_CLEANING = re.compile("[" + "".join(p.pattern[1:-1] for p in (_INVISIBLE, _VERTICAL_FORMS))
                             + " \t\u3000\u00a0]")


def clean_text(text: str) -> str:
    r"""Each line of ``text`` repaired by :func:`clean_line`, empty lines dropped, joined by line breaks.

    One search of the whole text finds that most texts need nothing but their line breaks kept.

    >>> clean_text("会 主 任\n\n高峰\u200b出席")
    '会主任\n高峰出席'
    """
    if not _NEEDS_CLEANING.search(text):
        return "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return "\n".join(line for line in map(clean_line, text.splitlines()) if line)


def joiner(left: str, right: str) -> str:
    """What goes between two wrapped lines: nothing, or a space between two Latin words.

    Chinese has no spaces between words, so a line break inside a word or name
    (``王少`` / ``峰``) is simply removed.
    """
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return " "
    return ""


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with sentence-final punctuation (closing quotes allowed).

    >>> ends_sentence("一同参加。"), ends_sentence("经验。”"), ends_sentence("正视困难、")
    (True, True, False)
    """
    text = text.rstrip().rstrip(_CLOSERS)
    return bool(text) and text[-1] in TERMINAL_PUNCTUATION


def has_sentence_punctuation(text: str) -> bool:
    """True when ``text`` holds a comma, full stop, colon, semicolon, ! or ?."""
    return any(ch in SENTENCE_PUNCTUATION for ch in text)


def display_width(text: str) -> float:
    """Approximate printed width in em: CJK characters 1, Latin and digits about 0.55."""
    width = 0.0
    for ch in text:
        if ch.isspace():
            width += 0.25
        elif ch.isascii():
            width += 0.55
        else:
            width += 1.0
    return width


def undouble(text: str) -> str:
    """Collapse runs that PDF extraction printed twice (bold text set as two layers).

    At each position the longest run immediately followed by a copy of itself
    is kept once; a character that is not doubled is kept as it is.

    >>> undouble("赠送小礼物赠送小礼物。。姜灏姜灏 摄摄")
    '赠送小礼物。姜灏 摄'
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        for size in range((n - i) // 2, 0, -1):
            if text[i : i + size] == text[i + size : i + 2 * size]:
                out.append(text[i : i + size])
                i += 2 * size
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def doubled_fraction(text: str) -> float:
    """Share of the non-space characters of ``text`` removed by :func:`undouble`."""
    core = text.replace(" ", "")
    if not core:
        return 0.0
    return 1 - len(undouble(text).replace(" ", "")) / len(core)


_CREDIT = re.compile(r"^(?P<caption>.*?)[。．.]?\s*(?P<credit>(?:本报)?(?:记者|通讯员)?\s*[^\s。，,]{2,12}?)\s*摄$")


def parse_caption(line: str) -> tuple[str, str] | None:
    """Split a photo caption line into ``(caption, credit)``, undoubling bold text.

    Returns None when the line is not a caption (a caption ends with a
    photographer's credit, ``… 姜灏 摄``).

    >>> parse_caption(" 工作人员给孩子们赠送小礼物工作人员给孩子们赠送小礼物。。姜灏姜灏 摄摄")
    ('工作人员给孩子们赠送小礼物', '姜灏')
    """
    text = line.strip()
    # Cheap checks first: undoubling is quadratic in the line's length.
    if not text.endswith("摄") or len(text) > 400:
        return None
    if doubled_fraction(text) > 0.3:
        text = undouble(text)
    match = _CREDIT.match(text)
    if not match or not match.group("caption"):
        return None
    caption = clean_line(match.group("caption")).rstrip("。．. ")
    credit = match.group("credit").strip()
    credit = re.sub(r"^(?:本报)?(?:记者|通讯员)\s*", "", credit)
    return caption, credit
