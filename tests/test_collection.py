"""A collection of papers (analysis.collection, analysis.collection_build): built per paper, compared.

The generated collection (:func:`analysis.synthetic.generate_collection`) plants reprints (verbatim,
edited, copies of copies, the same article twice in one issue) and phrase diffusion (lags, a phrase
one paper never uses, a phrase present from the district paper's first issue): the build must find
the reprints with precision and recall of at least 0.95 and every planted lag and censoring exactly.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis.__main__ import main
from analysis.collection import (Collection, CollectionTables, common_dates, coverage, diffusion,
                                 leader_comparison)
from analysis.collection import reprints as rp
from analysis.errors import InputError
from analysis.paths import DATA_DIR
from analysis.synthetic import generate_collection

N_ARTICLES = 200


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = generate_collection(tmp_path_factory.mktemp("collection") / "corpus", N_ARTICLES, seed=0)
    out = folder.parent / "built"
    assert main(["build", "--out", str(out), "--corpus", str(folder), "--workers", "1", "--quiet"]) == 0
    return folder, CollectionTables(out)


def _pairs(frame, a=("paper_a", "article_id_a"), b=("paper_b", "article_id_b")) -> set:
    return {frozenset([(r[a[0]], r[a[1]]), (r[b[0]], r[b[1]])]) for _, r in frame.iterrows()}


def test_layout_and_paper_column(generated):
    folder, built = generated
    papers = built.papers
    assert papers["slug"].tolist() == ["central", "city", "district"]
    assert papers["paper"].tolist() == ["中华日报（生成）", "江城日报（生成）", "长河报"]
    for slug in papers["slug"]:
        # each paper is an ordinary single-corpus build of its own folder, with its own facts
        info = built.paper(slug).info
        assert (built.folder / slug / "build.json").is_file()
        # build_info names the corpus by its folder's own name, never a path of this machine
        assert info["corpus_path"] == slug
    manifest = built.manifest()
    for name in manifest["rows"]:
        frame = built.load(name)
        # every table has a paper column (reprint pairs: one per side), but the list of traced phrases
        assert name == "phrases" or "paper" in frame.columns or "paper_a" in frame.columns, name
        assert manifest["files"][f"{name}.parquet"]["bytes"] == (built.folder / f"{name}.parquet").stat().st_size


def test_reprints_found_with_precision_and_recall(generated):
    folder, built = generated
    planted = _pairs(pd.read_csv(folder / "reprints.csv", dtype=str))
    found = _pairs(built.load("reprints"))
    assert planted, "the generator planted no reprint"
    true_positive = len(planted & found)
    precision, recall = true_positive / len(found), true_positive / len(planted)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, planted - found, found - planted)
    kinds = pd.read_csv(folder / "reprints.csv")["kind"]
    assert {"verbatim", "edited", "copy-of-copy", "same-paper"} <= set(kinds)
    found_rows = built.load("reprints")
    assert (found_rows["source_a"] != "").all() and (found_rows["source_b"] != "").all()
    shares = built.load("reprint_shares")
    within = shares[(shares["paper"] == "长河报") & (shares["other"] == "长河报")]
    assert int(within["n_reprinted"].iloc[0]) == 2 * int((kinds == "same-paper").sum())


def test_threshold_is_verified_by_exact_jaccard(generated):
    """Every pair the LSH keeps has its exact Jaccard above the threshold, and no pair above the threshold
    is missed: checked against the exact Jaccard of every pair of articles (a sparse product)."""
    _, built = generated
    articles = built.stacked("articles", ["article_id", "issue_date", "text"])
    hashes = [rp.shingle_hashes(t) for t in articles["text"]]
    counted = np.array([len(rp.normalise(t)) for t in articles["text"]])
    vocabulary = {h: i for i, h in enumerate(np.unique(np.concatenate(hashes)))}
    rows = np.repeat(np.arange(len(hashes)), [len(h) for h in hashes])
    cols = np.array([vocabulary[h] for h in np.concatenate(hashes)])
    x = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(hashes), len(vocabulary)))
    inter = (x @ x.T).toarray()
    sizes = np.array([len(h) for h in hashes])
    jac = inter / (sizes[:, None] + sizes[None, :] - inter)
    np.fill_diagonal(jac, 0)
    eligible = counted >= rp.MIN_CHARS
    jac[~eligible, :] = 0
    jac[:, ~eligible] = 0
    i, j = np.nonzero(np.triu(jac >= rp.JACCARD_THRESHOLD))
    keys = list(zip(articles["paper"], articles["article_id"]))
    exact = {frozenset([keys[a], keys[b]]) for a, b in zip(i, j)}
    found = built.load("reprints")
    assert _pairs(found) == exact
    for _, row in found.iterrows():
        a, b = keys.index((row["paper_a"], row["article_id_a"])), keys.index((row["paper_b"], row["article_id_b"]))
        assert row["jaccard"] == pytest.approx(jac[a, b], abs=1e-4)
    # The margin the threshold sits in on this collection: reprints well above it, everything else well below.
    below = jac[np.triu(jac < rp.JACCARD_THRESHOLD, 1)]
    assert below.max() < rp.JACCARD_THRESHOLD - 0.1
    assert found["jaccard"].min() > rp.JACCARD_THRESHOLD + 0.1


def test_every_planted_lag_and_censoring_is_recovered(generated):
    folder, built = generated
    truth = pd.read_csv(folder / "diffusion.csv", dtype=str, keep_default_na=False)
    table = built.load("diffusion").set_index(["phrase", "paper"])
    assert {"never", "left-censored", "adopted"} <= set(truth["status"])
    for _, row in truth.iterrows():
        got = table.loc[(row["phrase"], row["paper"])]
        assert got["first_date"] == row["first_date"], row.to_dict()
        assert got["status"] == row["status"], row.to_dict()
        want = int(row["lag_days"]) if row["lag_days"] else None
        assert (None if pd.isna(got["lag_days"]) else int(got["lag_days"])) == want, row.to_dict()
        assert bool(got["left_censored"]) == (row["status"] == "left-censored")


def test_second_build_is_up_to_date(generated):
    folder, built = generated
    before = (built.folder / "collection.json").read_bytes()
    assert main(["build", "--out", str(built.folder), "--corpus", str(folder), "--workers", "1", "--quiet"]) == 0
    assert (built.folder / "collection.json").read_bytes() == before


def test_two_corpus_options_make_a_collection(tmp_path, generated):
    folder, _ = generated
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--corpus", str(DATA_DIR), "--corpus", str(folder / "district"),
                 "--workers", "1", "--quiet"]) == 0
    built = CollectionTables(out)
    assert built.papers[["paper", "slug"]].values.tolist() == [["丰台报", "data"], ["长河报", "district"]]
    assert json.loads((out / "data" / "build.json").read_text(encoding="utf-8"))["rows"]["articles"] == 9
    # The two papers share no date: nothing is compared on common dates, and each paper is listed.
    leaders = built.load("leader_comparison")
    assert set(leaders["paper"]) == {"丰台报", "长河报"} and (leaders["n_dates"] == 0).all()


def test_one_corpus_is_todays_build(tmp_path, generated):
    folder, _ = generated
    out = tmp_path / "one"
    assert main(["build", "--out", str(out), "--corpus", str(DATA_DIR), "--workers", "1", "--quiet"]) == 0
    assert (out / "build.json").is_file() and not (out / "collection.json").exists()
    assert not any(p.is_dir() and (p / "build.json").exists() for p in out.iterdir())
    # a single corpus's build folder is not turned into a collection
    assert main(["build", "--out", str(out), "--corpus", str(DATA_DIR), "--corpus", str(folder / "district"),
                 "--quiet"]) == 2


def test_two_corpora_of_one_paper_are_refused():
    from analysis.corpus import Corpus

    with pytest.raises(InputError, match="both the paper"):
        Collection([Corpus(DATA_DIR), Corpus(DATA_DIR)])


def _articles():
    return pd.DataFrame({
        "paper": ["甲"] * 4 + ["乙"] * 3,
        "article_id": ["a1", "a2", "a3", "a4", "b1", "b2", "b3"],
        "issue_date": ["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-02", "2024-01-02",
                       "2024-01-03"],
        "page": ["1", "2", "1", "2", "", "", ""],
        "source_agency": ["本报", "新华社", "本报", "other", "none", "新华社", "新华社"],
        "text": ["x"] * 7,
    })


def test_leaders_are_compared_on_common_dates_only():
    articles = _articles()
    mentions = pd.DataFrame({"paper": ["甲", "甲", "甲", "乙", "乙"], "article_id": ["a1", "a3", "a4", "b1", "b2"],
                             "name": ["张三"] * 5, "kind": ["coverage"] * 5})
    assert common_dates(articles) == ["2024-01-02", "2024-01-03"]
    table = leader_comparison(mentions, articles).set_index(["paper", "name"])
    # 甲: a1 (2024-01-01) is not counted; a3 is on page 1, a4 on page 2.
    assert table.loc[("甲", "张三"), "n_mentions"] == 2
    assert table.loc[("甲", "张三"), "per_1000_articles"] == pytest.approx(1000)
    assert table.loc[("甲", "张三"), "front_share"] == pytest.approx(0.5)
    # 乙 has no pages: the first item of an issue is its lead (b1 of 2024-01-02), b2 is not.
    assert table.loc[("乙", "张三"), "front_share"] == pytest.approx(0.5)
    assert table.loc[("乙", "张三"), "per_1000_articles"] == pytest.approx(2000 / 3)


def test_coverage_shares():
    table = coverage(_articles(), "M")
    whole = table[table["period"] == "all"].set_index("paper")
    assert whole.loc["甲", "articles_per_issue"] == pytest.approx(4 / 3)
    assert whole.loc["乙", "share_新华社"] == pytest.approx(2 / 3)
    shares = table[[c for c in table.columns if c.startswith("share_")]].sum(axis=1)
    assert np.allclose(shares, 1.0)


def test_censoring_and_never():
    articles = pd.DataFrame({"paper": ["甲", "甲", "乙", "乙", "丙", "丙"],
                             "article_id": ["a1", "a2", "b1", "b2", "c1", "c2"],
                             "issue_date": ["2024-01-01", "2024-01-10", "2024-01-05", "2024-01-06", "2024-01-02",
                                            "2024-01-03"],
                             "text": ["无", "新说法", "新说法", "无", "无", "无"]})
    table = diffusion(articles, ["新说法"]).set_index("paper")
    # 乙 uses it on its first covered date, before 甲: it leads, but its own first use is censored.
    assert table.loc["乙", "status"] == "first (left-censored)" and pd.isna(table.loc["乙", "lag_days"])
    assert table.loc["甲", "status"] == "adopted" and table.loc["甲", "lag_days"] == 5
    # 丙's coverage ends before anyone used it: not "never".
    assert table.loc["丙", "status"] == "not covered"
