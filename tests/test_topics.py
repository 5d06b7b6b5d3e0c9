"""Topic clustering on the real sample pages and on corpora made from their paragraphs."""
from __future__ import annotations

import os
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from analysis import topics
from analysis.corpus import load_articles
from analysis.paths import PROJECT_ROOT
from analysis.tokens import is_term, load_stopwords, segment, tokenize_articles


@pytest.fixture(scope="module")
def sample():
    arts = load_articles()
    return arts, tokenize_articles(arts, cache=False)


@pytest.fixture(scope="module")
def model(sample):
    return topics.fit_topics(sample[1])


def _article(arts: pd.DataFrame, word: str) -> pd.Series:
    """The one sample article whose headline contains ``word``."""
    rows = arts[arts["headline"].str.contains(word)]
    assert len(rows) == 1, word
    return rows.iloc[0]


def _paragraph_corpus(arts: pd.DataFrame, subjects: dict[str, str], per_subject: int = 3) -> pd.DataFrame:
    """Pseudo-articles cut from real sample articles.

    ``subjects`` maps a subject name to a headline word; each subject's
    article is cut into ``per_subject`` runs of consecutive sentences.
    Columns: article_id, subject, tokens, headline, issue_date, date, text.
    """
    rows = []
    for subject, word in subjects.items():
        row = _article(arts, word)
        sentences = [s + "。" for s in row["text"].replace("\n", "").split("。") if s.strip()]
        assert len(sentences) >= 2 * per_subject
        for i, chunk in enumerate(np.array_split(np.arange(len(sentences)), per_subject)):
            text = "".join(sentences[j] for j in chunk)
            rows.append({"article_id": f"{subject}-{i}", "subject": subject, "text": text,
                         "tokens": segment(text), "headline": f"{row['headline'][:8]}（{i}）",
                         "issue_date": row["issue_date"], "date": row["date"]})
    # Interleave subjects so that row order says nothing about the subject.
    frame = pd.DataFrame(rows)
    order = sorted(range(len(frame)), key=lambda i: (i % per_subject, i // per_subject))
    return frame.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------- TF-IDF


def test_tfidf_rows_are_unit_length_and_tf_is_sublinear():
    tokens = pd.DataFrame({"article_id": ["a", "b"],
                           "tokens": [["生态", "生态", "生态", "环境"], ["生态", "环境"]]})
    tf = topics.tfidf_matrix(tokens, frozenset(), min_df=1, max_df=1.0)
    dense = tf.matrix.toarray()
    assert np.allclose(np.linalg.norm(dense, axis=1), 1.0)
    eco, env = list(tf.terms).index("生态"), list(tf.terms).index("环境")
    # Both terms have the same idf, so the ratio is the tf ratio: 1 + ln 3 against 1.
    assert dense[0, eco] / dense[0, env] == pytest.approx(1 + np.log(3))
    assert dense[1, eco] == pytest.approx(dense[1, env])


def test_tfidf_vocabulary_excludes_stopwords_numbers_punctuation_and_rare_terms(sample):
    arts, tokens = sample
    tf = topics.tfidf_matrix(tokens)
    stop = load_stopwords()
    terms = set(tf.terms)
    assert terms and not terms & stop
    assert all(is_term(t) and len(t) >= 2 for t in terms)
    assert (tf.doc_freq >= 2).all() and (tf.doc_freq <= 0.9 * len(arts)).all()
    # The stopwords really were in the tokens: the filter did the work.
    assert set(tokens["tokens"].explode()) & stop
    assert list(tf.article_ids) == list(arts["article_id"])


def test_tfidf_errors_name_the_problem():
    with pytest.raises(topics.TopicInputError, match="lacks column"):
        topics.tfidf_matrix(pd.DataFrame({"article_id": ["a"]}))
    with pytest.raises(topics.TopicInputError, match="duplicate article_id 'a'"):
        topics.tfidf_matrix(pd.DataFrame({"article_id": ["a", "a"], "tokens": [["生态"], ["环境"]]}))
    with pytest.raises(topics.TopicInputError, match="min_df=2"):
        topics.tfidf_matrix(pd.DataFrame({"article_id": ["a", "b"], "tokens": [["生态"], ["环境"]]}))
    assert issubclass(topics.TopicInputError, ValueError)


# --------------------------------------------------------------------------- clustering


def test_identical_assignments_across_runs(sample, model):
    again = topics.fit_topics(sample[1])
    pd.testing.assert_frame_equal(topics.clusters_table(model), topics.clusters_table(again))
    pd.testing.assert_frame_equal(topics.cluster_terms(model), topics.cluster_terms(again))
    pd.testing.assert_frame_equal(model.selection, again.selection)


def test_identical_tables_in_a_fresh_process_with_another_hash_seed(tmp_path, model):
    code = ("from analysis.corpus import load_articles; from analysis.tokens import tokenize_articles; "
            "from analysis import topics; t = tokenize_articles(load_articles(), cache=False); "
            "m = topics.fit_topics(t); import sys; "
            "topics.clusters_table(m).to_csv(sys.argv[1], index=False); "
            "topics.cluster_terms(m).to_csv(sys.argv[2], index=False)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.csv"), str(tmp_path / "t.csv")],
                   check=True, env=env, cwd=PROJECT_ROOT)
    assert (tmp_path / "c.csv").read_text(encoding="utf-8") == topics.clusters_table(model).to_csv(index=False)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8") == topics.cluster_terms(model).to_csv(index=False)


@pytest.mark.parametrize("subjects, per_subject", [
    ({"ecology": "生态环境", "diplomats": "外交官"}, 3),
    ({"work_meeting": "务虚会", "spanish_delegation": "西班牙"}, 4),
])
def test_two_subjects_from_the_sample_pages_are_split_along_them(subjects, per_subject):
    arts = load_articles()
    corpus = _paragraph_corpus(arts, subjects, per_subject)
    model = topics.fit_topics(corpus[["article_id", "tokens"]])
    assert model.k == 2
    table = topics.clusters_table(model).merge(corpus[["article_id", "subject"]], on="article_id")
    assert table.groupby("subject")["cluster"].nunique().eq(1).all()
    assert table.groupby("cluster")["subject"].nunique().eq(1).all()


def test_two_subjects_split_with_minibatch_kmeans_too(monkeypatch):
    arts = load_articles()
    corpus = _paragraph_corpus(arts, {"ecology": "生态环境", "diplomats": "外交官"})
    monkeypatch.setattr(topics, "MINIBATCH_THRESHOLD", 3)
    monkeypatch.setattr(topics, "SILHOUETTE_SAMPLE", 6)
    model = topics.fit_topics(corpus[["article_id", "tokens"]], k=2)
    assert model.method == "minibatch-kmeans"
    assert topics.partition_agreement(model.labels, corpus["subject"])["value"].tolist() == [1.0, 1.0]
    again = topics.fit_topics(corpus[["article_id", "tokens"]], k=2)
    assert model.labels.tolist() == again.labels.tolist()


def test_foreign_visitors_form_their_own_cluster_in_the_sample(sample, model):
    # Both articles about foreign guests (the Spanish party delegation, the
    # diplomats at the Lantern Festival) share vocabulary no other article has.
    arts = sample[0]
    table = topics.clusters_table(model).set_index("article_id")["cluster"]
    guests = {_article(arts, "西班牙")["article_id"], _article(arts, "外交官")["article_id"]}
    clusters = {table[a] for a in guests}
    assert len(clusters) == 1
    assert set(table[table == clusters.pop()].index) == guests


def test_choose_k_marks_the_highest_silhouette(model):
    sel = model.selection
    assert list(sel.columns) == topics.SELECTION_COLUMNS
    assert sel["chosen"].sum() == 1
    best = sel.loc[sel["chosen"]].iloc[0]
    assert best["silhouette"] == sel["silhouette"].max()
    assert model.k == best["k"]
    assert sel["k"].tolist() == list(range(2, len(model.labels)))
    with pytest.raises(topics.TopicInputError, match="k must be between 2 and 8"):
        topics.choose_k(model.tfidf, [2, 9])


def test_clusters_are_numbered_by_size(model):
    sizes = np.bincount(model.labels[model.labels >= 0])
    assert (np.diff(sizes) <= 0).all()
    assert set(model.labels) == set(range(model.k))


def test_article_without_terms_is_left_unclustered():
    tokens = pd.DataFrame({"article_id": list("abcde"),
                           "tokens": [["生态", "环境"], ["生态", "环境", "保护"], ["的", "了"],
                                      ["外交官", "元宵"], ["外交官", "元宵", "文化"]]})
    model = topics.fit_topics(tokens, min_df=1, max_df=1.0)
    table = topics.clusters_table(model).set_index("article_id")
    assert table.loc["c", "cluster"] == -1
    assert table.loc["a", "cluster"] == table.loc["b", "cluster"] != table.loc["d", "cluster"]
    assert table.loc["d", "cluster"] == table.loc["e", "cluster"]


def test_clusters_table_columns_and_coordinates(sample, model):
    table = topics.clusters_table(model)
    assert list(table.columns) == topics.CLUSTERS_COLUMNS
    assert table["article_id"].tolist() == sample[0]["article_id"].tolist()
    assert table[["x", "y"]].abs().sum().gt(0).all()
    assert table[["x", "y"]].drop_duplicates().shape[0] == len(table)


# --------------------------------------------------------------------------- descriptions


def test_top_terms_have_no_stopwords_or_punctuation(sample, model):
    terms = topics.cluster_terms(model, n_terms=50)
    assert list(terms.columns) == topics.CLUSTER_TERMS_COLUMNS
    stop = load_stopwords()
    assert not set(terms["term"]) & stop
    assert all(is_term(t) and len(t) >= 2 for t in terms["term"])
    nmf = topics.nmf_topics(model.tfidf, model.k, n_terms=50)
    assert not set(nmf.terms["term"]) & stop and all(is_term(t) for t in nmf.terms["term"])


def test_cluster_terms_are_ranked_by_centroid_weight(model):
    terms = topics.cluster_terms(model, n_terms=5)
    X = model.tfidf.matrix.toarray()
    for c, group in terms.groupby("cluster"):
        mean = X[model.labels == c].mean(axis=0)
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert (np.diff(group["weight"]) <= 0).all()
        assert group["weight"].iloc[0] == pytest.approx(mean.max(), abs=1e-6)
        for term, df in zip(group["term"], group["doc_freq"]):
            j = list(model.tfidf.terms).index(term)
            assert df == int((X[model.labels == c, j] > 0).sum())


def test_representatives_are_nearest_the_centroid(sample, model):
    arts = sample[0]
    reps = topics.representative_articles(model, arts, n=2)
    assert list(reps.columns) == topics.REPRESENTATIVE_COLUMNS
    X = model.tfidf.matrix.toarray()
    ids = list(model.tfidf.article_ids)
    for c, group in reps.groupby("cluster"):
        centroid = X[model.labels == c].mean(axis=0)
        sims = {ids[i]: X[i] @ centroid / np.linalg.norm(centroid) for i in np.flatnonzero(model.labels == c)}
        best = sorted(sims, key=lambda a: (-round(sims[a], 4), a))[: len(group)]
        assert group["article_id"].tolist() == best
    headlines = dict(zip(arts["article_id"], arts["headline"]))
    for aid, label in zip(reps["article_id"], reps["label"]):
        head = headlines[aid]
        assert label.startswith(head[:10]) if head else label.startswith("〔无标题〕")


def test_cluster_sizes_cover_every_period_and_cluster(sample, model):
    arts = sample[0]
    sizes = topics.cluster_sizes(model, arts, by="issue")
    assert list(sizes.columns) == topics.SIZES_COLUMNS
    assert len(sizes) == arts["issue_date"].nunique() * model.k
    per_issue = sizes.groupby("period")["n_articles"].sum()
    assert per_issue.to_dict() == arts["issue_date"].value_counts().to_dict()
    assert sizes.groupby("period")["share"].sum().round(3).eq(1.0).all()
    with pytest.raises(ValueError, match="by must be"):
        topics.cluster_sizes(model, arts, by="week")


# --------------------------------------------------------------------------- second view


def test_nmf_is_deterministic_and_agreement_is_bounded(model):
    a = topics.nmf_topics(model.tfidf, model.k)
    b = topics.nmf_topics(model.tfidf, model.k)
    pd.testing.assert_frame_equal(a.articles, b.articles)
    pd.testing.assert_frame_equal(a.terms, b.terms)
    assert set(a.articles["topic"]) <= set(range(model.k))
    agree = topics.partition_agreement(model.labels, a.articles["topic"])
    assert agree["measure"].tolist() == ["adjusted_rand_index", "normalized_mutual_info"]
    assert agree["value"].between(-1, 1).all() and (agree["n_articles"] == len(model.labels)).all()


def test_partition_agreement_ignores_label_names_and_checks_lengths():
    assert topics.partition_agreement([0, 0, 1, 2], [5, 5, 7, 9])["value"].tolist() == [1.0, 1.0]
    assert topics.partition_agreement([0, 0, 1, 1], [0, 1, 0, 1])["value"].iloc[0] < 0
    with pytest.raises(ValueError, match="differ in length"):
        topics.partition_agreement([0, 1], [0, 1, 1])


def test_nmf_splits_two_subjects():
    arts = load_articles()
    corpus = _paragraph_corpus(arts, {"ecology": "生态环境", "diplomats": "外交官"})
    tfidf = topics.tfidf_matrix(corpus[["article_id", "tokens"]])
    nmf = topics.nmf_topics(tfidf, 2)
    assert topics.partition_agreement(nmf.articles["topic"], corpus["subject"])["value"].iloc[0] == 1.0


# --------------------------------------------------------------------------- figures


def test_figures_draw_chinese_without_missing_glyphs(tmp_path, sample, model):
    import matplotlib.pyplot as plt

    arts = sample[0]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Glyph .* missing")
        ax = topics.plot_article_map(model, arts)
        ax.figure.savefig(tmp_path / "map.png")
        labels = [t.get_text() for t in ax.texts]
        topics.plot_k_selection(model.selection).figure.savefig(tmp_path / "k.png")
        topics.plot_cluster_sizes(topics.cluster_sizes(model, arts)).figure.savefig(tmp_path / "sizes.png")
    plt.close("all")
    assert len(labels) == len(arts)
    assert _article(arts, "外交官")["headline"] in labels
    assert all((tmp_path / f).stat().st_size > 10_000 for f in ("map.png", "k.png", "sizes.png"))


def test_topic_tables_for_the_command_line(sample, model):
    tables = topics.topic_tables(sample[1])
    assert set(tables) == {"clusters", "cluster_terms"}
    pd.testing.assert_frame_equal(tables["clusters"], topics.clusters_table(model))
    pd.testing.assert_frame_equal(tables["cluster_terms"], topics.cluster_terms(model))
