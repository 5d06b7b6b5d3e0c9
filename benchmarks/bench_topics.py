"""Benchmark: the topics step (analysis.topics), this checkout against a git ref, on planted and real corpora.

Two kinds of corpus, each run in a fresh subprocess per variant (so seconds
and peak memory are that run's own), all variants of one corpus in one
invocation (compare within it: the machine's other load changes the seconds):

* ``--n 3000 48000``: **planted subjects**.  Each synthetic article takes
  2-8 paragraphs (already segmented) of the sample pages, three in four from
  one "parent" sample article (the planted subject, nine of them), plus 10-40
  rare words drawn from a Zipf law over 100,000 made-up terms (词000001 …) so
  the vocabulary is as large as a real paper's.  Building it is not timed.
* ``--build DIR``: the **topics step of a finished build** (``python -m
  analysis build --out DIR``; the corpus is not read again): its per-article
  term counts (``DIR/perarticle/term_counts``) and articles table, through
  exactly what the build's topics block does (TF-IDF from the counts, the
  model, ``clusters``, ``cluster_terms``, ``tfidf_summary``,
  ``representative_articles``, NMF).  Nothing from the corpus is written
  anywhere but a temporary folder (the selection cache), deleted at the end.

Variants: ``before`` (the code of ``--baseline``, default ``redesign``,
extracted with ``git archive`` and imported first), ``before·1t`` (the same
on one thread: the new code runs k-means, SVD and NMF on one thread, see
``analysis.topics.selection.THREADS``, so this separates the method's gain
from the threads'), ``after`` (this checkout, empty selection cache),
``after·warm`` (the same again, cache filled: the choice of k is read) and,
with ``--build``, ``after·1%`` (1 % of the articles edited, as
``bench_build.py`` does: four common terms added to each; cache warm).
``plain`` is the reference the issue asks for: scikit-learn ``KMeans``
(three k-means++ starts) on the same TF-IDF rows at the ``after`` k.

Columns: ``k``; ``step s`` (wall seconds of the whole topics step; ``fit s``
of choosing k and fitting, ``select s`` of that the choice of k, sample SVD
included, when the code says), ``cpu s`` (CPU seconds of the step, all
threads); ``peak MB``; ``sil`` (the final partition's mean silhouette, cosine,
on every article's TF-IDF row, so variants compare); ``largest`` (share of
the largest cluster); ``label>2`` (terms named in the 3-term labels of more
than two clusters), ``shared`` (terms in two or more labels) and
``listed>2`` (terms of ``cluster_terms``, ten per cluster, listed for more
than two clusters); then the agreement (adjusted Rand index, normalised
mutual information) with:

* ``planted``: the planted subjects (``--n``);
* ``title``: sections read from the headlines by the fixed dictionary
  :data:`SECTIONS` (Russia-Ukraine, Middle East, epidemic, agriculture,
  weather, diplomacy, economy, commentary, culture and tourism, sport,
  science); only articles whose headline matches exactly one section count.
  A proxy for the paper's own sections where it has no page: the headline is
  written by the editors and is not part of the text clustered;
* ``page``: the articles' ``page`` column, when it has two values or more.

Usage::

    .venv/bin/python benchmarks/bench_topics.py                           # 3,000 and 48,000 planted
    .venv/bin/python benchmarks/bench_topics.py --n 3000 --build /tmp/tp-xwlb --baseline redesign
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
N_RARE = 100_000
SECTIONS = {
    "russia-ukraine": r"乌克兰|俄.*乌|乌.*俄|俄军|乌军",
    "middle-east": r"以色列|加沙|巴勒斯坦|哈马斯|黎巴嫩|伊朗|叙利亚|也门|以军|中东",
    "epidemic": r"疫情|新冠|病例|核酸|疫苗|抗疫",
    "agriculture": r"粮|农业|农村|麦|稻|秋收|春耕|夏收|三夏|秋粮|田间|春播",
    "weather": r"降雨|暴雨|降雪|台风|地震|洪|汛|寒潮|高温|抢险|救灾|强对流|雨雪",
    "diplomacy": r"会见|会谈|通电话|致电|贺电|复信|致信|国事访问|正式访问",
    "economy": r"经济|增长|消费|外贸|进出口|投资|工业|制造业|金融|市场|企业",
    "commentary": r"快评|评论员|锐评",
    "culture-tourism": r"旅游|游客|假期|文旅|非遗|博物馆|文化",
    "sport": r"冬奥|亚运|大运|运动会|奥运|体育|冠军|世界杯",
    "science": r"科技|航天|神舟|卫星|嫦娥|天宫|火箭|探测",
}


# --------------------------------------------------------------------------- inputs


def synthetic_tokens(n: int, seed: int = 0):
    """A tokens table of ``n`` synthetic articles and their planted subjects (see the module docstring)."""
    import numpy as np
    import pandas as pd

    from analysis.corpus.read import load_articles
    from analysis.tokens import segment

    arts = load_articles()
    paragraphs = [[segment(p) for p in text.split("\n") if p.strip()] for text in arts["text"]]
    flat = [p for paras in paragraphs for p in paras]
    rare = [f"词{i:06d}" for i in range(N_RARE)]
    rng = np.random.default_rng(seed)
    parents = rng.integers(0, len(paragraphs), size=n)
    n_paras = rng.integers(2, 9, size=n)
    n_rare = rng.integers(10, 41, size=n)
    rare_ids = np.minimum(rng.zipf(1.3, size=int(n_rare.sum())), N_RARE) - 1
    pos = 0
    out = []
    for i in range(n):
        own = paragraphs[parents[i]]
        toks: list[str] = []
        for _ in range(n_paras[i]):
            if rng.random() < 0.75:
                toks.extend(own[rng.integers(len(own))])
            else:
                toks.extend(flat[rng.integers(len(flat))])
        toks.extend(rare[j] for j in rare_ids[pos: pos + n_rare[i]])
        pos += n_rare[i]
        out.append(toks)
    ids = [f"syn-{i:06d}" for i in range(n)]
    return pd.DataFrame({"article_id": ids, "tokens": out}), [int(p) for p in parents]


def build_arrays(build: str):
    """``(articles, vocabulary, rows, cols, counts)`` from a finished build's per-article term counts, in the
    form the build hands to ``tfidf_from_arrays``."""
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    table = ds.dataset(f"{build}/perarticle/term_counts", partitioning="hive").to_table(
        columns=["article_order", "term", "count"]).sort_by("article_order")
    encoded = pc.dictionary_encode(table["term"].combine_chunks())
    import pyarrow.parquet as pq

    names = pq.read_schema(f"{build}/articles.parquet").names
    columns = [c for c in ("article_id", "headline", "issue_date", "date", "text", "page") if c in names]
    articles = pd.read_parquet(f"{build}/articles.parquet", columns=columns)
    return (articles, encoded.dictionary.to_pylist(), table["article_order"].to_numpy(),
            encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32), table["count"].to_numpy())


def edit_one_percent(vocabulary, rows, cols, counts, n: int, seed: int = 1):
    """Four common terms added to 1 % of the articles (as ``bench_build.edit_fraction`` appends a sentence)."""
    import numpy as np

    vocabulary = list(vocabulary)
    edited = np.random.default_rng(seed).choice(n, max(1, n // 100), replace=False)
    extra_terms = ["会议", "研究", "部署", "工作"]
    ids = [vocabulary.index(t) if t in vocabulary else vocabulary.append(t) or len(vocabulary) - 1
           for t in extra_terms]
    add_rows = np.repeat(edited, len(ids))
    add_cols = np.tile(np.asarray(ids, dtype=np.int32), len(edited))
    order = np.argsort(np.concatenate([rows, add_rows]), kind="stable")
    return (vocabulary, np.concatenate([rows, add_rows])[order], np.concatenate([cols, add_cols])[order],
            np.concatenate([counts, np.ones(len(add_rows), dtype=counts.dtype)])[order])


# --------------------------------------------------------------------------- one run (in a subprocess)


def label_overlap(cluster_terms) -> tuple[int, int, int]:
    """(terms in the 3-term labels of more than two clusters, terms in two labels or more, terms listed
    (``cluster_terms``' ten per cluster) for more than two clusters)."""
    ordered = cluster_terms.sort_values(["cluster", "rank"], kind="mergesort")
    per_term = ordered.groupby("cluster").head(3).groupby("term")["cluster"].nunique()
    listed = ordered.groupby("term")["cluster"].nunique()
    return int((per_term > 2).sum()), int((per_term >= 2).sum()), int((listed > 2).sum())


def child(spec: dict) -> dict:
    os.environ.setdefault("MPLCONFIGDIR", str(ROOT / "_build" / "cache" / "matplotlib"))
    import numpy as np

    import analysis
    from analysis.topics import model as topics

    threads = spec.get("threads")
    if threads:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=threads)  # noqa: F841 - held for the process's life
    import inspect

    cache = spec.get("cache")
    extra = {"cache": cache} if cache and "cache" in inspect.signature(topics.fit_topics).parameters else {}
    if "nmf_terms" in inspect.signature(topics.fit_topics).parameters:
        extra["nmf_terms"] = 10  # as the build: the NMF check beside the clustering
    if spec["kind"] == "planted":
        tokens, _ = synthetic_tokens(spec["n"])
        articles = None
        t0, c0 = time.perf_counter(), time.process_time()
        tfidf = topics.tfidf_matrix(tokens)
    else:
        articles, vocabulary, rows, cols, counts = build_arrays(spec["build"])
        if spec.get("edit"):
            vocabulary, rows, cols, counts = edit_one_percent(vocabulary, rows, cols, counts, len(articles))
        t0, c0 = time.perf_counter(), time.process_time()
        tfidf = topics.tfidf_from_arrays(articles["article_id"], vocabulary, rows, cols, counts)
    t1 = time.perf_counter()
    if spec.get("plain_k"):
        labels = np.full(tfidf.matrix.shape[0], -1)
        filled = ~tfidf.empty_rows
        from sklearn.cluster import KMeans
        labels[filled] = KMeans(n_clusters=spec["plain_k"], n_init=3, random_state=0).fit_predict(
            tfidf.matrix[filled])
        model, method, k, terms = None, "sklearn-kmeans", spec["plain_k"], None
    else:
        model = topics.fit_topics(tfidf, **extra)
        labels, method, k = model.labels, model.method, model.k
    t2 = time.perf_counter()
    if model is not None:
        # The rest of the build's topics block.
        topics.clusters_table(model)
        terms = topics.cluster_terms(model, 10)
        topics.tfidf_summary(model.tfidf)
        if articles is not None:
            topics.representative_articles(model, articles, n=3)
        if getattr(model, "nmf", None) is None:
            topics.nmf_topics(model.tfidf, model.k, n_terms=10)
    t3, c3 = time.perf_counter(), time.process_time()
    filled = labels >= 0
    sil, _ = topics.cosine_silhouette(tfidf.matrix[filled], labels[filled])
    sizes = np.bincount(labels[filled])
    overlap = label_overlap(terms) if terms is not None else (None, None, None)
    params = {} if model is None else {k: v for k, v in model.params.items() if k != "fingerprint"}
    return {"k": int(k), "method": method, "fit": t2 - t1, "step": t3 - t0, "cpu": c3 - c0,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "silhouette": sil,
            "largest": float(sizes.max() / filled.sum()), "overlap": overlap, "params": params,
            "labels": np.asarray(labels).tolist(), "code": str(Path(analysis.__file__).parent.parent)}


def run_child(spec: dict, code: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code), PYTHONHASHSEED="0")
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                          env=env, cwd=code)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(proc.returncode)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if Path(result["code"]).resolve() != code.resolve():
        raise SystemExit(f"the child imported analysis from {result['code']}, not {code}")
    return result


# --------------------------------------------------------------------------- agreement


def sections_of(articles):
    """``{proxy: labels}`` (-1: no section) for the proxies this article table supports."""
    import numpy as np

    out = {}
    if "page" in articles and articles["page"].astype(str).replace("", np.nan).nunique() > 1:
        pages = articles["page"].astype(str)
        codes = {p: i for i, p in enumerate(sorted(set(pages) - {""}))}
        out["page"] = np.array([codes.get(p, -1) for p in pages])
    titles = articles["headline"].fillna("").astype(str) if "headline" in articles else None
    if titles is not None:
        hits = np.column_stack([titles.str.contains(p, regex=True).to_numpy() for p in SECTIONS.values()])
        labels = np.where(hits.sum(axis=1) == 1, hits.argmax(axis=1), -1)
        if (labels >= 0).mean() >= 0.1:
            out["title"] = labels
    return out


def agreement(labels, truth) -> str:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels, truth = np.asarray(labels), np.asarray(truth)
    keep = (labels >= 0) & (truth >= 0)
    return (f"{adjusted_rand_score(truth[keep], labels[keep]):.3f}/"
            f"{normalized_mutual_info_score(truth[keep], labels[keep]):.3f}")


# --------------------------------------------------------------------------- main


def load() -> str:
    return "load %.1f %.1f %.1f" % os.getloadavg()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="*", default=[3_000, 48_000], help="planted corpora (articles)")
    parser.add_argument("--build", nargs="*", default=[], help="finished build folders (their topics step)")
    parser.add_argument("--baseline", default="redesign", help="git ref of the code before (default: redesign)")
    parser.add_argument("--skip", default="", help="comma list of variants to leave out (e.g. before·1t,plain)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    import numpy as np

    skip = set(filter(None, args.skip.split(",")))
    work = Path(tempfile.mkdtemp(prefix="bench_topics_"))
    try:
        base = work / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores; before = {args.baseline}, "
              f"after = this checkout", flush=True)
        header = (f"{'corpus':>14} {'variant':>11} {'fitted as':>24} {'k':>3} {'select s':>8} {'fit s':>6} "
                  f"{'step s':>7} {'cpu s':>6} {'peak MB':>7} {'sil':>6} {'largest':>7} {'label>2':>7} "
                  f"{'shared':>6} {'listed>2':>8}  agreement ARI/NMI")
        corpora = [("planted", n) for n in args.n] + [("build", b) for b in args.build]
        for kind, what in corpora:
            name = f"planted {what:,}" if kind == "planted" else Path(what).name
            spec = {"kind": kind, "n": what} if kind == "planted" else {"kind": kind, "build": str(what)}
            if kind == "planted":
                truths = {"planted": np.asarray(synthetic_tokens(int(what))[1])}
            else:
                import pandas as pd
                import pyarrow.parquet as pq

                names = pq.read_schema(f"{what}/articles.parquet").names
                truths = sections_of(pd.read_parquet(f"{what}/articles.parquet",
                                                     columns=[c for c in ("headline", "page") if c in names]))
            cache = work / f"cache-{len(list(work.iterdir()))}"
            variants = [("before", base, {}), ("before·1t", base, {"threads": 1}),
                        ("after", ROOT, {"cache": str(cache)}), ("after·warm", ROOT, {"cache": str(cache)})]
            if kind == "build":
                variants.append(("after·1%", ROOT, {"cache": str(cache), "edit": True}))
            print(f"\n{name} ({load()})\n{header}", flush=True)
            results = {}
            for label, code, extra in variants + [("plain", ROOT, {})]:
                if label in skip:
                    continue
                if label == "plain":
                    if "after" not in results:
                        continue
                    extra = {"plain_k": results["after"]["k"]}
                r = results[label] = run_child({**spec, **extra}, code)
                agree = "  ".join(f"{t}={agreement(r['labels'], truth)}" for t, truth in truths.items())
                over = ["-" if v is None else v for v in r["overlap"]]
                cached = r["params"].get("selection_cached")
                select = r["params"].get("seconds", {}).get("selection")
                select = "-" if select is None else f"{select:.1f}"
                print(f"{name:>14} {label:>11} {r['method']:>24} {r['k']:>3} {select:>8} {r['fit']:>6.1f} "
                      f"{r['step']:>7.1f} {r['cpu']:>6.1f} {r['peak_mb']:>7.0f} {r['silhouette']:>6.4f} "
                      f"{r['largest']:>7.3f} {over[0]:>7} {over[1]:>6} {over[2]:>8}  {agree}"
                      f"{'  (selection read from cache)' if cached else ''}", flush=True)
            if "before" in results and "after" in results:
                print(f"{name:>14}: the step takes {results['after']['step'] / results['before']['step']:.2f}× the "
                      f"time of before ({results['after']['cpu'] / results['before']['cpu']:.2f}× the CPU); "
                      f"{load()}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
