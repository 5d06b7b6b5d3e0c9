"""Topic clustering on the real sample pages and on corpora made from their paragraphs."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from analysis.corpus.read import load_articles
from analysis.figures.topics import plot_cluster_map, plot_cluster_shares, plot_k_selection
from analysis.paths import PROJECT_ROOT
from analysis.tokens import is_term, load_stopwords, segment, tokenize_articles
from analysis.topics import labels as topic_labels
from analysis.topics import model as topics
from analysis.topics import selection


@pytest.fixture(scope="module")
def sample():
    arts = load_articles()
    return arts, tokenize_articles(arts)


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
    code = ("from analysis.corpus.read import load_articles; from analysis.tokens import tokenize_articles; "
            "from analysis.topics import model as topics; t = tokenize_articles(load_articles()); "
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


def test_two_subjects_split_with_the_exact_methods_minibatch_kmeans_too(monkeypatch):
    arts = load_articles()
    corpus = _paragraph_corpus(arts, {"ecology": "生态环境", "diplomats": "外交官"})
    monkeypatch.setattr(topics, "MINIBATCH_THRESHOLD", 3)
    monkeypatch.setattr(topics, "SILHOUETTE_SAMPLE", 6)
    model = topics.fit_topics(corpus[["article_id", "tokens"]], k=2, method="exact")
    assert model.method == "minibatch-kmeans"
    assert topics.partition_agreement(model.labels, corpus["subject"])["value"].tolist() == [1.0, 1.0]
    again = topics.fit_topics(corpus[["article_id", "tokens"]], k=2, method="exact")
    assert model.labels.tolist() == again.labels.tolist()
    # The selection of the exact method also runs on mini-batches and a silhouette sample.
    chosen = topics.fit_topics(corpus[["article_id", "tokens"]], method="exact")
    assert chosen.k == 2 and chosen.method == "minibatch-kmeans"


@pytest.mark.parametrize("method", ["sparse", "svd"])
def test_two_subjects_split_with_each_method(method):
    arts = load_articles()
    corpus = _paragraph_corpus(arts, {"work_meeting": "务虚会", "spanish_delegation": "西班牙"}, 4)
    model = topics.fit_topics(corpus[["article_id", "tokens"]], method=method)
    assert model.k == 2
    assert model.method == ("kmeans" if method == "sparse" else "lsa7-kmeans+spherical")
    assert model.params["resolved"] == method
    assert topics.partition_agreement(model.labels, corpus["subject"])["value"].tolist() == [1.0, 1.0]


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
    # k = 2 of 9 articles: its largest cluster holds 7 of them, and no k within 10 % of its silhouette
    # keeps every cluster within a third; the size rule's columns say so.
    assert not best["at_edge"] and not sel["extended"].any()
    assert (sel["eligible"] == (sel["largest_share"] <= 1 / 3)).all()
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


def test_cluster_terms_are_ranked_by_distinctiveness_and_weigh_the_centroid(model):
    terms = topics.cluster_terms(model, n_terms=5)
    X = model.tfidf.matrix.toarray()
    mean = X[model.labels >= 0].mean(axis=0)
    for c, group in terms.groupby("cluster"):
        centroid = X[model.labels == c].mean(axis=0)
        assert group["rank"].tolist() == list(range(1, len(group) + 1))
        assert (np.diff(group["distinctiveness"]) <= 0).all()
        for term, weight, df, lift in zip(group["term"], group["weight"], group["doc_freq"], group["lift"]):
            j = list(model.tfidf.terms).index(term)
            assert weight == pytest.approx(centroid[j], abs=1e-6) and lift == pytest.approx(centroid[j] / mean[j], abs=1e-4)
            assert df == int((X[model.labels == c, j] > 0).sum())
        # The most distinctive term: the largest centroid × ln(centroid / corpus mean).
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(centroid > 0, centroid * np.log(centroid / mean), -np.inf)
        assert group["distinctiveness"].iloc[0] == pytest.approx(score.max(), abs=1e-6)


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
        ax = plot_cluster_map(topics.clusters_table(model), topics.cluster_terms(model), arts)
        ax.figure.savefig(tmp_path / "map.png")
        labels = [t.get_text() for t in ax.texts]
        plot_k_selection(model.selection).figure.savefig(tmp_path / "k.png")
        plot_cluster_shares(topics.cluster_sizes(model, arts), topics.cluster_terms(model)).figure.savefig(tmp_path / "sizes.png")
    plt.close("all")
    assert len(labels) == len(arts)
    assert _article(arts, "外交官")["headline"] in labels
    assert all((tmp_path / f).stat().st_size > 10_000 for f in ("map.png", "k.png", "sizes.png"))


def test_a_large_maps_dots_are_one_image_in_the_svg_and_a_small_maps_stay_vector(tmp_path):
    import matplotlib.pyplot as plt

    from analysis.figures.topics import MAP_VECTOR_DOTS

    rng = np.random.default_rng(0)
    for n in (40, MAP_VECTOR_DOTS + 1000):
        clusters = pd.DataFrame({"article_id": [f"a{i}" for i in range(n)], "cluster": np.arange(n) % 4,
                                 "x": rng.normal(size=n), "y": rng.normal(size=n)})
        terms = pd.DataFrame({"cluster": np.repeat(np.arange(4), 3), "rank": np.tile([1, 2, 3], 4),
                              "term": [f"词{i}" for i in range(12)]})
        arts = pd.DataFrame({"article_id": clusters["article_id"], "headline": "标题", "text": "正文"})
        ax = plot_cluster_map(clusters, terms, arts)
        assert all(c.get_rasterized() == (n > MAP_VECTOR_DOTS) for c in ax.collections)
        ax.figure.savefig(tmp_path / f"map{n}.svg", format="svg")
        svg = (tmp_path / f"map{n}.svg").read_text(encoding="utf-8")
        assert ("<image" in svg) == (n > MAP_VECTOR_DOTS)
        if n > MAP_VECTOR_DOTS:  # one element a dot less than the same map with vector dots
            for collection in ax.collections:
                collection.set_rasterized(False)
            ax.figure.savefig(tmp_path / "vector.svg", format="svg")
            vector = (tmp_path / "vector.svg").read_text(encoding="utf-8")
            assert vector.count("<use ") - svg.count("<use ") >= n
        plt.close("all")


# --------------------------------------------------------------------------- scaling


def _mixed_corpus(arts: pd.DataFrame, n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` pseudo-articles of 3-6 sample paragraphs, three in four from one
    "parent" sample article (the planted subject, returned as the second value)."""
    paragraphs = [[segment(p) for p in text.split("\n") if p.strip()] for text in arts["text"]]
    flat = [p for paras in paragraphs for p in paras]
    rng = np.random.default_rng(seed)
    parents = rng.integers(0, len(paragraphs), size=n)
    rows = []
    for i, parent in enumerate(parents):
        toks: list[str] = []
        for _ in range(rng.integers(3, 7)):
            own = paragraphs[parent]
            toks += own[rng.integers(len(own))] if rng.random() < 0.75 else flat[rng.integers(len(flat))]
        rows.append({"article_id": f"mix-{i:04d}", "tokens": toks})
    return pd.DataFrame(rows), parents


@pytest.fixture(scope="module")
def mixed(sample):
    return _mixed_corpus(sample[0], 700)


def test_cosine_silhouette_equals_scikit_learns(model, mixed):
    from sklearn.metrics import silhouette_score

    X = model.tfidf.matrix
    rng = np.random.default_rng(1)
    # The sample's clusters, and random labels with singletons and an unused number.
    for labels in (model.labels, np.array([0, 0, 1, 2, 2, 2, 3, 4, 4]), rng.integers(0, 3, size=9)):
        sil, inertia = topics.cosine_silhouette(X, labels)
        assert sil == pytest.approx(silhouette_score(X, labels, metric="cosine"), abs=1e-12)
        dense = X.toarray()
        centroids = np.vstack([dense[labels == c].mean(axis=0) if (labels == c).any() else np.zeros(X.shape[1])
                               for c in range(labels.max() + 1)])
        assert inertia == pytest.approx(((dense - centroids[labels]) ** 2).sum(), abs=1e-9)
    tf = topics.tfidf_matrix(mixed[0])
    labels = rng.integers(0, 6, size=tf.matrix.shape[0])
    assert topics.cosine_silhouette(tf.matrix, labels)[0] == pytest.approx(
        silhouette_score(tf.matrix, labels, metric="cosine"), abs=1e-10)
    assert np.isnan(topics.cosine_silhouette(X, np.zeros(9, dtype=int))[0])


def test_the_sample_clusters_are_those_of_the_exact_method(sample, model):
    # The book's chapter shows these: the faster default must not change them.
    exact = topics.fit_topics(sample[1], method="exact")
    pd.testing.assert_frame_equal(model.selection, exact.selection)
    pd.testing.assert_frame_equal(topics.clusters_table(model), topics.clusters_table(exact))
    pd.testing.assert_frame_equal(topics.cluster_terms(model), topics.cluster_terms(exact))
    assert model.k == 2 and model.method == "kmeans" and model.params["n_init"] == 10


def test_fit_topics_reuses_the_chosen_fit(sample, monkeypatch):
    calls = []
    real = topics._fit_k

    def counting(X, k, seed):
        calls.append(k)
        return real(X, k, seed)

    monkeypatch.setattr(topics, "_fit_k", counting)
    model = topics.fit_topics(sample[1])
    assert sorted(calls) == list(range(2, 9))  # one fit per k tried (two at a time), none for the winner again
    sel, fits = topics.choose_k(model.tfidf, return_fits=True)
    assert set(fits) == set(sel["k"])
    win = fits[model.k]
    assert model.labels.tolist() == win.labels.tolist()
    assert np.array_equal(model.centroids, win.centroids)
    for k, fit in fits.items():
        row = sel.set_index("k").loc[k]
        assert row["silhouette"] == round(fit.silhouette, 6) and row["smallest_cluster"] == np.bincount(fit.labels).min()
        assert (np.diff(np.bincount(fit.labels)) <= 0).all()  # canonical: largest cluster first
    assert topics.choose_k(model.tfidf, method="exact", return_fits=True)[1] is None


def test_auto_chooses_k_on_a_sample_in_lsa_space_from_small_corpus_size(mixed, monkeypatch):
    tokens, parents = mixed
    tf = topics.tfidf_matrix(tokens)
    svd = topics.fit_topics(tf)
    assert svd.method == f"lsa{selection.LSA_COMPONENTS}-kmeans+spherical" and svd.params["resolved"] == "svd"
    assert svd.params["n_init"] == 1 and svd.params["selection_sample"] == len(tokens)
    sparse = topics.fit_topics(tf, method="sparse")
    assert sparse.method == "kmeans" and sparse.params["n_init"] == topics.N_INIT
    monkeypatch.setattr(topics, "SMALL_CORPUS", 1_000)
    assert topics.fit_topics(tf, ks=[2, 3]).params["resolved"] == "sparse"
    exact = topics.fit_topics(tf, method="exact")
    # All three find the planted subjects and largely agree with each other.
    for m in (sparse, svd, exact):
        assert topics.partition_agreement(m.labels, parents)["value"].iloc[0] > 0.5, m.method
    assert topics.partition_agreement(svd.labels, exact.labels)["value"].iloc[0] > 0.6
    # The final partition's silhouette, on every article's TF-IDF row, is as good as the others'.
    final = {m.method: topics.cosine_silhouette(tf.matrix, m.labels)[0] for m in (sparse, svd, exact)}
    assert final[svd.method] >= max(final.values()) - 0.01, final


@pytest.mark.parametrize("method", ["sparse", "svd"])
def test_identical_tables_with_one_and_two_threads(mixed, method, monkeypatch):
    from threadpoolctl import threadpool_limits

    tf = topics.tfidf_matrix(mixed[0])
    # A strict sample (300 of 700 articles), as on a large corpus; the libraries' own thread count
    # (THREADS = None) under one and two threads, and THREADS = 2.
    monkeypatch.setattr(selection, "SELECTION_SAMPLE", 300)
    out = []
    for outer, own in ((1, None), (2, None), (1, 2), (2, 1)):
        monkeypatch.setattr(selection, "THREADS", own)
        with threadpool_limits(limits=outer):
            m = topics.fit_topics(tf, method=method)
            nmf = topics.nmf_topics(tf, m.k, sample=300)
        out.append((m.selection, topics.clusters_table(m), topics.cluster_terms(m), nmf.articles, nmf.terms))
    for other in out[1:]:
        for a, b in zip(out[0], other):
            pd.testing.assert_frame_equal(a, b)


def test_the_thread_limit_covers_the_libraries_scikit_learn_loads_on_first_import():
    # threadpoolctl limits the libraries loaded when the context starts; scikit-learn's first import
    # loads SciPy's own OpenBLAS (the SVD's LU and QR) and OpenMP (k-means), which a first fit in a
    # fresh process must not run on their default threads (3 here, whatever the machine's cores).
    code = ("import json, sys; from threadpoolctl import threadpool_info; "
            "from analysis.topics import selection; assert 'sklearn' not in sys.modules\n"
            "with selection.threads():\n"
            "    import sklearn.decomposition, sklearn.cluster; info = threadpool_info()\n"
            "print(json.dumps([[i['internal_api'], i['filepath'], i['num_threads']] for i in info]))")
    env = {**os.environ, "OMP_NUM_THREADS": "3", "OPENBLAS_NUM_THREADS": "3"}
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=PROJECT_ROOT, capture_output=True,
                         text=True).stdout
    info = json.loads(out.strip().splitlines()[-1])
    assert {api for api, _, _ in info} >= {"openblas", "openmp"} and len(info) >= 3, info
    assert all(n == selection.THREADS for _, _, n in info), info


@pytest.mark.parametrize("method", ["sparse", "svd"])
def test_concurrent_fits_give_the_tables_of_fits_in_turn(mixed, method, monkeypatch):
    # The k of a round, the map and the NMF check run on two Python threads (CONCURRENT = 2) or in turn
    # (1): the same tables, and model.nmf is nmf_topics' own result.
    tf = topics.tfidf_matrix(mixed[0])
    monkeypatch.setattr(selection, "SELECTION_SAMPLE", 300)
    out = []
    for concurrent in (2, 1):
        monkeypatch.setattr(selection, "CONCURRENT", concurrent)
        m = topics.fit_topics(tf, method=method, nmf_terms=10)
        alone = topics.nmf_topics(tf, m.k, n_terms=10)
        pd.testing.assert_frame_equal(m.nmf.articles, alone.articles)
        pd.testing.assert_frame_equal(m.nmf.terms, alone.terms)
        out.append((m.selection, topics.clusters_table(m), topics.cluster_terms(m), m.nmf.articles, m.nmf.terms))
    for a, b in zip(*out):
        pd.testing.assert_frame_equal(a, b)
    assert topics.fit_topics(tf, method=method).nmf is None  # only when asked for


def test_too_small_or_indistinguishable_corpora_raise_a_clear_error():
    two = pd.DataFrame({"article_id": ["a", "b"], "tokens": [["生态", "环境"], ["生态", "环境", "保护"]]})
    with pytest.raises(topics.TopicInputError, match="at least 3 articles with kept terms, found 2.*give k"):
        topics.fit_topics(two, min_df=1, max_df=1.0)
    same = pd.DataFrame({"article_id": list("abcd"), "tokens": [["生态", "环境"]] * 4})
    tf = topics.tfidf_matrix(same, min_df=1, max_df=1.0)
    for method in ("auto", "exact"):
        with pytest.raises(topics.TopicInputError, match="4 articles with kept terms are indistinguishable"):
            topics.fit_topics(tf, method=method)
    with pytest.raises(topics.TopicInputError, match="method must be one of auto, sparse, svd, exact, got 'fast'"):
        topics.fit_topics(tf, method="fast")
    with pytest.raises(topics.TopicInputError, match="k=5 must be between 1 and 4"):
        topics.fit_topics(tf, k=5)


def test_topics_use_one_term_per_place_like_the_term_tables(tokens):
    # data/aliases.csv: 丰台区 → 丰台, 北京市 → 北京 (applied the same way in frequency and keyness).
    with_aliases = topics.tfidf_matrix(tokens, min_df=1, max_df=1.0)
    without = topics.tfidf_matrix(tokens, min_df=1, max_df=1.0, aliases=False)
    assert "丰台区" in set(without.terms) and "丰台区" not in set(with_aliases.terms)
    assert "丰台" in set(with_aliases.terms)


# --------------------------------------------------------------------------- the range of k and the choice


def _curve(n: int, silhouette):
    """A ``fit(k)`` for :func:`selection.search_k`: balanced labels, the given silhouette per k."""
    return lambda k: (np.arange(n) % k, float(silhouette(k)), 0.0)


def test_a_flat_silhouette_keeps_the_smallest_k_it_cannot_tell_from_the_best():
    # Real news text: low, flat silhouettes above a few dozen clusters, the highest at the limit by a hair.
    flat = {24: 0.0562, 28: 0.0524, 32: 0.0546, 36: 0.0532, 40: 0.0529, 44: 0.0545, 48: 0.0597}
    table = selection.search_k(_curve(3000, lambda k: flat.get(k, 0.02 + k / 1000)), 3000)
    assert table["k"].max() == 48 and table.loc[table["silhouette"].idxmax(), "k"] == 48
    assert table.loc[table["chosen"], "k"].item() == 24 and not table["at_edge"].any()
    # A clear peak is kept: neighbours further than the seed-to-seed spread below it are not "as good".
    peaked = selection.search_k(_curve(1000, lambda k: 0.3 - abs(k - 8) / 50), 1000)
    assert peaked.loc[peaked["chosen"], "k"].item() == 8


def test_the_range_is_extended_while_the_best_silhouette_is_at_its_top():
    table = selection.search_k(_curve(1000, lambda k: 0.5 - abs(k - 20) / 100), 1000)
    assert table["k"].tolist() == list(range(2, 13)) + list(range(14, 25, 2))
    assert table["extended"].tolist() == [False] * 11 + [True] * 6
    assert table.loc[table["chosen"], "k"].item() == 20 and not table["at_edge"].any()
    # Still rising at the limit: the table says so.
    rising = selection.search_k(_curve(1000, lambda k: k / 100), 1000)
    assert rising["k"].max() == selection.K_LIMIT == rising.loc[rising["chosen"], "k"].item()
    assert rising["at_edge"].all()
    # k given: tried as given, never extended; a small corpus: never beyond n - 1.
    given = selection.search_k(_curve(1000, lambda k: k / 100), 1000, [2, 3, 4])
    assert given["k"].tolist() == [2, 3, 4] and given["at_edge"].all() and not given["extended"].any()
    assert selection.search_k(_curve(15, lambda k: k / 100), 15)["k"].max() == 14


def _rows(*rows):
    return [{"k": k, "silhouette": s, "inertia": 0.0, "smallest_cluster": 1, "largest_share": b,
             "n_articles": 100, "extended": False} for k, s, b in rows]


def test_a_k_with_a_cluster_over_a_third_gives_way_to_an_eligible_k_as_good():
    # k = 10 has the best silhouette but a cluster of 49 %; k = 12 is within 10 % and keeps all within a third.
    table = selection.selection_frame(_rows((8, 0.030, 0.2), (10, 0.050, 0.49), (12, 0.046, 0.30), (14, 0.040, 0.2)))
    assert table.loc[table["chosen"], "k"].item() == 12
    assert table["eligible"].tolist() == [True, False, True, True]
    # No eligible k within 10 %: the best stays (and the build says why its cluster is so large).
    table = selection.selection_frame(_rows((10, 0.050, 0.49), (12, 0.044, 0.30)))
    assert table.loc[table["chosen"], "k"].item() == 10
    # Ties go to the smaller k.
    table = selection.selection_frame(_rows((3, 0.2, 0.3), (4, 0.2, 0.3)))
    assert table.loc[table["chosen"], "k"].item() == 3


def test_ward_merges_of_single_points_are_scipys_ward_linkage_and_weights_count_as_points():
    from scipy.cluster.hierarchy import cut_tree, linkage
    from sklearn.metrics import adjusted_rand_score

    points = np.random.default_rng(0).normal(size=(40, 5))
    groups = selection.ward_merges(points, np.ones(40))
    tree = cut_tree(linkage(points, "ward"))
    for k in range(1, 41):
        assert sorted(set(groups[k].tolist())) == list(range(k))
        assert adjusted_rand_score(tree[:, 40 - k], groups[k]) == 1.0
        if k < 40:  # nested: each group of k + 1 lies within one group of k
            assert (pd.crosstab(groups[k + 1], groups[k]).gt(0).sum(axis=1) == 1).all()
    # A centre of size 3 merges as three identical points would (they merge first, at no cost).
    weighted = selection.ward_merges(points[:10], np.array([3] + [1] * 9))
    repeated = selection.ward_merges(np.vstack([points[:10], points[[0, 0]]]), np.ones(12))
    for k in range(1, 11):
        assert adjusted_rand_score(repeated[k][:10], weighted[k]) == 1.0


def test_the_search_fits_k_means_once_and_merges_its_clusters_down_to_each_k(mixed, monkeypatch):
    monkeypatch.setattr(selection, "SELECTION_SAMPLE", 300)
    fits = []
    real = selection.kmeans_labels
    monkeypatch.setattr(selection, "kmeans_labels", lambda Z, k, seed, n_init: fits.append((k, n_init))
                        or real(Z, k, seed, n_init))
    tf = topics.tfidf_matrix(mixed[0])
    model = topics.fit_topics(tf)
    assert fits == [(selection.K_LIMIT, selection.SELECTION_N_INIT)] and len(model.selection) > 1
    # Each k's partition of the sample is the merge of that fit's clusters into k groups, refined: they
    # mostly agree (the refinement moves a few articles).
    made = []
    real_labels = selection.Hierarchy.labels
    monkeypatch.setattr(selection.Hierarchy, "labels", lambda self, k: made.append((self, k, real_labels(self, k)))
                        or made[-1][2])
    assert topics.fit_topics(tf).selection.equals(model.selection)
    assert sorted(k for _, k, _ in made) == sorted(model.selection["k"]) and len({id(h) for h, _, _ in made}) == 1
    agreement = []
    for hierarchy, k, labels in made:
        assert len(np.unique(labels)) == k
        merged = hierarchy.groups[k][hierarchy.base]
        agreement.append(topics.partition_agreement(labels, merged)["value"].iloc[0])
    assert min(agreement) > 0.75


def test_the_sample_is_a_function_of_the_article_ids():
    ids = [f"a{i:04d}" for i in range(1000)]
    rows = selection.sample_rows(ids, 100, seed=0)
    assert len(rows) == 100 and (np.diff(rows) > 0).all()
    shuffled = list(np.random.default_rng(1).permutation(ids))
    assert {shuffled[i] for i in selection.sample_rows(shuffled, 100)} == {ids[i] for i in rows}
    # Adding articles keeps those of the sample that still rank among the smallest hashes.
    more = selection.sample_rows(ids + [f"b{i}" for i in range(10)], 100)
    assert len({ids[i] for i in rows} & {(ids + [f"b{i}" for i in range(10)])[i] for i in more}) >= 90
    assert selection.sample_rows(ids, 5000).tolist() == list(range(1000))
    assert selection.sample_rows(ids, 100, seed=1).tolist() != rows.tolist()


# --------------------------------------------------------------------------- the selection cache


def _tables(model):
    return model.selection, topics.clusters_table(model), topics.cluster_terms(model)


def _assert_same(a, b):
    for x, y in zip(_tables(a), _tables(b)):
        pd.testing.assert_frame_equal(x, y)


def test_the_choice_of_k_is_cached_by_the_samples_fingerprint(mixed, monkeypatch, tmp_path):
    tokens = mixed[0]
    monkeypatch.setattr(selection, "SELECTION_SAMPLE", 300)  # a strict sample, as on a large corpus
    cache = selection.SelectionCache(tmp_path / "topics")
    tf = topics.tfidf_matrix(tokens)
    plain = topics.fit_topics(tf)
    first = topics.fit_topics(tf, cache=cache)
    assert (cache.misses, cache.hits) == (1, 0) and first.params["selection_cached"] is False
    assert len(list((tmp_path / "topics").glob("selection-*.parquet"))) == 1
    fits, refined = [], []
    real, real_labels = selection.kmeans_labels, selection.Hierarchy.labels
    monkeypatch.setattr(selection, "kmeans_labels", lambda *a: fits.append(a[1]) or real(*a))
    monkeypatch.setattr(selection.Hierarchy, "labels", lambda self, k: refined.append(k) or real_labels(self, k))
    again = topics.fit_topics(tf, cache=cache)
    assert (cache.misses, cache.hits) == (1, 1) and again.params["selection_cached"] is True
    # Of the k tried, only the chosen one is made again on the sample (where the final fit starts): from the
    # one k-means fit of the largest k, as the search made it.
    assert fits == [selection.search_top(300)] and refined == [first.k]
    _assert_same(plain, first)
    _assert_same(plain, again)
    # An edit outside the sample: the same sampled articles, the same choice, read from the cache.
    sampled = set(selection.sample_rows(tokens["article_id"], 300).tolist())
    outside = next(i for i in range(len(tokens)) if i not in sampled)
    edited = tokens.copy()
    edited.at[outside, "tokens"] = list(tokens.at[outside, "tokens"]) + ["会议", "研究", "部署", "工作"]
    tf_edited = topics.tfidf_matrix(edited)
    hit = topics.fit_topics(tf_edited, cache=cache)
    assert cache.hits == 2 and hit.params["fingerprint"] == first.params["fingerprint"]
    _assert_same(hit, topics.fit_topics(tf_edited))  # exactly what a fresh choice gives
    # An edit inside the sample, or other settings: chosen again.
    inside = min(sampled)
    edited.at[inside, "tokens"] = list(tokens.at[inside, "tokens"]) + ["会议", "研究", "部署", "工作"]
    topics.fit_topics(topics.tfidf_matrix(edited), cache=cache)
    topics.fit_topics(tf, ks=[2, 3, 4], cache=cache)
    assert (cache.misses, cache.hits) == (3, 2)
    # A broken entry is a miss, recomputed to the same table; a cache that cannot be written only warns.
    for path in (tmp_path / "topics").glob("selection-*.parquet"):
        path.write_bytes(b"not parquet")
    _assert_same(plain, topics.fit_topics(tf, cache=cache))
    assert cache.misses == 4
    blocked = tmp_path / "file"
    blocked.write_text("")
    _assert_same(plain, topics.fit_topics(tf, cache=blocked / "topics"))


def test_the_fingerprint_covers_the_sampled_counts_their_order_and_the_settings():
    counts = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 1]]))
    terms = np.array(["乙", "甲", "丙"])
    key = selection.fingerprint(counts, terms, {"seed": 0})
    assert key == selection.fingerprint(counts.copy(), terms.copy(), {"seed": 0})
    assert key != selection.fingerprint(counts[[1, 0]], terms, {"seed": 0})
    assert key != selection.fingerprint(counts, np.array(["乙", "甲", "丁"]), {"seed": 0})
    assert key != selection.fingerprint(counts * 2, terms, {"seed": 0})
    assert key != selection.fingerprint(counts, terms, {"seed": 1})
    # Unused columns (terms no sampled article has) do not count.
    wider = sp.hstack([counts, sp.csr_matrix((2, 1))]).tocsr()
    assert key == selection.fingerprint(wider, np.append(terms, "戊"), {"seed": 0})


# --------------------------------------------------------------------------- sizes and labels


def _generic_corpus(arts: pd.DataFrame, n: int, generic: float = 0.5, seed: int = 3):
    """``n`` pseudo-articles: a share ``generic`` made of paragraphs drawn from every sample article alike
    and of the paper's commonest words (the planted dominant generic subject, parent -1), the others as
    :func:`_mixed_corpus` (three paragraphs in four from one parent article).  Any article also uses
    中国 (three in five, 6-12 times) and 习近平 (one in two, 4-8 times): heavy words every subject shares, as
    in a national paper.  Returns the tokens table and the parents."""
    paragraphs = [[segment(p) for p in text.split("\n") if p.strip()] for text in arts["text"]]
    flat = [p for paras in paragraphs for p in paras]
    common = ["建设", "推进", "加强", "服务", "提升", "落实", "推动", "群众", "领导", "全面"]
    rng = np.random.default_rng(seed)
    parents = np.where(rng.random(n) < generic, -1, rng.integers(0, len(paragraphs), size=n))
    rows = []
    for i, parent in enumerate(parents):
        toks: list[str] = []
        for _ in range(rng.integers(3, 7)):
            if parent < 0:
                toks += flat[rng.integers(len(flat))] + [common[j] for j in rng.integers(0, len(common), 4)]
            else:
                own = paragraphs[parent]
                toks += own[rng.integers(len(own))] if rng.random() < 0.75 else flat[rng.integers(len(flat))]
        toks += ["中国"] * int(rng.integers(6, 13)) * (rng.random() < 0.6)
        toks += ["习近平"] * int(rng.integers(4, 9)) * (rng.random() < 0.5)
        rows.append({"article_id": f"gen-{i:04d}", "tokens": toks})
    return pd.DataFrame(rows), parents


@pytest.fixture(scope="module")
def generic(sample):
    return _generic_corpus(sample[0], 900)


def _per_cluster(terms: pd.DataFrame) -> pd.DataFrame:
    return terms.drop_duplicates("cluster").set_index("cluster")[["n_articles", "share", "cohesion", "oversized",
                                                                  "size_note"]]


def test_no_cluster_holds_over_a_third_unless_the_table_says_why(generic):
    tokens, parents = generic
    model = topics.fit_topics(tokens)
    per = _per_cluster(topics.cluster_terms(model))
    clustered = model.labels[model.labels >= 0]
    assert per["n_articles"].tolist() == np.bincount(clustered).tolist()
    assert per["share"].tolist() == np.round(np.bincount(clustered) / len(clustered), 4).tolist()
    assert (per["oversized"] == (per["share"] > 1 / 3)).all()
    assert (per["size_note"].str.len().gt(0) == per["oversized"]).all()
    assert not per["oversized"].any(), per  # half the corpus is generic, yet no cluster is over a third
    sel = model.selection
    assert sel.loc[sel["chosen"], "eligible"].item()
    # The planted subjects are still found (several clusters may share one: k is larger than the nine).
    from sklearn.metrics import homogeneity_score

    subject = parents >= 0
    assert homogeneity_score(parents[subject], model.labels[subject]) > 0.6
    # Forced to few clusters, the generic mass makes one large cluster, and the table says why.
    few = topics.fit_topics(tokens, ks=[3, 4])
    per = _per_cluster(topics.cluster_terms(few))
    note = per.loc[per["oversized"], "size_note"].iloc[0]
    assert "a remainder of articles without a distinctive vocabulary in common" in note
    assert note.endswith("every k tried (3–4) left a cluster with more than a third of the articles")
    two = _per_cluster(topics.cluster_terms(topics.fit_topics(tokens, k=2)))
    assert two["oversized"].iloc[0] and two["size_note"].iloc[0].endswith("k was given, not chosen")


def _dominant_corpus(arts: pd.DataFrame, n: int = 300, seed: int = 0):
    """``n`` pseudo-articles, 60 % from one sample article (a dominant subject), the rest from two others,
    nine paragraphs in ten from their own article.  Returns the tokens table and the parents."""
    paragraphs = [[segment(p) for p in text.split("\n") if p.strip()] for text in arts["text"]]
    flat = [p for paras in paragraphs for p in paras]
    rng = np.random.default_rng(seed)
    parents = np.where(rng.random(n) < 0.6, 0, rng.integers(1, 3, n))
    rows = []
    for i, parent in enumerate(parents):
        toks: list[str] = []
        for _ in range(rng.integers(3, 7)):
            own = paragraphs[parent]
            toks += own[rng.integers(len(own))] if rng.random() < 0.9 else flat[rng.integers(len(flat))]
        rows.append({"article_id": f"dom-{i:03d}", "tokens": toks})
    return pd.DataFrame(rows), parents


def test_a_dominant_subject_is_kept_whole_and_said_to_dominate(sample):
    tokens, parents = _dominant_corpus(sample[0])
    model = topics.fit_topics(tokens)
    sel = model.selection
    # k = 3 (the three subjects) has clearly the best silhouette; no k within 10 % keeps clusters within a third.
    assert model.k == 3 and not sel.loc[sel["chosen"], "eligible"].item()
    assert topics.partition_agreement(model.labels, parents)["value"].iloc[0] > 0.9
    per = _per_cluster(topics.cluster_terms(model))
    assert per["oversized"].tolist() == [True, False, False]
    note = per["size_note"].iloc[0]
    assert note.startswith(f"{100 * per['share'].iloc[0]:.0f} % of the articles, which hang together")
    assert "one broad kind of article takes up that much of the corpus" in note
    assert note.endswith("had a silhouette more than 10 % below the best")


def test_labels_are_distinctive_terms_and_no_term_names_more_than_two_clusters(generic):
    tokens, _ = generic
    model = topics.fit_topics(tokens)
    terms = topics.cluster_terms(model)
    assert list(terms.columns) == topics.CLUSTER_TERMS_COLUMNS
    assert terms.groupby("term")["cluster"].nunique().max() <= topics.TERM_CLUSTERS
    labels = topic_labels.top_terms(terms, 3)
    named = pd.Series([t for name in labels.values() for t in name.split("、")]).value_counts()
    assert named.max() <= 2 and len(labels) == model.k and all(len(n.split("、")) == 3 for n in labels.values())
    # Ranked by distinctiveness (ties in term order); listed terms occur in two of the cluster's articles.
    for _, group in terms.groupby("cluster"):
        distinctive = group[group["lift"] > 1]
        assert (np.diff(distinctive["distinctiveness"]) <= 0).all()
        assert (distinctive["distinctiveness"] > 0).all()
    assert (terms["doc_freq"] >= np.minimum(2, terms["n_articles"])).all()
    # Ranked by weight (the labels before), the shared word 中国 is among the twenty heaviest terms of three
    # clusters or more.
    heaviest = [set(np.asarray(model.tfidf.terms)[np.argsort(-c, kind="stable")[:20]]) for c in model.centroids]
    assert sum("中国" in top for top in heaviest) > 2
    assert terms.loc[terms["term"] == "中国", "cluster"].nunique() <= 2
    # Lift and distinctiveness as documented.
    X = model.tfidf.matrix.toarray()
    valid = model.labels >= 0
    mean = X[valid].mean(axis=0)
    row = terms.iloc[0]
    j = list(model.tfidf.terms).index(row["term"])
    weight = X[model.labels == row["cluster"], j].mean()
    assert row["weight"] == pytest.approx(weight, abs=1e-6)
    assert row["lift"] == pytest.approx(weight / mean[j], abs=1e-4)
    assert row["distinctiveness"] == pytest.approx(weight * np.log(weight / mean[j]), abs=1e-6)


def test_nmf_on_a_sample_gives_every_article_a_topic(mixed):
    tf = topics.tfidf_matrix(mixed[0])
    nmf = topics.nmf_topics(tf, 6, sample=300)
    again = topics.nmf_topics(tf, 6, sample=300)
    pd.testing.assert_frame_equal(nmf.articles, again.articles)
    pd.testing.assert_frame_equal(nmf.terms, again.terms)
    assert len(nmf.articles) == len(mixed[0]) and set(nmf.articles["topic"]) <= set(range(-1, 6))
    whole = topics.nmf_topics(tf, 6, sample=None)
    assert topics.partition_agreement(nmf.articles["topic"], whole.articles["topic"])["value"].iloc[0] > 0.5


def test_the_lsa_runs_in_single_precision_with_double_precision_starts(mixed, monkeypatch):
    import sklearn.cluster
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import adjusted_rand_score

    tf = topics.tfidf_matrix(mixed[0])
    X = tf.matrix[~tf.empty_rows]
    basis = selection.lsa_basis(X, 0)
    assert basis.dtype == np.float64 and basis.shape == (selection.LSA_COMPONENTS, X.shape[1])
    # The subspace of a double-precision SVD (cosines of the principal angles).
    double = TruncatedSVD(basis.shape[0], algorithm="randomized", n_iter=5, random_state=0).fit(X).components_
    assert np.linalg.svd(basis @ double.T, compute_uv=False).min() > 0.9999
    Z = selection.unit_rows(np.asarray(X @ basis.T))
    starts, fitted = [], []
    real_starts, real_fit = sklearn.cluster.kmeans_plusplus, sklearn.cluster.KMeans.fit
    monkeypatch.setattr(sklearn.cluster, "kmeans_plusplus", lambda Y, k, **kw: starts.append(Y.dtype) or
                        real_starts(Y, k, **kw))
    monkeypatch.setattr(sklearn.cluster.KMeans, "fit", lambda self, Y, *a, **kw: fitted.append(Y.dtype) or
                        real_fit(self, Y, *a, **kw))
    for k in (3, 6, 9, 12):
        starts.clear(), fitted.clear()
        single = selection.kmeans_labels(Z.astype(selection.LSA_DTYPE), k, 0, 3)
        assert starts == [np.float64] * 3 and fitted == [np.float32] * 3
        # The same starts (scikit-learn's draws) and the same fit as KMeans in double precision.
        assert adjusted_rand_score(single, selection.kmeans_labels(Z, k, 0, 3)) > 0.98


def test_a_sampled_nmf_runs_in_single_precision_and_agrees_with_double(mixed, monkeypatch):
    from sklearn.decomposition import NMF

    seen = []
    real = NMF.fit_transform
    monkeypatch.setattr(NMF, "fit_transform", lambda self, X, *a, **kw: seen.append((X.dtype, self.tol)) or
                        real(self, X, *a, **kw))
    tf = topics.tfidf_matrix(mixed[0])
    single = topics.nmf_topics(tf, 6, sample=300)
    topics.nmf_topics(tf, 6, sample=None)  # every article fitted: double precision, NMF_TOL
    assert seen == [(np.float32, topics.NMF_SAMPLE_TOL), (np.float64, topics.NMF_TOL)]
    assert single.articles["weight"].dtype == np.float64 and single.terms["weight"].dtype == np.float64
    monkeypatch.setattr(topics, "NMF_DTYPE", np.float64)
    monkeypatch.setattr(topics, "NMF_SAMPLE_TOL", topics.NMF_TOL)
    double = topics.nmf_topics(tf, 6, sample=300)
    agreement = topics.partition_agreement(single.articles["topic"], double.articles["topic"])
    assert agreement["value"].iloc[0] > 0.9, agreement
    heads = [set(t.groupby("topic").head(3)["term"]) for t in (single.terms, double.terms)]
    assert len(heads[0] & heads[1]) >= 0.8 * len(heads[1])


def _refine_moves(X, labels, k, rounds):
    """Articles moved by each of ``rounds`` rounds of spherical k-means from ``labels`` (written out
    here, independently of ``spherical_refine``), and the labels after them."""
    labels = np.asarray(labels)
    moves = []
    for _ in range(rounds):
        centres = topics._centroids(X, labels, k)
        centres /= np.linalg.norm(centres, axis=1)[:, None]
        nearest = np.asarray(X @ centres.T).argmax(axis=1)
        moves.append(int((nearest != labels).sum()))
        labels = nearest
    return moves, labels


def test_the_final_fit_is_refined_on_the_tfidf_rows_until_few_articles_move(mixed, monkeypatch):
    starts = []
    real = topics.spherical_refine
    monkeypatch.setattr(topics, "spherical_refine", lambda X, labels, k, **kw: starts.append(labels) or
                        real(X, labels, k, **kw))
    tf = topics.tfidf_matrix(mixed[0])
    model = topics.fit_topics(tf)
    X, k, rounds = tf.matrix, model.k, model.params["refine_rounds"]
    assert len(starts) == 1 and 0 < rounds < topics.REFINE_ITER
    # The rounds stop at the first that moves at most REFINE_MOVED of the articles (its moves kept).
    moves, after = _refine_moves(X, starts[0], k, rounds)
    limit = topics.REFINE_MOVED * X.shape[0]
    assert all(m > limit for m in moves[:-1]) and 0 < moves[-1] <= limit, moves
    assert model.labels.tolist() == selection.canonical_labels(after).tolist()
    assert np.allclose(np.nanmean(model.silhouettes), topics.cosine_silhouette(X, model.labels)[0])
    # moved_share=0: until nothing moves, a fixed point of spherical k-means (every article nearest its
    # own cluster's mean direction), whose silhouette the early stop is close to.
    fixed, fixed_rounds = topics.spherical_refine(X, starts[0], k, moved_share=0)
    assert rounds <= fixed_rounds < topics.REFINE_ITER
    centres = topics._centroids(X, fixed, k)
    centres /= np.linalg.norm(centres, axis=1)[:, None]
    assert (np.asarray(X @ centres.T).argmax(axis=1) == fixed).all()
    assert abs(topics.cosine_silhouette(X, fixed)[0] - topics.cosine_silhouette(X, model.labels)[0]) < 0.002


def test_the_vocabulary_sentence_counts_terms_per_article_from_the_exact_cells():
    from analysis.book.chapters.topics import vocabulary_sentence

    # 0.0021 (the rounded density) × 53,724 terms would say 113; 2,660,312 cells / 24,100 articles are 110.
    summary = pd.DataFrame({"item": ["articles", "articles without kept terms", "terms kept", "non-zero cells",
                                     "density"], "value": ["24100", "11", "53724", "2660312", "0.0021"]})
    text = str(vocabulary_sentence(summary))
    assert "about 110 of the kept terms" in text and "11 articles kept no term" in text


def test_the_final_fit_starts_from_the_samples_clusters():
    # Two well-separated groups of directions: started from the sample's centres, Lloyd keeps that
    # partition; without centres (or with unusable ones) it falls back to k-means++ starts.
    rng = np.random.default_rng(0)
    Z = selection.unit_rows(np.vstack([rng.normal([5, 0, 0], 0.3, (40, 3)), rng.normal([0, 5, 0], 0.3, (60, 3))]))
    truth = np.array([1] * 40 + [0] * 60)  # canonical: the larger group is cluster 0
    centres = selection.sample_centres(Z, truth, 2)
    assert np.allclose(np.linalg.norm(centres, axis=1), 1.0)
    assert topics.lsa_kmeans(Z, 2, 0, centres).tolist() == truth.tolist()
    assert topics.lsa_kmeans(Z, 2, 0, None).tolist() == truth.tolist()
    assert topics.lsa_kmeans(Z, 2, 0, np.zeros((2, 3))).tolist() == truth.tolist()  # zero rows: fallback


def test_sublinear_tfidf_is_scikit_learns_to_the_bit():
    """The build's TF-IDF (no scikit-learn import) gives the very values of TfidfTransformer."""
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    from analysis.topics.model import sublinear_tfidf

    rng = np.random.default_rng(7)
    for trial in range(20):
        n, m = int(rng.integers(1, 300)), int(rng.integers(1, 2000))
        X = sp.random(n, m, density=float(rng.uniform(0.001, 0.3)), format="csr", random_state=trial)
        X.data = np.ceil(X.data * int(rng.integers(1, 200)))
        X.indices, X.indptr = X.indices.astype(np.int32), X.indptr.astype(np.int32)
        X.sort_indices()
        ours = sublinear_tfidf(X)
        theirs = sp.csr_matrix(TfidfTransformer(sublinear_tf=True, smooth_idf=True, norm="l2").fit_transform(X))
        assert ours.data.tobytes() == theirs.data.tobytes()
        assert np.array_equal(ours.indices, theirs.indices) and np.array_equal(ours.indptr, theirs.indptr)
        assert ours.indices.dtype == theirs.indices.dtype and ours.shape == theirs.shape
