"""Building a collection: each paper by the single-corpus build, then the comparison tables.

``python -m analysis build --out DIR --corpus A --corpus B …`` (or ``--corpus
FOLDER`` with a ``collection.toml``) calls :func:`build_collection`:

* each corpus is built by :func:`analysis.build.build`, unchanged, into
  ``DIR/<slug>/`` with its own facts, per-article cache and tables (so an
  unchanged paper is not rebuilt, and a paper's build is all or nothing);
* the comparison tables (:data:`~analysis.collection.folder.COLLECTION_TABLES`,
  each with a ``paper`` column) are computed from those builds by
  :mod:`analysis.collection` and written into ``DIR`` (Parquet and CSV,
  each file atomically), then ``collection.json`` last: the papers, the
  files with their checksums and the inputs' digest.  When ``collection.json``
  records the same inputs (every paper's build digest, the phrases, the
  code) and its files are intact, nothing is recomputed.
"""
from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pandas as pd

from .build import build, built_tables
from .inputs import library_version
from .collection import compare, reprints
from .collection.folder import COLLECTION_MANIFEST, COLLECTION_TABLES, Collection, CollectionTables
from .inputs import input_digest, signatures, up_to_date
from .io import OutputError, sha256_file, write_csv, write_parquet, write_text
from .tables import MANIFEST, Tables

#: Period of the coverage and adoption tables.
FREQ = "M"
#: Phrases whose adoption curves are tabulated: the most used ones.
TOP_ADOPTION = 12


def _digest(collection: Collection, digests: list[str]) -> str:
    parts = {"papers": digests, "slugs": collection.slugs, "phrases": list(collection.phrases),
             "title": collection.title, "thresholds": [reprints.JACCARD_THRESHOLD, reprints.LSH_THRESHOLD,
                                                       reprints.NUM_PERM, reprints.SHINGLE, reprints.MIN_CHARS],
             "library:datasketch": library_version("datasketch")}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _glossary_phrases(corpus) -> list[str]:
    """The ``formulation`` terms of a corpus's glossary (its own, or the defaults it uses)."""
    path = corpus.fact("glossary")
    if path is None or not Path(path).is_file():
        return []
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "term" not in frame.columns:
        return []
    if "kind" in frame.columns:
        frame = frame[frame["kind"] == "formulation"]
    return frame["term"].tolist()


def comparison_tables(collection: Collection, papers: list[Tables], *, timings: dict | None = None
                      ) -> dict[str, pd.DataFrame]:
    """The comparison tables of ``collection`` from its papers' builds ``papers`` (in the same order)."""
    timings = {} if timings is None else timings
    infos = [t.info for t in papers]
    names = [i["paper"] for i in infos]

    def stacked(name, columns=None):
        frames = []
        for paper, tables in zip(names, papers):
            if tables.has(name):
                frame = tables.load(name, columns=columns)
                frames.append(frame.drop(columns=[c for c in ("paper",) if c in frame.columns]).assign(paper=paper))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    clock = time.perf_counter()
    articles = stacked("articles", ["article_id", "issue_date", "page", "headline", "source_agency", "source",
                                    "line_start", "text"])
    out = {"papers": compare.papers_table(infos, collection.slugs, articles),
           "coverage": compare.coverage(articles, FREQ)}
    mentions = stacked("mentions", ["article_id", "name", "kind"])
    if mentions.empty:
        mentions = pd.DataFrame(columns=["paper", "article_id", "name", "kind"])
    out["leader_comparison"] = compare.leader_comparison(mentions, articles)
    timings["coverage_leaders"] = time.perf_counter() - clock

    clock = time.perf_counter()
    formulations = stacked("formulations", ["formulation", "kind", "score"])
    extra = list(collection.phrases)
    for corpus in collection.corpora:
        extra += _glossary_phrases(corpus)
    phrases = compare.candidate_phrases(formulations, extra)
    hits = compare.phrase_hits(articles, phrases)
    diffusion = compare.diffusion(articles, phrases, hits)
    used = hits.groupby("phrase")["paper"].nunique()
    n_used = hits.groupby("phrase")["article_id"].size()
    shared = sorted(used[used >= 2].index, key=lambda p: (-int(n_used[p]), p))
    top = sorted(set(shared[:TOP_ADOPTION]) | (set(collection.phrases) & set(hits["phrase"])))
    out["phrases"] = pd.DataFrame({"phrase": phrases,
                                   "source": ["collection" if p in collection.phrases else
                                              "glossary" if p in extra else "formulations" for p in phrases],
                                   "n_articles": [int(n_used.get(p, 0)) for p in phrases],
                                   "n_papers": [int(used.get(p, 0)) for p in phrases]})
    out["diffusion"] = diffusion
    out["adoption"] = compare.adoption(articles, hits, top, FREQ)
    timings["diffusion"] = time.perf_counter() - clock

    clock = time.perf_counter()
    seen: dict = {}
    pairs = reprints.reprint_pairs(articles, candidates=seen)
    out["reprints"] = reprints.with_sources(pairs, articles)
    out["reprint_shares"] = reprints.reprint_shares(pairs, articles)
    timings["reprints"] = time.perf_counter() - clock
    timings.update({f"reprints_{k}": v for k, v in seen.items()})

    clock = time.perf_counter()
    if len(papers) >= 2:
        counts, sizes = [], []
        for paper, tables in zip(names, papers):
            try:
                c = tables.dataset("term_counts", columns=["article_id", "term", "count"], categorical=("term",))
                s = tables.dataset("articles", columns=["article_id", "n_tokens"])
            except FileNotFoundError:
                continue
            c["term"] = c["term"].astype(str)
            counts.append(c.assign(paper=paper))
            sizes.append(s.assign(paper=paper))
        if len(sizes) >= 2:
            out["keyness"] = compare.paper_keyness(pd.concat(counts, ignore_index=True),
                                                   pd.concat(sizes, ignore_index=True))
    timings["keyness"] = time.perf_counter() - clock
    out.setdefault("keyness", pd.DataFrame({"paper": pd.Series(dtype=str), "term": pd.Series(dtype=str)}))
    return {name: out[name] for name in COLLECTION_TABLES}


def build_collection(out, collection: Collection, *, progress: bool = False, workers: int | None = None,
                     scheduler=None, force: bool = False) -> CollectionTables:
    """Build every paper of ``collection`` into ``out/<slug>/`` and the comparison tables into ``out``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(out, "--out is a file, not a folder")
    if (out / MANIFEST).is_file():
        raise OutputError(out, "--out holds the build of one corpus; give a collection its own folder")
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    digests, papers, seconds = [], [], {}
    for corpus, slug in zip(collection.corpora, collection.slugs):
        clock = time.perf_counter()
        digest, _ = input_digest(corpus)
        target = out / slug
        if force:
            build(target, corpus, progress=progress, workers=workers, scheduler=scheduler, force=True)
        # Built when stale; waits for another process building the same paper, as a chapter waits for its tables.
        papers.append(built_tables(target, corpus, progress=progress, workers=workers, scheduler=scheduler))
        digests.append(digest)
        seconds[f"paper:{slug}"] = round(time.perf_counter() - clock, 3)
    digest = _digest(collection, digests)
    if not force and up_to_date(out, digest, COLLECTION_MANIFEST):
        return CollectionTables(out, collection.corpora[0].settings)
    # A folder without collection.json is incomplete: removed first, written last.
    (out / COLLECTION_MANIFEST).unlink(missing_ok=True)
    timings: dict = {}
    tables = comparison_tables(collection, papers, timings=timings)
    written = []
    for name, frame in tables.items():
        written.append(write_parquet(frame, out / f"{name}.parquet"))
        written.append(write_csv(frame, out / f"{name}.csv"))
    seconds.update({k: (round(v, 3) if isinstance(v, float) else v) for k, v in timings.items()})
    seconds["total"] = round(time.perf_counter() - started, 3)
    manifest = {
        "complete": True,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "title": collection.label,
        "papers": [{"slug": s, "paper": t.info["paper"], "corpus": t.info["corpus"]}
                   for s, t in zip(collection.slugs, papers)],
        "inputs": digest,
        "files": {p.name: {"bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in written},
        # what lets the next build see the files unchanged without reading them (analysis.inputs)
        "signatures": signatures({p.name: p for p in written}),
        "rows": {name: int(len(frame)) for name, frame in tables.items()},
        "seconds": seconds,
    }
    write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", out / COLLECTION_MANIFEST)
    return CollectionTables(out, collection.corpora[0].settings)
