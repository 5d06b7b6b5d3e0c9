"""Who and what a book about a corpus is: its title, paper, place, authors, licence, links.

Everything that names the book comes from the corpus's ``corpus.toml``
(:data:`analysis.corpus.folder.DESCRIPTION_KEYS`).  A key the file does not
give is *guessed* from the corpus itself, never from the sample: the paper
from the article table's (or manifest's) ``paper`` column, else the folder's
name; the title from the paper; the period from the articles' dates; the
year from the build.  :attr:`Identity.guessed` lists what was guessed and
how, so the book can say so (and ``build_info`` records it).  A key with no
sensible guess (place, source, repository, DOI) stays empty and the book
leaves it out: no launch buttons without a repository, no place it does not
know.

:func:`describe_draft` writes a ``corpus.toml`` draft for a folder, with
every guessed line marked as a guess (``python -m analysis describe``).

>>> from analysis.corpus.folder import Corpus
>>> ident = corpus_identity(Corpus(), papers=["丰台报"])
>>> ident.paper, ident.publish_text, ident.guessed
('丰台报', 'full', ())
>>> bare = identity({}, folder_name="my_corpus", papers=["某某报"], first_date="2020-01-01",
...                 last_date="2021-06-30", year="2026")
>>> bare.title, bare.period, [field for field, _ in bare.guessed]
('某某报', '2020-01-01 to 2021-06-30', ['title', 'subtitle', 'paper', 'period', 'licence', 'authors', 'year'])
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .folder import DEFAULT_PUBLISH_TEXT, DESCRIPTION_KEYS, LIST_KEYS, Corpus

#: What stands in for a subtitle the corpus does not give: says what the book is, claims no kind of paper.
DEFAULT_SUBTITLE = "a computational reading"
#: What stands in for unnamed authors in a citation.
DEFAULT_AUTHORS = ("Anonymous",)
#: What stands in for a licence the corpus does not state.
DEFAULT_LICENCE = "not stated in corpus.toml: the rights in the text remain with their holder"
#: Papers named in a guessed title before "and N more".
MAX_PAPERS = 3


@dataclass(frozen=True)
class Identity:
    """The book's identity (see the module docstring); ``guessed``: ``(field, how)`` pairs for every field
    that ``corpus.toml`` does not give and that was guessed."""

    title: str
    subtitle: str
    name: str
    paper: str
    place: str
    period: str
    source: str
    licence: str
    authors: tuple[str, ...]
    repository: str
    branch: str
    doi: str
    year: str
    intro: str
    footer: str
    publish_text: str
    publish_columns: tuple[str, ...]
    guessed: tuple[tuple[str, str], ...] = field(default=())

    @property
    def full_title(self) -> str:
        """``title: subtitle`` (or the title alone)."""
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title

    @property
    def guessed_fields(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.guessed)


def _papers_text(papers: list[str]) -> str:
    """``A``, ``A / B`` or ``A / B / C and 4 more``: the papers of a table, most frequent first."""
    if len(papers) <= MAX_PAPERS:
        return " / ".join(papers)
    return " / ".join(papers[:MAX_PAPERS]) + f" and {len(papers) - MAX_PAPERS} more"


def identity(description: dict, *, folder_name: str, papers: list[str] | None = None, paper_option: str = "",
             first_date: str = "", last_date: str = "", year: str = "") -> Identity:
    """The identity from a checked ``corpus.toml`` (``description``, as :class:`Corpus` reads it; ``{}``: no
    file) and what the corpus itself says: ``papers`` (the ``paper`` values of its articles, most frequent
    first), ``paper_option`` (a paper named on the command line), the first and last date, the build's
    ``year``.  Pure: reads nothing."""
    d = {key: description.get(key, [] if key in LIST_KEYS else "") for key in DESCRIPTION_KEYS}
    guessed: list[tuple[str, str]] = []
    papers = [p for p in (papers or []) if p]
    paper = d["paper"] or paper_option
    if not paper:
        if papers:
            paper = _papers_text(papers)
            guessed.append(("paper", "from the `paper` column of the corpus's text"
                            + (f" ({len(papers)} papers)" if len(papers) > 1 else "")))
        else:
            paper = folder_name
            guessed.append(("paper", "from the corpus folder's name"))
    title = d["title"]
    if not title:
        title = paper
        guessed.insert(0, ("title", "the paper's name"))
    subtitle = d["subtitle"]
    if not subtitle:
        subtitle = DEFAULT_SUBTITLE
        guessed.insert(1 if guessed and guessed[0][0] == "title" else 0, ("subtitle", "a neutral default"))
    period = d["period"]
    if not period and first_date:
        period = first_date if first_date == last_date else f"{first_date} to {last_date}"
        guessed.append(("period", "from the articles' dates"))
    licence = d["licence"]
    if not licence:
        licence = DEFAULT_LICENCE
        guessed.append(("licence", "none stated"))
    authors = tuple(d["authors"])
    if not authors:
        authors = DEFAULT_AUTHORS
        guessed.append(("authors", "none named"))
    edition = d["year"]
    if not edition and year:
        edition = year
        guessed.append(("year", "the year of the build"))
    return Identity(
        title=title, subtitle=subtitle, name=d["name"] or title, paper=paper, place=d["place"], period=period,
        source=d["source"], licence=licence, authors=authors, repository=d["repository"].rstrip("/"),
        branch=d["branch"] or "main", doi=d["doi"], year=edition, intro=d["intro"], footer=d["footer"],
        publish_text=d["publish_text"] or DEFAULT_PUBLISH_TEXT, publish_columns=tuple(d["publish_columns"]),
        guessed=tuple(guessed))


def corpus_papers(corpus: Corpus) -> list[str]:
    """The ``paper`` values of ``corpus``'s text, most frequent first (ties: first seen): the manifest's
    column for pages, the article table's for a table (read alone where the format allows)."""
    values: list[str] = []
    if corpus.kind == "pages":
        from .pages import read_manifest

        values = [str(row.get("paper", "") or "").strip() for row in read_manifest(corpus.text)]
    elif corpus.text.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        if "paper" in pq.ParquetFile(corpus.text).schema_arrow.names:
            values = [str(v or "").strip() for v in pq.read_table(corpus.text, columns=["paper"]).column(0).to_pylist()]
    else:
        from .read import table_records

        frame = table_records(corpus.text)[0]
        if "paper" in frame.columns:
            values = [str(v).strip() for v in frame["paper"].tolist() if isinstance(v, str)]
    return papers_by_frequency(values)


def corpus_dates(corpus: Corpus) -> tuple[str, str]:
    """The first and last date of ``corpus``'s text as given (YYYY-MM-DD; ``("", "")`` when none reads as
    one): the manifest's ``issue_date``, the article table's ``date`` (its first ten characters)."""
    values: list[str] = []
    if corpus.kind == "pages":
        from .pages import read_manifest

        values = [str(row.get("issue_date", "") or "") for row in read_manifest(corpus.text)]
    elif corpus.text.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        if "date" in pq.ParquetFile(corpus.text).schema_arrow.names:
            values = [str(v)[:10] for v in pq.read_table(corpus.text, columns=["date"]).column(0).to_pylist() if v]
    else:
        from .read import table_records

        frame = table_records(corpus.text)[0]
        if "date" in frame.columns:
            values = [str(v)[:10] for v in frame["date"].tolist() if isinstance(v, str)]
    dates = sorted(v for v in values if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v))
    return (dates[0], dates[-1]) if dates else ("", "")


def papers_by_frequency(values) -> list[str]:
    """Distinct non-empty values, most frequent first, ties in order of appearance.

    >>> papers_by_frequency(["乙报", "甲报", "甲报", ""])
    ['甲报', '乙报']
    """
    counts = Counter(v for v in values if v)
    order = {v: k for k, v in reversed(list(enumerate(v for v in values if v)))}
    return sorted(counts, key=lambda v: (-counts[v], order[v]))


def corpus_identity(corpus: Corpus, *, papers: list[str] | None = None, first_date: str = "",
                    last_date: str = "", year: str = "") -> Identity:
    """:func:`identity` of ``corpus`` (``papers``: its ``paper`` values, read with :func:`corpus_papers`
    when not given)."""
    if papers is None:
        papers = corpus_papers(corpus)
    return identity(corpus.description, folder_name=corpus.root.name, papers=papers, paper_option=corpus.paper,
                    first_date=first_date, last_date=last_date, year=year)


def _toml_string(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def describe_draft(corpus: Corpus, *, first_date: str = "", last_date: str = "") -> str:
    """A ``corpus.toml`` draft for ``corpus``: what its ``corpus.toml`` says (if it has one), every other key
    guessed or left as a commented placeholder, each guess marked ``# guessed: …``."""
    if not first_date:
        first_date, last_date = corpus_dates(corpus)
    ident = corpus_identity(corpus, first_date=first_date, last_date=last_date)
    how = dict(ident.guessed)
    given = {key for key in DESCRIPTION_KEYS if corpus.description.get(key)}
    lines = ["# Description of this corpus and of the book about it (python -m analysis describe wrote this draft).",
             "# Lines marked 'guessed' were guessed from the corpus: check them. Commented keys are unknown:",
             "# fill them in or leave them out. The keys are listed in the README (section 'Your own corpus').", ""]
    values = {"title": ident.title, "subtitle": ident.subtitle, "paper": ident.paper, "place": ident.place,
              "period": ident.period, "source": ident.source, "licence": "", "authors": list(corpus.description.get("authors") or []),
              "repository": ident.repository, "doi": ident.doi, "year": corpus.description.get("year", ""),
              "publish_text": corpus.description.get("publish_text", ""),
              "publish_columns": list(corpus.description.get("publish_columns") or [])}
    if "licence" in given:
        values["licence"] = ident.licence
    for key, meaning in DESCRIPTION_KEYS.items():
        value = values.get(key, corpus.description.get(key, ""))
        if key in given:
            lines.append(f"{key} = {_render(value)}")
        elif key in how and key not in ("licence", "authors", "year"):
            lines.append(f"{key} = {_render(value)}  # guessed: {how[key]}; check it")
        elif key == "publish_text":
            lines.append(f"# {key} = {_render(DEFAULT_PUBLISH_TEXT)}  # {meaning}")
        else:
            lines.append(f"# {key} = {_render([] if key in LIST_KEYS else '')}  # {meaning}")
    return "\n".join(lines) + "\n"


def _render(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_string(v) for v in value) + "]"
    return _toml_string(str(value))


def write_description(corpus: Corpus, out: str | Path, *, force: bool = False, first_date: str = "",
                      last_date: str = "") -> Path:
    """Write :func:`describe_draft` to ``out`` (atomically); an existing file is kept unless ``force``."""
    from analysis.errors import InputError
    from analysis.io import write_text

    out = Path(out)
    if out.exists() and not force:
        raise InputError(out, "already exists; give --force to replace it (or --out another file)")
    return write_text(describe_draft(corpus, first_date=first_date, last_date=last_date), out)
