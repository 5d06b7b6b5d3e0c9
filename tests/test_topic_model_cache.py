"""The fitted topic model kept by its input (analysis.topics.cache): a rebuild with the same term counts
reads it instead of refitting and writes the same tables; any other input, or a damaged entry, refits."""
from __future__ import annotations

import json

import numpy as np

from analysis.build import build
from analysis.corpus.folder import Corpus
from analysis.settings import Settings
from analysis.topics.cache import ModelCache, model_key
from analysis.topics.model import fit_topics, tfidf_matrix

TOPIC_FILES = ["clusters.parquet", "cluster_terms.parquet", "topic_selection.parquet", "tfidf_summary.parquet",
               "representative_articles.parquet", "nmf_terms.parquet", "nmf_articles.parquet"]


def _checksums(folder):
    files = json.loads((folder / "build.json").read_text(encoding="utf-8"))["files"]
    return {name: files[name]["sha256"] for name in TOPIC_FILES}


def test_a_forced_rebuild_reads_the_model_and_writes_the_same_topic_tables(tmp_path):
    corpus = Corpus(settings=Settings(build_dir=tmp_path / "build"))
    build(tmp_path / "a", corpus, workers=1)
    entries = sorted((tmp_path / "build").rglob("model-*"))
    assert len(entries) == 1 and (entries[0] / "meta.json").is_file()
    stamp = (entries[0] / "meta.json").stat().st_mtime_ns
    build(tmp_path / "b", corpus, workers=1, force=True)
    assert (entries[0] / "meta.json").stat().st_mtime_ns == stamp  # read, not written again
    assert _checksums(tmp_path / "b") == _checksums(tmp_path / "a")
    # A damaged entry is refitted (and rewritten), with the same tables.
    (entries[0] / "arrays.npz").write_bytes(b"not an archive")
    build(tmp_path / "c", corpus, workers=1, force=True)
    assert _checksums(tmp_path / "c") == _checksums(tmp_path / "a")
    with np.load(entries[0] / "arrays.npz") as arrays:
        assert len(arrays["labels"]) > 0


def test_the_key_changes_with_the_counts_the_terms_and_the_settings(tokens):
    tfidf = tfidf_matrix(tokens)
    key = model_key(tfidf, {"seed": 0})
    assert model_key(tfidf, {"seed": 0}) == key
    assert model_key(tfidf, {"seed": 1}) != key
    edited = tfidf_matrix(tokens.assign(tokens=[t + ["新词语", "新词语"] if i == 0 else t
                                                for i, t in enumerate(tokens["tokens"])]), min_df=1)
    assert model_key(edited, {"seed": 0}) != key


def test_a_stored_model_comes_back_whole_and_old_entries_are_evicted(tmp_path, tokens):
    tfidf = tfidf_matrix(tokens)
    model = fit_topics(tfidf, nmf_terms=5)
    cache = ModelCache(tmp_path)
    cache.put("a" * 64, model)
    again = cache.get("a" * 64, tfidf)
    assert (cache.hits, cache.misses) == (1, 0)
    assert again.k == model.k and again.method == model.method
    assert np.array_equal(again.labels, model.labels) and np.array_equal(again.coords, model.coords)
    assert again.selection.equals(model.selection) and again.nmf.terms.equals(model.nmf.terms)
    assert cache.get("b" * 64, tfidf) is None and cache.misses == 1
    for i in range(6):
        cache.put(f"{i}" * 64, model)
    assert len(list(tmp_path.glob("model-*"))) == 4


def test_the_topic_fit_runs_beside_the_tables_of_people(tmp_path, monkeypatch):
    # The tables of people (protocol order) wait until the fit has started: they run only if the fit
    # started before them, on its own thread, and the tables are those of a build without the wait.
    import threading

    import analysis.build as build_module

    corpus = Corpus(settings=Settings(build_dir=tmp_path / "build"))
    build(tmp_path / "a", corpus, workers=1)
    started = threading.Event()
    real_fit, real_order = build_module.fit_topics, build_module.protocol_order

    def fit(*args, **kwargs):
        started.set()
        return real_fit(*args, **kwargs)

    def order(*args, **kwargs):
        assert started.wait(60), "the topic fit had not started when the tables of people were made"
        return real_order(*args, **kwargs)

    monkeypatch.setattr(build_module, "fit_topics", fit)
    monkeypatch.setattr(build_module, "protocol_order", order)
    fresh = Corpus(settings=Settings(build_dir=tmp_path / "fresh"))
    build(tmp_path / "b", fresh, workers=1)
    assert _checksums(tmp_path / "b") == _checksums(tmp_path / "a")


def test_a_build_that_fails_beside_the_fit_waits_for_it_and_keeps_no_model(tmp_path, monkeypatch):
    import threading

    import pytest

    import analysis.build as build_module

    failed = threading.Event()
    real_fit = build_module.fit_topics

    def fit(*args, **kwargs):
        assert failed.wait(60)
        return real_fit(*args, **kwargs)

    def order(*args, **kwargs):
        failed.set()
        raise RuntimeError("the tables of people failed")

    monkeypatch.setattr(build_module, "fit_topics", fit)
    monkeypatch.setattr(build_module, "protocol_order", order)
    corpus = Corpus(settings=Settings(build_dir=tmp_path / "build"))
    with pytest.raises(RuntimeError, match="tables of people"):
        build(tmp_path / "a", corpus, workers=1)
    assert not [t for t in threading.enumerate() if t.name == "topics-fit"]  # waited for, not left running
    assert not list((tmp_path / "build").rglob("model-*"))  # a failed build's fit is not kept
    assert not (tmp_path / "a").exists()
