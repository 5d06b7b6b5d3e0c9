"""What the chapters say: sentences computed from the built tables.

The notebooks narrate; the numbers, names and findings in their prose come
from functions here, so that the book reads true on any corpus.  Each chapter
has a module (``corpus``, ``terms``, ``leaders``, ``topics``) whose functions
take the built tables (DataFrames, or a :class:`analysis.tables.Tables` where
a chapter reads only part of a large table) and the tables the stage packages
make of them, and return Markdown or pick what to show; they compute no table
of their own.  This module holds what they share:

* :func:`context` -- the corpus the book is about (paper, span, size, whether
  it is the sample) from the build's ``build_info`` row (:attr:`analysis.tables.Tables.info`);
* :func:`say` -- Markdown that Jupyter (and the book) renders as prose;
* :func:`sample_note` -- a note that is shown only for the sample corpus
  (observations made by reading the two sample pages);
* :func:`time_bin` -- the period that fits a corpus's span (day, week,
  month, quarter or year), so a one-month corpus is not one dot a person;
* :func:`route_messages` -- in a notebook, the package's warnings (a page
  decoded as GB18030, a duplicate page …) become a visible note in the cell's
  output instead of text on stderr, which the book build (``-W``) would turn
  into a failure that never says why.  Importing this module in a Jupyter
  kernel calls it.

>>> time_bin("2024-12-01", "2025-02-13")
'W'
>>> time_bin("2019-01-01", "2022-12-30")
'Q'
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.book.escape import md, md_code
from analysis.paths import DATA_DIR

from ..helpers import PUBLISHED_DIR, set_publishing

#: Period codes (:data:`analysis.corpus.periods.FREQS`) by the span of the corpus: the first whose limit
#: (days) is not exceeded.
BINS = [(45, "D"), (400, "W"), (1100, "M"), (3700, "Q"), (10**9, "Y")]
BIN_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def time_bin(first_date: str, last_date: str) -> str:
    """The period code (:mod:`analysis.corpus.periods`) for a corpus spanning ``first_date`` to
    ``last_date`` (YYYY-MM-DD): the bin of every table and figure over time in the book."""
    if not first_date or not last_date:
        return "M"
    days = (pd.Timestamp(last_date) - pd.Timestamp(first_date)).days
    return next(code for limit, code in BINS if days <= limit)


@dataclass(frozen=True)
class Context:
    """The corpus a chapter is about (see :func:`context`)."""

    corpus: str
    paper: str
    is_sample: bool
    n_articles: int
    first_date: str
    last_date: str
    defaulted_facts: tuple
    #: The corpus's publishing policy (``corpus.toml`` ``publish_text``): ``full``, ``excerpts`` or ``none``.
    publish_text: str = "excerpts"

    @property
    def bin(self) -> str:
        return time_bin(self.first_date, self.last_date)

    @property
    def bin_name(self) -> str:
        return BIN_NAMES[self.bin]

    @property
    def span(self) -> str:
        """``2019-01-01 to 2022-12-30`` (or one date)."""
        if self.first_date == self.last_date:
            return self.first_date
        return f"{self.first_date} to {self.last_date}"


def context(info: dict) -> Context:
    """The :class:`Context` of the built tables: ``info`` is their ``build_info`` row as a dict
    (:attr:`analysis.tables.Tables.info`).

    In a Jupyter kernel (a chapter being built) it also sets what the tables and concordances may show,
    from the corpus's publishing policy, and where they write their downloads
    (:func:`analysis.book.helpers.set_publishing`).
    """
    defaulted = tuple(x for x in str(info.get("defaulted_facts", "")).split(";") if x)
    ctx = Context(str(info["corpus"]), str(info["paper"]), bool(info["is_sample"]), int(info["n_articles"]),
                  str(info["first_date"]), str(info["last_date"]), defaulted,
                  str(info.get("publish_text") or "excerpts"))
    kernel_publishing(ctx.publish_text)
    return ctx


def kernel_publishing(policy: str) -> None:
    """In a Jupyter kernel (a chapter being built): show and publish under ``policy``, writing the
    downloads into :data:`~analysis.book.helpers.PUBLISHED_DIR`; elsewhere nothing changes."""
    if _in_kernel():
        set_publishing(policy, PUBLISHED_DIR)


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class say:
    """Markdown prose for a notebook cell's output (rendered by myst-nb; plain text is the same Markdown).

    The Markdown is the caller's: every corpus value in it (a name, a term, a
    headline, a file name, the paper) goes in through
    :func:`analysis.book.escape.md` (or ``md_code``), so that it reads as text.

    >>> say(f"**9** articles of the {md('<b>丰台报</b>')}")
    **9** articles of the \\<b>丰台报\\</b>
    """

    def __new__(cls, markdown: str = ""):
        # Empty prose (a sample-only note on another corpus) is a _Silent say: it shows nothing at
        # all in the notebook, not an empty output box.
        return super().__new__(_Silent if cls is say and not str(markdown).strip() else cls)

    def __init__(self, markdown: str):
        self.markdown = markdown.strip()

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.markdown


class _Silent(say):
    """An empty :class:`say`: Jupyter displays nothing for it."""

    def _ipython_display_(self) -> None:
        return None


#: The sample's notes (``data/book_notes.toml``): what the authors saw on the two sample pages, by chapter and
#: place (``corpus.layout``), so that no notebook (downloaded with a book on another corpus) carries their text.
SAMPLE_NOTES = DATA_DIR / "book_notes.toml"


def sample_notes(path: Path = SAMPLE_NOTES) -> dict[str, str]:
    """The sample's notes, ``{"chapter.place": markdown}``.

    >>> "corpus.layout" in sample_notes()
    True
    """
    import tomllib

    notes: dict[str, str] = {}

    def walk(prefix: str, table: dict) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                walk(f"{prefix}{key}.", value)
            else:
                notes[f"{prefix}{key}"] = str(value)

    walk("", tomllib.loads(Path(path).read_text(encoding="utf-8")))
    return notes


def sample_note(key: str, ctx: Context) -> say:
    """The sample's note ``key`` (:func:`sample_notes`; a key it does not hold is the note's Markdown itself),
    shown only when the book is built on the sample corpus (``ctx``): nothing for any other corpus."""
    if not ctx.is_sample:
        return say("")
    markdown = sample_notes().get(key, key)
    # An admonition, not {note}: a {note} takes no title, and its first line ran into the text.
    return say(":::{admonition} On the sample pages\n:class: note\n" + markdown.strip() + "\n:::")


#: The facts whose default (``data/defaults/``) a chapter names where it uses it: file and what it holds.
DEFAULT_FACTS = {
    "stopwords": ("stopwords.csv", "the stopword list"),
    "aliases": ("aliases.csv", "the aliases (one term for several spellings)"),
    "boilerplate": ("boilerplate.csv", "the dateline and agency formulas"),
    "titles": ("leader_titles.csv", "the title words that anchor a name"),
    "phrases": ("leader_phrases.csv", "the ritual and doctrine patterns"),
    "surnames": ("leader_surnames.csv", "the surnames"),
    "nonnames": ("leader_nonnames.csv", "the words that are never names"),
}


def defaults_sentence(ctx: Context, facts) -> str:
    """A sentence naming which of ``facts`` (keys of :data:`DEFAULT_FACTS`) this corpus does not bring, so
    that the project's defaults stand in (empty when it brings them all).

    >>> ctx = Context("c", "某报", False, 1, "2020-01-01", "2020-01-01", ("stopwords", "gold"))
    >>> defaults_sentence(ctx, ("stopwords", "aliases"))
    "This corpus brings no `stopwords.csv` of its own: the project's default stands in, the stopword list of `data/defaults/stopwords.csv`."
    """
    used = [f for f in facts if f in ctx.defaulted_facts and f in DEFAULT_FACTS]
    if not used:
        return ""
    files = ", ".join(f"`{DEFAULT_FACTS[f][0]}`" for f in used)
    what = "; ".join(f"{DEFAULT_FACTS[f][1]} of `data/defaults/{DEFAULT_FACTS[f][0]}`" for f in used)
    return (f"This corpus brings no {files} of its own: the project's default{'s stand' if len(used) > 1 else ' stands'} "
            f"in, {what}.")


def number(n: int | float) -> str:
    """``1,234`` for integers, ``0.25`` for fractions (two decimals)."""
    if isinstance(n, float) and not float(n).is_integer():
        return f"{n:,.2f}"
    return f"{int(n):,}"


def join_and(items) -> str:
    """``a``, ``a and b``, ``a, b and c``.

    >>> join_and(["甲", "乙", "丙"])
    '甲, 乙 and 丙'
    """
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def percent(x: float) -> str:
    """``97%`` (``—`` for a missing value); under 1% or over 99% as many decimals as it takes not to
    read as none or all (a share of 0.4% is not 0%, an interval's bound of 99.98% is not 100%).

    >>> percent(0.374), percent(0.0042), percent(0.99976), percent(1.0), percent(0.0)
    ('37%', '0.4%', '99.98%', '100%', '0%')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    value = 100 * float(x)
    if 0 < value < 1 or 99 < value < 100:
        for digits in (1, 2, 3):
            text = f"{value:.{digits}f}"
            if 0 < float(text) < 100:
                return f"{text}%"
        return "<0.001%" if value < 50 else ">99.999%"
    return f"{value:.0f}%"


def _place(place: str) -> str:
    """`` (place)`` after the paper's name, or ``, place`` when the place has brackets of its own (the
    sentence goes on with ``, dated …``).

    >>> _place("北京市丰台区"), _place("national (evening news)"), _place("")
    (' (北京市丰台区)', ', national (evening news)', '')
    """
    if not place:
        return ""
    return f", {md(place)}" if any(b in place for b in "()（）") else f" ({md(place)})"


def corpus_statement(info: dict, description: dict) -> str:
    """The introduction's paragraph on what this build of the book is about (Markdown).

    ``info``: the ``build_info`` row; ``description``: the corpus's
    ``corpus.toml`` (see :mod:`analysis.corpus.folder`).  The claim is stated
    for that corpus and no other.

    >>> text = corpus_statement({"corpus": "长河报 (generated)", "paper": "长河报", "is_sample": False,
    ...     "n_articles": 2000, "first_date": "2019-01-01", "last_date": "2022-12-30", "kind": "table",
    ...     "defaulted_facts": "stopwords;gold"}, {"place": "长河区", "source": "generated", "licence": ""})
    >>> "2,000 articles" in text and "2019-01-01 to 2022-12-30" in text
    True
    """
    ctx = context(info)
    paper = (f"the *{md(ctx.paper)}*" if ctx.paper else
             "a paper the corpus does not name (no `paper` column, no `corpus.toml`)")
    form = "page texts with a manifest" if info.get("kind") == "pages" else "an article table"
    articles = "1 article" if ctx.n_articles == 1 else f"{number(ctx.n_articles)} articles"
    lines = [f"This build of the book reads **{md(ctx.corpus)}**: {articles} of {paper}"
             + (_place(description.get("place", "")))
             + f", dated {md(ctx.span)}, given as {form}."]
    if description.get("source"):
        lines.append(f"Source: {md(description['source'])}.")
    if description.get("licence"):
        lines.append(f"Licence of the text: {md(description['licence'].strip().rstrip('.'))}.")
    if "leaders" in ctx.defaulted_facts:
        lines.append("The corpus has no registry of officials of its own (`leaders.csv`): chapter 3 counts the "
                     "national leaders of the project's default registry (`data/defaults/leaders.csv`) and lists the "
                     "other officials the text names with a title.")
    # The glossary and the annotations have no default: a corpus without them has none (no glossary page).
    defaulted = [f for f in ctx.defaulted_facts if f not in ("leaders", "gold", "annotation", "glossary")]
    if defaulted:
        lines.append("Facts this corpus does not bring, for which the project's defaults in `data/defaults/` stand in: "
                     + ", ".join(md_code(f) for f in defaulted) + ".")
    lines.append(f"Every number, name and finding in the chapters is computed from this corpus when the book is "
                 f"built; what the book claims holds for the {articles} of this corpus, not for the paper as a whole.")
    if ctx.is_sample:
        lines.append("The sample is two printed pages of the paper, as text extracted from the PDF (no OCR), listed "
                     "with their checksums in `data/manifest.csv`; neither page prints its date, so each issue date "
                     "is inferred from the latest event the page reports (the manifest records the reasoning). It "
                     "is enough to test every step and to show what each method produces; it is far too small to "
                     "support claims about the paper, and the chapters say so where it matters.")
    return "\n".join(lines) + "\n"


class _NoteHandler(logging.Handler):
    """Shows each log record as a warning admonition in the current cell's output."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from IPython.display import display

            # The message names files and values of the corpus: text, never markup.
            message = md(self.format(record))
            display(say(f":::{{warning}} A message from the analysis\n{message}\n:::"))
        except Exception:  # never let a message break the chapter
            self.handleError(record)


def route_messages(logger_name: str = "analysis") -> bool:
    """In a Jupyter kernel, show the package's warnings as notes in the chapter, not on stderr.

    Returns whether the handler is (now) installed; outside a kernel nothing
    changes and the messages keep going to stderr as usual.
    """
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        return False
    if shell is None or not hasattr(shell, "kernel"):
        return False
    logger = logging.getLogger(logger_name)
    if not any(isinstance(h, _NoteHandler) for h in logger.handlers):
        handler = _NoteHandler(level=logging.WARNING)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return True


route_messages()

