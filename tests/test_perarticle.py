"""The per-article stage: cached by content, the same output on any number of workers."""
from __future__ import annotations

import logging
import sqlite3

import pandas as pd
import pytest

from analysis.aggregate import per_article_tables
from analysis.corpus.folder import Corpus
from analysis.corpus.read import read_corpus
from analysis.perarticle.mentions import leader_mentions
from analysis.perarticle.kinds import KINDS
from analysis.perarticle.stage import ArticleCache, run_stage, stage_keys
from analysis.synthetic import generate_corpus
from oracles import term_tables


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """A generated two-year corpus folder (300 articles) and its articles table."""
    folder = generate_corpus(tmp_path_factory.mktemp("gen"), n_articles=300, start="2020-01-01", end="2021-12-31")
    return folder, read_corpus(articles=folder / "articles.csv").articles


@pytest.fixture
def gen_corpus(generated):
    """The generated corpus (a :class:`Corpus`) and its articles table."""
    folder, articles = generated
    return Corpus(folder), articles


def _frame(table) -> pd.DataFrame:
    """The build's tokens table is Arrow (one list<string> column); as the DataFrame of tokenize_articles."""
    if isinstance(table, pd.DataFrame):
        return table
    return pd.DataFrame({"article_id": pd.Series(table["article_id"].to_pylist(), dtype=object),
                         "tokens": pd.Series(table["tokens"].to_pylist(), dtype=object)})


def _assert_tables_equal(got: dict, want: dict) -> None:
    for name, frame in want.items():
        pd.testing.assert_frame_equal(_frame(got[name]), _frame(frame), check_exact=True, obj=name)


def test_stage_on_sample_equals_the_modules(articles, tmp_path):
    got = per_article_tables(articles, workers=1, cache=tmp_path / "c")
    want = term_tables(articles)
    want["mentions"] = leader_mentions(articles)
    _assert_tables_equal(got, want)
    assert len(got["formulation_occurrences"]) > 0 and len(got["mentions"]) > 0


def test_two_workers_equal_one_and_the_reference(gen_corpus, tmp_path):
    corpus, arts = gen_corpus
    one = per_article_tables(arts, corpus, workers=1, cache=tmp_path / "one")
    two = per_article_tables(arts, corpus, workers=2, cache=tmp_path / "two")
    want = term_tables(arts, corpus)
    want["mentions"] = leader_mentions(arts, corpus=corpus)
    _assert_tables_equal(one, want)
    _assert_tables_equal(two, one)
    # Same bytes on disk, too.
    from analysis.io import write_parquet

    for name in ("tokens", "term_frequency_by_month", "mentions"):
        write_parquet(one[name], tmp_path / "1.parquet")
        write_parquet(two[name], tmp_path / "2.parquet")
        assert (tmp_path / "1.parquet").read_bytes() == (tmp_path / "2.parquet").read_bytes(), name
    assert one["mentions"]["name"].nunique() >= 3  # the planted officials are found


def _computed(stage) -> dict:
    return {kind: s["computed"] for kind, s in stage.stats.items()}


def test_changed_article_reruns_only_that_article(gen_corpus, tmp_path):
    corpus, arts = gen_corpus
    cache = tmp_path / "c"
    first = run_stage(arts, corpus, workers=1, cache=cache)
    kinds = ("tokens", "counts", "runs", "quotes", "bounds", "mentions", "discoveries")
    assert _computed(first) == {k: len(arts) for k in kinds}
    assert _computed(run_stage(arts, corpus, workers=1, cache=cache)) == {k: 0 for k in kinds}
    edited = arts.copy()
    edited.loc[5, "text"] = edited.loc[5, "text"] + "区委书记林国栋调研“两园一河”建设。"
    again = run_stage(edited, corpus, workers=1, cache=cache)
    assert _computed(again) == {"tokens": 1, "counts": 1, "runs": 1, "quotes": 1, "bounds": 1, "mentions": 1,
                                "discoveries": 1}
    fresh = run_stage(edited, corpus, workers=1, cache=False)
    assert again.tokens.equals(fresh.tokens) and again.counts == fresh.counts and again.mentions == fresh.mentions
    assert again.runs == fresh.runs


def test_changed_registry_reruns_only_mentions(gen_corpus, tmp_path):
    corpus, arts = gen_corpus
    cache = tmp_path / "c"
    run_stage(arts, corpus, workers=1, cache=cache)
    registry = pd.read_csv(corpus.root / "leaders.csv", dtype=str, keep_default_na=False)
    changed = tmp_path / "leaders.csv"
    registry.iloc[1:].to_csv(changed, index=False)  # one post fewer
    stage = run_stage(arts, corpus.with_registry(changed), workers=1, cache=cache)
    # Discovery leaves registered names out only when it counts; its hits follow the registry's titles.
    assert _computed(stage) == {"tokens": 0, "counts": 0, "runs": 0, "quotes": 0, "bounds": 0, "mentions": len(arts),
                                "discoveries": len(arts)}
    got = per_article_tables(arts, corpus.with_registry(changed), workers=1, cache=cache)["mentions"]
    pd.testing.assert_frame_equal(got, leader_mentions(arts, registry=changed, corpus=corpus), check_exact=True)


def test_changed_stopwords_recount_without_resegmenting(gen_corpus, tmp_path):
    corpus, arts = gen_corpus
    folder = corpus.root
    cache = tmp_path / "c"
    run_stage(arts, corpus, workers=1, cache=cache)
    from analysis.paths import DATA_DIR

    stop = (DATA_DIR / "defaults" / "stopwords.csv").read_text(encoding="utf-8-sig")
    (folder / "stopwords.csv").write_text(stop + "发展,test,tests/test_perarticle.py\n", encoding="utf-8")
    try:
        stage = run_stage(arts, Corpus(folder), workers=1, cache=cache)  # the folder, opened again: its own stopwords
        # The n-grams skip stopwords too: they are recounted, the text is not re-segmented.
        assert _computed(stage) == {"tokens": 0, "counts": len(arts), "runs": len(arts), "quotes": 0, "bounds": 0,
                                    "mentions": 0, "discoveries": 0}
        assert all(term != "发展" for c in stage.counts for term in c["terms"])
    finally:
        (folder / "stopwords.csv").unlink()


def test_corrupt_entry_is_discarded_with_one_warning(articles, tmp_path, caplog):
    cache = tmp_path / "c"
    clean = run_stage(articles, workers=1, cache=cache)
    con = sqlite3.connect(cache / ArticleCache.FILE)
    with con:
        con.execute("UPDATE entries SET value = CAST('garbage' AS BLOB) WHERE kind = 'tokens'")
    con.close()
    with caplog.at_level(logging.WARNING, logger="analysis.perarticle.stage"):
        again = run_stage(articles, workers=1, cache=cache)
    warnings = [r for r in caplog.records if "corrupt tokens" in r.getMessage()]
    assert len(warnings) == 1
    assert again.stats["tokens"]["computed"] == len(articles)
    assert again.tokens.equals(clean.tokens)


def test_unreadable_cache_file_is_set_aside(articles, tmp_path, caplog):
    cache = tmp_path / "c"
    clean = run_stage(articles, workers=1, cache=cache)
    (cache / ArticleCache.FILE).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="analysis.perarticle.stage"):
        again = run_stage(articles, workers=1, cache=cache)
    assert any("unreadable" in r.getMessage() for r in caplog.records)
    assert again.tokens.equals(clean.tokens) and again.mentions == clean.mentions


def test_keys_follow_the_inputs_they_name():
    corpus = Corpus()
    base = {"article_id": "a", "text": "丰台区委书记王少峰主持会议", "headline": "会议", "issue_date": "2025-02-13"}
    [k] = stage_keys([base], corpus)
    [moved] = stage_keys([{**base, "issue_date": "2025-02-14"}], corpus)
    assert moved["tokens"] == k["tokens"] and moved["counts"] == k["counts"] and moved["quotes"] == k["quotes"]
    assert moved["mentions"] != k["mentions"]  # the date decides who holds a post
    [retitled] = stage_keys([{**base, "headline": "“两园一河”"}], corpus)
    assert retitled["quotes"] != k["quotes"] and retitled["tokens"] == k["tokens"]
    # The whole row's and the fields' contents hold the text's digest, not the text: any edit still shows.
    [edited] = stage_keys([{**base, "text": base["text"] + "。"}], corpus)
    assert all(edited[kind] != k[kind] for kind in k)
    [missing] = stage_keys([{**base, "text": None}], corpus)
    [empty] = stage_keys([{**base, "text": ""}], corpus)
    assert missing["mentions"] != empty["mentions"] != k["mentions"] and missing["quotes"] != empty["quotes"]


def test_duplicate_ids_are_refused(articles):
    doubled = pd.concat([articles.iloc[:2], articles.iloc[:1]], ignore_index=True)
    with pytest.raises(ValueError, match="occurs more than once"):
        run_stage(doubled, workers=1, cache=False)


def test_build_tables_equal_the_modules_on_generated_corpus(gen_corpus, tmp_path):
    """What build_tables writes is what the modules give when called on the whole corpus,
    with the corpus folder's registry, titles and phrases (as main's build passed them)."""
    from analysis.build import build_tables
    from analysis.perarticle.mentions import load_registry

    corpus, arts = gen_corpus
    got = build_tables(corpus, workers=2, cache=tmp_path / "c", dataset=tmp_path / "ds")
    want = term_tables(arts, corpus)
    want["mentions"] = leader_mentions(arts, registry=load_registry(corpus.fact("leaders")),
                                       titles=corpus.fact("titles"), phrases=corpus.fact("phrases"), corpus=corpus)
    pd.testing.assert_frame_equal(got["articles"], arts, check_exact=True)
    _assert_tables_equal(got, want)
    assert len(got["formulations"]) > 3 and got["mentions"]["name"].nunique() >= 3
    assert (tmp_path / "ds" / "term_counts").is_dir()


def test_chunks_with_the_corpus_formulations_give_the_corpus_table(articles, generated):
    """extract_formulations(chunk, kinds=…) over chunks, concatenated, is the whole corpus's table."""
    from analysis.perarticle.formulations import extract_formulations

    for name, arts, corpus in (("sample", articles, Corpus()), ("generated", generated[1], Corpus(generated[0]))):
        whole = extract_formulations(arts, corpus=corpus)
        kinds = dict(zip(whole["formulation"], whole["kind"]))
        parts = [extract_formulations(arts.iloc[i : i + 7], kinds=kinds, corpus=corpus) for i in range(0, len(arts), 7)]
        pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole, check_exact=True, obj=name)
        # Without the corpus's formulations a chunk finds fewer: the keyword matters (on the
        # generated corpus, where slogans recur unquoted in other articles).
        assert name == "sample" or sum(len(extract_formulations(arts.iloc[i : i + 7], corpus=corpus))
                                       for i in range(0, len(arts), 7)) < len(whole)


def test_cache_that_cannot_be_written_only_warns(articles, tmp_path, monkeypatch, caplog):
    """A full disk under the cache costs time, not the build (as the token and corpus caches)."""
    real = sqlite3.connect

    class Full:
        def __init__(self, con):
            self.con = con

        def __getattr__(self, name):
            return getattr(self.con, name)

        def executemany(self, *args):
            raise sqlite3.OperationalError("database or disk is full")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr("analysis.perarticle.stage.sqlite3.connect", lambda *a, **k: Full(real(*a, **k)))
    with caplog.at_level(logging.WARNING, logger="analysis.perarticle.stage"):
        stage = run_stage(articles, workers=1, cache=tmp_path / "c")
    assert any("disk is full" in r.getMessage() for r in caplog.records)
    assert stage.tokens.equals(run_stage(articles, workers=1, cache=False).tokens)


def test_a_full_cache_is_recognised_before_the_corpus_is_read(gen_corpus, tmp_path, monkeypatch):
    """The build starts its workers early only when the cache does not already hold the corpus's
    outputs under today's code and facts; with a full cache it never starts them."""
    from analysis.build import build_tables
    from analysis.perarticle import stage

    corpus = Corpus()
    assert not stage.likely_cached(corpus, tmp_path / "c") and not stage.likely_cached(corpus, False)
    started = []
    real = stage.Runner.warm_up
    monkeypatch.setattr(stage.Runner, "warm_up", lambda self, c: started.append(1) or real(self, c))
    first = build_tables(corpus, workers=2, cache=tmp_path / "c", dataset=tmp_path / "ds1")
    assert started == [1] and stage.likely_cached(corpus, tmp_path / "c")
    second = build_tables(corpus, workers=2, cache=tmp_path / "c", dataset=tmp_path / "ds2")
    assert started == [1]  # not started again: every output came from the cache
    pd.testing.assert_frame_equal(first["mentions"], second["mentions"])
    # Another corpus has not used these entries.
    assert not stage.likely_cached(gen_corpus[0], tmp_path / "c")


@pytest.mark.parametrize("n", [1, 5, 20, 21, 24, 25, 40, 57])
def test_the_stages_batches_start_and_end_small_and_keep_the_files_cut_every_batch(n, tmp_path):
    """The first and last batches are cut in pieces (the workers start sooner, and end later), yet the
    tokens' row groups still hold a whole batch each."""
    import pyarrow.parquet as pq

    from analysis.aggregate.dataset import TokensSink
    from analysis.perarticle.kinds import encode_tokens
    from analysis.perarticle.stage import stage_batches

    size = 8
    pieces = stage_batches(n, size, first=1, last=1)
    assert [i for b in pieces for i in b] == list(range(n))
    if n > size:
        assert len(pieces[0]) <= 2 and len(pieces[-1]) <= 2
    articles = pd.DataFrame({"article_id": [f"a{i}" for i in range(n)]})
    sink = TokensSink(articles, tmp_path / "tokens.parquet", group=size)
    for piece in pieces:
        sink(piece, [encode_tokens([f"t{i}"]) for i in piece])
    sink.close()
    written = pq.ParquetFile(tmp_path / "tokens.parquet")
    groups = [written.metadata.row_group(g).num_rows for g in range(written.num_row_groups)]
    assert groups == [min(size, n - start) for start in range(0, n, size)]
    assert written.read()["article_id"].to_pylist() == list(articles["article_id"])


def test_one_worker_makes_the_segmenters_cache_files_for_all(tmp_path):
    """On a cold build folder the first warming worker makes jieba's dictionary and the user words'
    frequencies (3 s of CPU); the others wait for it and read its files instead of making them too."""
    from analysis.perarticle.stage import Runner
    from analysis.settings import Settings
    from analysis.tokens import get_segmenter

    corpus = Corpus(settings=Settings(build_dir=tmp_path / "build"))
    assert not get_segmenter(corpus).cached()
    with Runner(3) as runner:
        made = [future.result() for future in runner.warm_up(corpus)]
    assert made == [True, False, False]
    assert get_segmenter(corpus).cached()
    with Runner(2) as runner:
        assert [future.result() for future in runner.warm_up(corpus)] == [False, False]


def test_a_failing_first_warm_up_does_not_hold_the_others(monkeypatch, tmp_path):
    """The others wait for the first warming worker's signal, which it gives even when loading fails."""
    import threading

    from analysis.perarticle import stage

    loaded = threading.Event()
    monkeypatch.setattr(stage, "_SEGMENTER_LOADED", loaded)

    def broken(corpus):
        raise OSError("no dictionary")
    monkeypatch.setattr(stage, "get_segmenter", broken)
    with pytest.raises(OSError):
        stage._warm_up(Corpus(), first=True)
    assert loaded.is_set()


def _quick_checks(monkeypatch) -> list[str]:
    """The ``PRAGMA quick_check`` statements run from now on (every connection traced)."""
    seen: list[str] = []
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        con = connect(*args, **kwargs)
        con.set_trace_callback(lambda sql: seen.append(sql) if "quick_check" in sql else None)
        return con

    monkeypatch.setattr(sqlite3, "connect", traced)
    return seen


def test_the_cache_file_is_checked_again_only_when_changed_since(articles, tmp_path, monkeypatch):
    import os

    cache = tmp_path / "c"
    clean = run_stage(articles, workers=1, cache=cache)
    assert (cache / ArticleCache.CHECKED).is_file()
    seen = _quick_checks(monkeypatch)
    again = run_stage(articles, workers=1, cache=cache)  # reads and writes it, leaves it recorded
    assert seen == [] and again.stats["tokens"]["computed"] == 0
    run_stage(articles, workers=1, cache=cache)
    assert seen == []
    # Changed by anything but this cache (here only its times): checked again, then recorded again.
    path = cache / ArticleCache.FILE
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))
    run_stage(articles, workers=1, cache=cache)
    assert len(seen) == 1
    # A journal left by an interrupted write: checked.
    (cache / f"{ArticleCache.FILE}-journal").write_bytes(b"")
    run_stage(articles, workers=1, cache=cache)
    assert len(seen) == 2
    (cache / f"{ArticleCache.FILE}-journal").unlink(missing_ok=True)  # SQLite removes an empty one
    # A record that is unreadable or not this file's: checked, no error.
    for record in (b"\xff\xfe not json", b'{"version": 1, "signature": [1, 2, 3, 4, 5]}', b"[]"):
        (cache / ArticleCache.CHECKED).write_bytes(record)
        assert run_stage(articles, workers=1, cache=cache).tokens.equals(clean.tokens)
    assert len(seen) == 5


def test_a_cache_file_damaged_after_its_check_is_checked_and_set_aside(articles, tmp_path, monkeypatch, caplog):
    cache = tmp_path / "c"
    clean = run_stage(articles, workers=1, cache=cache)
    path = cache / ArticleCache.FILE
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), 2 * page):  # every other page, the header left intact
        data[start:start + page] = b"\xa5" * min(page, len(data) - start)
    path.write_bytes(bytes(data))  # the same size, but a new modification time
    seen = _quick_checks(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="analysis.perarticle.stage"):
        again = run_stage(articles, workers=1, cache=cache)
    assert seen and any("unreadable" in r.getMessage() for r in caplog.records)
    assert again.tokens.equals(clean.tokens) and again.mentions == clean.mentions
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="analysis.perarticle.stage"):
        third = run_stage(articles, workers=1, cache=cache)
    assert not caplog.records and third.stats["tokens"]["computed"] == 0


def test_a_forced_rebuild_from_a_full_cache_imports_no_scikit_learn(tmp_path):
    """Nothing to compute and the topic model cached: scikit-learn (0.8 s to import) is never imported."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ANALYSIS_BUILD_DIR": str(tmp_path / "build")}
    build = [sys.executable, "-m", "analysis", "build", "--quiet", "--workers", "1", "--out", str(tmp_path / "out")]
    subprocess.run(build, env=env, check=True)
    probe = ("import runpy, sys; sys.argv = " + repr(["analysis", *build[3:], "--force"]) +
             "\ntry:\n    runpy.run_module('analysis', run_name='__main__')\nexcept SystemExit as e:\n"
             "    assert not e.code, e.code\nassert 'sklearn' not in sys.modules, 'scikit-learn imported'")
    subprocess.run([sys.executable, "-c", probe], env=env, check=True)


def test_the_second_pass_takes_the_first_pass_keys_and_digests(gen_corpus, tmp_path, monkeypatch):
    import analysis.perarticle.stage as stage_module
    from analysis.perarticle.stage import carried_keys, corpus_formulations, formulation_occurrences

    corpus, articles = gen_corpus
    first = run_stage(articles, corpus, workers=1, cache=tmp_path / "c")
    carried = carried_keys(first, ("occurrences",))
    assert set(carried["keys"]) == {"bounds"} and set(carried["contents"]) == {None}
    assert carried["keys"]["bounds"] == [k["bounds"] for k in first.keys]
    context = {"formulations": list(corpus_formulations(first.quotes).items())}
    records = articles.to_dict("records")
    fresh = stage_keys(records, corpus, ("bounds", "occurrences"), context=context)
    given = stage_module._given(carried, range(len(records)))
    assert stage_keys(records, corpus, ("bounds", "occurrences"), context=context, given=given) == fresh
    # The second pass then hashes no whole row and no bounds again, and finds every occurrence it cached.
    expected = formulation_occurrences(first, workers=1, cache=tmp_path / "c")
    hashed = []
    real = stage_module._content
    monkeypatch.setattr(stage_module, "_content", lambda record, fields, *digest: hashed.append(fields) or real(record, fields, *digest))
    again = formulation_occurrences(first, workers=1, cache=tmp_path / "c", carried=carried)
    assert hashed == [] and first.stats["occurrences"] == {"cached": len(articles), "computed": 0}
    pd.testing.assert_frame_equal(again, expected)
    # Without carried key material (keys released), it hashes them itself.
    first.release(keys=True)
    assert carried_keys(first, ("occurrences",)) is None
    formulation_occurrences(first, workers=1, cache=tmp_path / "c")
    assert None in hashed


def test_occurrences_split_by_arrow_equal_the_rows_decoded_one_by_one():
    """The occurrences table's rows from blobs of lines (split by Arrow) equal those of the same blobs in
    the JSON form (decoded article by article) and the rows written out by hand, on 3,000 articles."""
    import random

    import numpy as np

    from analysis.corpus.field_lines import FIELDS
    from analysis.perarticle.kinds import decode_occurrences, encode_json, encode_occurrences
    from analysis.perarticle.stage import occurrence_columns

    rng = random.Random(7)
    kinds = {p: rng.choice(["numbered", "formulation"]) for p in ["两园一河", "十四五", "一带一路", "双碳", "ＡＰＥＣ", "“四个意识”"]}
    phrases = sorted(kinds)
    n = 3000
    arts = pd.DataFrame({"article_id": [f"a{i}" for i in range(n)],
                         "issue_date": [None if i % 97 == 0 else f"2024-01-{1 + i % 28:02d}" for i in range(n)],
                         "source": [f"p{i % 5}.txt" for i in range(n)]})
    found = [[[rng.choice(phrases), rng.randint(0, 1), rng.randint(0, 1), rng.randrange(len(FIELDS)),
               rng.randint(0, 400), rng.randint(0, 9000)] for _ in range(rng.choice([0, 0, 1, 3, 30]))]
             for _ in range(n)]
    lines = [encode_occurrences(f) for f in found]
    assert [decode_occurrences(b) for b in lines] == found
    by_arrow = occurrence_columns(arts, lines, kinds)
    one_by_one = occurrence_columns(arts, [b"\n" + encode_json(f) for f in found], kinds)
    pd.testing.assert_frame_equal(by_arrow, one_by_one, check_exact=True)
    rows = [(p, kinds[p], bool(q), bool(e), f"a{i}", arts["issue_date"][i], arts["source"][i], FIELDS[fi], line, at)
            for i, per in enumerate(found) for p, q, e, fi, line, at in per]
    by_hand = pd.DataFrame(rows, columns=by_arrow.columns).astype({"line": np.int64, "offset": np.int64})
    pd.testing.assert_frame_equal(by_arrow, by_hand, check_exact=True)
    assert occurrence_columns(arts.iloc[:2], [encode_occurrences([]), b""], kinds) is None


def test_mention_columns_read_from_the_encoding_equal_the_decoded_records(gen_corpus, tmp_path):
    """The mentions table made from the encoded records (record_columns) is the one made from them
    decoded (table_columns), on the generated corpus."""
    from analysis.perarticle.mentions import MENTION_COLUMNS, mentions_frame
    from analysis.perarticle.stage import record_columns, table_columns

    corpus, arts = gen_corpus
    stage = run_stage(arts, corpus, kinds=("mentions",), workers=1, cache=tmp_path / "c")
    blobs = stage.blobs["mentions"]
    decoded = mentions_frame(table_columns([KINDS["mentions"].decode(b) for b in blobs], MENTION_COLUMNS))
    assert len(decoded) > 100
    pd.testing.assert_frame_equal(mentions_frame(record_columns(blobs, MENTION_COLUMNS)), decoded, check_exact=True)


def test_a_new_cache_file_has_large_pages_and_reclaims_freed_ones(articles, tmp_path):
    run_stage(articles.head(3), workers=1, cache=tmp_path / "c")
    con = sqlite3.connect(tmp_path / "c" / ArticleCache.FILE)
    try:
        assert con.execute("PRAGMA page_size").fetchone()[0] == ArticleCache.PAGE_SIZE == 16384
        assert con.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    finally:
        con.close()
