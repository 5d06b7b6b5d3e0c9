"""One chunk of articles through every per-article output they lack: the stage's work in a worker.

Every cached value passes through :func:`compute_chunk` (and :func:`records_of`, which makes the
records it receives), so this file's bytes are part of every cache key
(:func:`analysis.perarticle.stage.stage_keys`), beside each kind's own modules: a change here
recomputes, it never reads stale values.  Cache management, scheduling and keys live in
:mod:`analysis.perarticle.stage`, whose changes do not touch the values.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from analysis.corpus.folder import Corpus
from analysis.io import row_records
from .kinds import KINDS, Chunk


def code_digest() -> str:
    """SHA-256 of this module's source (re-read when the file changes)."""
    path = Path(__file__)
    info = path.stat()
    stamp = (info.st_mtime_ns, info.st_size)
    if _DIGEST.get("stamp") != stamp:
        _DIGEST.update(stamp=stamp, digest=hashlib.sha256(path.read_bytes()).hexdigest())
    return _DIGEST["digest"]


_DIGEST: dict = {}


def records_of(articles: pd.DataFrame, rows) -> list[dict]:
    """Rows ``rows`` of the articles table as the dicts the kinds compute from."""
    return row_records(articles.iloc[list(rows)])


#: Corpora a worker process has seen, by identity: their segmenter and matcher are made once per process.
_RESIDENT: dict[Corpus, Corpus] = {}


def resident(corpus: Corpus) -> Corpus:
    """This process's copy of ``corpus`` (an equal object received before), so what is derived from its
    facts survives from one chunk to the next."""
    found = _RESIDENT.get(corpus)
    if found is None:
        if len(_RESIDENT) >= 4:  # a long-lived Dask worker serving many corpora
            _RESIDENT.clear()
        found = _RESIDENT[corpus] = corpus
    return found


def compute_chunk(corpus: Corpus, records: list[dict], needs: list[tuple[str, ...]], given: dict[str, dict],
                  context: dict | None = None) -> dict[str, dict[int, bytes]]:
    """Compute the missing outputs of one chunk of articles (runs in a worker process).

    ``records``: rows of the articles table; ``needs[i]``: the kinds row
    ``i`` lacks, in :data:`~analysis.perarticle.kinds.KINDS` order;
    ``given[kind][i]``: the cached bytes of a value that a needed kind uses
    (tokens).  Returns ``{kind: {i: bytes}}``, each value encoded as the
    cache stores it: bytes travel back to the parent several times faster
    than lists of strings, and the parent stores them as they are.
    """
    corpus = resident(corpus)
    if corpus.settings.kill_worker:
        _fault_kill(corpus.settings.kill_worker, records)
    chunk = Chunk(records, corpus, given, context)
    out: dict[str, dict[int, bytes]] = {}
    for name, kind in KINDS.items():
        rows = [i for i, need in enumerate(needs) if name in need]
        if not rows:
            continue
        out[name] = dict(zip(rows, kind.compute(chunk, rows)))
        chunk.blobs.setdefault(name, {}).update(out[name])
    return out


def _fault_kill(hook: str, records: list[dict]) -> None:
    """Fault-injection hook (:attr:`~analysis.settings.Settings.kill_worker`): a worker process given
    the article ``ID`` (hook ``ID``, or ``ID:FILE`` while FILE does not exist) kills itself."""
    import multiprocessing
    import signal

    article, _, marker = hook.partition(":")
    if multiprocessing.parent_process() is None or not any(str(r.get("article_id")) == article for r in records):
        return  # only worker processes die (a build in one process is not killed)
    if marker:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
