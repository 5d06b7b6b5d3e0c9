"""What chapter 2 (words and formulations, 提法) says, computed from the built tables.

The tables come from the build (:class:`analysis.tables.Tables`) and from
:mod:`analysis.aggregate.frequency` (term frequencies per period, keyness of
the latest period); the functions here read what the chapter needs of a
build and return Markdown (:class:`analysis.book.chapters.say`) or pick
what to show.  The whole ``tokens`` table is never loaded: on a large
corpus it is tens of millions of strings.  What the chapter needs of it is
read from the per-article dataset instead: the articles' sizes
(:func:`article_sizes`), their term counts (:func:`term_counts`), or the
tokens of the few articles quoted (:func:`concordance_lines`,
:func:`example_sentence`).

* :func:`load_tables` -- the chapter's tables, articles without their texts;
* :func:`summary` -- the chapter's opening paragraph;
* :func:`concordance_term` -- the term the concordance shows, chosen from the
  data (the registry's most frequent name, else the top term), and
  :func:`concordance_lines` -- its lines, read from the articles that use it;
* ``*_text`` functions -- one paragraph each, written from the numbers.

>>> period_phrase("2025-02-10", "W")
'the week of 2025-02-10'
"""
from __future__ import annotations

import itertools
import re

import pandas as pd

from analysis.aggregate.frequency import compact_term_counts, kwic
from analysis.book.chapters import BIN_NAMES, Context, number, say
from analysis.book.escape import md
from analysis.book.helpers import source_link
from analysis.corpus.read import source_line
from analysis.figures.terms import SIGNIFICANT_G2
from analysis.tables import Tables
from analysis.tokens import text_preparer, token_offsets
from analysis.aggregate.formulations import MIN_QUOTED, MIN_QUOTED_ARTICLES

#: The built tables this chapter reads.
TABLES = ("build_info", "articles", "registry", "term_frequency", "term_frequency_by_issue",
          "term_frequency_by_month", "collocations", "trigrams", "formulations", "formulation_occurrences")

#: G² at which p < 0.001 (chi-square, 1 d.f.): the threshold the chapter reports.
G2_P001 = SIGNIFICANT_G2

#: The columns of ``articles`` the chapter keeps in memory (:func:`load_tables`): the texts of
#: the few articles it quotes are read when needed (:func:`full_articles`).
ARTICLE_COLUMNS = ["article_id", "issue_date"]


# --------------------------------------------------------------------------- reading the build

def load_tables(tables: Tables, article_columns: list[str] | None = ARTICLE_COLUMNS) -> dict[str, pd.DataFrame]:
    """The chapter's tables (:data:`TABLES`) of the build ``tables``, by name.

    ``articles`` holds only ``article_columns`` (None: every column): on a
    large corpus the texts alone are most of the kernel's memory, and the
    chapter quotes a few hundred articles at most.
    """
    return {name: tables.load(name, columns=article_columns if name == "articles" else None) for name in TABLES}


def full_articles(tables: Tables, articles: pd.DataFrame, ids) -> pd.DataFrame:
    """The rows of ``articles`` whose id is in ``ids``, in ``articles``' order, with every column.

    When ``articles`` lacks the text (:data:`ARTICLE_COLUMNS`), the rows are
    read from the build's ``articles`` table, only those.
    """
    wanted = articles["article_id"].astype(str)
    wanted = wanted[wanted.isin({str(a) for a in ids})]
    if "text" in articles.columns:
        return articles.loc[wanted.index]
    rows = tables.load("articles", filters=[("article_id", "in", sorted(set(wanted)))])
    return rows.set_index(rows["article_id"].astype(str)).loc[wanted.to_numpy()].reset_index(drop=True)


def tokens_of(tables: Tables, article_ids) -> pd.DataFrame:
    """The build's tokens (``article_id, tokens``) of these articles only, read by filter."""
    return tables.load("tokens", filters=[("article_id", "in", sorted({str(a) for a in article_ids}))])


def article_sizes(tables: Tables, articles: pd.DataFrame) -> pd.DataFrame:
    """``article_id, article_order, issue_date, n_tokens`` of each row of ``articles`` (in its order), from
    the per-article dataset: word tokens (stopwords included, as in the term tables) and the dataset's
    integer key of the article.  An article missing from the dataset is an error (a stale build)."""
    stored = tables.dataset("articles", columns=["article_order", "article_id", "n_tokens"])
    stored = stored.set_index(stored["article_id"].astype(str))
    if not stored.index.is_unique:
        raise ValueError(f"per-article dataset of {tables.folder}: article_id "
                         f"{stored.index[stored.index.duplicated()][0]!r} appears twice")
    ids = articles["article_id"].astype(str)
    missing = ids[~ids.isin(stored.index)]
    if len(missing):
        raise ValueError(f"per-article dataset of {tables.folder} has no article {missing.iloc[0]!r} "
                         f"({len(missing)} missing): rebuild with python -m analysis build --force")
    return pd.DataFrame({"article_id": ids.to_numpy(), "article_order": stored["article_order"][ids].to_numpy(),
                         "issue_date": articles["issue_date"].astype(str).to_numpy(),
                         "n_tokens": stored["n_tokens"][ids].to_numpy().astype("int64")})


def term_counts(tables: Tables) -> pd.DataFrame:
    """The per-article dataset's ``term_counts`` of the build ``tables``, compact
    (:func:`analysis.aggregate.frequency.compact_term_counts`): what keyness is computed from."""
    batches = tables.dataset_batches("term_counts", ["article_order", "term", "count"], categorical=("term",))
    return compact_term_counts(batches, tables.dataset_rows("term_counts"))


# --------------------------------------------------------------------------- periods

def period_phrase(label: str, code: str) -> str:
    """``the week of 2025-02-10``, ``2022Q4``, ``the month 2024-12`` … for prose (labels of
    :func:`analysis.corpus.periods.period_labels`)."""
    return {"D": f"the day {label}", "W": f"the week of {label}", "M": f"the month {label}",
            "Q": f"the quarter {label}", "Y": f"the year {label}"}[code]


def trend_terms(period_tf: pd.DataFrame, tf: pd.DataFrame, n: int = 8) -> list[str]:
    """Terms for the period chart: the ``n`` most frequent terms of the corpus that occur in any period."""
    # The distinct terms through Arrow (iterating 2 million Arrow-backed strings one by one took 1.2 s on
    # the development corpus), and the frequency table read only as far as the n-th term found.
    present = set(pd.unique(period_tf["term"]).tolist()) if len(period_tf) else set()
    return list(itertools.islice((t for t in tf["term"] if t in present), n))


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 article``, ``2 articles``, ``1 time`` … with thousands separators.

    >>> plural(1, "time"), plural(1200, "article")
    ('1 time', '1,200 articles')
    """
    return f"{number(n)} {word if n == 1 else (many or word + 's')}"


def _p(p: float) -> str:
    return "p < 0.0001" if p < 0.0001 else f"p = {p:.4f}"


def _rate(r: float) -> str:
    return f"{r:.1f}"


def _term_md(term: str) -> str:
    return f"**{md(term)}**"


def keyness_text(key: pd.DataFrame | None, split: dict | None, ctx: Context, top: int = 10) -> say:
    """What the keyness table shows, in words that follow its numbers (G², p, articles behind)."""
    unit = BIN_NAMES[ctx.bin]
    if split is None:
        return say(f"All dated articles fall in one {unit}, so there is no earlier period to set the latest one "
                   "against: keyness is not computed for this corpus.")
    target = period_phrase(split["target"], ctx.bin)
    head = (f"The target is the latest {unit}, {target} ({plural(split['n_target'], 'article')}, "
            f"{split['target_dates']}); the reference is every earlier article "
            f"({plural(split['n_reference'], 'article')}, {split['reference']}).")
    if key is None or key.empty:
        return say(head + " No term occurs often enough (3 times in both together) to be compared.")
    strong = key[key["g2"] >= G2_P001]
    n_t = int((strong["key_for"] == "target").sum())
    n_r = int((strong["key_for"] == "reference").sum())
    best = key.iloc[0]
    side = "the latest period" if best["key_for"] == "target" else "the earlier articles"
    behind = int(best["articles_behind"])
    carried = ("all of them in one article" if behind <= 1 else
               f"in {plural(behind, 'article')}, {best['largest_article_share']:.0%} of the occurrences in one"
               if best["largest_article_share"] >= 0.8 else f"in {plural(behind, 'article')}")
    best_text = (f"{_term_md(best['term'])}: {plural(int(best['count_target']), 'time')} in the target "
                 f"({_rate(best['rate_target'])} per 10,000 tokens) against "
                 f"{plural(int(best['count_reference']), 'time')} in the reference ({_rate(best['rate_reference'])} "
                 f"per 10,000), G² = {best['g2']:.1f}, {_p(best['p_value'])}, log ratio {best['log_ratio']:+.1f}; "
                 f"more frequent in {side}, where it occurs {carried}")
    if strong.empty:
        body = (f" No term differs at p < 0.001 (G² ≥ {G2_P001}); the largest difference is {best_text}. "
                "Read the list below as the method at work, not as a finding.")
    else:
        body = (f" {plural(len(strong), 'term')} differ{'s' if len(strong) == 1 else ''} at p < 0.001 "
                f"(G² ≥ {G2_P001}): {number(n_t)} more frequent in the latest {unit}, {number(n_r)} in the earlier "
                f"articles. The strongest is {best_text}.")
    shown = (strong if len(strong) else key).head(top)
    single = shown[shown["articles_behind"] <= 1]
    if len(single) == len(shown):
        body += (f" {'Each of these ' + str(len(shown)) + ' terms is' if len(shown) > 1 else 'It is'} carried by a "
                 "single article on its side: the differences say what those articles are about, not how the "
                 "period's language changed.")
    elif len(single):
        names = "、".join(md(t) for t in single["term"])
        body += (f" Of the top {len(shown)}, {plural(len(single), 'term')} ({names}) "
                 f"occur{'s' if len(single) == 1 else ''} in a single article on {'its' if len(single) == 1 else 'their'} "
                 f"side, so {'it describes' if len(single) == 1 else 'they describe'} that article rather than the period; "
                 "the others are each spread over at least "
                 f"{plural(int(shown.loc[shown['articles_behind'] > 1, 'articles_behind'].min()), 'article')}.")
    elif len(shown) > 1:
        body += (f" Each of the top {len(shown)} occurs in at least "
                 f"{plural(int(shown['articles_behind'].min()), 'article')} on its side.")
    if min(split["n_target"], split["n_reference"]) < 5:
        body += (" With so few articles on one side, G² (which treats every word as an independent draw) "
                 "overstates how sure one can be: words come in articles.")
    return say(head + body)


# --------------------------------------------------------------------------- concordance

def concordance_term(tf: pd.DataFrame, registry: pd.DataFrame | None = None) -> tuple[str, str]:
    """``(term, why)``: the registry's most frequent name among the terms, else the most frequent term.

    >>> tf = pd.DataFrame({"term": ["发展", "林国栋"], "count": [9, 4]})
    >>> concordance_term(tf, pd.DataFrame({"name": ["林国栋"]}))
    ('林国栋', 'registry')
    >>> concordance_term(tf, pd.DataFrame({"name": ["王少峰"]}))
    ('发展', 'top')
    >>> concordance_term(tf, pd.DataFrame({"name": []}))
    ('发展', 'no-registry')
    """
    if tf.empty:
        return "", "none"
    names = set(registry["name"].astype(str)) if registry is not None and "name" in registry.columns else set()
    people = tf[tf["term"].isin(names)]
    if len(people):
        return str(people.iloc[0]["term"]), "registry"
    return str(tf.iloc[0]["term"]), "top" if names else "no-registry"


def concordance_lines(tables: Tables, articles: pd.DataFrame, term: str, width: int = 14,
                      corpus=None) -> pd.DataFrame:
    """:func:`analysis.aggregate.frequency.kwic` of ``term`` (match by token), reading only the
    tokens of the articles whose term counts include it (the per-article dataset's
    ``term_counts``), not the whole tokens table.

    The same lines as ``kwic(articles, term, tokens, width=width)``: an
    article without the term among its counts has no token that counts as it.
    ``corpus``: whose aliases and boilerplate map tokens to terms (the
    corpus of the build; None: the sample's).  An empty ``term`` gives the
    empty table.
    """
    if not term:
        return kwic(articles.head(0), "", pd.DataFrame({"article_id": pd.Series(dtype=object),
                                                         "tokens": pd.Series(dtype=object)}), corpus=corpus)
    using = tables.dataset("term_counts", columns=["article_id"], filters=[("term", "=", term)])
    ids = set(using["article_id"].astype(str))
    return kwic(full_articles(tables, articles, ids), term, tokens_of(tables, ids), width=width, corpus=corpus)


def concordance_text(term: str, why: str, n_lines: int, n_articles: int, shown: int) -> say:
    """The sentence introducing the concordance of ``term``."""
    if not term:
        return say("The corpus has no terms, so there is no concordance to show.")
    reason = {"registry": "the registered person most often named in the corpus",
              "top": "the most frequent term of the corpus (no registered person's name occurs as a term)",
              "no-registry": "the most frequent term of the corpus (it has no registry of persons)"}[why]
    more = f"; the first {shown} are shown" if n_lines > shown else ""
    return say(f"The concordance below lists the occurrences of {_term_md(term)}, {reason}: "
               f"{plural(n_lines, 'line')} in {plural(n_articles, 'article')}{more}. Each line is one counted occurrence, linked "
               "to its source line where the text is published (the page line for a corpus of pages, the record of an "
               "article table).")


# --------------------------------------------------------------------------- paragraphs

def _list(frame: pd.DataFrame, n: int, column: str = "term") -> str:
    return "、".join(f"{md(t)} ({number(int(c))})" for t, c in zip(frame[column].head(n), frame["count"].head(n)))


def top_terms_text(tf: pd.DataFrame, ctx: Context, n: int = 5) -> say:
    """The most frequent terms, their rates and how widely they are spread."""
    if tf.empty:
        return say("The corpus has no terms (after stopwords), so there is nothing to rank.")
    n_tokens, n_docs = int(tf["n_tokens"].iloc[0]), int(tf["n_docs"].iloc[0])
    first = tf.iloc[0]
    everywhere = tf.head(20)[tf.head(20)["doc_freq"] == n_docs]
    k = min(20, len(tf))
    spread = (f"{len(everywhere)} of the top {k} appear{'s' if len(everywhere) == 1 else ''} in every article"
              if len(everywhere) else f"none of the top {k} appears in every article")
    where = ("; the corpus is a single article" if n_docs == 1 else
             f" and appears in {number(int(first['doc_freq']))} of the {number(n_docs)} articles; {spread}")
    return say(f"The {plural(n_docs, 'article')} hold{'s' if n_docs == 1 else ''} {number(n_tokens)} word tokens and "
               f"{number(len(tf))} distinct terms. The most frequent are {_list(tf, n)}: {_term_md(first['term'])} "
               f"alone is {first['rate_per_10k']:.0f} of every 10,000 tokens{where}."
               + _defaults(ctx, ("stopwords", "aliases", "boilerplate")))


def _defaults(ctx: Context, facts) -> str:
    from analysis.book.chapters import defaults_sentence

    sentence = defaults_sentence(ctx, facts)
    return f" {sentence}" if sentence else ""


def periods_text(leaders: pd.DataFrame, ctx: Context) -> say:
    """How many periods the corpus spans at its time bin and what leads the first and last."""
    unit = BIN_NAMES[ctx.bin]
    if leaders.empty:
        return say(f"No dated article has terms, so there are no frequencies by {unit}.")
    first, last = leaders.iloc[0], leaders.iloc[-1]
    if len(leaders) == 1:
        return say(f"The corpus covers one {unit} ({ctx.span}): its terms by {unit} are those of the whole corpus.")
    return say(f"The corpus spans {ctx.span}, so terms are counted by {unit}: {number(len(leaders))} {unit}s "
               f"with articles. In {period_phrase(first['period'], ctx.bin)} ({number(int(first['n_docs']))} "
               f"articles) the leading terms are {md(first['top'])}; in {period_phrase(last['period'], ctx.bin)} "
               f"({number(int(last['n_docs']))} articles), {md(last['top'])}.")


def collocations_text(coll: pd.DataFrame, n: int = 3) -> say:
    """The strongest collocations, with their counts and G²."""
    if coll.empty:
        return say("No pair of terms occurs next to each other often enough to be scored.")
    head = coll.head(n)
    pairs = "; ".join(f"{md(a + b)} ({plural(int(c), 'time')}, G² = {g:.1f})"
                      for a, b, c, g in zip(head["w1"], head["w2"], head["count"], head["g2"]))
    return say(f"{number(len(coll))} pairs of adjacent terms are scored; the strongest are {pairs}.")


def trigrams_text(tri: pd.DataFrame, n_docs: int) -> say:
    """The most repeated three-term sequence, and whether it is repeated across articles."""
    if tri.empty:
        return say("No sequence of three terms is repeated.")
    first = tri.iloc[0]
    across = tri[tri["doc_freq"] > 1]
    if len(across) == len(tri) and len(tri) > 1:
        spread = f"all {number(len(tri))} listed sequences recur in more than one article"
    elif len(across):
        spread = f"{number(len(across))} of the {number(len(tri))} listed sequences recur in more than one article"
    else:
        spread = "none recurs in more than one article: each is one article's wording"
    return say(f"The most repeated three-term sequence is **{md(first['ngram'].replace(' ', ''))}** "
               f"({plural(int(first['count']), 'time')} in {plural(int(first['doc_freq']), 'article')}); {spread}.")


def formulations_text(formulas: pd.DataFrame, n_docs: int, n: int = 3) -> say:
    """How many formulations were found, of which kinds, how many rank as set phrases, and the first ranked."""
    if formulas.empty:
        return say("No formulation was found: the articles print no short quoted phrase or numbered slogan.")
    kinds = formulas["kind"].value_counts()
    kinds_text = ", ".join(f"{number(int(c))} {k}" for k, c in kinds.items())
    head = formulas.head(n)
    top = "; ".join(f"“{md(f)}” ({plural(int(c), 'time')} in {plural(int(a), 'article')}, "
                    f"first on {d})" for f, c, a, d in zip(head["formulation"], head["count"], head["n_articles"],
                                                            head["first_issue_date"]))
    # The most widely used among those the sentence describes: not an ordinary word, a number or a fragment.
    candidates = (formulas[~formulas["rank_basis"].isin(NOT_FORMULATIONS)] if "rank_basis" in formulas.columns
                  else formulas)
    n_set = int((formulas["rank_basis"] == "set phrase").sum()) if "rank_basis" in formulas.columns else 0
    text = (f"{plural(len(formulas), 'formulation')} found ({kinds_text}); {number(n_set)} rank as set phrases "
            f"(quoted or enumerated at least {MIN_QUOTED} times, in {MIN_QUOTED_ARTICLES} articles or more, and "
            f"neither an ordinary word, a number nor a fragment of a longer one). Ranked first: {top}.")
    if n_docs > 1 and len(candidates):
        widest = candidates.sort_values(["n_articles", "count"], ascending=False, kind="mergesort").iloc[0]
        share = widest["n_articles"] / n_docs
        text += (f" The most widely used of the others (not a common word, number or fragment), "
                 f"“{md(widest['formulation'])}”, appears in {number(int(widest['n_articles']))} "
                 f"of the {number(n_docs)} articles ({share:.0%}).")
    return say(text + numbered_sentence(formulas))


#: ``rank_basis`` values of what is not a formulation in its own right (the formulations table flags them).
NOT_FORMULATIONS = ("common word", "number", "fragment")


def numbered_sentence(formulas: pd.DataFrame) -> str:
    """How many numbered slogans the corpus itself spells out (a non-empty ``expansion``), computed.

    >>> f = pd.DataFrame({"formulation": ["两个维护", "四项行动", "发展"], "kind": ["numbered", "numbered", "formulation"],
    ...                   "expansion": ["", "甲、乙、丙、丁", ""]})
    >>> print(numbered_sentence(f).strip())
    For 1 of the 2 numbered slogans the corpus itself lists the items the number stands for (the table's `expansion`); the others are printed without them.
    """
    if formulas.empty or "kind" not in formulas.columns:
        return ""
    numbered = formulas[formulas["kind"].isin(["numbered", "enumeration"])]
    if numbered.empty:
        return ""
    expanded = int((numbered["expansion"].fillna("").astype(str).str.strip() != "").sum()) \
        if "expansion" in numbered.columns else 0
    rest = "" if expanded == len(numbered) else "; the others are printed without them"
    if expanded == 0:
        return f" None of the {number(len(numbered))} numbered slogans is spelled out in the corpus (`expansion` is blank)."
    return (f" For {number(expanded)} of the {number(len(numbered))} numbered slogans the corpus itself lists the items "
            f"the number stands for (the table's `expansion`){rest}.")


def summary(tables: dict[str, pd.DataFrame], ctx: Context, key: pd.DataFrame | None, split: dict | None) -> say:
    """The chapter's opening paragraph: what it finds on the configured corpus."""
    tf, formulas, coll = tables["term_frequency"], tables["formulations"], tables["collocations"]
    parts = [f"This chapter reads the {plural(ctx.n_articles, 'article')} of the {md(ctx.paper) or 'configured'} corpus "
             f"({ctx.span}) word by word."]
    if tf.empty:
        parts.append("They contain no countable terms, so the sections below are empty.")
        return say(" ".join(parts))
    parts.append(f"Its most frequent terms are {_list(tf, 5)}.")
    if len(formulas):
        f = formulas.iloc[0]
        parts.append(f"The first-ranked formulation is “{md(f['formulation'])}” ({plural(int(f['count']), 'time')} in "
                     f"{plural(int(f['n_articles']), 'article')}).")
    else:
        parts.append("No formulation (quoted phrase or numbered slogan) was found.")
    if len(coll):
        c = coll.iloc[0]
        parts.append(f"The strongest collocation is {md(c['w1'] + c['w2'])} ({plural(int(c['count']), 'time')}).")
    if split is not None and key is not None and len(key):
        strong = key[(key["g2"] >= G2_P001) & (key["key_for"] == "target")]
        where = period_phrase(split["target"], ctx.bin)
        if len(strong):
            terms = "、".join(md(t) for t in strong["term"].head(3))
            parts.append(f"Against the earlier articles, {where} stands out for {terms} (p < 0.001).")
        else:
            parts.append(f"No term sets {where} apart from the earlier articles at p < 0.001.")
    return say(" ".join(parts))


def dictionary_text(userdict: pd.DataFrame, ctx: Context) -> say:
    """Which user dictionary segmented this corpus and what it holds."""
    counts = userdict["category"].value_counts()
    what = ", ".join(f"{number(int(c))} {md(k)}" for k, c in counts.items()) or "no words"
    if "userdict" in ctx.defaulted_facts:
        origin = ("the project's default dictionary, `data/defaults/userdict.csv` (the national leaders' names): this "
                  "corpus brings no `userdict.csv` of its own, so its other names and formulations may be cut into "
                  "pieces")
        where = "each with its source"
    else:
        origin = "the corpus's own `userdict.csv`"
        where = "each with the source where it was seen"
    return say(f"The build segmented this corpus with {origin}. It lists {number(len(userdict))} words ({what}), "
               f"{where}.")


def example_sentence(tables: Tables, articles: pd.DataFrame, words: set[str], *,
                     tokens: pd.DataFrame | None = None, max_chars: int = 80,
                     scan: int = 300, corpus=None) -> tuple[str, list[str], str, int]:
    """A sentence of the corpus as the build segmented it: the one with most dictionary words.

    Looks at the sentences of the first ``scan`` articles (ending in 。！？, at
    most ``max_chars`` characters) and returns ``(sentence, tokens, source,
    line)``; ties go to the earliest.  Empty strings when no article has text.
    Only those articles' tokens are read from ``tables`` (``tokens``: a
    tokens table to use instead), and their texts when ``articles`` has none
    (:func:`full_articles`).  ``corpus``: whose boilerplate the segmenter blanked
    (the build's corpus; None: the sample's).
    """
    articles = full_articles(tables, articles, articles["article_id"].head(scan))
    if tokens is None:
        tokens = tokens_of(tables, articles["article_id"])
    by_id = dict(zip(tokens["article_id"].astype(str), tokens["tokens"]))
    # The text prepared as the segmenter prepared it, with the boilerplate read once (not once an article).
    prepare = text_preparer(corpus)
    best = (-1, "", [], "", 0)
    for _, article in articles.head(scan).iterrows():
        text = str(article["text"])
        toks = list(by_id.get(str(article["article_id"]), []))
        offsets = token_offsets(prepare(text), toks, prepared=True)
        start = 0
        for match in re.finditer(r"[。！？]", text):
            end = match.end()
            sentence = text[start:end]
            if 8 <= len(sentence.strip()) <= max_chars and "\n" not in sentence.strip():
                inside = [t for t, at in zip(toks, offsets) if start <= at < end]
                score = sum(t in words for t in inside)
                if score > best[0]:
                    best = (score, sentence.strip(), inside, str(article.get("source", "")),
                            int(source_line(article, start + len(sentence) - len(sentence.lstrip()))))
            start = end
    return best[1], best[2], best[3], best[4]


def example_text(sentence: str, toks: list[str], words: set[str], source: str, line: int) -> say:
    """The example sentence and its tokens, dictionary words in bold."""
    if not sentence:
        return say("No article has a short complete sentence to show.")
    shown = " | ".join(f"**{md(t)}**" if t in words else md(t) for t in toks)
    where = source_link(source, line, markdown=True) if source and line else ""
    n_dict = sum(t in words for t in toks)
    return say(f"One sentence of the corpus ({where}), as the build segmented it "
               f"({number(len(toks))} tokens, {n_dict} from the dictionary in bold; punctuation is dropped):\n\n"
               f"> {md(sentence)}\n\n{shown}")


def limits(tables: dict[str, pd.DataFrame], ctx: Context, split: dict | None) -> say:
    """The chapter's Limits section, with this corpus's numbers where they matter."""
    tf = tables["term_frequency"]
    n_tokens = int(tf["n_tokens"].iloc[0]) if len(tf) else 0
    items = [
        f"**Segmentation decides what a word is.** jieba with the user dictionary gives one reading of each "
        f"sentence; a name or formulation missing from the dictionary is counted in pieces. "
        + ("This corpus was segmented with the project's default dictionary (national leaders' names only)."
           if "userdict" in ctx.defaulted_facts
           else "The dictionary has to grow with the corpus."),
        f"**Counts are not emphasis.** A rate per 10,000 tokens (of {number(n_tokens)} here) says how often a "
        "term is printed, not where: a headline word and a word in a list count the same.",
        "**Keyness treats words as independent.** G² and its p-value assume every token is a separate draw; "
        "words come in articles, so a term repeated in one long article looks stronger than it is (the column "
        "`articles_behind` says how many articles carry each key term)."
        + ("" if split is not None else " On this corpus keyness was not computed: one period only."),
        "**Formulations are found by rules.** Quotation marks and numerals find most 提法, but an unquoted, "
        "unnumbered set phrase is found only if it is also printed in quotes somewhere in the corpus.",
        f"**Periods follow the corpus's span** ({BIN_NAMES[ctx.bin]}s here): a period with few articles has "
        "noisy rates, and missing issues are absent, not zero.",
    ]
    return say("\n".join(f"- {item}" for item in items))
