"""The fitted topic model, kept by what it is fitted on: a build whose term counts did not change does not refit.

A warm rebuild (``--force``), a registry change or an edit of a fact no topic reads leaves every article's
term counts as they were; the model (k chosen, k-means, map, NMF check) is then a function of the same
input, so :class:`ModelCache` returns the one fitted before instead of fitting it again (13 of the 45
seconds of a warm build of the development corpus).  The key (:func:`model_key`) is a hash of the TF-IDF
input (article ids, terms, counts), the fit's settings, the topic code and the numerical libraries'
versions; anything else is a miss.  An entry is one folder written whole (a sibling renamed into place),
and an unreadable entry is a miss, never an error: a cache only saves time.

>>> import tempfile
>>> ModelCache(tempfile.mkdtemp()).get("0" * 64, None) is None
True
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.inputs import library_version

log = logging.getLogger(__name__)

#: Bumped when what an entry holds changes.
CACHE_VERSION = 1
#: Entries kept per folder, the most recently used (a corpus's model is 1–15 MB: centroids are k × terms).
KEEP = 4
#: The modules whose code a fitted model depends on.
_CODE = ("model.py", "selection.py", "labels.py", "cache.py")


def model_key(tfidf, settings: dict) -> str:
    """Hex digest of everything :func:`~analysis.topics.model.fit_topics` reads: the TF-IDF's article
    ids, terms, term counts (or values) and parameters, ``settings`` (seed, k, NMF terms …), the topic
    modules' code and the numerical libraries' versions."""
    import scipy

    source = tfidf.counts if tfidf.counts is not None else tfidf.matrix
    digest = hashlib.sha256()
    here = Path(__file__).parent
    meta = {"version": CACHE_VERSION, "settings": settings, "params": tfidf.params,
            "code": [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in _CODE],
            "numpy": np.__version__, "scipy": scipy.__version__,
            # From its metadata: importing scikit-learn costs a build whose model is cached 0.8 s.
            "sklearn": library_version("scikit-learn", "sklearn"),
            "shape": list(source.shape)}
    digest.update(json.dumps(meta, sort_keys=True, default=str).encode())
    for labels in (tfidf.article_ids, tfidf.terms):
        digest.update("\x1f".join(map(str, labels)).encode())
        digest.update(b"\x1e")
    for array in (source.indptr, source.indices, source.data):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


class ModelCache:
    """Fitted topic models by :func:`model_key`, one folder each in ``folder`` (the build's
    ``corpus.cache_dir("topics")``).  ``hits`` and ``misses`` count this object's look-ups."""

    ARRAYS = ("labels", "centroids", "coords", "silhouettes")

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.hits = 0
        self.misses = 0

    def path(self, key: str) -> Path:
        return self.folder / f"model-{key[:32]}"

    def get(self, key: str, tfidf):
        """The model stored under ``key``, with ``tfidf`` as its matrix; None when there is none (or it
        cannot be read)."""
        from .model import NmfTopics, TopicModel

        path = self.path(key)
        model = None
        if (path / "meta.json").is_file():
            try:
                meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
                if meta.get("key") != key:
                    raise ValueError("another model's entry")
                with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
                    values = {name: arrays[name] for name in self.ARRAYS}
                nmf = None
                if meta["nmf"]:
                    nmf = NmfTopics(articles=_read_frame(path, "nmf_articles", meta),
                                    terms=_read_frame(path, "nmf_terms", meta))
                model = TopicModel(tfidf=tfidf, k=int(meta["k"]), labels=values["labels"],
                                   centroids=values["centroids"], coords=values["coords"],
                                   selection=_read_frame(path, "selection", meta), method=meta["method"],
                                   seed=int(meta["seed"]), params={**meta["params"], "model_cached": True},
                                   silhouettes=values["silhouettes"], nmf=nmf)
            except Exception as err:  # noqa: BLE001 - any unreadable entry is refitted
                log.warning("topic model cache %s unreadable (%s); fitting the model again", path, err)
                model = None
        if model is None:
            self.misses += 1
        else:
            self.hits += 1
            try:
                os.utime(path)  # recently used: kept by the eviction
            except OSError:
                pass
        return model

    def evict(self, keep: int = KEEP) -> int:
        """Remove all but the ``keep`` most recently used entries; return how many went."""
        try:
            entries = sorted((p for p in self.folder.glob("model-*") if p.is_dir()),
                             key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
        except OSError:
            return 0
        for path in entries[keep:]:
            shutil.rmtree(path, ignore_errors=True)
        return max(0, len(entries) - keep)

    def put(self, key: str, model) -> None:
        """Store ``model`` under ``key`` (a warning, not an error, when the folder cannot be written)."""
        target = self.path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=self.folder))
        except OSError as err:
            log.warning("could not write the topic model cache in %s (%s); continuing without it",
                        self.folder, err.strerror or err)
            return
        try:
            silhouettes = model.silhouettes if model.silhouettes is not None else np.full(len(model.labels), np.nan)
            np.savez(stage / "arrays.npz", labels=model.labels, centroids=model.centroids, coords=model.coords,
                     silhouettes=silhouettes)
            frames = {"selection": model.selection}
            if model.nmf is not None:
                frames.update(nmf_articles=model.nmf.articles, nmf_terms=model.nmf.terms)
            for name, frame in frames.items():
                frame.to_parquet(stage / f"{name}.parquet", index=False)
            params = {k: v for k, v in model.params.items() if k != "model_cached"}
            meta = {"key": key, "k": int(model.k), "method": model.method, "seed": int(model.seed),
                    "params": params, "nmf": model.nmf is not None,
                    # Column types as fitted (Parquet reads text back as another type).
                    "dtypes": {name: {str(c): str(t) for c, t in frame.dtypes.items()}
                               for name, frame in frames.items()}}
            # meta.json last: an entry without it is never read.
            (stage / "meta.json").write_text(json.dumps(meta, default=_jsonable), encoding="utf-8")
            old = None
            if target.exists():
                old = target.with_name(f".{target.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
            os.replace(stage, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            self.evict()
        except (OSError, TypeError, ValueError) as err:
            log.warning("could not write the topic model cache in %s (%s); continuing without it",
                        self.folder, getattr(err, "strerror", None) or err)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def _read_frame(folder: Path, name: str, meta: dict) -> pd.DataFrame:
    """A stored table with its columns' types as they were fitted."""
    frame = pd.read_parquet(folder / f"{name}.parquet")
    return frame.astype(meta["dtypes"][name])


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON: {type(value).__name__}")
