"""Who the paper names: a dated registry of officials and a one-pass mention extractor.

>>> from analysis.corpus import load_articles
>>> from analysis.perarticle.mentions import leader_mentions
>>> mentions = leader_mentions(load_articles())
>>> int((mentions["name"] == "高峰").sum())      # 区人大常委会主任高峰, twice anchored, once by an earlier mention
3

Inputs are data files, not code (all UTF-8 CSV, a ``source`` column on every row):

``data/leaders.csv``
    the registry, one row per person and post (see :func:`load_registry`);
``data/leader_titles.csv``
    title words that anchor a name (``书记``, ``区长``, ``主任`` …) and whether they
    stand before the name (``区委书记王少峰``), after it (``习近平总书记``) or both;
``data/leader_phrases.csv``
    regular expressions, matched on the text right after a name or title:
    ``ritual`` (传达学习习近平总书记…重要指示精神), ``doctrine`` (习近平新时代中国特色社会主义思想),
    ``title_only_follow`` (what may follow a title used without a name),
    ``name_stop`` (what may end a name: for :func:`discover_officials` and
    for telling 李岚说 from 李岚清) and ``title_qualifier`` (what, right before
    a bare title, names another body: 省, 委, 党, 国 …);
``data/leader_surnames.csv``
    surnames used to filter name candidates in :func:`discover_officials`.

The mentions table (:data:`MENTION_COLUMNS`), one row per mention, sorted by
``issue_date, source, article_id, location rank (headline, subheadline, lead,
body), offset``:

============ =====================================================================
article_id   the article (see :func:`analysis.corpus.read.load_articles`)
issue_date   the issue's date (YYYY-MM-DD)
date         the article's date (dateline, else issue date)
name         the person (registry ``name``; aliases are mapped to it)
title        the title beside the name normalised to the registry's posts
             (``丰台区委书记`` → ``区委书记``; a piece matching none of the
             person's posts stays as written), '' when none
title_raw    the title as written (``丰台区委书记``; for an enumeration
             ``连宇、张婕…`` the list's title)
position     registry posts of the person in force on ``date`` (``；``-joined);
             '' when no registry row covers the date
organisation organisations of those posts
level        national, municipal, district or other ('' when no post in force)
kind         ``coverage`` (the person's own activity), ``ritual`` (citation of
             the person's instructions, 传达学习…精神), ``doctrine`` (the name
             inside a doctrinal formulation), ``title-only`` (a bare title
             resolved to the post's holder on ``date``), ``foreign`` (a foreign
             visitor: a person, not an official of the Chinese state)
location     headline, subheadline, lead (first paragraph of ``text``) or body
offset       character offset of the name (or bare title) in that field
             (``headline``/``subheadline``/``text``)
order        1-based place among the persons named in the same sentence
             (protocol order); 0 for ritual and doctrine mentions
sentence     sentence number within the field (0-based), for co-mentions
context      up to 20 characters either side
source       raw page file (or article table) of the article
line         raw line of the name's first character, in every field (a
             subheadline printed under its headline has its own lines)
in_term      True when ``date`` falls inside a registered term of that person
             (a post in force); post-based counts use only these
============ =====================================================================

Names are whole names: a registered name followed by a character that
continues it into a longer name (``李岚`` in ``李岚清同志``, ``李鹏`` in
``李鹏飞，``) or inside a longer word (``高峰`` in ``高峰会``) is no
mention.  A bare title (``总书记强调``) is resolved to the post's holder
only when the text settles it (see :func:`_settles`): the organisation is
named with it (``中共中央总书记``, ``丰台区委书记``), or the same article
has named that person with that post before.  A title qualified by another
body (``省政协主席``, ``该党总书记``, ``两国外交部长``) or by another
surname (``周总理`` when the premier is 李鹏) is never resolved.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as _Date
from pathlib import Path

import ahocorasick
import pandas as pd

from analysis.corpus.field_lines import field_line
from analysis.corpus.folder import Corpus, fact_file
from analysis.corpus.pages import date_range
from analysis.corpus.read import source_line
from analysis.errors import InputError
from analysis.io import read_csv_records
from analysis.tokens import get_segmenter, read_aliases, text_preparer

REGISTRY_COLUMNS = ["name", "aliases", "title", "organisation", "level", "start", "end", "source"]
#: Optional registry columns and their default.
REGISTRY_OPTIONAL = {"category": "official", "needs_anchor": "no", "note": "", "org_forms": ""}
LEVELS = ("national", "municipal", "district", "other")
CATEGORIES = ("official", "foreign", "other")
PHRASE_KINDS = ("ritual", "doctrine", "title_only_follow", "name_stop", "title_qualifier")
TITLE_PLACES = ("before", "after", "both")

MENTION_COLUMNS = [
    "article_id", "issue_date", "date", "name", "title", "position", "organisation", "level", "kind",
    "location", "offset", "order", "sentence", "context", "source", "line", "title_raw", "in_term",
]
LOCATIONS = ("headline", "subheadline", "lead", "body")
KINDS = ("coverage", "ritual", "doctrine", "title-only", "foreign")

DISCOVERY_COLUMNS = ["name", "title", "titles", "count", "articles", "first_date", "last_date",
                     "in_registry", "example_source", "example_line", "example"]

# A clause ends at these; 、 does not end one, so 区委副书记、区长 stays one title chain.
CLAUSE_BREAK = "，。；：！？“”‘’「」《》（）()\n"
SENTENCE_BREAK = re.compile(r"[。！？\n]")
CJK = "\u4e00-\u9fff"
CONTEXT = 20
MAX_TITLE = 30


class RegistryError(InputError):
    """A registry, title or phrase file that cannot be used (names the file and row)."""


# --------------------------------------------------------------------------- data files

def _read_csv(path: Path, required: list[str], what: str) -> pd.DataFrame:
    """A strict UTF-8 CSV as a frame of stripped strings (see :func:`analysis.io.read_csv_records`).

    Empty files, binary files (Excel), other encodings, unclosed quotes and
    rows with the wrong number of fields are refused naming the file and line.
    """
    if not Path(path).is_file():
        raise RegistryError(path, f"{what} file not found")
    header, records = read_csv_records(path, what=what, error=RegistryError)
    missing = [c for c in required if c not in header]
    if missing:
        raise RegistryError(path, f"missing column(s) {', '.join(missing)} in the header "
                                  f"(expected {', '.join(required)})", 1, kind="row")
    if not records:
        raise RegistryError(path, f"{what} has a header but no rows")
    # One line per row (multi-line fields are refused), so the CSV row number is the line.
    return pd.DataFrame([r.fields for r in records], columns=header, dtype=object).astype(str)


def _date(value: str, path: Path, row: int, column: str, bounds: tuple[str, str]) -> str:
    """``YYYY-MM-DD`` checked to be a real, plausible calendar day ('' stays '': an open end)."""
    if value == "":
        return ""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        # date.isoformat, not strftime: "%Y" drops the leading zeros of years before 1000.
        day = _Date.fromisoformat(value).isoformat()
    except ValueError:
        raise RegistryError(path, f"unparsable {column} date {value!r} (expected YYYY-MM-DD, or empty)",
                            row, kind="row") from None
    first, last = bounds
    if not first <= day <= last:
        raise RegistryError(path, f"{column} date {day} lies outside the plausible range {first} to {last}",
                            row, kind="row")
    return day


def load_registry(path=None) -> pd.DataFrame:
    """Read and validate a leader registry: ``path`` a CSV file, a :class:`~analysis.corpus.folder.Corpus`
    (its registry; an empty one when it has none), or None (the sample's ``data/leaders.csv``).

    Columns (required): ``name, aliases`` (``;``-separated other spellings),
    ``title, organisation, level`` (national, municipal, district, other),
    ``start, end`` (YYYY-MM-DD; empty = open), ``source``.  Optional:
    ``category`` (official, foreign, other; default official), ``needs_anchor``
    (yes/no: the name is also a common word, e.g. 高峰 "peak"), ``note``,
    ``org_forms`` (``;``-separated short names of the organisation that,
    written with a bare title, settle who is meant: ``中共中央;党中央``).
    Returned with an extra ``row`` column: the CSV row number (header = 1).

    Raises :class:`RegistryError` naming the row for a missing column, an
    unknown level, an unparsable date, an end before its start, or the same
    person listed twice for the same post on overlapping dates.

    >>> registry = load_registry()
    >>> registry.loc[registry["name"] == "初军威", "title"].tolist()
    ['区委副书记', '区长']
    """
    if isinstance(path, Corpus) and path.registry_frame is not None:
        return with_optional_columns(path.registry_frame)
    bounds = path.settings.date_range() if isinstance(path, Corpus) else date_range()
    path = fact_file("leaders", path)
    if path is None:
        # The corpus has no registry yet: no registered persons (discovery still works).
        return empty_registry()
    frame = _read_csv(path, REGISTRY_COLUMNS, "leader registry")
    for column, default in REGISTRY_OPTIONAL.items():
        if column not in frame.columns:
            frame[column] = default
        frame[column] = frame[column].replace("", default)
    frame["row"] = range(2, len(frame) + 2)
    for record in frame.to_dict("records"):
        row = record["row"]
        if not record["name"]:
            raise RegistryError(path, "empty name", row, kind="row")
        if record["level"] not in LEVELS:
            raise RegistryError(path, f"level {record['level']!r} is not one of {', '.join(LEVELS)}", row, kind="row")
        if record["category"] not in CATEGORIES:
            raise RegistryError(path, f"category {record['category']!r} is not one of {', '.join(CATEGORIES)}",
                                row, kind="row")
        if record["needs_anchor"] not in ("yes", "no"):
            raise RegistryError(path, f"needs_anchor {record['needs_anchor']!r} must be yes or no", row, kind="row")
        start = _date(record["start"], path, row, "start", bounds)
        end = _date(record["end"], path, row, "end", bounds)
        if start and end and end < start:
            raise RegistryError(path, f"end {end} is before start {start}", row, kind="row")
    frame["start"] = [_date(v, path, r, "start", bounds) for v, r in zip(frame["start"], frame["row"])]
    frame["end"] = [_date(v, path, r, "end", bounds) for v, r in zip(frame["end"], frame["row"])]
    _check_overlaps(frame, path)
    _check_aliases(frame, path)
    columns = REGISTRY_COLUMNS + list(REGISTRY_OPTIONAL) + ["row"]
    return frame[columns + [c for c in frame.columns if c not in columns]].reset_index(drop=True)


def _check_overlaps(frame: pd.DataFrame, path: Path) -> None:
    """The same person twice in the same post on overlapping dates is a data error."""
    for _, group in frame.groupby(["name", "title", "organisation"], sort=False):
        spans = sorted(zip(group["start"], group["end"], group["row"]), key=lambda s: (s[0], s[2]))
        for (s1, e1, r1), (s2, e2, r2) in zip(spans, spans[1:]):
            # Empty start = since ever, empty end = still in post.
            if e1 == "" or (s2 or "0000-00-00") <= e1:
                raise RegistryError(path, f"{group['name'].iloc[0]} is listed twice as {group['title'].iloc[0] or '(no title)'}"
                                          f" on overlapping dates (rows {r1} and {r2})", r2, kind="row")


def _check_aliases(frame: pd.DataFrame, path: Path) -> None:
    owner: dict[str, tuple[str, int]] = {}
    for name, aliases, row in zip(frame["name"], frame["aliases"], frame["row"]):
        for spelling in [name] + [a.strip() for a in aliases.split(";") if a.strip()]:
            if len(spelling) < 2:
                raise RegistryError(path, f"name or alias {spelling!r} is shorter than two characters", row, kind="row")
            other = owner.setdefault(spelling, (name, row))
            if other[0] != name:
                raise RegistryError(path, f"{spelling!r} names both {other[0]} (row {other[1]}) and {name}", row,
                                    kind="row")


def with_optional_columns(registry: pd.DataFrame) -> pd.DataFrame:
    """A registry frame (as :func:`load_registry` gives, or hand-made) with every optional column."""
    frame = registry.copy()
    for column, default in REGISTRY_OPTIONAL.items():
        if column not in frame.columns:
            frame[column] = default
    return frame


def empty_registry() -> pd.DataFrame:
    """A registry with no persons (the columns of :func:`load_registry`)."""
    return pd.DataFrame(columns=REGISTRY_COLUMNS + list(REGISTRY_OPTIONAL) + ["row"], dtype=str)


def load_titles(path: str | Path | None = None) -> pd.DataFrame:
    """Title words (``title, place, source``); ``place`` is before, after or both.

    >>> "书记" in set(load_titles()["title"])
    True
    """
    path = fact_file("titles", path)
    frame = _read_csv(path, ["title", "place", "source"], "title list")
    for i, (title, place) in enumerate(zip(frame["title"], frame["place"]), start=2):
        if not title or place not in TITLE_PLACES:
            raise RegistryError(path, f"need a title and a place in {', '.join(TITLE_PLACES)}", i, kind="row")
    return frame


def load_phrases(path: str | Path | None = None) -> pd.DataFrame:
    """Phrase patterns (``kind, pattern, source``), each checked to compile.

    >>> sorted(set(load_phrases()["kind"]))
    ['doctrine', 'name_stop', 'ritual', 'title_only_follow', 'title_qualifier']
    """
    path = fact_file("phrases", path)
    frame = _read_csv(path, ["kind", "pattern", "source"], "phrase list")
    for i, (kind, pattern) in enumerate(zip(frame["kind"], frame["pattern"]), start=2):
        if kind not in PHRASE_KINDS:
            raise RegistryError(path, f"kind {kind!r} is not one of {', '.join(PHRASE_KINDS)}", i, kind="row")
        try:
            re.compile(pattern)
            # As the matcher joins them: one alternative of a union, where a global flag such as (?i)
            # at the start of a pattern is an error.
            re.compile(f"(?:{pattern})")
        except re.error as err:
            hint = " (write a flag for one pattern as a group, e.g. (?i:…))" if "flags" in str(err) else ""
            raise RegistryError(path, f"pattern does not compile: {err}{hint}", i, kind="row") from None
    return frame


def load_surnames(path: str | Path | None = None) -> frozenset[str]:
    """Surnames used to filter discovery candidates."""
    path = fact_file("surnames", path)
    return frozenset(_read_csv(path, ["surname", "source"], "surname list")["surname"])


# --------------------------------------------------------------------------- the matcher

@dataclass(frozen=True)
class _Person:
    name: str
    category: str
    needs_anchor: bool
    posts: tuple  # (title, organisation, level, start, end)


class Matcher:
    """Everything compiled once for a registry: the automaton and the patterns.

    Build with :func:`matcher`; :func:`leader_mentions` does it for you.
    """

    def __init__(self, registry: pd.DataFrame, titles: pd.DataFrame, phrases: pd.DataFrame,
                 surnames: frozenset[str] | None = None, aliases: pd.DataFrame | None = None,
                 corpus: Corpus | None = None):
        self.registry = registry
        self.corpus = corpus if corpus is not None else Corpus.sample()
        self.surnames = load_surnames(self.corpus) if surnames is None else surnames
        aliases = read_aliases(self.corpus) if aliases is None else aliases
        self.org_forms = _organisation_forms(registry, aliases)
        self.prepare = text_preparer(self.corpus)
        self.persons: dict[str, _Person] = {}
        for name, group in registry.groupby("name", sort=False):
            first = group.iloc[0]
            self.persons[name] = _Person(
                name, first["category"], bool((group["needs_anchor"] == "yes").any()),
                tuple(zip(group["title"], group["organisation"], group["level"], group["start"], group["end"])))
        self.automaton = ahocorasick.Automaton()
        for name, aliases in zip(registry["name"], registry["aliases"]):
            for spelling in [name] + [a.strip() for a in aliases.split(";") if a.strip()]:
                self.automaton.add_word(spelling, ("name", name, len(spelling)))
        # Posts of the registry can stand alone (区委书记主持会议): resolved by date.
        self.holders: dict[str, list[tuple[str, str, str, str, str]]] = {}
        for row in registry.itertuples():
            if row.title and row.title not in self.persons:
                self.holders.setdefault(row.title, []).append(
                    (row.name, row.organisation, row.level, row.start, row.end))
        for title in self.holders:
            if title not in self.automaton:
                self.automaton.add_word(title, ("title", title, len(title)))
        if len(self.automaton) == 0:
            self.automaton.add_word("\0", ("none", "", 1))
        self.automaton.make_automaton()
        before = sorted(titles.loc[titles["place"] != "after", "title"], key=lambda t: (-len(t), t))
        after = sorted(titles.loc[titles["place"] != "before", "title"], key=lambda t: (-len(t), t))
        self.title_end = re.compile("(?:" + "|".join(map(re.escape, before)) + ")$") if before else None
        self.title_after = re.compile("(?:" + "|".join(map(re.escape, after)) + ")") if after else None
        self.title_any = re.compile("(?:" + "|".join(map(re.escape, before)) + ")") if before else None
        every = sorted(set(titles["title"]) | set(self.holders), key=lambda t: (-len(t), t))
        self.title_all = re.compile("(?:" + "|".join(map(re.escape, every)) + ")") if every else None

        def union(kind):
            patterns = phrases.loc[phrases["kind"] == kind, "pattern"].tolist()
            return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

        self.ritual = union("ritual")
        self.doctrine = union("doctrine")
        self.follow = union("title_only_follow")
        self.name_stop = union("name_stop")
        qualifier = union("title_qualifier")
        self.qualifier = re.compile(f"(?:{qualifier.pattern})$") if qualifier is not None else None
        self._segmenter = None

    def continues_name(self, text: str, start: int, end: int) -> bool:
        """True when the name at ``text[start:end]`` is the head of a longer name or word.

        Name-continuation rule: the next character is a Han character that is
        not itself a name's ending (a title, a verb of speech or attendance,
        同志 …) and the character after it is (``李岚清同志``, ``李鹏飞，``).
        Segmentation rule: the segmenter cuts the name and what follows as
        one word (``高峰会``, ``李岚清``).
        """
        if end >= len(text) or not ("\u4e00" <= text[end] <= "\u9fff"):
            return False
        if self._ends_name_at(text, end):
            return False
        if end + 1 >= len(text) or self._ends_name_at(text, end + 1) or text[end + 1] in CLAUSE_BREAK + "、":
            return True
        if self._segmenter is None:
            self._segmenter = get_segmenter(self.corpus)
        first = self._segmenter.cut_raw(text[start:end + 6])[0]
        return len(first) > end - start

    def _ends_name_at(self, text: str, pos: int) -> bool:
        return bool((self.name_stop is not None and self.name_stop.match(text, pos))
                    or (self.title_all is not None and self.title_all.match(text, pos)))

    def posts_on(self, name: str, date: str) -> list[tuple[str, str, str]]:
        """(title, organisation, level) of ``name``'s registry posts in force on ``date``."""
        return [(t, o, lv) for t, o, lv, s, e in self.persons[name].posts if _in_force(s, e, date)]

    def holder(self, title: str, date: str) -> tuple[str, str, str] | None:
        """The one person holding ``title`` on ``date`` (name, organisation, level), or None."""
        found = {(n, o, lv) for n, o, lv, s, e in self.holders.get(title, []) if _in_force(s, e, date)}
        names = {n for n, _, _ in found}
        return sorted(found)[0] if len(names) == 1 else None


def _organisation_forms(registry: pd.DataFrame, aliases: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """``{organisation: its names}``: itself, the registry's ``org_forms`` and its aliases (longest first)."""
    groups: dict[str, set[str]] = {}
    for alias, term in zip(aliases["alias"], aliases["term"]):
        groups.setdefault(term, {term}).add(alias)
        groups.setdefault(alias, {term}).add(alias)
    for alias, term in zip(aliases["alias"], aliases["term"]):
        groups[alias] = groups[term]
    out: dict[str, set[str]] = {}
    for organisation, forms in zip(registry["organisation"], registry.get("org_forms", [""] * len(registry))):
        if not organisation:
            continue
        names = out.setdefault(organisation, {organisation})
        names |= groups.get(organisation, set())
        names |= {f.strip() for f in str(forms).split(";") if f.strip()}
    return {o: tuple(sorted(n, key=lambda f: (-len(f), f))) for o, n in out.items()}


def _in_force(start: str, end: str, date: str) -> bool:
    if not date:
        return False
    return (not start or start <= date) and (not end or date <= end)


#: The fact files a :class:`Matcher` is made from (its cache key in the per-article stage lists them).
MATCHER_FACTS = ("leaders", "titles", "phrases", "surnames", "aliases", "boilerplate", "userdict")


def matcher(registry=None, titles=None, phrases=None, *, corpus: Corpus | None = None) -> Matcher:
    """A :class:`Matcher` for the facts of ``corpus`` (None: the sample's).

    ``registry`` (a CSV path or a DataFrame), ``titles`` and ``phrases`` (CSV
    paths) replace the corpus's; a :class:`Matcher` is returned as it is.
    The corpus's own matcher is made once per corpus object.
    """
    if isinstance(registry, Matcher):
        return registry
    corpus = corpus if corpus is not None else Corpus.sample()

    def make() -> Matcher:
        frame = with_optional_columns(registry) if isinstance(registry, pd.DataFrame) else load_registry(
            registry if registry is not None else corpus)
        return Matcher(frame, load_titles(titles if titles is not None else corpus),
                       load_phrases(phrases if phrases is not None else corpus), load_surnames(corpus),
                       read_aliases(corpus), corpus=corpus)

    if registry is None and titles is None and phrases is None:
        return corpus.memo("mentions.matcher", make, facts=MATCHER_FACTS)
    return make()


# --------------------------------------------------------------------------- extraction

def _clause_start(text: str, pos: int, floor: int) -> int:
    i = pos
    while i > floor and text[i - 1] not in CLAUSE_BREAK:
        i -= 1
    return i


def _fields(article) -> list[tuple[str, str]]:
    return [("headline", str(article.get("headline", "") or "")),
            ("subheadline", str(article.get("subheadline", "") or "")),
            ("text", str(article.get("text", "") or ""))]


def _scan_field(m: Matcher, text: str, date: str, anchored: set[str],
                named: dict[str, list[str]] | None = None, log: list | None = None) -> list[dict]:
    """All mentions in one field of one article, in text order.

    ``anchored`` (names seen with a title) and ``named`` (``{name: titles as
    written}``, what settles a later bare title) carry over between the
    fields of one article and are updated here.
    """
    named = {} if named is None else named
    found: list[dict] = []
    # Datelines and credits are blanked here (same length), so a title never
    # reaches back into 新华社北京１月５日电.
    blanked = m.prepare(text)
    resolved: list[tuple[int, str]] = []      # (offset, name) of settled bare titles in this field
    prev_end = 0          # end of the previous person match: a title never reaches back past it
    prev_title = ""
    for end_index, (what, key, length) in m.automaton.iter_long(text):
        start, end = end_index - length + 1, end_index + 1
        if what == "name":
            if m.continues_name(text, start, end):
                continue                                  # 李岚 in 李岚清, 高峰 in 高峰会
            person = m.persons[key]
            cut = max(_clause_start(text, start, 0), prev_end, blanked.rfind(" ", 0, start) + 1)
            prefix = text[cut:start].lstrip("、")
            title, anchor = "", False
            if prefix and m.title_end is not None and m.title_end.search(prefix):
                title, anchor = prefix[-MAX_TITLE:], True
            elif prev_title and text[prev_end:start] == "、":
                title, anchor = prev_title, True            # enumeration: 连宇、张婕、…
            else:
                after = m.title_after.match(text, end) if m.title_after is not None else None
                if after:
                    title, anchor = after.group(), True
            if person.needs_anchor and not anchor:
                # An earlier anchored mention carries over only where a person can stand:
                # at the start of a clause (…。高峰指出) or before a verb of speech
                # or attendance, so 攀登新高峰 stays a peak even in 高峰's article.
                at_clause_start = _clause_start(text, start, 0) == start
                before_verb = m.name_stop is not None and m.name_stop.match(text, end)
                if key not in anchored or not (at_clause_start or before_verb):
                    continue
            if anchor:
                anchored.add(key)
            if title:
                named.setdefault(key, []).append(title)
            tail = text[end:end + 80]
            kind = _phrase_kind(m, tail) or ("foreign" if person.category == "foreign" else "coverage")
            posts = m.posts_on(key, date)
            found.append(dict(name=key, title=normalise_title(m, key, title, date), title_raw=title, kind=kind,
                              offset=start, end=end, posts=posts, in_term=bool(posts)))
            prev_end, prev_title = end, title
        elif what == "title":
            if start == prev_end and found:
                continue                                  # 习近平总书记: the title of the name before it
            if start > 0 and text[start - 1] == "副":
                continue
            if m.follow is None or not m.follow.match(text, end):
                continue
            holder = m.holder(key, date)
            if holder is None:
                if log is not None:
                    log.append((start, key, "", "", "no single holder on this date"))
                continue
            name, organisation, level = holder
            floor = max(_clause_start(text, start, 0), prev_end, blanked.rfind(" ", 0, start) + 1)
            written = _settles(m, text, floor, start, key, name, organisation, named)
            last_ok = written is not None and _last_use_is_holders(text, start, key, name, resolved)
            if log is not None:
                reason = ("settled" if last_ok else "not settled by the text" if written is None
                          else "the nearest earlier use of the title is someone else's")
                log.append((start, key, name, written or "", reason))
            if not last_ok:
                continue
            resolved.append((start, name))
            tail = text[end:end + 80]
            kind = _phrase_kind(m, tail) or "title-only"
            found.append(dict(name=name, title=key, title_raw=written, kind=kind, offset=start, end=end,
                              posts=[(key, organisation, level)] + [p for p in m.posts_on(name, date) if p[0] != key],
                              in_term=True))
    return found


_HAN_RUN = re.compile(f"[{CJK}]*$")


def _settles(m: Matcher, text: str, floor: int, start: int, key: str, name: str, organisation: str,
             named: dict[str, list[str]]) -> str | None:
    """The title as written when the text settles that bare ``key`` at ``start`` is ``name``; else None.

    Settled: (a) the organisation is named with the title, right before it
    or inside it (``中共中央总书记``, ``丰台区委书记``, ``国家主席`` with
    ``org_forms`` 国家), and nothing before that names another body; or (b)
    the title stands alone (or after another word) and the same article
    has named ``name`` with a title containing ``key`` before.  Not settled:
    a qualifier naming another body before the title (``省政协``, ``该党``,
    ``两国外交``: ``title_qualifier`` phrases) or another surname
    (``周总理``, ``江主席`` when the holder's surname differs).
    """
    qualifier = _HAN_RUN.search(text, floor, start).group()
    full = qualifier + key
    best = None
    for form in m.org_forms.get(organisation, ()):
        at = full.rfind(form)
        # The organisation's name must reach the title (丰台区委 + 书记, 中共中央 + 总书记).
        if at < 0 or at + len(form) < len(qualifier):
            continue
        stop = at + len(form)
        # Widen to the left while it is still the organisation's own name (北京市 + 丰台区委).
        while at > 0 and full[at - 1:stop] in organisation:
            at -= 1
        if best is None or at < best:
            best = at
    if best is not None:
        if _names_body(m, full[:best]):
            return None                                   # 两国 + 国家主席, 菲律宾 + 外交部长: another country's
        return full[best:]
    if _names_body(m, qualifier):
        return None                                       # 省政协主席, 该党总书记: another body's post
    earlier = any(key in t for t in named.get(name, []))
    if qualifier and qualifier[-1] in m.surnames:
        # 江主席 / 周总理: a surname and a title name a person, who must be the holder, named before.
        return qualifier[-1] + key if qualifier[-1] == name[0] and earlier else None
    return key if earlier else None


def _last_use_is_holders(text: str, start: int, key: str, name: str, resolved: list[tuple[int, str]]) -> bool:
    """The nearest earlier use of ``key`` in the field must be the holder's (泰国总理川·立派 … 总理说: not).

    The holder's use is the title written beside the name (``国务院总理李鹏``,
    ``李鹏总理``) or a bare title already settled as the holder's.
    """
    at = text.rfind(key, 0, start)
    if at < 0:
        return True                                       # first use in this field: settled by _settles
    if any(offset == at and who == name for offset, who in resolved):
        return True
    return text.startswith(name, at + len(key)) or text.endswith(name, 0, at)


def _names_body(m: Matcher, qualifier: str) -> bool:
    """True when ``qualifier`` ends by naming a body or place (``title_qualifier`` phrases,
    or a last word the segmenter tags as a place or institution: 菲律宾, 湖南)."""
    if not qualifier:
        return False
    if m.qualifier is not None and m.qualifier.search(qualifier):
        return True
    try:
        import rjieba
    except ImportError:  # without the tagger only the listed qualifiers count
        return False
    tagged = rjieba.tag(qualifier)
    return bool(tagged) and tagged[-1][1] in ("ns", "nt")


def normalise_title(m: Matcher, name: str, title: str, date: str = "") -> str:
    """``title`` as written, each ``、``-separated post mapped to the registry's post of ``name``.

    A written post ends with the registered one (``丰台区委书记`` → ``区委书记``) or
    is its end (``总书记`` → ``中共中央总书记``); posts in force on ``date``
    are preferred.  Pieces matching no registered post stay as written.

    >>> normalise_title(matcher(), "王少峰", "丰台区委书记")
    '区委书记'
    """
    if not title or name not in m.persons:
        return title
    posts = m.persons[name].posts
    ranked = sorted({p[0] for p in posts if p[0]},
                    key=lambda t: (not any(p[0] == t and _in_force(p[3], p[4], date) for p in posts), -len(t), t))
    out = []
    for piece in title.split("、"):
        match = next((t for t in ranked if piece.endswith(t) or (len(piece) >= 2 and t.endswith(piece))), piece)
        if match not in out:
            out.append(match)
    return "、".join(out)


def _phrase_kind(m: Matcher, tail: str) -> str:
    if m.ritual is not None and m.ritual.match(tail):
        return "ritual"
    if m.doctrine is not None and m.doctrine.match(tail):
        return "doctrine"
    return ""


def _sentence_numbers(text: str, offsets: list[int]) -> list[int]:
    breaks = [b.start() for b in SENTENCE_BREAK.finditer(text)]
    import bisect
    return [bisect.bisect_left(breaks, o) for o in offsets]


def _check_articles(articles: pd.DataFrame) -> None:
    missing = [c for c in ("article_id", "text") if c not in articles.columns]
    if missing:
        raise ValueError(f"articles table lacks column(s) {', '.join(missing)} (see analysis.corpus.read.load_articles)")


def leader_mentions(articles: pd.DataFrame, registry=None, *, titles=None, phrases=None,
                    corpus: Corpus | None = None) -> pd.DataFrame:
    """Every mention of a registered person in ``articles`` (columns: :data:`MENTION_COLUMNS`).

    The facts (registry, titles, phrases, surnames, aliases) are those of
    ``corpus`` (None: the sample's); ``registry`` (a CSV path or a DataFrame
    from :func:`load_registry`), ``titles`` and ``phrases`` replace the
    corpus's.  One pass of an Aho–Corasick automaton per field finds all
    names and posts at once.

    >>> from analysis.corpus import load_articles
    >>> m = leader_mentions(load_articles())
    >>> m.loc[m["name"] == "习近平", "kind"].unique().tolist()
    ['ritual']
    """
    _check_articles(articles)
    m = matcher(registry, titles, phrases, corpus=corpus)
    pages = m.corpus.pages_dir
    rows = []
    for article, date, field, text, found, _ in _scanned_fields(articles, m):
        if found:
            sentences = _sentence_numbers(text, [f["offset"] for f in found])
            counters: dict[int, int] = {}
            for f, sentence in zip(found, sentences):
                if f["kind"] in ("ritual", "doctrine"):
                    order = 0
                else:
                    counters[sentence] = order = counters.get(sentence, 0) + 1
                location = _location(field, text, f["offset"])
                line = field_line(article, field, f["offset"], pages)
                posts = f["posts"]
                rows.append({
                    "article_id": article["article_id"],
                    "issue_date": str(article.get("issue_date", "") or ""),
                    "date": date,
                    "name": f["name"],
                    "title": f["title"],
                    "position": "；".join(p[0] for p in posts),
                    "organisation": "；".join(dict.fromkeys(p[1] for p in posts)),
                    "level": posts[0][2] if posts else "",
                    "kind": f["kind"],
                    "location": location,
                    "offset": f["offset"],
                    "order": order,
                    "sentence": sentence,
                    "context": text[max(0, f["offset"] - CONTEXT):f["end"] + CONTEXT],
                    "source": str(article.get("source", "") or ""),
                    "line": line,
                    "title_raw": f["title_raw"],
                    "in_term": f["in_term"],
                })
    return mentions_frame(rows)


def mentions_frame(rows: list[dict]) -> pd.DataFrame:
    """Mention records (dicts with :data:`MENTION_COLUMNS`) as the mentions table: typed, in its sort order
    (issue date, source, article, location, offset)."""
    frame = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    for column in ("offset", "order", "sentence", "line"):
        frame[column] = frame[column].astype("int64")
    frame["in_term"] = frame["in_term"].astype(bool)
    rank = frame["location"].map({loc: i for i, loc in enumerate(LOCATIONS)})
    frame = frame.assign(_rank=rank).sort_values(
        ["issue_date", "source", "article_id", "_rank", "offset"], kind="stable").drop(columns="_rank")
    return frame.reset_index(drop=True)


TITLE_AUDIT_COLUMNS = ["article_id", "date", "source", "line", "location", "title", "title_raw", "holder",
                       "resolved", "reason", "context"]


def title_only_audit(articles: pd.DataFrame, registry=None, *, titles=None, phrases=None,
                     corpus: Corpus | None = None) -> pd.DataFrame:
    """Every bare registry title the extractor considered, resolved or not, and why.

    The sheet a hand check starts from (``data/validation_title_only.csv``
    records the judgments).  Columns: :data:`TITLE_AUDIT_COLUMNS`; ``holder``
    is the post's only holder on the date ('' when none or several),
    ``resolved`` whether a ``title-only`` mention was made, ``reason``
    ``settled``, ``not settled by the text``, ``the nearest earlier use of
    the title is someone else's`` or ``no single holder on this date``.

    >>> a = pd.DataFrame({"article_id": ["x"], "date": ["2025-02-12"], "text": ["省政协主席出席。"]})
    >>> title_only_audit(a)["reason"].tolist()
    []
    """
    _check_articles(articles)
    m = matcher(registry, titles, phrases, corpus=corpus)
    rows = []
    for article, date, field, text, _, log in _scanned_fields(articles, m, audit=True):
        for start, key, holder, written, reason in log:
            location = _location(field, text, start)
            rows.append({
                "article_id": article["article_id"], "date": date, "source": str(article.get("source", "") or ""),
                "line": field_line(article, field, start, m.corpus.pages_dir), "location": location, "title": key,
                "title_raw": written, "holder": holder, "resolved": reason == "settled", "reason": reason,
                "context": text[max(0, start - CONTEXT):start + len(key) + CONTEXT],
            })
    return pd.DataFrame(rows, columns=TITLE_AUDIT_COLUMNS)


def _scanned_fields(articles: pd.DataFrame, m: Matcher, audit: bool = False):
    """Scan every non-empty field of every article, in order, with per-article state (anchors, names).

    Yields ``(article, date, field, text, found, log)``; ``log`` lists the bare
    titles considered (only with ``audit``).
    """
    for article in articles.to_dict("records"):
        date = str(article.get("date", "") or article.get("issue_date", "") or "")
        anchored: set[str] = set()
        named: dict[str, list[str]] = {}
        for field, text in _fields(article):
            if not text:
                continue
            log: list | None = [] if audit else None
            found = _scan_field(m, text, date, anchored, named, log)
            yield article, date, field, text, found, log or []


def _location(field: str, text: str, offset: int) -> str:
    """headline/subheadline as the field, else lead (the first paragraph) or body."""
    if field != "text":
        return field
    lead_end = text.find("\n") if "\n" in text else len(text)
    return "lead" if offset < lead_end else "body"


# --------------------------------------------------------------------------- discovery

def discover_officials(articles: pd.DataFrame, registry=None, *, include_registered: bool = False,
                       titles=None, phrases=None, surnames=None, corpus: Corpus | None = None) -> pd.DataFrame:
    """Title + name patterns (enumerations included) naming officials, for extending the registry.

    Finds ``<title word><name>`` and the lists after it
    (区人大常委会副主任连宇、张婕、李春滨…).  A candidate name is two or three
    characters (or a foreign name with ``·``), starting with a known surname
    or followed by punctuation; a name-ending word (出席, 主持 …) trims a
    three-character candidate to two (高峰出席 → 高峰).

    Columns: ``name``, ``title`` (most frequent title as written), ``titles``
    (all, ``；``-joined), ``count`` (mentions found this way), ``articles``,
    ``first_date``, ``last_date``, ``in_registry``, ``example_source``,
    ``example_line``, ``example``.  Sorted by count (descending), then name.
    Only names missing from the registry unless ``include_registered``.

    >>> from analysis.corpus import load_articles
    >>> found = discover_officials(load_articles(), registry=pd.DataFrame(columns=REGISTRY_COLUMNS))
    >>> "连宇" in set(found["name"])
    True
    """
    _check_articles(articles)
    m = matcher(registry, titles, phrases, corpus=corpus)
    known = set(m.persons)
    for aliases in m.registry["aliases"]:
        known.update(a.strip() for a in aliases.split(";") if a.strip())
    surnames = m.surnames if surnames is None else surnames if isinstance(surnames, frozenset) else load_surnames(surnames)
    if m.title_any is None:
        return pd.DataFrame(columns=DISCOVERY_COLUMNS)
    # Title words only: a match must not swallow the next title (常委会主任高峰).
    pattern = re.compile(f"({m.title_any.pattern})")
    hits = []
    for article in articles.to_dict("records"):
        date = str(article.get("date", "") or article.get("issue_date", "") or "")
        for field, text in _fields(article):
            last_end = 0
            for match in pattern.finditer(text):
                end_title = match.end(1)
                if match.start(1) < last_end:
                    continue
                cut = max(_clause_start(text, match.start(1), 0), last_end)
                title = text[cut:end_title].lstrip("、")[-MAX_TITLE:]
                pos = end_title
                while True:
                    name, pos = _candidate(text, pos, m, surnames)
                    if not name:
                        break
                    line = (source_line(article, pos - len(name)) if field == "text" and "line_map" in article
                            else int(article.get("headline_line", 0) or 0))
                    hits.append((name, title, article["article_id"], date, str(article.get("source", "")), line,
                                 text[max(0, pos - len(name) - CONTEXT):pos + CONTEXT]))
                    last_end = pos
                    if pos < len(text) and text[pos] == "、":
                        pos += 1
                        continue
                    break
    if not hits:
        return pd.DataFrame(columns=DISCOVERY_COLUMNS)
    frame = pd.DataFrame(hits, columns=["name", "title", "article_id", "date", "source", "line", "context"])
    # One hit per (article, offset) even when two title words overlap (书记 inside 副书记).
    frame = frame.drop_duplicates(["article_id", "source", "line", "context"])
    out = []
    for name, group in frame.groupby("name", sort=True):
        counts = group["title"].value_counts()
        best = sorted(counts.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))[0][0]
        first = group.sort_values(["date", "source", "line"], kind="stable").iloc[0]
        out.append({
            "name": name, "title": best, "titles": "；".join(sorted(counts.index)), "count": len(group),
            "articles": group["article_id"].nunique(), "first_date": group["date"].min(),
            "last_date": group["date"].max(), "in_registry": name in known,
            "example_source": first["source"], "example_line": int(first["line"]), "example": first["context"],
        })
    result = pd.DataFrame(out, columns=DISCOVERY_COLUMNS)
    if not include_registered:
        result = result[~result["in_registry"]]
    result = result.sort_values(["count", "name"], ascending=[False, True], kind="stable")
    return result.reset_index(drop=True)


def _candidate(text: str, pos: int, m: Matcher, surnames: frozenset[str]) -> tuple[str, int]:
    """A name starting at ``pos`` (and where it ends), or ('', pos).

    The longest candidate followed by a clear end wins: punctuation or a
    name-ending word (高峰出席 → 高峰, 安娜·帕拉希奥率团 → 安娜·帕拉希奥).
    """
    foreign = re.compile(f"([{CJK}]{{2,4}}·)([{CJK}]{{2,6}})").match(text, pos)
    if foreign:
        head = foreign.group(1)
        for size in range(len(foreign.group(2)), 1, -1):
            end = pos + len(head) + size
            if _ends_name(text, end, m):
                return text[pos:end], end
        return "", pos
    run = re.compile(f"[{CJK}]{{2,3}}").match(text, pos)
    if not run:
        return "", pos
    for size in range(len(run.group()), 1, -1):
        name, end = text[pos:pos + size], pos + size
        if m.title_any is not None and m.title_any.match(name):
            return "", pos                                # a second title, not a name
        if name[0] in surnames and _ends_name(text, end, m):
            return name, end
        if end < len(text) and text[end] in "，；。":
            return name, end                              # 麒麟，: no known surname, but a clear end
    return "", pos


def _ends_name(text: str, end: int, m: Matcher) -> bool:
    return end >= len(text) or text[end] in CLAUSE_BREAK + "、" or bool(
        m.name_stop is not None and m.name_stop.match(text, end))
