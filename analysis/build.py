"""``python -m analysis build``: every derived table of the book, all or nothing.

The output folder always holds the tables of one complete run:

* ``--out`` is checked (a folder, not under a file, writable) and locked
  before any computing, so a second build into the same folder stops at once
  with a clear message instead of mixing two corpora;
* the tables are written into a fresh sibling folder, with ``build.json``
  (the list of files, their sizes and checksums) written last, and that
  folder replaces ``out`` in one rename;
* a failure (bad input, a full disk, Ctrl-C) deletes the sibling and leaves
  the previous tables untouched; what a killed build leaves behind is removed
  by the next build (see :class:`analysis.io.OutputFolder`).

Readers keep reading ``out/<table>.parquet`` and ``out/<table>.csv``.

The per-article work (tokens, term counts, formulations, mentions) runs once
per article, cached by content, on ``--workers`` processes or a Dask cluster
(``--scheduler``) by :mod:`analysis.perarticle.stage`, calling the same functions
as a direct call would; the corpus tables are aggregated by DuckDB from the
per-article Parquet dataset (:mod:`analysis.aggregate.dataset`), which is written
into the staging folder as ``perarticle/`` and so replaced with the tables,
all or nothing.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .aggregate.dataset import DatasetWriteError, WrittenTable
from .aggregate.tables import per_article_tables
from .corpus.folder import Corpus, as_corpus, check_not_input
from .corpus.read import read_corpus
from .errors import InputError, WorkerStartError
from .inputs import input_digest, signatures, up_to_date
from .io import FolderBusy, OutputError, OutputFolder, sha256_file, write_csv, write_parquet, write_text
from .leaders.protocol import protocol_order
from .leaders.tables import page_prominence
from .leaders.validation import check_annotation, read_annotation, read_gold
from .perarticle.mentions import discover_officials, discovery_table, load_registry, registered_names
from .perarticle.stage import Runner, discovery_hits_table, fewer_collections, likely_cached
from .progress import Steps, give_back_memory, progress_bar
from .tables import DATASET_DIR, MANIFEST, Tables
from .topics.cache import ModelCache, model_key
from .topics.selection import preload as preload_topics
from .topics.model import (TopicInputError, cluster_terms, clusters_table, fit_topics, nmf_topics,
                           representative_articles, tfidf_from_arrays, tfidf_summary)
from .aggregate.formulations import formulation_table
from .aggregate.frequency import NgramTotals, collocation_table, term_frequency
from .perarticle.formulations import extract_formulations
from .perarticle.kinds import compute_tokens
from .perarticle.mentions import leader_mentions
from .paths import PROJECT_ROOT
from .perarticle.stage import ArticleCache
from .settings import default_settings

log = logging.getLogger(__name__)

STEPS = ["reading", "mentions", "tokenising", "terms and formulations", "topics", "writing"]


def _makers() -> dict[str, object]:
    """Each table the build writes → the function that computes it (``build.json`` records them by name,
    so the reproducibility page says how every table was made)."""
    return {
        "build_info": build_info_table, "articles": read_corpus, "captions": read_corpus,
        "unattributed_headlines": read_corpus, "registry": load_registry, "mentions": leader_mentions,
        "discovered_officials": discover_officials, "protocol_order": protocol_order, "prominence": page_prominence, "tokens": compute_tokens, "term_frequency": term_frequency,
        "term_frequency_by_issue": term_frequency, "term_frequency_by_month": term_frequency,
        "formulations": formulation_table, "formulation_occurrences": extract_formulations,
        "collocations": collocation_table, "trigrams": NgramTotals, "clusters": clusters_table,
        "cluster_terms": cluster_terms, "topic_selection": fit_topics, "tfidf_summary": tfidf_summary,
        "representative_articles": representative_articles, "nmf_terms": nmf_topics, "nmf_articles": nmf_topics,
    }


def table_makers(names) -> dict[str, str]:
    """``{table: "module.function"}`` for the tables ``names`` (every table the build writes has one)."""
    makers = _makers()
    missing = [n for n in names if n not in makers]
    if missing:
        raise KeyError(f"no maker recorded for table(s) {', '.join(missing)}: add them to analysis.build._makers")
    return {n: f"{makers[n].__module__}.{makers[n].__qualname__}" for n in names}


def build_tables(corpus=None, manifest=None, articles=None, *, paper: str = "", leaders=None,
                 progress: bool = False, steps: Steps | None = None, workers: int | None = None, scheduler=None,
                 dataset: str | Path | None = None, cache=True, staging: Path | None = None,
                 writer: "TableWriter | None" = None) -> dict[str, pd.DataFrame]:
    """Compute every output table of a corpus; return ``{name: DataFrame}`` (nothing written but ``dataset``).

    ``corpus``: a :class:`~analysis.corpus.folder.Corpus`, or what names one
    (a folder, ``manifest``, an article table ``articles``; none: the sample);
    its facts (registry, dictionaries) are used throughout, ``leaders``
    replacing the registry and ``paper`` naming the paper.  ``steps``
    (optional) reports each step on a progress bar.  The per-article stage
    runs on ``workers`` processes (default: all cores) or on the Dask
    scheduler ``scheduler``, with its cache (``cache``: True, a folder or
    False); ``dataset``: folder for its Parquet dataset (None: a temporary
    one); ``staging``: the build's staging folder (:func:`build`), where the
    tokens table is written as soon as it is complete (a :class:`WrittenTable`
    in the result); ``writer``: a :class:`TableWriter` into that folder, given
    every table that no later step changes as soon as it is complete (the
    topics step then runs while they are written).
    """
    corpus = as_corpus(corpus, manifest, articles, paper=paper, leaders=leaders)
    _count_physical_cores()
    # The workers start (and load the segmenter) while this process reads the corpus, unless the cache
    # looks full (then they start only if an output is missing).
    with fewer_collections(), Runner(workers, scheduler, corpus.settings) as runner:
        preload = Preload()
        if not likely_cached(corpus, cache):
            runner.warm_up(corpus)
            preload.start()
        else:
            # Nothing to compute, and the topic model most likely cached: scikit-learn is not needed
            # (importing it, 0.8 s of the GIL, slowed a forced rebuild of 3,000 articles by half a
            # second); it is imported beside the workers if they turn out to be needed after all.
            runner.on_work = preload.start
        return _build_tables(runner, corpus, progress=progress, steps=steps or Steps(STEPS, enabled=False),
                             scheduler=scheduler, dataset=dataset, cache=cache, staging=staging, writer=writer,
                             preload=preload)


class Preload:
    """The topics step's libraries imported on a background thread (:func:`analysis.topics.selection.preload`),
    once started; :meth:`join` waits for them if they were."""

    def __init__(self):
        self.thread = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = preload_topics()

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()


def _count_physical_cores() -> None:
    """Have joblib count the physical cores now, while this process is small (the count is cached).

    scikit-learn's k-means asks for it, and joblib runs ``lscpu`` once per process to find it: from
    the topics step of the 64× corpus that forked a 2.7 GB process (for an instant two copies of its
    resident pages, 5,989 MB for the process tree, sampled), from here one of some 150 MB.
    """
    try:
        import joblib
    except ImportError:  # scikit-learn, which needs it, is then missing too: the topics step says so
        return
    joblib.cpu_count(only_physical_cores=True)


def _build_tables(runner, corpus: Corpus, *, progress, steps, scheduler, dataset, cache,
                  staging, writer=None, preload: Preload | None = None) -> dict[str, pd.DataFrame]:
    with steps.step("reading"):
        result = read_corpus(corpus, progress=progress)
        _check_annotations(corpus, result.articles)
    tables: dict[str, pd.DataFrame] = {
        "build_info": build_info_table(corpus, result.articles),
        "articles": result.articles,
        "captions": result.captions,
        "unattributed_headlines": result.unattributed,
    }
    with steps.step("mentions"):
        registry = load_registry(corpus)
        tables["registry"] = registry
        tables["mentions"] = None  # computed per article below; its place in the table order is here
        tables["discovered_officials"] = None  # from the per-article stage below; its place in the order is here
    # The topics step's libraries are imported while the workers tokenise (joined before that step).
    preloading = preload if preload is not None else Preload()
    if preload is None:
        preloading.start()
    # The topic model is fitted on a thread of its own from the moment the term counts are complete
    # (the workers are done then), beside the aggregation, the tables of people and the writing: those
    # run mostly on one core, the fit mostly in BLAS and OpenMP, which do not hold the GIL.
    with TopicFit(corpus, cache, preloading) as topics:
        with steps.step("tokenising"):
            # Per article, cached, on the workers: mentions, tokens, term counts, formulations;
            # the corpus tables aggregated from them.
            kept: dict = {}
            per_article = per_article_tables(result.articles, corpus, scheduler=scheduler, runner=runner,
                                             tokens_path=None if staging is None else Path(staging) / "tokens.parquet",
                                             cache=cache, dataset=dataset, stage_out=kept, timings=steps.detail,
                                             on_counts=topics.start)
        with steps.step("terms and formulations"):
            tables["mentions"] = per_article.pop("mentions")
            stage = kept.pop("stage")
            tables["discovered_officials"] = discovery_table(discovery_hits_table(stage), registered_names(registry))
            stage.release()  # the topic fit took its count matrix and article ids when it started
            # Who is listed before whom, from lists of names only (a change of rank, not of salience).
            tables["protocol_order"] = protocol_order(tables["mentions"])
            # Front page (or lead item), headline and per-issue rates per person and year.
            tables["prominence"] = page_prominence(tables["mentions"], result.articles)
            tables.update(per_article)
        if writer is not None:
            # No later step changes these tables: they are written while the topics are fitted.
            writer.submit(tables)
        with steps.step("topics"):
            try:
                model = topics.result()
            except TopicInputError as exc:
                # Too few articles (or terms) to cluster is a property of the corpus, not an error:
                # the other tables are still worth writing.
                log.warning("topic clustering skipped: %s", exc)
            else:
                tables["clusters"] = clusters_table(model)
                tables["cluster_terms"] = cluster_terms(model, 10)
                tables["topic_selection"] = model.selection
                # What chapter 4 shows besides the clusters, so the notebook never refits a model.
                tables["tfidf_summary"] = tfidf_summary(model.tfidf)
                tables["representative_articles"] = representative_articles(model, result.articles, n=3)
                try:
                    nmf = model.nmf if model.nmf is not None else nmf_topics(model.tfidf, model.k, n_terms=10)
                except TopicInputError as exc:
                    log.warning("NMF topics skipped: %s", exc)
                else:
                    tables["nmf_terms"], tables["nmf_articles"] = nmf.terms, nmf.articles
            steps.seconds["topics fit (thread)"] = topics.seconds
    for _, row in result.unattributed.iterrows():
        log.warning("%s, line %s: headline not attributed to any article: %s", row["source"], row["line"], row["headline"])
    return tables


class TopicFit:
    """The topic model of a build, fitted on a thread of its own (:meth:`start`) while the build goes on.

    The model is kept by its input (:class:`~analysis.topics.cache.ModelCache`): unchanged term
    counts (a warm or registry-only rebuild) reuse it, and the tables are the same either way.
    :meth:`result` waits for it (raising what the fit raised: :class:`TopicInputError` for too few
    articles or terms).  A context manager: leaving it waits for the fit, and by an error, drops it.
    ``seconds``: how long the fit took on its thread.
    """

    def __init__(self, corpus: Corpus, cache, preload: "Preload"):
        self.corpus, self.cache, self.preload = corpus, cache, preload
        self.seconds = 0.0
        self._thread = None
        self._model = self._error = None
        self._abandoned = False

    def start(self, stage) -> None:
        """Fit on ``stage``'s count matrix and article ids (taken now, in the calling thread)."""
        import threading

        # The arrays are taken here so that the stage may be released while the fit runs.
        ids, (vocabulary, rows, cols, counts) = stage.ids, stage.count_matrix.arrays()
        # What the per-article passes freed goes back to the system first: the fit's large arrays are
        # mapped afresh, not made from the heap's free blocks, and would land on top of them.
        give_back_memory()
        self._thread = threading.Thread(target=self._run, args=(ids, vocabulary, rows, cols, counts),
                                        name="topics-fit")
        self._thread.start()

    def _run(self, ids, vocabulary, rows, cols, counts) -> None:
        start = time.perf_counter()
        try:
            self.preload.join()
            self._model = self._fit(ids, vocabulary, rows, cols, counts)
        except BaseException as err:  # noqa: BLE001 - handed to the build's thread by result()
            self._error = err
        finally:
            self.seconds = round(time.perf_counter() - start, 3)

    def _fit(self, ids, vocabulary, rows, cols, counts):
        try:
            topic_cache = self.corpus.cache_dir("topics") if self.cache is not False else None
        except OSError as err:
            log.warning("topic selection cache unavailable (%s); choosing k without it", err.strerror or err)
            topic_cache = None
        # The TF-IDF matrix from the per-article term counts (the same matrix as from the tokens).
        tfidf = tfidf_from_arrays(ids, vocabulary, rows, cols, counts)
        del rows, cols, counts  # copied into the matrix: not held through the fitting
        models = ModelCache(topic_cache) if topic_cache is not None else None
        key = model_key(tfidf, {"seed": 0, "nmf_terms": 10}) if models is not None else ""
        model = models.get(key, tfidf) if models is not None else None
        if model is None and not self._abandoned:
            # The NMF check is fitted beside the clustering (same tables as fitted after it).
            model = fit_topics(tfidf, cache=topic_cache, nmf_terms=10)
            if models is not None and not self._abandoned:
                models.put(key, model)
        return model

    def result(self):
        if self._thread is None:
            raise RuntimeError("the topic fit was never started (per_article_tables did not report its counts)")
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._model

    def __enter__(self) -> "TopicFit":
        return self

    def __exit__(self, kind, *exc) -> None:
        # Left by an error (or Ctrl-C): the fit is not kept, but waited for, as the table writer's
        # threads are; a process must not exit while a thread runs inside BLAS or OpenMP.
        if kind is not None:
            self._abandoned = True
        if self._thread is not None:
            self._thread.join()


def _check_annotations(corpus: Corpus, articles: pd.DataFrame) -> None:
    """A hand annotation in the corpus folder must be readable and about this corpus's articles."""
    if corpus.fact("annotation") is not None:
        path = corpus.fact("annotation")
        check_annotation(read_annotation(path), articles, path)
    if corpus.fact("gold") is not None:
        path = corpus.fact("gold")
        try:
            gold = read_gold(path)
        except (ValueError, KeyError, pd.errors.ParserError) as err:
            raise InputError(path, f"cannot read the gold annotation: {err}") from None
        check_annotation(gold, articles, path)


def papers_of(corpus: Corpus, articles: pd.DataFrame) -> list[str]:
    """The papers the articles come from, most articles first (then by name); the corpus's own paper
    (``--paper``, ``corpus.toml``) when the text names none."""
    named = articles["paper"].astype(str) if len(articles) and "paper" in articles.columns else pd.Series(dtype=str)
    counts = named[named != ""].value_counts()
    found = sorted(counts.index, key=lambda p: (-int(counts[p]), p))
    return found or ([corpus.paper] if corpus.paper else [])


def build_info_table(corpus: Corpus, articles: pd.DataFrame) -> pd.DataFrame:
    """The one-row ``build_info`` table: which corpus, which facts, how many articles, which dates.

    ``paper`` is the corpus's paper (``corpus.toml``, ``--paper``) or the one paper its articles
    come from (none named anywhere: the book's guess, the folder's name); articles from several
    papers are described as mixed (``mixed: A; B``, with a warning), never as the first row's paper;
    ``papers`` lists every paper (``;``-separated, most articles first).  ``guessed``: which of the
    book's identity fields were guessed (:mod:`analysis.corpus.identity`); ``publish_text``: the
    publishing policy.
    """
    from .corpus.identity import corpus_identity

    dates = articles["issue_date"][articles["issue_date"] != ""] if len(articles) else pd.Series(dtype=str)
    papers = papers_of(corpus, articles)
    ident = corpus_identity(corpus, papers=papers, first_date=str(dates.min()) if len(dates) else "",
                            last_date=str(dates.max()) if len(dates) else "")
    if len(papers) > 1:
        log.warning("%s: the articles come from %d papers (%s); the build describes the corpus as mixed",
                    corpus.text, len(papers), "; ".join(papers))
        paper = "mixed: " + "; ".join(papers)
    else:
        paper = corpus.paper or (papers[0] if papers else ident.paper)
    return pd.DataFrame([{
        "corpus": corpus.label,
        "paper": paper,
        "corpus_path": _portable(corpus.root),
        "kind": corpus.kind,
        "is_sample": bool(corpus.is_sample),
        "fingerprint": corpus.fingerprint(),
        "defaulted_facts": ";".join(corpus.defaulted),
        "n_articles": int(len(articles)),
        "first_date": str(dates.min()) if len(dates) else "",
        "last_date": str(dates.max()) if len(dates) else "",
        "papers": ";".join(papers),
        "guessed": ";".join(ident.guessed_fields),
        "publish_text": ident.publish_text,
    }])


def _portable(path: Path) -> str:
    """A path relative to the project when inside it (``data``), so the table's bytes do not depend
    on where the repository was cloned; else the folder's own name (a table never names a machine's
    folders)."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return resolved.name


# Every table gets a Parquet file (for code: the notebooks read these) and a
# CSV (for people); a list column (tokens) does not fit CSV, so that one is
# Parquet only.
PARQUET_ONLY = {"tokens"}


def _files(tables: dict[str, pd.DataFrame]) -> list[tuple[str, str]]:
    out = []
    for name in tables:
        out.append((name, f"{name}.parquet"))
        if name not in PARQUET_ONLY:
            out.append((name, f"{name}.csv"))
    return out


class TableWriter:
    """Writes tables into a staging folder on background threads, each file with its size and checksum,
    while the build goes on computing others (:func:`build` uses one for the tables that are complete
    before the topics step).

    A context manager: leaving it, by success or error, waits for every write it started (a folder is
    never deleted or renamed while a thread writes into it) and drops the ones not started.  The files
    and their bytes are those :func:`_write_into` writes; only when they are written changes.  One
    thread by default: a table being written is held twice (as Arrow too), and at 192,000 articles the
    writing is when the build's memory peaks.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with TableWriter(folder) as w:
    ...     w.submit({"t": pd.DataFrame({"a": [1, 2]})})
    ...     sorted(w.result("t.csv")) == ["bytes", "path", "sha256"]
    True
    """

    def __init__(self, folder: Path, threads: int = 1):
        from concurrent.futures import ThreadPoolExecutor

        self.folder = Path(folder)
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="write")
        self._files: dict[str, object] = {}

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, *exc) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, tables: Mapping[str, pd.DataFrame | None]) -> None:
        """Start writing every file of ``tables`` (a table not yet computed, None, or already written, a
        :class:`WrittenTable`, is left out; a file submitted before is not written again)."""
        for name, filename in _files(tables):
            frame = tables[name]
            if frame is None or isinstance(frame, WrittenTable) or filename in self._files:
                continue
            self._files[filename] = self._pool.submit(_write_file, frame, self.folder / filename)

    def result(self, filename: str) -> dict | None:
        """``{"path", "bytes", "sha256"}`` of a submitted file once written (its error raised here), None
        when it was not submitted."""
        future = self._files.get(filename)
        return None if future is None else future.result()


def _write_file(frame: pd.DataFrame, path: Path) -> dict:
    """Write one table file (Parquet or CSV by its name); its path, size and checksum."""
    path = (write_parquet if path.name.endswith(".parquet") else write_csv)(frame, path)
    return {"path": path, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _write_into(tables: dict[str, pd.DataFrame], folder: Path, progress: bool = False,
                inputs: str | None = None, seconds: Steps | None = None, pause: float = 0.0,
                writer: TableWriter | None = None) -> list[Path]:
    """Write every table and, last, ``build.json`` into ``folder`` (a staging folder).

    ``writer``: the :class:`TableWriter` into ``folder`` that has written (or is writing) some of the
    files already; the others are given to it now.
    ``pause``: the fault-injection hook of :class:`~analysis.settings.Settings` (seconds to wait
    after the first file, announced on stdout).
    """
    own = writer is None
    writer = writer if writer is not None else TableWriter(folder)
    try:
        writer.submit(tables)
        written, facts = [], {}
        for k, (name, filename) in enumerate(progress_bar(_files(tables), desc="writing tables", unit="file",
                                                          enabled=progress)):
            if isinstance(tables[name], WrittenTable):  # written earlier, into this folder
                written.append(tables[name].path)
                continue
            done = writer.result(filename)
            written.append(done["path"])
            facts[done["path"].name] = {"bytes": done["bytes"], "sha256": done["sha256"]}
            if pause and k == 0:
                # Fault-injection hook: announce the write phase, then wait to be killed.
                print(f"ANALYSIS_TEST_PAUSE_WRITE: paused after {filename}", flush=True)
                time.sleep(pause)
    finally:
        if own:
            writer.__exit__(None, None, None)
    now = time.time_ns()
    manifest = {
        "complete": True,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": {p.name: facts.get(p.name) or {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
                  for p in written},
        "rows": {name: int(len(frame)) for name, frame in tables.items()},
        "makers": table_makers(list(tables)),
    }
    if inputs is not None:
        manifest["inputs"] = inputs  # analysis.inputs.input_digest: lets the next build see it is up to date
    if seconds is not None:
        # Where this build's time went (the benchmark reads it); the writing step itself is not finished yet.
        detail = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in seconds.detail.items()}
        manifest["seconds"] = {**seconds.seconds, "per_article": detail}
        manifest["peak_mb"] = dict(seconds.peak_mb)  # of the build process (workers not included)
    if (folder / DATASET_DIR).is_dir():
        # The dataset's files, by path inside it, checked like the tables'.
        manifest["datasets"] = {DATASET_DIR: {p.relative_to(folder / DATASET_DIR).as_posix():
                                          {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
                                          for p in sorted((folder / DATASET_DIR).rglob("*")) if p.is_file()}}
    # What tells the next build, without reading them, that the files are unchanged (analysis.inputs).
    paths = {p.name: p for p in written}
    if (folder / DATASET_DIR).is_dir():
        paths.update({f"{DATASET_DIR}/{p.relative_to(folder / DATASET_DIR).as_posix()}": p
                      for p in (folder / DATASET_DIR).rglob("*") if p.is_file()})
    manifest["signatures"] = signatures(paths, now)
    written.append(write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", folder / MANIFEST))
    return written


def built_tables(out: str | Path, corpus, *, workers: int | None = None, scheduler=None,
                 progress: bool = False) -> Tables:
    """The tables of ``corpus`` in ``out``, built first when ``out`` is missing or holds a build of other
    inputs (corpus, facts, code, settings).

    When another process is building ``out`` (two chapters started at once on stale tables, or a chapter
    started while ``scripts/book.sh`` builds), this waits for it and takes its tables if they are this
    corpus's, instead of failing on its lock.  ``corpus``: a :class:`~analysis.corpus.folder.Corpus`.
    """
    digest, _ = input_digest(corpus)
    while not up_to_date(out, digest, MANIFEST):
        try:
            build(out, corpus, workers=workers, scheduler=scheduler, force=True, progress=progress)
        except FolderBusy:
            OutputFolder(out).wait()
            continue
        break
    return Tables(out, corpus.settings)


def refuse_in_worker_start() -> None:
    """Raise :class:`WorkerStartError` in a worker process that is still starting.

    A worker started by the ``forkserver`` or ``spawn`` method imports the script that started the
    build again (Python's multiprocessing does, to find its functions).  A script that builds at its
    top level, outside ``if __name__ == "__main__":``, would then build in every worker too, and that
    build waits for the folder the first one holds, which waits for its workers: the build hung,
    silently.  Now the worker stops at once with this message, and the build reports the lost worker.

    >>> refuse_in_worker_start()  # the main process: nothing to refuse
    """
    import multiprocessing

    # multiprocessing marks a process that is importing its parent's main module this way (the same
    # mark makes it refuse to start processes of its own at that point).
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise WorkerStartError(
            "a build was started while a worker process was importing the script that started the build: "
            "put the script's code under `if __name__ == \"__main__\":` (worker processes import the script "
            "again, and must not build)")


def build(out: str | Path, corpus=None, manifest=None, articles=None, *, paper: str = "", leaders=None,
          progress: bool = False, workers: int | None = None, scheduler=None, force: bool = False
          ) -> Mapping[str, pd.DataFrame]:
    """Compute and write every table of a corpus into ``out``; return the tables.

    ``corpus``, ``manifest``, ``articles``, ``paper``, ``leaders``: the corpus
    (see :func:`build_tables`).  ``out`` is checked and locked before
    anything is computed: it may not be, contain or lie inside one of the corpus's inputs
    (:func:`~analysis.corpus.folder.check_not_input`).  The per-article dataset is written into the
    staging folder as ``perarticle/`` (:data:`~analysis.tables.DATASET_DIR`), so it replaces the
    old one together with the tables or not at all.  ``workers``/``scheduler``:
    see :func:`build_tables`.

    When ``out`` already holds a complete build of the same inputs (corpus
    files, facts, code, libraries, settings: :mod:`analysis.inputs`), nothing
    is recomputed or rewritten and the tables are returned as
    :class:`~analysis.tables.Tables`, read on demand; ``force=True`` rebuilds anyway.

    >>> build("/dev/null/out")
    Traceback (most recent call last):
    ...
    analysis.io.OutputError: /dev/null/out: --out lies under /dev/null, which is a file
    """
    refuse_in_worker_start()
    folder = OutputFolder(out)
    try:
        folder.check()  # a wrong --out is reported before the corpus is even read
    except OutputError:
        # Say the more precise thing when --out is one of the corpus's own folders.
        try:
            check_not_input(folder.out, as_corpus(corpus, manifest, articles, paper=paper, leaders=leaders))
        except InputError as err:
            if isinstance(err, OutputError):
                raise err from None
        raise
    corpus = as_corpus(corpus, manifest, articles, paper=paper, leaders=leaders)
    check_not_input(folder.out, corpus)  # never replace (or write into) what the build reads
    digest, _ = input_digest(corpus)
    if not force and up_to_date(out, digest, MANIFEST):
        log.info("%s is up to date (same corpus, facts, code and settings); nothing to do", out)
        return Tables(out, corpus.settings)
    steps = Steps(STEPS, enabled=progress)
    try:
        with folder as staging, TableWriter(staging) as writer:
            try:
                tables = build_tables(corpus, progress=progress, steps=steps, workers=workers, scheduler=scheduler,
                                      dataset=staging / DATASET_DIR, staging=staging, writer=writer)
            except DatasetWriteError as err:
                # The dataset is the first thing written into the staging folder.
                raise OutputError(folder.out, f"writing the tables failed ({err.strerror or err}); "
                                              "the previous tables are unchanged") from None
            with steps.step("writing"):
                try:
                    _write_into(tables, staging, progress, inputs=digest, seconds=steps,
                                pause=corpus.settings.pause_write, writer=writer)
                except OSError as err:
                    raise OutputError(folder.out, f"writing the tables failed ({err.strerror or err}); "
                                                  "the previous tables are unchanged") from None
    finally:
        steps.close()
    return tables


# --------------------------------------------------------------------------- the caches

def prune_caches(settings=None, *, max_age_days: float | None = None, clock=None) -> dict:
    """``python -m analysis cache --prune``: bound the caches of a build folder now; return what went.

    The per-article cache (:class:`~analysis.perarticle.stage.ArticleCache`): generations a corpus
    has superseded and not used for ``settings.cache_keep_days``, the least recently used past
    ``settings.cache_max_mb``, and (``max_age_days``) any generation unused that long; then the file
    is compacted.  The corpus cache (articles read from pages and tables): entries unused for
    ``max_age_days`` (default ``cache_keep_days``).  Returns ``{"perarticle": {...}, "corpus": {...}}``
    with the entries and bytes removed and the sizes before and after.
    """
    import time as _time

    settings = settings if settings is not None else default_settings()
    clock = clock or _time.time
    root = settings.build_path() / "cache"
    report: dict = {}
    folder = root / "perarticle"
    if (folder / ArticleCache.FILE).is_file():
        store = ArticleCache(folder, keep_days=settings.cache_keep_days, max_mb=settings.cache_max_mb, clock=clock)
        before = store.size()
        removed = store.evict(max_age_days=max_age_days)
        if removed["entries"]:
            store.vacuum()
        report["perarticle"] = {**removed, "path": str(store.path), "before": before, "after": store.size()}
    corpus = root / "corpus"
    if corpus.is_dir():
        limit = (settings.cache_keep_days if max_age_days is None else max_age_days) * 86400
        gone = {"entries": 0, "bytes": 0}
        now = clock()
        for path in sorted(corpus.glob("*-articles.parquet")):
            key = path.name[: -len("-articles.parquet")]
            parts = sorted(corpus.glob(f"{key}-*.parquet"))
            try:
                used = max(p.stat().st_mtime for p in parts)
            except OSError:
                continue
            if now - used > limit:
                for part in parts:
                    gone["bytes"] += part.stat().st_size
                    part.unlink(missing_ok=True)
                gone["entries"] += 1
        report["corpus"] = {**gone, "path": str(corpus)}
    return report
