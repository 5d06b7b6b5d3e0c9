"""Who the paper names: a dated registry of officials and a one-pass mention extractor.

>>> from analysis.corpus import load_articles
>>> from analysis.perarticle.mentions import leader_mentions
>>> mentions = leader_mentions(load_articles())
>>> int((mentions["name"] == "高峰").sum())      # 区人大常委会主任高峰, twice anchored, once by an earlier mention
3

Inputs are data files, not code (all UTF-8 CSV, a ``source`` column on every row):

``data/leaders.csv``
    the registry, one row per person and post (see :func:`load_registry`);
``data/defaults/leader_titles.csv``
    title words that anchor a name (``书记``, ``区长``, ``主任`` …) and whether they
    stand before the name (``区委书记王少峰``), after it (``习近平总书记``) or both;
    with their ``unit`` (post, honorific, organisation, suffix, modifier,
    connector, past, predicate), the words a title chain is made of
    (:meth:`Matcher.title_before`);
``data/defaults/leader_phrases.csv``
    regular expressions: ``ritual`` (传达学习习近平总书记…重要指示精神, 以X同志为核心的党中央)
    and ``doctrine`` (习近平新时代中国特色社会主义思想, 邓小平理论) with a name slot
    ``{name}`` (see :func:`load_phrases`), ``title_only_follow`` (what may
    follow a title used without a name), ``name_stop`` (what may end a
    name: for :func:`discover_officials` and for telling 李岚说 from 李岚清)
    and ``title_qualifier`` (what, right before a bare title, names another
    body: 省, 委, 党, 国 …);
``data/defaults/leader_surnames.csv``
    surnames used to filter name candidates in :func:`discover_officials`;
``data/defaults/leader_nonnames.csv``
    words that are never a name there (role nouns, verbs, function words).

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
             person's posts stays as written), '' when none or when it is a
             former post (时任…); a title is a chain of post and organisation
             words next to the name (:meth:`Matcher.title_before`), never
             other context
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
order        1-based place among the persons named in the same sentence;
             0 for ritual and doctrine mentions (protocol order is read from
             ``enumeration`` and ``list_order`` only)
sentence     sentence number within the field (0-based), for co-mentions
context      up to 20 characters either side
source       raw page file (or article table) of the article
line         raw line of the name's first character, in every field (a
             subheadline printed under its headline has its own lines)
in_term      True when ``date`` falls inside a registered term of that person
             (a post in force); post-based counts use only these
enumeration  number of the enumeration the mention stands in, within its
             field (``习近平、李强、赵乐际``, or a titled roll call; see
             :func:`enumerations`); 0 when none
list_order   1-based place in that enumeration; 0 when none
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

import pandas as pd

from analysis.automaton import PhraseAutomaton
from analysis.corpus.field_lines import field_line
from analysis.corpus.folder import Corpus, fact_file
from analysis.corpus.pages import date_range
from analysis.corpus.read import source_line
from analysis.errors import InputError
from analysis.io import read_csv_records, row_records
from analysis.tokens import get_segmenter, read_aliases, text_preparer

REGISTRY_COLUMNS = ["name", "aliases", "title", "organisation", "level", "start", "end", "source"]
#: Optional registry columns and their default.
REGISTRY_OPTIONAL = {"category": "official", "needs_anchor": "no", "note": "", "org_forms": ""}
LEVELS = ("national", "municipal", "district", "other")
CATEGORIES = ("official", "foreign", "other")
PHRASE_KINDS = ("ritual", "doctrine", "title_only_follow", "name_stop", "title_qualifier")
#: Phrase kinds whose patterns have a name slot (see :func:`load_phrases`).
SLOT_KINDS = ("ritual", "doctrine")
TITLE_PLACES = ("before", "after", "both")
#: What a word of ``leader_titles.csv`` is (column ``unit``; ``post`` when the column is missing).
TITLE_UNITS = ("post", "honorific", "organisation", "suffix", "modifier", "connector", "past", "predicate")

MENTION_COLUMNS = [
    "article_id", "issue_date", "page", "date", "name", "title", "position", "organisation", "level", "kind",
    "location", "offset", "order", "sentence", "context", "source", "line", "title_raw", "in_term",
    "enumeration", "list_order",
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
    """Title words (``title, place, unit, source``); ``place`` is before, after or both.

    ``unit`` (optional; ``post`` when the column is missing) says what the word
    is in a title chain (see :meth:`Matcher.title_before`): ``post`` (书记,
    总理: ends a title and anchors a name), ``honorific`` (同志: anchors a
    name but is no title), ``organisation`` (中共中央, 国务院, 国家),
    ``suffix`` (the last character of a body's or place's name: 委, 局, 园),
    ``modifier`` (副, 代理, 驻华), ``connector`` (、, 兼: between two
    posts of one person), ``past`` (时任, 原: the post is a former one) and
    ``predicate`` (当选: the post that follows is its complement, not a title).

    >>> titles = load_titles()
    >>> "书记" in set(titles["title"]), titles.set_index("title").loc["国务院", "unit"]
    (True, 'organisation')
    """
    path = fact_file("titles", path)
    frame = _read_csv(path, ["title", "place", "source"], "title list")
    if "unit" not in frame.columns:
        frame["unit"] = "post"
    frame["unit"] = frame["unit"].replace("", "post")
    for i, (title, place, unit) in enumerate(zip(frame["title"], frame["place"], frame["unit"]), start=2):
        if not title or place not in TITLE_PLACES:
            raise RegistryError(path, f"need a title and a place in {', '.join(TITLE_PLACES)}", i, kind="row")
        if unit not in TITLE_UNITS:
            raise RegistryError(path, f"unit {unit!r} is not one of {', '.join(TITLE_UNITS)}", i, kind="row")
    return frame


def load_phrases(path: str | Path | None = None) -> pd.DataFrame:
    """Phrase patterns (``kind, pattern, source``), each checked to compile.

    **The name slot.**  A ``ritual`` or ``doctrine`` pattern is a Python
    regular expression with one name slot, ``{name}``: the part before the
    slot must match the text right before the name (in the same sentence, up
    to :data:`SLOT_BEFORE` characters), the part after it the text right
    after the name (up to :data:`SLOT_AFTER` characters).  The slot holds a
    registered name or a bare post resolved to its holder.  ``{title}``
    stands for the titles that may follow a name (``总书记``, ``主席``,
    ``同志`` …: the ``post`` and ``honorific`` words of ``leader_titles.csv``
    placed ``after`` or ``both``), any number of them, none included.  So
    ``以{name}同志为核心的党中央`` is the core formula for any leader of any era,
    ``在{name}{title}(?:的)?领导下`` reads 在江泽民同志的领导下 and
    在习近平主席领导下, and ``《{name}`` a name opening a book title.  A
    pattern without ``{name}`` is read as ``{name}`` followed by it (a
    leading ``^`` dropped): the form of earlier phrase files.  The other
    kinds have no slot: they are matched where the code says.

    >>> sorted(set(load_phrases()["kind"]))
    ['doctrine', 'name_stop', 'ritual', 'title_only_follow', 'title_qualifier']
    """
    path = fact_file("phrases", path)
    frame = _read_csv(path, ["kind", "pattern", "source"], "phrase list")
    for i, (kind, pattern) in enumerate(zip(frame["kind"], frame["pattern"]), start=2):
        if kind not in PHRASE_KINDS:
            raise RegistryError(path, f"kind {kind!r} is not one of {', '.join(PHRASE_KINDS)}", i, kind="row")
        slots = pattern.count("{name}")
        if kind in SLOT_KINDS and slots > 1:
            raise RegistryError(path, f"a {kind} pattern has one name slot {{name}}, not {slots}", i, kind="row")
        if kind not in SLOT_KINDS and (slots or "{title}" in pattern):
            raise RegistryError(path, f"a {kind} pattern has no {{name}} or {{title}} slot", i, kind="row")
        try:
            # Each part on its own (a slot pattern's text before and after the name, so "a)(b" cannot
            # pair its parentheses with the slot's), then as the matcher joins them: one alternative of a
            # union, where a global flag such as (?i) at the start of a pattern is an error.
            parts = _slot_parts(pattern, "(?:)") if kind in SLOT_KINDS else (pattern,)
            for part in parts:
                re.compile(part)
                re.compile(f"(?:{part})")
            re.compile(f"(?:{_slot_regex(pattern, '(?:)') if kind in SLOT_KINDS else pattern})")
        except re.error as err:
            hint = " (write a flag for one pattern as a group, e.g. (?i:…))" if "flags" in str(err) else ""
            raise RegistryError(path, f"pattern does not compile: {err}{hint}", i, kind="row") from None
    return frame


#: Characters before and after a name that a slot pattern sees.
SLOT_BEFORE, SLOT_AFTER = 40, 80
#: Stands for the name in the text a slot pattern is matched on (a private-use character).
SLOT = "\ue000"


def _slot_parts(pattern: str, title: str) -> tuple[str, str]:
    """A ritual/doctrine pattern's regex text before and after its name slot, ``{title}`` filled in."""
    if "{name}" not in pattern:
        pattern = "{name}" + (pattern[1:] if pattern.startswith("^") else pattern)
    before, after = pattern.split("{name}", 1)
    return before.replace("{title}", title), after.replace("{title}", title)


def _slot_regex(pattern: str, title: str) -> str:
    """One ritual/doctrine pattern as a regex over ``before + SLOT + after`` (see :func:`load_phrases`)."""
    before, after = _slot_parts(pattern, title)
    return f"(?:{before}){SLOT}(?:{after})"


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
        # spelling -> (what, key): of two persons with one spelling, the later row's; a post only
        # where no person is written so.
        spellings: dict[str, tuple[str, str]] = {}
        for name, aliases in zip(registry["name"], registry["aliases"]):
            for spelling in [name] + [a.strip() for a in aliases.split(";") if a.strip()]:
                spellings[spelling] = ("name", name)
        # Posts of the registry can stand alone (区委书记主持会议): resolved by date.
        self.holders: dict[str, list[tuple[str, str, str, str, str]]] = {}
        for row in registry.itertuples():
            if row.title and row.title not in self.persons:
                self.holders.setdefault(row.title, []).append(
                    (row.name, row.organisation, row.level, row.start, row.end))
        for title in self.holders:
            spellings.setdefault(title, ("title", title))
        self.automaton = PhraseAutomaton(spellings, longest=True)
        self.spellings = spellings
        self.spelling_of = list(spellings.values())
        units = titles["unit"] if "unit" in titles.columns else pd.Series("post", index=titles.index)
        # Posts and honorifics stand next to a name on their own; the other units only inside a title chain.
        words = titles[units.isin(["post", "honorific"])]
        before = sorted(words.loc[words["place"] != "after", "title"], key=lambda t: (-len(t), t))
        after = sorted(words.loc[words["place"] != "before", "title"], key=lambda t: (-len(t), t))
        self.title_end = re.compile("(?:" + "|".join(map(re.escape, before)) + ")$") if before else None
        self.title_after = re.compile("(?:" + "|".join(map(re.escape, after)) + ")") if after else None
        self.title_any = re.compile("(?:" + "|".join(map(re.escape, before)) + ")") if before else None
        every = sorted(set(words["title"]) | set(self.holders), key=lambda t: (-len(t), t))
        self.title_all = re.compile("(?:" + "|".join(map(re.escape, every)) + ")") if every else None
        self.honorifics = frozenset(titles.loc[units == "honorific", "title"])
        # The words a title chain is made of (title_before): the title list's, the registry's posts,
        # and the registry's organisations in all their forms.
        self.lexicon: dict[str, str] = {}
        for word, unit in zip(titles["title"], units):
            self.lexicon.setdefault(word, unit)
        for title in registry["title"]:
            if title:
                self.lexicon.setdefault(title, "post")
        for forms in self.org_forms.values():
            for form in forms:
                self.lexicon.setdefault(form, "organisation")
        self.lexicon_max = max((len(w) for w in self.lexicon), default=1)
        self.suffixes = frozenset(w for w, u in self.lexicon.items() if u == "suffix")
        past = sorted((w for w, u in self.lexicon.items() if u == "past" and len(w) > 1), key=lambda t: (-len(t), t))
        # A past marker earlier in the clause (时任河北正定县委书记): the post is a former one.
        self.past_before = re.compile("(?:" + "|".join(map(re.escape, past)) + ")[^，。；：！？\n]{0,12}$") if past else None
        # A predicate earlier in the clause (再次当选中共中央总书记, 连任国家主席): a bare post after it is its
        # complement, not a mention of the holder.
        predicates = sorted((w for w, u in self.lexicon.items() if u == "predicate"), key=lambda t: (-len(t), t))
        self.predicate_before = (re.compile("(?:" + "|".join(map(re.escape, predicates)) + ")[^，。；：！？\n]{0,16}$")
                                 if predicates else None)
        slot_title = "(?:" + "|".join(map(re.escape, after)) + ")*" if after else ""

        def union(kind):
            patterns = phrases.loc[phrases["kind"] == kind, "pattern"].tolist()
            return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

        def slots(kind):
            patterns = phrases.loc[phrases["kind"] == kind, "pattern"].tolist()
            return re.compile("|".join(_slot_regex(p, slot_title) for p in patterns)) if patterns else None

        self.ritual = slots("ritual")
        self.doctrine = slots("doctrine")
        self.follow = union("title_only_follow")
        self.name_stop = union("name_stop")
        qualifier = union("title_qualifier")
        self.qualifier = re.compile(f"(?:{qualifier.pattern})$") if qualifier is not None else None
        self._segmenter = None

    def continues_name(self, text: str, start: int, end: int) -> bool:
        """True when the name at ``text[start:end]`` is the head of a longer name or word.

        Name-continuation rule: the next character is a Han character that is
        not itself a name's ending (a title, a verb of speech or attendance,
        同志 …) and the character after it is (``李岚清同志``, ``李鹏飞，``);
        only a name that can take one more character: two characters, or
        three after a compound surname (a three-character name is whole:
        ``习近平给“…”回信``, ``习近平工作过的地方``, ``习近平从主席台``).
        Segmentation rule: the segmenter cuts the name and what follows as
        one word (``高峰会``, ``李岚清``).
        """
        if end >= len(text) or not ("\u4e00" <= text[end] <= "\u9fff"):
            return False
        if self._ends_name_at(text, end):
            return False
        name = text[start:end]
        grows = end - start == 2 or (end - start == 3 and name[:2] in self.surnames)
        if grows and (end + 1 >= len(text) or self._ends_name_at(text, end + 1)
                      or text[end + 1] in CLAUSE_BREAK + "、"):
            return True
        if self._segmenter is None:
            self._segmenter = get_segmenter(self.corpus)
        first = self._segmenter.cut_raw(text[start:end + 6])[0]
        return len(first) > end - start

    def _ends_name_at(self, text: str, pos: int) -> bool:
        return bool((self.name_stop is not None and self.name_stop.match(text, pos))
                    or (self.title_all is not None and self.title_all.match(text, pos)))

    def units(self, word: str) -> list[tuple[str, str]] | None:
        """``word`` cut into title-list words, as ``[(piece, unit), …]``, or None when it cannot be.

        Longest pieces first from the right (县委书记 → 县委 + 书记, 委副 → 委 + 副).

        >>> matcher().units("县委书记")
        [('县委', 'organisation'), ('书记', 'post')]
        """
        units = self.__dict__.setdefault("_units", {})  # per word, made once (a few hundred distinct words)
        if word in units:
            return units[word]
        memo: dict[int, list | None] = {0: []}

        def cut(end: int):
            if end in memo:
                return memo[end]
            memo[end] = None
            for start in range(max(0, end - self.lexicon_max), end):
                piece = word[start:end]
                if piece in self.lexicon:
                    rest = cut(start)
                    if rest is not None:
                        memo[end] = rest + [(piece, self.lexicon[piece])]
                        break
            return memo[end]

        found = units[word] = cut(len(word))
        return found

    def title_before(self, text: str, floor: int, start: int) -> tuple[str, int, bool]:
        """The title written right before the name at ``start``: ``(title, where it starts, past)``.

        A title is a chain of words read backwards from the name, never before
        ``floor``; the word next to the name must end with a post.  A chain
        word is a word of the title list (``leader_titles.csv``: posts,
        organisations, suffixes, modifiers; ``、`` and ``兼`` join two posts),
        a place or organisation name (tagged ``ns``, ``nt``, ``nz``, ``j`` by
        the segmenter) or a noun ending with an organisation suffix (八局,
        检察院).  After a generic end of a body's name (委员会, 委, 工委) the
        body's own name may hold other content words (中央审计委员会,
        中国环境与发展国际合作委员会), verbs of an act excepted.  Anything else
        ends the chain: ``１９９７年元旦由国家主席`` gives ``国家主席``,
        ``访华时他受到了中国国家主席`` ``中国国家主席``.  No title when the chain
        is the complement of a verb such as 当选 (…当选连任孟加拉国总理李强向…:
        a headline without punctuation).  ``past`` when the chain holds a past
        marker (原, 前) or one stands earlier in the clause (时任…县委书记).
        ``('', start, False)`` when there is no title.

        >>> matcher().title_before("会上，中共中央政治局常委、国务院总理", 0, 18)
        ('中共中央政治局常委、国务院总理', 3, False)
        """
        low = max(floor, start - SLOT_BEFORE)
        if low >= start:
            return "", start, False
        pos, chain_start, past = start, start, False
        pending = ""              # a connector (、 兼) or, inside a body's name, a conjunction (和 与) waiting
        open_name, content = False, 0
        stop = ""
        for word, tag in reversed(_tag(text[low:start])):
            begin = pos - len(word)
            unit = self.lexicon.get(word)
            if unit == "connector" or word == "、":
                if chain_start == start or pending:
                    stop = word
                    break                                 # 、 next to the name, or two in a row
                pending, pos = word, begin
                continue
            if word in ("和", "与") and open_name and not pending:
                pending, pos = word, begin                # 国家发展和改革委员会
                continue
            pieces = self.units(word)
            inside = False
            if unit == "predicate":
                ok = False
            elif chain_start == start:
                ok = pieces is not None and pieces[-1][1] == "post"
            elif pending in ("和", "与"):
                ok = inside = self._name_content(word, tag)
            else:
                ok = (pieces is not None or tag in CHAIN_TAGS
                      or (len(word) > 1 and tag.startswith("n") and word[-1] in self.suffixes))
                if not ok and open_name and content < 6:
                    ok = inside = self._name_content(word, tag)
            if not ok:
                stop = word
                break
            past = past or any(u == "past" for _, u in pieces or ())
            if pieces is not None and all(u == "suffix" for _, u in pieces):
                open_name, content = True, 0              # 委员会: its name comes before it
            elif inside or (open_name and tag not in ("ns", "nt") and unit != "organisation"):
                content += 1                              # 深化改革 in 中央全面深化改革委员会
            else:
                open_name = False
            chain_start, pos, pending = begin, begin, ""
        if chain_start == start:
            return "", start, False
        if self.lexicon.get(stop) == "predicate":
            return "", start, False                       # 当选国家主席: the post of someone named before
        if self.past_before is not None and self.past_before.search(text, floor, chain_start):
            past = True
        return text[chain_start:start], chain_start, past

    def _name_content(self, word: str, tag: str) -> bool:
        """A word that may stand inside a body's name (中央审计委员会): content, not an act or a function word."""
        if tag not in NAME_CONTENT_TAGS or self.lexicon.get(word) in ("post", "predicate", "past"):
            return False
        return not (self.name_stop is not None and self.name_stop.fullmatch(word))

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


#: Segmenter tags of words that may stand in a title chain: place, organisation, other proper names, abbreviations.
CHAIN_TAGS = frozenset({"ns", "nt", "nz", "j"})
#: Tags of words that may stand inside a body's own name before 委员会 (nouns, verbal nouns, adjectives).
NAME_CONTENT_TAGS = frozenset({"n", "vn", "an", "a", "ad", "b", "l", "v", "d", "nz", "j", "ns", "nt", "ng"})


def _tag(text: str) -> list[tuple[str, str]]:
    """Words and part-of-speech tags of ``text`` (rjieba, else jieba), covering it exactly."""
    try:
        import rjieba
    except ImportError:  # pragma: no cover - rjieba is pinned; jieba is its reference
        import jieba.posseg

        return [(w.word, w.flag) for w in jieba.posseg.cut(text)]
    return rjieba.tag(text)


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
    # Datelines and credits are blanked (same length), so a title never reaches back into
    # 新华社北京１月５日电; made at the first match that needs it: most fields have none, and preparing a
    # long text costs more than scanning it.
    blanked = None
    resolved: list[tuple[int, str]] = []      # (offset, name) of settled bare titles in this field
    prev_end = 0          # end of the previous person match: a title never reaches back past it
    prev_title = ""
    for start, end, index in m.automaton.find(text):
        what, key = m.spelling_of[index]
        if what == "name":
            start, end, key = _before_honorific(m, text, start, end, key)
            if m.continues_name(text, start, end) and not _phrase_kind(m, text, start, end):
                continue                                  # 李岚 in 李岚清, 高峰 in 高峰会; not 邓小平 in 邓小平理论
            person = m.persons[key]
            blanked = m.prepare(text) if blanked is None else blanked
            cut = max(_clause_start(text, start, 0), prev_end, blanked.rfind(" ", 0, start) + 1)
            written, title_start, past = m.title_before(text, cut, start)
            title, anchor, after_end = "", False, end
            if written:
                title, anchor = written, True
            elif prev_title and text[prev_end:start] == "、":
                title, anchor = prev_title, True            # enumeration: 连宇、张婕、…
            else:
                after = m.title_after.match(text, end) if m.title_after is not None else None
                if after:
                    anchor, after_end = True, after.end()
                    if after.group() not in m.honorifics:     # 习近平同志: anchored, but 同志 is no post
                        title = after.group()
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
            kind = _phrase_kind(m, text, start, end) or ("foreign" if person.category == "foreign" else "coverage")
            posts = m.posts_on(key, date)
            # A former post (时任…, 原…) is kept as written but is not the person's title.
            found.append(dict(name=key, title="" if past else normalise_title(m, key, title, date), title_raw=title,
                              kind=kind, offset=start, end=end, posts=posts, in_term=bool(posts),
                              span_start=title_start if written else start, span_end=after_end, named=True))
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
            clause = _clause_start(text, start, 0)
            if m.predicate_before is not None and m.predicate_before.search(text, clause, start):
                if log is not None:                       # 再次当选中共中央总书记, 作为国家主席
                    log.append((start, key, name, "", "the post is the complement of a verb (当选, 连任 …)"))
                continue
            if found and found[-1]["name"] == name and _only_posts(m, text[found[-1]["span_end"]:start]):
                if log is not None:                       # 习近平总书记、国家主席: his second post
                    log.append((start, key, name, "", "another post of the person just named"))
                continue
            blanked = m.prepare(text) if blanked is None else blanked
            floor = max(clause, prev_end, blanked.rfind(" ", 0, start) + 1)
            written = _settles(m, text, floor, start, key, name, organisation, named)
            last_ok = written is not None and _last_use_is_holders(text, start, key, name, resolved)
            if log is not None:
                reason = ("settled" if last_ok else "not settled by the text" if written is None
                          else "the nearest earlier use of the title is someone else's")
                log.append((start, key, name, written or "", reason))
            if not last_ok:
                continue
            resolved.append((start, name))
            kind = _phrase_kind(m, text, start, end) or "title-only"
            found.append(dict(name=name, title=key, title_raw=written, kind=kind, offset=start, end=end,
                              posts=[(key, organisation, level)] + [p for p in m.posts_on(name, date) if p[0] != key],
                              in_term=True, span_start=start, span_end=end, named=False))
    return found


_HAN_RUN = re.compile(f"[{CJK}]*$")


def _before_honorific(m: Matcher, text: str, start: int, end: int, key: str) -> tuple[int, int, str]:
    """A registered name whose last characters begin an honorific is the shorter registered name
    before it: ``陈希同志`` is 陈希 + 同志, not 陈希同 + 志 (the automaton takes the longest match)."""
    for honorific in m.honorifics:
        for k in range(1, len(honorific)):
            if end - k - start >= 2 and text.startswith(honorific, end - k):
                value = m.spellings.get(text[start:end - k])
                if value is not None and value[0] == "name":
                    return start, end - k, value[1]
    return start, end, key


def _only_posts(m: Matcher, gap: str) -> bool:
    """``gap`` (between a mention and a bare title) is a connector, posts and connectors only
    (``、``, ``、国家主席、``, ``和``): the bare title is another post of that mention's person."""
    if not gap or gap[0] not in "、和及":
        return False
    rest = m.title_all.sub("", gap) if m.title_all is not None else gap
    return set(rest) <= set("、和及")


def _settles(m: Matcher, text: str, floor: int, start: int, key: str, name: str, organisation: str,
             named: dict[str, list[str]]) -> str | None:
    """The title as written when the text settles that bare ``key`` at ``start`` is ``name``; else None.

    Settled: (a) the organisation is named with the title, right before it
    or inside it (``中共中央总书记``, ``丰台区委书记``, ``国家主席`` with
    ``org_forms`` 国家), and nothing before that names another body; or (b)
    the title stands alone (or after another word) and the same article
    has named ``name`` with a title containing ``key`` before.  Not settled:
    a qualifier naming another body before the title (``省政协``, ``该党``,
    ``两国外交``: ``title_qualifier`` phrases), another person's name written
    right before it (a foreign leader's ``金正恩总书记``, ``梁强国家主席``:
    :func:`_names_person`) or another surname (``周总理``, ``江主席`` when
    the holder's surname differs).
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
        if _names_body(m, full[:best]) or _names_person(full[:best]):
            return None                                   # 两国 + 国家主席, 菲律宾 + 外交部长: another country's
        return full[best:]
    if _names_body(m, qualifier):
        return None                                       # 省政协主席, 该党总书记: another body's post
    if _names_person(qualifier):
        return None                                       # 金正恩总书记: another person's post
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


def _names_person(qualifier: str) -> bool:
    """True when ``qualifier`` ends with a person's name of two or more characters (the segmenter's
    ``nr`` tags): the bare title after it is that person's (金正恩总书记, 通伦总书记), not the holder's.
    The holder's own name never reaches here (习近平总书记 is a named mention)."""
    if len(qualifier) < 2:
        return False
    tagged = _tag(qualifier)
    return bool(tagged) and tagged[-1][1].startswith("nr") and len(tagged[-1][0]) >= 2


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
    """``title`` as written, each post of the chain mapped to the registry's post of ``name``.

    The chain is cut at ``、`` and ``兼``.  A written post ends with the
    registered one (``丰台区委书记`` → ``区委书记``; the longest such post),
    is its end (``总书记`` → ``中共中央总书记``, ``主席`` → ``国家主席``: the
    shortest such post), or is a form of the post's organisation followed by
    the post's last word (``中华人民共和国主席`` → ``国家主席`` when the
    registry's organisation of 国家主席 is 中华人民共和国).  Posts in force on
    ``date`` are preferred; a bare end maps only to a post in force on ``date``
    (when there is a date).  Pieces matching no registered post stay as written.

    >>> normalise_title(matcher(), "王少峰", "丰台区委书记")
    '区委书记'
    """
    if not title or name not in m.persons:
        return title
    memo = m.__dict__.setdefault("_normalised", {})  # the same name, title and date recur within an issue
    key = (name, title, date)
    if key not in memo:
        memo[key] = _normalise_title(m, name, title, date)
    return memo[key]


def _normalise_title(m: Matcher, name: str, title: str, date: str) -> str:
    posts = m.persons[name].posts
    force = {p[0]: any(q[0] == p[0] and _in_force(q[3], q[4], date) for q in posts) for p in posts if p[0]}
    out = []
    for piece in re.split("[、兼]", title):
        if not piece:
            continue
        longer = [t for t in force if piece.endswith(t)]
        # A bare end (主席) names a post only when one so ending is in force: 主席 of a commission before the
        # person became 国家副主席 is not that post.  Undated mentions keep the earlier reading.
        shorter = [t for t in force if len(piece) >= 2 and t.endswith(piece) and (force[t] or not date)]
        forms = [t for t, o in {(p[0], p[1]) for p in posts if p[0]}
                 if any(f in piece and _org_then_post(piece, f, t) for f in m.org_forms.get(o, ()))]
        if longer:
            match = sorted(longer, key=lambda t: (not force[t], -len(t), t))[0]
        elif shorter:
            match = sorted(shorter, key=lambda t: (not force[t], len(t), t))[0]
        elif forms:
            match = sorted(forms, key=lambda t: (not force[t], len(t), t))[0]
        else:
            match = piece
        if match not in out:
            out.append(match)
    return "、".join(out)


def _org_then_post(piece: str, form: str, post: str) -> bool:
    """``piece`` is ``form`` (the post's organisation) then a word ending ``post`` (中华人民共和国 + 主席)."""
    rest = piece[piece.rindex(form) + len(form):]
    return len(rest) >= 2 and post.endswith(rest)


def _phrase_kind(m: Matcher, text: str, start: int, end: int) -> str:
    """``doctrine`` or ``ritual`` when a slot pattern (:func:`load_phrases`) matches around ``text[start:end]``."""
    if m.ritual is None and m.doctrine is None:
        return ""
    floor = max(start - SLOT_BEFORE, 0)
    sentence = max((text.rfind(c, floor, start) for c in "。！？\n"), default=-1)
    around = text[max(floor, sentence + 1):start] + SLOT + text[end:end + SLOT_AFTER]
    # Doctrine first: 学习贯彻习近平新时代中国特色社会主义思想 names the doctrine, whatever the verb.
    if m.doctrine is not None and m.doctrine.search(around):
        return "doctrine"
    if m.ritual is not None and m.ritual.search(around):
        return "ritual"
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
            lists = enumerations(text, found)
            for f, sentence, (enumeration, list_order) in zip(found, sentences, lists):
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
                    "page": str(article.get("page", "") or ""),
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
                    "enumeration": enumeration,
                    "list_order": list_order,
                })
    return mentions_frame(rows)


#: What may stand between two names of one enumeration (:func:`enumerations`), title of the next aside.
LIST_SEPARATOR = "、"
#: … and between two titled names of a roll call (区委书记王少峰，区长初军威).
ROLL_SEPARATORS = ("，", "；")


def enumerations(text: str, found: list[dict]) -> list[tuple[int, int]]:
    """``(enumeration, list_order)`` for each mention of one field (in text order).

    An enumeration is a run of two or more named persons in one sentence,
    each separated from the next by ``、`` alone (习近平、李强、赵乐际;
    the next may carry its own title: 区政府副区长赵春丽、武凯), or, when both
    carry a title, by ``，`` or ``；`` alone (a titled roll call: 区委书记王少峰，
    区委副书记、区长初军威).  ``enumeration`` numbers the enumerations of
    the field from 1 and ``list_order`` is the place in it, from 1; ``(0, 0)``
    for a mention in none (bare titles, ritual and doctrine included).
    Protocol order is read only here (:mod:`analysis.leaders.protocol`).
    """
    out = [(0, 0)] * len(found)
    number, previous = 0, None
    for i, f in enumerate(found):
        listable = f.get("named", True) and f["kind"] in ("coverage", "foreign")
        joined = False
        if listable and previous is not None:
            p = found[previous]
            gap = text[p["span_end"]:f["span_start"]].replace(" ", "").replace("\u3000", "")
            joined = gap == LIST_SEPARATOR or (gap in ROLL_SEPARATORS and bool(p["title_raw"])
                                               and f["span_start"] < f["offset"])
        if joined:
            if out[previous] == (0, 0):
                number += 1
                out[previous] = (number, 1)
            out[i] = (number, out[previous][1] + 1)
        previous = i if listable else None
    return out


def mentions_frame(rows: list[dict] | dict[str, list]) -> pd.DataFrame:
    """Mention records (dicts with :data:`MENTION_COLUMNS`, or their columns: ``{column: values}``) as the
    mentions table: typed, in its sort order (issue date, source, article, location, offset)."""
    frame = pd.DataFrame(rows, columns=MENTION_COLUMNS)
    for column in ("enumeration", "list_order"):
        frame[column] = frame[column].fillna(0)      # records of an earlier version lack them
    frame["page"] = frame["page"].fillna("").astype(str)
    for column in ("offset", "order", "sentence", "line", "enumeration", "list_order"):
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
    for article in row_records(articles):
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

def load_nonnames(path=None) -> frozenset[str]:
    """Words that are never a person's name (``word, category, source``): ``path`` a file, a
    :class:`~analysis.corpus.folder.Corpus` (its ``leader_nonnames.csv``), or None (the sample's).

    Role nouns (干部, 班子, 同志), verbs of speech and attendance (指出, 强调,
    嘱托) and function words that follow a title in running text: a
    discovery candidate equal to one, or holding one, is no name.

    >>> {"指出", "干部"} <= load_nonnames()
    True
    """
    path = fact_file("nonnames", path)
    frame = _read_csv(path, ["word", "category", "source"], "non-name list")
    for i, (word, source) in enumerate(zip(frame["word"], frame["source"]), start=2):
        if not word or not source:
            raise RegistryError(path, "need a word and its source", i, kind="row")
    return frozenset(frame["word"])


#: Segmenter tags of a word that is never (part of) a name: verbs, adverbs, function words, numbers, time.
NOT_NAME_TAGS = frozenset({"v", "vd", "vn", "vi", "d", "p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "m",
                           "mq", "q", "f", "t", "tg", "a", "ad", "an", "l", "i", "y", "e", "o", "zg"})


def discover_officials(articles: pd.DataFrame, registry=None, *, include_registered: bool = False,
                       titles=None, phrases=None, surnames=None, nonnames=None,
                       corpus: Corpus | None = None) -> pd.DataFrame:
    """Names written next to a title, in either order, for extending the registry.

    Finds ``<title><name>`` and the lists after it (区人大常委会副主任连宇、
    张婕、李春滨…), and ``<name><title>`` for the titles written after a
    name (习近平总书记, 李强总理: ``leader_titles.csv`` place ``after`` or
    ``both``).  A candidate is name-shaped (:func:`name_shaped`): two or
    three characters after a known surname (three or four after a compound
    one), whole words of the sentence's segmentation, no role noun, verb or
    function word (``leader_nonnames.csv``, the segmenter's tags) and no
    title word inside; a candidate without a known surname (麒麟, 苏和)
    counts only after a title and before punctuation.  The title is the
    chain of :meth:`Matcher.title_before` (organisation and post words only).

    Columns: ``name``, ``title`` (most frequent title as written), ``titles``
    (all, ``；``-joined), ``count`` (mentions found this way), ``articles``,
    ``first_date``, ``last_date``, ``in_registry``, ``example_source``,
    ``example_line``, ``example``.  Sorted by count (descending), then name.
    Only names missing from the registry unless ``include_registered``.
    ``nonnames``: a path, a set of words, or None for the corpus's ``leader_nonnames.csv``; the other
    facts are ``corpus``'s (None: the sample's), ``registry``, ``titles``, ``phrases``, ``surnames`` replacing them.

    >>> from analysis.corpus import load_articles
    >>> found = discover_officials(load_articles(), registry=pd.DataFrame(columns=REGISTRY_COLUMNS))
    >>> "连宇" in set(found["name"])
    True
    """
    _check_articles(articles)
    m = matcher(registry, titles, phrases, corpus=corpus)
    hits = discovery_hits(articles, m, surnames=surnames, nonnames=nonnames)
    return discovery_table(hits, registered_names(m.registry), include_registered=include_registered)


#: Columns of :func:`discovery_hits`: one row per name found beside a title.
HIT_COLUMNS = ["name", "title", "article_id", "date", "source", "line", "offset", "context"]


def registered_names(registry: pd.DataFrame) -> set[str]:
    """Every name and alias of a registry."""
    known = set(registry["name"])
    for aliases in registry["aliases"]:
        known.update(a.strip() for a in str(aliases).split(";") if a.strip())
    return known


def discovery_hits(articles, m: "Matcher", *, surnames=None, nonnames=None) -> pd.DataFrame:
    """The names written next to a title in ``articles`` (a DataFrame or a list of rows), one row per
    name and place (:data:`HIT_COLUMNS`), in article order: what :func:`discover_officials` counts, and
    what the per-article stage caches for every article (kind ``discoveries``)."""
    surnames = m.surnames if surnames is None else surnames if isinstance(surnames, frozenset) else load_surnames(surnames)
    nonnames = nonnames if isinstance(nonnames, (set, frozenset)) else load_nonnames(
        nonnames if nonnames is not None else m.corpus)
    if m.title_any is None:
        return pd.DataFrame(columns=HIT_COLUMNS)
    shape = _NameShape(m, surnames, frozenset(nonnames))
    # Title words only: a match must not swallow the next title (常委会主任高峰).
    pattern = re.compile(f"({m.title_any.pattern})")
    after_titles = m.title_after
    hits = []
    records = articles if isinstance(articles, list) else row_records(articles)
    for article in records:
        date = str(article.get("date", "") or article.get("issue_date", "") or "")
        for field, text in _fields(article):
            if not text:
                continue

            def hit(name, title, at):
                line = (source_line(article, at) if field == "text" and "line_map" in article
                        else int(article.get("headline_line", 0) or 0))
                hits.append((name, title, article["article_id"], date, str(article.get("source", "")), line, at,
                             text[max(0, at - CONTEXT):at + len(name) + CONTEXT]))

            # <title><name>, and the names listed after it.
            last_end = 0
            for match in pattern.finditer(text):
                end_title = match.end(1)
                if match.start(1) < last_end:
                    continue
                title, _, _ = m.title_before(text, max(_clause_start(text, match.start(1), 0), last_end), end_title)
                if not title:
                    continue
                pos = end_title
                full = (m.units(title) or [("", "")])[0][1] != "post" or "、" in title
                while True:
                    name, pos = _candidate(text, pos, shape, full)
                    if not name:
                        break
                    hit(name, title, pos - len(name))
                    last_end = pos
                    if pos < len(text) and text[pos] == "、":
                        pos += 1
                        continue
                    break
            # <name><title>: 习近平总书记, 李强总理.
            if after_titles is not None:
                for match in after_titles.finditer(text):
                    if match.group() in m.honorifics:
                        continue
                    name = _candidate_before(text, match.start(), shape)
                    if name:
                        hit(name, match.group(), match.start() - len(name))
    frame = pd.DataFrame(hits, columns=HIT_COLUMNS)
    # One hit per name and place, whichever way it was found (书记 inside 副书记, both title orders).
    frame = frame.drop_duplicates(["article_id", "source", "offset", "name"])
    return frame.astype({"line": "int64", "offset": "int64"}).reset_index(drop=True)


def discovery_table(hits: pd.DataFrame, known: set[str], *, include_registered: bool = False) -> pd.DataFrame:
    """The table of :func:`discover_officials` from its hits (:func:`discovery_hits`) and the registered
    names ``known`` (:func:`registered_names`)."""
    if hits.empty:
        return pd.DataFrame(columns=DISCOVERY_COLUMNS)
    # One grouped pass per column (a loop over 1,500 names with a sort each took seconds).
    by_title = hits.groupby(["name", "title"], sort=False).size().rename("n").reset_index()
    # Each name's title: the most frequent, then the longest, then the first in code-point order.
    by_title["longer"] = -by_title["title"].str.len()
    best = (by_title.sort_values(["name", "n", "longer", "title"], ascending=[True, False, True, True],
                                 kind="stable").drop_duplicates("name").set_index("name")["title"])
    titles = by_title.sort_values(["name", "title"], kind="stable").groupby("name", sort=True)["title"].agg("；".join)
    grouped = hits.groupby("name", sort=True)
    # The example: each name's first hit by date, source, line (ties in the hits' order).
    first = (hits.sort_values(["name", "date", "source", "line"], kind="stable").drop_duplicates("name")
             .set_index("name"))
    names = titles.index
    result = pd.DataFrame({
        "name": names, "title": best.reindex(names).to_numpy(), "titles": titles.to_numpy(),
        "count": grouped.size().reindex(names).to_numpy(), "articles": grouped["article_id"].nunique().reindex(names).to_numpy(),
        "first_date": grouped["date"].min().reindex(names).to_numpy(),
        "last_date": grouped["date"].max().reindex(names).to_numpy(),
        "in_registry": [name in known for name in names],
        "example_source": first["source"].reindex(names).to_numpy(),
        "example_line": first["line"].reindex(names).astype(int).to_numpy(),
        "example": first["context"].reindex(names).to_numpy(),
    }, columns=DISCOVERY_COLUMNS)
    if not include_registered:
        result = result[~result["in_registry"]]
    result = result.sort_values(["count", "name"], ascending=[False, True], kind="stable")
    return result.reset_index(drop=True)


class _NameShape:
    """What a person's name looks like (see :func:`name_shaped`), with the facts it needs."""

    def __init__(self, m: Matcher, surnames: frozenset[str], nonnames: frozenset[str]):
        self.m, self.surnames, self.nonnames = m, surnames, nonnames
        self.compound = frozenset(s for s in surnames if len(s) > 1)
        self.words = re.compile("|".join(map(re.escape, sorted(
            (w for w in set(nonnames) | {t for t, u in m.lexicon.items() if u in ("post", "organisation")}
             if len(w) > 1), key=lambda w: (-len(w), w)))))

    def surname(self, name: str) -> str:
        """The surname ``name`` starts with ('' when none is known), compound surnames first."""
        if name[:2] in self.compound and len(name) >= 3:
            return name[:2]
        return name[0] if name[0] in self.surnames else ""

    def plausible(self, name: str, text: str, start: int) -> bool:
        """Length, no non-name or title word inside, no verb or function word, whole words of the text."""
        if "·" in name:
            return True
        size = len(self.surname(name)) or 1
        if not 1 <= len(name) - size <= 2:
            return False
        if name in self.nonnames or self.words.search(name) or name[-1] in self.nonnames:
            return False                                  # 干部, 会主任, 贺信并
        tags = _tag(name)
        if any(len(w) > 1 and t in NOT_NAME_TAGS for w, t in tags):
            return False
        if len(tags) == 1 and tags[0][1] in NOT_NAME_TAGS:
            return False
        if len(tags) == 1 and tags[0][1] in ("ns", "nt"):
            return False                                  # a place or a body: 蒙古国, 劳动党
        if (len(name) == 3 and len(tags) == 2 and len(tags[0][0]) == 2 and not tags[0][1].startswith("nr")
                and not self.surname(name)[1:]):
            return False                                  # a word and a character: 贺信并 (习近平主席贺信并致辞)
        # The name is whole words of its sentence: it starts and ends where the segmenter cuts
        # (巴基斯坦总理: 斯坦 is no name).
        return self.whole(text, start, start + len(name))

    def whole(self, text: str, start: int, end: int) -> bool:
        """``text[start:end]`` starts and ends where the segmenter cuts the text around it."""
        low, high = max(0, start - 6), min(len(text), end + 4)
        cuts, pos = set(), low
        for w, _ in _tag(text[low:high]):
            cuts.add(pos)
            pos += len(w)
        cuts.add(pos)
        return start in cuts and end in cuts

    def after_chain(self, text: str, start: int) -> bool:
        """The word right before ``start`` belongs to a title chain (国家杜马主席: 杜马 is part of a body's name)."""
        low = max(0, start - 8)
        words = _tag(text[low:start])
        if not words:
            return False
        word, tag = words[-1]
        return (tag in CHAIN_TAGS or self.m.units(word) is not None
                or (len(word) > 1 and tag.startswith("n") and word[-1] in self.m.suffixes))


def name_shaped(name: str, m: Matcher | None = None, *, surnames=None, nonnames=None) -> bool:
    """Whether ``name`` looks like a person's name on its own (the checks of :func:`discover_officials`).

    >>> [name_shaped(w) for w in ("习近平", "连宇", "指出", "干部", "会主任", "欧阳晓晖")]
    [True, True, False, False, False, True]
    """
    m = m if isinstance(m, Matcher) else matcher(m)
    surnames = load_surnames(surnames) if not isinstance(surnames, frozenset) else surnames
    nonnames = nonnames if isinstance(nonnames, (set, frozenset)) else load_nonnames(nonnames)
    shape = _NameShape(m, surnames, frozenset(nonnames))
    return bool(shape.surname(name)) and shape.plausible(name, name, 0)


def _candidate(text: str, pos: int, shape: _NameShape, full_title: bool = True) -> tuple[str, int]:
    """A name starting at ``pos`` (right after a title), and where it ends; or ('', pos).

    The longest name-shaped candidate followed by a clear end wins:
    punctuation or a name-ending word (高峰出席 → 高峰, 安娜·帕拉希奥率团 →
    安娜·帕拉希奥); a third character that itself ends a name is not part of
    it (王毅等， → 王毅).  Without a known surname only a candidate after a
    ``full_title`` (an organisation and a post, not a bare post: 委员长会议。)
    and followed by punctuation counts (扎赉特旗委书记麒麟，).
    """
    m = shape.m
    foreign = re.compile(f"([{CJK}]{{2,4}}·)([{CJK}]{{2,6}})").match(text, pos)
    if foreign:
        head = foreign.group(1)
        for size in range(len(foreign.group(2)), 1, -1):
            end = pos + len(head) + size
            if _ends_name(text, end, m):
                return text[pos:end], end
        return "", pos
    run = re.compile(f"[{CJK}]{{2,4}}").match(text, pos)
    if not run:
        return "", pos
    for size in range(len(run.group()), 1, -1):
        name, end = text[pos:pos + size], pos + size
        if m.title_any is not None and m.title_any.match(name):
            return "", pos                                # a second title, not a name
        if size == 3 and m.name_stop is not None and m.name_stop.fullmatch(name[2]) and not shape.surname(name)[1:]:
            continue                                      # 王毅等: 等 ends the name
        if shape.surname(name) and _ends_name(text, end, m) and shape.plausible(name, text, pos):
            return name, end
        if (full_title and not shape.surname(name) and size <= 3 and end < len(text) and text[end] in "，；。"
                and not (m.name_stop is not None and m.name_stop.match(name))
                and shape.plausible(name, text, pos)):
            return name, end                              # 扎赉特旗委书记麒麟，: no known surname, but a clear end
    return "", pos


def _candidate_before(text: str, end: int, shape: _NameShape) -> str:
    """A name ending at ``end`` (right before a title written after it: 习近平总书记), or ''.

    Two to four characters after a known surname, starting at a clause
    start or a word boundary of the segmentation; the text before must not
    be a title chain (国家主席: 国家 is no name).
    """
    m = shape.m
    for size in (3, 2, 4):
        start = end - size
        if start < 0:
            continue
        name = text[start:end]
        if not re.fullmatch(f"[{CJK}]+", name) or not shape.surname(name):
            continue
        if m.units(name) is not None or shape.after_chain(text, start):
            continue                                      # 常务副主席, 朝鲜劳动党总书记, 国家杜马主席
        tags = _tag(name)
        if len(tags) == 1 and tags[0][1] in ("ns", "nt", "nrt"):
            continue                                      # 伊拉克总理: a country before its premier
        if shape.plausible(name, text, start):
            return name
    return ""


def _ends_name(text: str, end: int, m: Matcher) -> bool:
    return end >= len(text) or text[end] in CLAUSE_BREAK + "、" or bool(
        m.name_stop is not None and m.name_stop.match(text, end))
