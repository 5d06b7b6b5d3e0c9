"""Benchmark: topic clustering (analysis.topics) on a synthetic corpus.

The corpus is built from the sample pages: each synthetic article takes 2-8
paragraphs (already segmented), three in four from one "parent" sample
article so that subjects exist, plus 10-40 rare words drawn from a Zipf law
over 100,000 made-up terms (词000001 …) so the vocabulary is as large as a
real paper's.  Building it is not timed.

Each size runs in a fresh subprocess, so the peak resident memory
(``ru_maxrss``) is that size's own.  "ARI/parent" is the adjusted Rand
index between the clusters and the sample article each synthetic article
was mostly drawn from (the planted subjects): it shows the clustering still
finds structure at scale.  The baseline is the run at one tenth
of the size, in the same invocation: time should grow about linearly, and
the memory peak must stay under the 4 GB budget (exit status 1 otherwise).

Usage::

    .venv/bin/python benchmarks/bench_topics.py            # 10,000 and 100,000 articles
    .venv/bin/python benchmarks/bench_topics.py --n 5000   # quick check: 500 and 5,000
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

BUDGET_MB = 4096
N_RARE = 100_000


def synthetic_tokens(n: int, seed: int = 0):
    """A tokens table of ``n`` synthetic articles (see the module docstring)."""
    import numpy as np
    import pandas as pd

    from analysis.corpus import load_articles
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


def child(n: int) -> dict:
    os.environ.setdefault("MPLCONFIGDIR", os.path.join("_build", "cache", "matplotlib"))
    from analysis import topics

    tokens, parents = synthetic_tokens(n)
    n_tokens = int(tokens["tokens"].map(len).sum())
    rss_input = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = {}
    start = t0 = time.perf_counter()
    tfidf = topics.tfidf_matrix(tokens)
    times["tfidf"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = topics.fit_topics(tfidf)  # k chosen by silhouette over 2..12
    times["choose_k+fit"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    terms = topics.cluster_terms(model)
    table = topics.clusters_table(model)
    times["tables"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    nmf = topics.nmf_topics(model.tfidf, model.k)
    agree = topics.partition_agreement(model.labels, nmf.articles["topic"])
    times["nmf"] = time.perf_counter() - t0
    times["total"] = time.perf_counter() - start
    from sklearn.metrics import adjusted_rand_score

    return {
        "n": n, "n_tokens": n_tokens, "n_terms": int(tfidf.matrix.shape[1]), "nnz": int(tfidf.matrix.nnz),
        "k": model.k, "method": model.method, "times": times,
        "rss_input_mb": rss_input, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ari_vs_parent": float(adjusted_rand_score(parents, model.labels)),
        "ari_kmeans_nmf": float(agree["value"].iloc[0]), "rows": len(table), "term_rows": len(terms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles in the large run (baseline: n/10)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    results = []
    for n in (max(args.n // 10, 50), args.n):
        proc = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            return proc.returncode
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"{'articles':>9} {'tokens':>11} {'terms':>7} {'nnz':>10} {'k':>3} {'method':>16} "
          f"{'tfidf s':>8} {'k+fit s':>8} {'tables s':>8} {'nmf s':>7} {'total s':>8} "
          f"{'input MB':>9} {'peak MB':>8} {'ARI/parent':>10}")
    for r in results:
        t = r["times"]
        print(f"{r['n']:>9,} {r['n_tokens']:>11,} {r['n_terms']:>7,} {r['nnz']:>10,} {r['k']:>3} {r['method']:>16} "
              f"{t['tfidf']:>8.1f} {t['choose_k+fit']:>8.1f} {t['tables']:>8.1f} {t['nmf']:>7.1f} "
              f"{t['total']:>8.1f} {r['rss_input_mb']:>9.0f} {r['peak_mb']:>8.0f} {r['ari_vs_parent']:>10.3f}")
    base, big = results
    scale = big["n"] / base["n"]
    print(f"baseline ({base['n']:,} articles) → {big['n']:,}: {scale:.0f}x the articles, "
          f"{big['times']['total'] / base['times']['total']:.1f}x the time, "
          f"{big['peak_mb'] / base['peak_mb']:.1f}x the peak memory "
          f"({big['peak_mb'] - big['rss_input_mb']:.0f} MB above the synthetic input itself)")
    ok = big["peak_mb"] < BUDGET_MB
    print(f"peak memory {big['peak_mb']:.0f} MB {'<' if ok else '>='} budget {BUDGET_MB} MB: {'OK' if ok else 'OVER BUDGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
