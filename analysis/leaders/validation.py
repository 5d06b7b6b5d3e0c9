"""Validating the leader counts on one's own corpus: a sample to mark by hand, and what it says.

The extractor's precision and recall on the sample pages say little about
another paper.  :func:`annotation_sample` draws a stratified sample to check
by hand: candidate mentions of every kind (``candidate = mention``) and
*rejected hits*, places where a registered spelling occurs in the text but
the extractor made no mention of it (``candidate = rejected``), the only way
to estimate what it misses.  The scholar fills the ``correct`` column
(``yes``/``no``; for a rejected hit, ``yes`` means "this is a real mention the
extractor missed") and saves the file as ``annotated_mentions.csv`` in the
corpus folder; :func:`annotation_report` then gives precision per kind (with
95% Wilson intervals), overall precision weighted by each kind's population
(:func:`stratified_precision`) and an estimate of recall.  :func:`validate` checks
a corpus's mentions against whichever hand check it has (a full gold
annotation, a marked sample, or none) and returns a :class:`Validation`.

Columns of the sample: ``sample_id, candidate, kind, article_id, date,
source, line, offset, name, title, location, context, correct, note``
(``offset``: the name's character offset in its field, as in the mentions
table, so a marked row can be found again without its ``context``).

>>> from analysis.corpus import load_articles
>>> from analysis.perarticle.mentions import leader_mentions
>>> articles = load_articles()
>>> sample = annotation_sample(articles, leader_mentions(articles), n=20)
>>> sorted(sample["candidate"].unique())[:1]
['mention']
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.automaton import PhraseAutomaton
from analysis.corpus.read import source_line
from analysis.errors import InputError
from analysis.io import read_csv_frame, row_records
from analysis.perarticle.mentions import KINDS

SAMPLE_COLUMNS = ["sample_id", "candidate", "kind", "article_id", "date", "source", "line", "offset", "name", "title",
                  "location", "context", "correct", "note"]
REPORT_COLUMNS = ["kind", "population", "marked", "correct", "precision", "ci_low", "ci_high"]
CONTEXT = 20


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion (``(nan, nan)`` when ``n == 0``).

    >>> [round(x, 3) for x in wilson_interval(9, 10)]
    [0.596, 0.982]
    """
    if n == 0:
        return math.nan, math.nan
    centre, half = _wilson(successes / n, n, z)
    return max(0.0, centre - half), min(1.0, centre + half)


def stratified_precision(per_kind: pd.DataFrame, z: float = 1.96) -> tuple[float, tuple[float, float]]:
    """Population-weighted precision of a stratified sample and its 95% interval.

    ``per_kind``: one row per stratum with ``population`` (N_h, candidates of
    that kind in the corpus), ``marked`` (n_h) and ``correct`` (yes marks).
    The strata are sampled equally, not in proportion to their size, so the
    share of ``yes`` among all marked rows over-weights the rare kinds; the
    estimate is instead sum(W_h p_h), W_h = N_h / N over the strata with a
    mark (a stratum with none is left out and the weights renormalised).

    Interval: a Wilson score interval at the sample's effective size
    (Kish): the stratified variance sum(W_h^2 (1 - n_h/N_h) p_h(1 - p_h) /
    (n_h - 1)) (finite-population corrected; n_h in place of n_h - 1 when
    n_h = 1) gives n_eff = p(1 - p) / variance, truncated at the number
    marked as Korn and Graubard (1998) do, so the interval is never narrower
    than that of a simple random sample of the same size; when the variance
    is 0 (every stratum all right, or taken whole) n_eff is the number
    marked.  ``(nan, (nan, nan))`` when nothing is marked.

    >>> t = pd.DataFrame({"population": [820, 180], "marked": [50, 50], "correct": [47, 50]})
    >>> p, (low, high) = stratified_precision(t)
    >>> round(p, 3), round(low, 3), round(high, 3)
    (0.951, 0.868, 0.983)
    """
    done = per_kind[per_kind["marked"] > 0]
    if done.empty:
        return math.nan, (math.nan, math.nan)
    size = done["population"].astype(float).clip(lower=done["marked"].astype(float))
    weight = size / size.sum()
    marked = done["marked"].astype(float)
    share = done["correct"].astype(float) / marked
    p = float((weight * share).sum())
    fpc = 1 - marked / size
    variance = float((weight ** 2 * fpc * share * (1 - share) / (marked - 1).where(marked > 1, marked)).sum())
    n = float(marked.sum())
    n_eff = min(n, p * (1 - p) / variance) if variance > 0 else n
    centre, half = _wilson(p, n_eff, z)
    return p, (max(0.0, centre - half), min(1.0, centre + half))


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    """Centre and half-width of the Wilson score interval for a share ``p`` of ``n`` (``n`` may be fractional)."""
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    return centre, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator


def rejected_hits(articles: pd.DataFrame, mentions: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """Places where a registered spelling occurs in a body but no mention starts there.

    Columns as the annotation sample (``candidate = "rejected"``, ``kind = "rejected"``).
    """
    spellings = set()
    for name, aliases in zip(registry.get("name", []), registry.get("aliases", [])):
        spellings.add(name)
        spellings.update(a.strip() for a in str(aliases).split(";") if a.strip())
    spellings.discard("")
    if not spellings or articles.empty:
        return pd.DataFrame(columns=SAMPLE_COLUMNS)
    automaton = PhraseAutomaton(sorted(spellings))
    body = mentions[mentions["location"].isin(["lead", "body"])] if len(mentions) else mentions
    found = {(a, int(o)) for a, o in zip(body.get("article_id", []), body.get("offset", []))}

    rows = []
    # Records, not itertuples: source_line reads the row by column name (line_map, line_start).
    for article in row_records(articles):
        text = str(article.get("text", "") or "")
        for start, stop, index in automaton.find(text):
            spelling, end = automaton.phrases[index], stop - 1
            if any((article["article_id"], o) in found for o in range(start - 12, start + 1)):
                continue
            rows.append({"candidate": "rejected", "kind": "rejected", "article_id": article["article_id"],
                         "date": article.get("date", ""), "source": article.get("source", ""),
                         "line": source_line(article, start), "offset": start,
                         "name": spelling, "title": "", "location": "body",
                         "context": text[max(0, start - CONTEXT):end + 1 + CONTEXT].replace("\n", " ")})
    return pd.DataFrame(rows, columns=SAMPLE_COLUMNS)


def annotation_sample(articles: pd.DataFrame, mentions: pd.DataFrame, n: int = 200, *,
                      registry: pd.DataFrame | None = None, seed: int = 0) -> pd.DataFrame:
    """A stratified sample of ``n`` candidates to mark by hand (see the module docstring).

    Strata: each mention kind, plus rejected hits; ``n`` is shared equally
    among the strata that have candidates (a stratum smaller than its share is
    taken whole).  The ``population`` of each stratum is kept in the
    ``note`` column's first line so :func:`annotation_report` can weight it.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    candidates = []
    if len(mentions):
        m = mentions.copy()
        m["candidate"] = "mention"
        m["context"] = m["context"].astype(str).str.replace("\n", " ")
        candidates.append(m.reindex(columns=SAMPLE_COLUMNS))
    if registry is not None and len(registry):
        candidates.append(rejected_hits(articles, mentions, registry))
    frame = pd.concat(candidates, ignore_index=True) if candidates else pd.DataFrame(columns=SAMPLE_COLUMNS)
    if frame.empty:
        return frame
    rng = np.random.default_rng(seed)
    strata = sorted(frame["kind"].unique())
    share = max(1, n // len(strata))
    parts = []
    for kind in strata:
        group = frame[frame["kind"] == kind].sort_values(["article_id", "line", "name"], kind="stable")
        take = group if len(group) <= share else group.iloc[np.sort(rng.choice(len(group), share, replace=False))]
        take = take.assign(note=f"population={len(group)}")
        parts.append(take)
    out = pd.concat(parts, ignore_index=True)
    out["correct"] = ""
    out["sample_id"] = range(1, len(out) + 1)
    return out[SAMPLE_COLUMNS]


def read_annotation(path: str | Path) -> pd.DataFrame:
    """Read a marked sample; every ``correct`` cell must be yes, no or empty (not yet marked)."""
    path = Path(path)
    frame = read_csv_frame(path, what="annotation", multiline=True)
    rows = dict(zip(range(len(frame)), frame.pop("_line")))
    missing = [c for c in ("candidate", "kind", "article_id", "correct", "note") if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)} (write the file with "
                               "`python -m analysis annotate`)", 1, kind="row")
    for k, value in enumerate(frame["correct"].str.strip().str.lower()):
        if value not in ("", "yes", "no", "y", "n"):
            raise InputError(path, f"correct is {value!r}; write yes or no (or leave it empty)", rows[k])
    frame["correct"] = frame["correct"].str.strip().str.lower().replace({"y": "yes", "n": "no"})
    return frame


def check_annotation(annotation: pd.DataFrame, articles: pd.DataFrame, path: str | Path) -> None:
    """Raise :class:`InputError` naming the row of the first annotation row about an unknown article."""
    known = set(articles["article_id"])
    for row, article_id in enumerate(annotation["article_id"], start=2):
        if article_id not in known:
            raise InputError(path, f"article_id {article_id!r} is not in this corpus", row, kind="row")


def annotation_report(annotation: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Precision per kind (with Wilson intervals) and an estimate of recall from a marked sample.

    Returns ``(per_kind, overall)``: ``per_kind`` has :data:`REPORT_COLUMNS`
    (``population``: candidates of that kind in the corpus); ``overall`` has
    ``precision`` and ``precision_ci`` (weighted by each kind's population,
    :func:`stratified_precision`: the strata are sampled equally, so the
    plain share of correct marks would over-weight the rare kinds; that share
    is kept as ``sample_precision``), ``recall`` (estimated true mentions
    found over true mentions found plus estimated missed ones, from the
    rejected hits: it sees only registered spellings the extractor did not
    count, not a person named otherwise), ``missed_estimate`` and ``marked``.

    >>> a = pd.DataFrame({"kind": ["coverage"] * 4 + ["ritual"] * 2, "candidate": ["mention"] * 6,
    ...                   "correct": ["yes", "yes", "yes", "no", "yes", "yes"],
    ...                   "note": ["population=90"] * 4 + ["population=10"] * 2})
    >>> _, overall = annotation_report(a)
    >>> round(overall["precision"], 3), round(overall["sample_precision"], 3)
    (0.775, 0.833)
    """
    marked = annotation[annotation["correct"].isin(["yes", "no"])]
    population = annotation["note"].str.extract(r"population=(\d+)")[0].astype(float)
    annotation = annotation.assign(_population=population)
    rows, found_true, missed = [], 0.0, 0.0
    for kind, group in annotation.groupby("kind", sort=True):
        done = group[group["correct"].isin(["yes", "no"])]
        size = float(group["_population"].max()) if group["_population"].notna().any() else float(len(group))
        yes = int((done["correct"] == "yes").sum())
        share = yes / len(done) if len(done) else math.nan
        low, high = wilson_interval(yes, len(done))
        if kind == "rejected":
            missed += 0 if math.isnan(share) else share * size
            continue
        found_true += 0 if math.isnan(share) else share * size
        rows.append({"kind": kind, "population": int(size), "marked": len(done), "correct": yes,
                     "precision": share, "ci_low": low, "ci_high": high})
    per_kind = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    mention_marked = marked[marked["candidate"] == "mention"]
    yes = int((mention_marked["correct"] == "yes").sum())
    recall = found_true / (found_true + missed) if found_true + missed else math.nan
    precision, precision_ci = stratified_precision(per_kind)
    return per_kind, {"precision": precision, "precision_ci": precision_ci,
                      "sample_precision": yes / len(mention_marked) if len(mention_marked) else math.nan,
                      "recall": recall, "missed_estimate": missed, "marked": int(len(marked))}


# --------------------------------------------------------------------------- accuracy

GOLD_KEY = ["article_id", "location", "name", "kind"]


def evaluate(mentions: pd.DataFrame, gold: pd.DataFrame) -> dict:
    """Precision and recall of ``mentions`` against a hand-checked gold table.

    Both tables have ``article_id, location, name, kind`` (and ``line``); a
    mention matches a gold row with the same four values (as a multiset:
    two gold rows need two mentions).  Returns ``{"precision", "recall",
    "f1", "true_positives", "predicted", "gold", "missed", "spurious",
    "title_agreement", "line_agreement", "by_kind"}`` where ``missed`` and
    ``spurious`` are DataFrames and ``by_kind`` a DataFrame of per-kind
    precision and recall.
    """
    def keyed(frame):
        frame = frame.copy()
        frame["_n"] = frame.groupby(GOLD_KEY, sort=False).cumcount()
        return frame

    pred, ref = keyed(mentions), keyed(gold)
    merged = pred.merge(ref, on=GOLD_KEY + ["_n"], how="outer", suffixes=("", "_gold"), indicator=True)
    hits = merged[merged["_merge"] == "both"]
    tp, n_pred, n_gold = len(hits), len(pred), len(ref)
    precision = tp / n_pred if n_pred else math.nan
    recall = tp / n_gold if n_gold else math.nan
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    by_kind = []
    for kind in KINDS:
        p = int((pred["kind"] == kind).sum())
        g = int((ref["kind"] == kind).sum())
        t = int((hits["kind"] == kind).sum())
        if p or g:
            by_kind.append({"kind": kind, "predicted": p, "gold": g, "true_positives": t,
                            "precision": t / p if p else math.nan, "recall": t / g if g else math.nan})
    # Gold titles are as printed: compare them with the printed form.
    written = "title_raw" if "title_raw" in hits.columns else "title"
    title_ok = (hits[written].fillna("") == hits["title_gold"].fillna("")).mean() if "title_gold" in hits and tp else math.nan
    line_ok = (hits["line"] == hits["line_gold"]).mean() if "line_gold" in hits and tp else math.nan
    return {
        "precision": precision, "recall": recall, "f1": f1, "true_positives": tp, "predicted": n_pred,
        "gold": n_gold, "title_agreement": float(title_ok), "line_agreement": float(line_ok),
        "missed": merged.loc[merged["_merge"] == "right_only", GOLD_KEY].reset_index(drop=True),
        "spurious": merged.loc[merged["_merge"] == "left_only", GOLD_KEY].reset_index(drop=True),
        "by_kind": pd.DataFrame(by_kind, columns=["kind", "predicted", "gold", "true_positives", "precision", "recall"]),
    }


def read_gold(path) -> pd.DataFrame:
    """A gold annotation CSV (``article_id, location, line, name, title, kind, note``)."""
    frame = read_csv_frame(path, what="gold annotation", required=["article_id", "location", "line", "name", "kind"])
    for value, row in zip(frame["line"], frame["_line"]):
        if not str(value).isdigit():
            raise InputError(path, f"line {value!r} is not a line number", row)
    frame["line"] = frame["line"].astype("int64")
    return frame.drop(columns="_line")


def accuracy_table(result: dict) -> pd.DataFrame:
    """One row per kind plus ``all``: predicted, gold, true positives, precision, recall (from :func:`evaluate`)."""
    overall = pd.DataFrame([{"kind": "all", "predicted": result["predicted"], "gold": result["gold"],
                             "true_positives": result["true_positives"], "precision": result["precision"],
                             "recall": result["recall"]}])
    return pd.concat([result["by_kind"], overall], ignore_index=True).round(3)


# --------------------------------------------------------------------------- how far a corpus's counts are checked

@dataclass
class Validation:
    """How far the mentions are checked, from :func:`validate`.

    ``state``: ``gold`` (a full hand annotation), ``annotation`` (a marked
    sample), ``unmarked`` (a sample file whose ``correct`` column is still
    empty), ``unvalidated`` (neither) or ``no-registry``.  ``table``: per
    kind, what to show (``None`` when there is nothing).  ``precision``,
    ``recall`` with their 95% intervals (``(nan, nan)`` when unknown);
    ``n``: gold mentions, or marked candidates; ``file``: the file's name;
    ``details``: the numbers the state has (gold: ``articles``, ``missed``,
    ``spurious``, ``title_agreement``, ``line_agreement``; annotation:
    ``missed_estimate``).
    """

    state: str
    table: pd.DataFrame | None = None
    precision: float = math.nan
    recall: float = math.nan
    precision_ci: tuple = (math.nan, math.nan)
    recall_ci: tuple = (math.nan, math.nan)
    n: int = 0
    file: str = ""
    details: dict = field(default_factory=dict)


def recall_interval(annotation: pd.DataFrame) -> tuple[float, float]:
    """A conservative 95% interval for recall from a marked sample.

    :func:`annotation_report` estimates recall as T / (T + M): true mentions
    found (T, each kind's share marked correct times its population) over
    those plus the missed ones (M, the share of rejected hits marked as real
    mentions times their population).  The interval combines the ends of
    each stratum's Wilson interval: lowest T with highest M, and the
    reverse.  ``(nan, nan)`` when nothing is marked.

    >>> a = pd.DataFrame({"kind": ["coverage", "coverage", "rejected", "rejected"],
    ...                   "correct": ["yes", "yes", "no", "no"],
    ...                   "note": ["population=10"] * 2 + ["population=5"] * 2})
    >>> low, high = recall_interval(a)
    >>> 0.5 < low < high == 1.0
    True
    """
    population = annotation["note"].astype(str).str.extract(r"population=(\d+)")[0].astype(float)
    frame = annotation.assign(_population=population)
    found = [0.0, 0.0]
    missed = [0.0, 0.0]
    any_marked = False
    for kind, group in frame.groupby("kind", sort=True):
        done = group[group["correct"].isin(["yes", "no"])]
        if done.empty:
            continue
        any_marked = True
        size = float(group["_population"].max()) if group["_population"].notna().any() else float(len(group))
        low, high = wilson_interval(int((done["correct"] == "yes").sum()), len(done))
        target = missed if kind == "rejected" else found
        target[0] += low * size
        target[1] += high * size
    if not any_marked:
        return math.nan, math.nan

    def ratio(t: float, m: float) -> float:
        return t / (t + m) if t + m else math.nan

    return ratio(found[0], missed[1]), ratio(found[1], missed[0])


def validate(registry: pd.DataFrame, mentions: pd.DataFrame, articles: pd.DataFrame, *,
             gold_path: str | Path | None = None, annotation_path: str | Path | None = None) -> Validation:
    """Check the mentions against the corpus's gold annotation or marked sample, if it has one.

    ``gold_path`` / ``annotation_path``: the corpus's facts ``gold`` and
    ``annotation`` (``corpus.fact("gold")``, ``corpus.fact("annotation")``
    of an :class:`analysis.corpus.folder.Corpus`; ``None`` when it has
    none).  A gold annotation wins over a marked sample; an empty registry
    is the state ``no-registry``.
    """
    if registry is None or not len(registry):
        return Validation("no-registry")
    if gold_path is not None:
        gold = read_gold(gold_path)
        result = evaluate(mentions[mentions["article_id"].isin(set(gold["article_id"]))], gold)
        return Validation("gold", accuracy_table(result), result["precision"], result["recall"],
                          wilson_interval(result["true_positives"], result["predicted"]),
                          wilson_interval(result["true_positives"], result["gold"]), int(result["gold"]),
                          Path(gold_path).name,
                          {"articles": int(gold["article_id"].nunique()), "missed": len(result["missed"]),
                           "spurious": len(result["spurious"]), "title_agreement": result["title_agreement"],
                           "line_agreement": result["line_agreement"]})
    if annotation_path is not None:
        annotation = read_annotation(annotation_path)
        check_annotation(annotation, articles, annotation_path)
        per_kind, overall = annotation_report(annotation)
        if overall["marked"] == 0:
            return Validation("unmarked", file=Path(annotation_path).name, n=len(annotation))
        table = per_kind.copy()
        for column in ("precision", "ci_low", "ci_high"):
            table[column] = table[column].astype(float).round(3)
        return Validation("annotation", table, overall["precision"], overall["recall"],
                          tuple(overall["precision_ci"]), recall_interval(annotation), int(overall["marked"]),
                          Path(annotation_path).name, {"missed_estimate": overall["missed_estimate"]})
    return Validation("unvalidated")
