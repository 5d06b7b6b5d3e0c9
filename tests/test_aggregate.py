"""Aggregation by DuckDB over the per-article Parquet dataset, and the dataset itself."""
from __future__ import annotations

import pandas as pd
import pyarrow.dataset as ds
import pytest

from analysis.__main__ import main
from analysis.aggregate import per_article_tables
from analysis.aggregate.formulations import formulation_table
from analysis.aggregate.frequency import term_frequency
from analysis.corpus import Corpus
from analysis.corpus.read import read_corpus
from analysis.perarticle.stage import expansions, mentions_table, run_stage
from analysis.synthetic import generate_corpus
from analysis.perarticle.formulations import extract_formulations
from oracles import collocations, ngram_frequency
from oracles import formulation_table as formulation_table_pandas
from oracles import term_frequency as term_frequency_pandas


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    folder = generate_corpus(tmp_path_factory.mktemp("gen"), n_articles=200, start="2019-01-01", end="2021-12-31")
    return Corpus(folder), read_corpus(articles=folder / "articles.csv").articles


def _dataset(arts, folder, corpus=None):
    """The stage and the per-article dataset (written in ``folder``) of ``arts``."""
    kept: dict = {}
    per_article_tables(arts, corpus, workers=1, cache=False, dataset=folder, stage_out=kept)
    return kept["stage"], folder


@pytest.mark.parametrize("by", [None, "issue", "month"])
def test_sql_term_frequency_equals_pandas_on_sample(articles, tokens, tmp_path, by):
    _, folder = _dataset(articles, tmp_path / "ds")
    got = term_frequency(folder, by)
    pd.testing.assert_frame_equal(got, term_frequency_pandas(articles, tokens, by=by), check_exact=True)
    assert got["count"].sum() > 100


@pytest.mark.parametrize("by", [None, "month"])
def test_sql_term_frequency_equals_pandas_on_generated(generated, tmp_path, by):
    corpus, arts = generated
    stage, folder = _dataset(arts, tmp_path / "ds", corpus)
    from analysis.tokens import stopword_set, term_map

    got = term_frequency(folder, by)
    want = term_frequency_pandas(arts, run_stage(arts, corpus, workers=1, cache=False).tokens, by=by,
                                 stopwords=stopword_set(corpus), aliases=term_map(corpus))
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    if by == "month":
        assert got["month"].nunique() >= 30  # three years of months


def test_dataset_is_partitioned_by_year_and_readable(generated, tmp_path):
    corpus, arts = generated
    _, folder = _dataset(arts, tmp_path / "ds", corpus)
    stage = run_stage(arts, corpus, workers=1, cache=False)
    years = sorted(p.name for p in (folder / "term_counts").iterdir())
    assert years == ["year=2019", "year=2020", "year=2021"]
    table = ds.dataset(folder / "term_counts", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == sum(len(c["terms"]) for c in stage.counts)
    assert {str(y) for y in table.column("year").to_pylist()} == {"2019", "2020", "2021"}

    import dask.dataframe as dd

    frame = dd.read_parquet(str(folder / "mentions")).compute()
    assert len(frame) == len(mentions_table(stage)) > 0
    per_year = dd.read_parquet(str(folder / "articles")).groupby("year")["n_tokens"].sum().compute()
    assert int(per_year.sum()) == sum(len(t) for t in stage.tokens["tokens"])


def test_build_writes_dataset_and_same_files_with_one_or_two_workers(generated, tmp_path):
    corpus, _ = generated
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        assert main(["build", "--out", str(out), "--corpus", str(corpus.root), "--quiet",
                     "--workers", str(workers)]) == 0
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert any(str(f).startswith("perarticle/term_counts/year=2020/") for f in files)
    assert "term_frequency_by_month.csv" in {str(f) for f in files}
    for rel in files:
        if str(rel) == "build.json":  # holds its creation time; its checksums are compared below
            continue
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
    import json

    manifests = [json.loads((out / "build.json").read_text(encoding="utf-8")) for out in outs]
    assert manifests[0]["files"] == manifests[1]["files"]
    assert manifests[0]["datasets"] == manifests[1]["datasets"]
    listed = {f"perarticle/{rel}" for rel in manifests[0]["datasets"]["perarticle"]}
    assert listed == {str(f) for f in files if str(f).startswith("perarticle/")}
    # Nothing of the dataset is left outside the output folder (it was written in the staging folder).
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []
    import duckdb

    con = duckdb.connect()
    total = con.execute(f"SELECT sum(\"count\") FROM read_parquet('{outs[0]}/perarticle/term_counts/*/*.parquet')"
                        ).fetchone()[0]
    con.close()
    assert total == pd.read_csv(outs[0] / "term_frequency.csv")["count"].sum()


def test_sql_formulation_table_equals_pandas(articles, generated, tmp_path):
    for name, arts, corpus in (("sample", articles, None), ("generated", generated[1], generated[0])):
        stage, folder = _dataset(arts, tmp_path / name, corpus)
        want = formulation_table_pandas(extract_formulations(arts, corpus=corpus), arts, corpus=corpus)
        got = formulation_table(folder, expansions(run_stage(arts, corpus, workers=1, cache=False)))
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=name)
        keys = list(zip(got["rank_basis"] != "set phrase", -got["score"], -got["count"], got["formulation"]))
        assert len(got) > 3 and keys == sorted(keys)


def test_ngram_tables_and_tfidf_from_the_stage_equal_the_direct_functions(articles, generated, tmp_path):
    """Collocations, trigrams and the TF-IDF matrix as the build computes them (from the per-article
    n-grams and counts) equal the functions on the tokens, on the sample and on a generated corpus."""
    from analysis.tokens import stopword_set, term_map
    from analysis.topics import tfidf_from_arrays, tfidf_from_counts, tfidf_matrix

    for name, arts, corpus in (("sample", articles, Corpus()), ("generated", generated[1], generated[0])):
        facts = {"stopwords": stopword_set(corpus), "aliases": term_map(corpus)}
        kept: dict = {}
        tables = per_article_tables(arts, corpus, workers=1, cache=False, stage_out=kept)
        tokens = run_stage(arts, corpus, workers=1, cache=False).tokens
        want = collocations(arts, tokens, corpus=corpus, **facts)
        pd.testing.assert_frame_equal(tables["collocations"], want, check_exact=True, obj=name)
        assert len(want) > 10
        want = ngram_frequency(arts, tokens, n=3, corpus=corpus, **facts)
        pd.testing.assert_frame_equal(tables["trigrams"], want, check_exact=True, obj=name)
        assert len(want) > 3
        stage = kept["stage"]
        assert stage.counts is None  # streamed to the dataset and the count matrix, not kept
        counts = run_stage(arts, corpus, workers=1, cache=False).counts
        got = tfidf_from_counts(tokens["article_id"], ((c["terms"], c["counts"]) for c in counts))
        ref = tfidf_matrix(tokens)
        assert list(got.terms) == list(ref.terms) and got.matrix.shape == ref.matrix.shape
        assert (got.matrix != ref.matrix).nnz == 0 and (got.doc_freq == ref.doc_freq).all()
        # … and from the count matrix the build assembles batch by batch while writing the dataset.
        got = tfidf_from_arrays(stage.ids, *stage.count_matrix.arrays())
        assert list(got.terms) == list(ref.terms) and (got.matrix != ref.matrix).nnz == 0
        assert got.matrix.indices.dtype == ref.matrix.indices.dtype  # 32-bit: sparse k-means is slow on 64
        for options in ({"max_features": 50}, {"min_df": 0.05, "max_df": 0.5}):
            got = tfidf_from_counts(tokens["article_id"], ((c["terms"], c["counts"]) for c in counts), **options)
            ref = tfidf_matrix(tokens, **options)
            assert list(got.terms) == list(ref.terms) and (got.matrix != ref.matrix).nnz == 0, (name, options)
