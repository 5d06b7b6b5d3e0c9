"""Benchmark: topic clustering (analysis.topics.model), the old method against the new, on synthetic corpora.

The corpus is built from the sample pages: each synthetic article takes 2-8
paragraphs (already segmented), three in four from one "parent" sample
article so that subjects exist, plus 10-40 rare words drawn from a Zipf law
over 100,000 made-up terms (词000001 …) so the vocabulary is as large as a
real paper's.  Building it is not timed.

For each size (``--n``) and each method (``--methods``) a fresh subprocess
builds the corpus, the TF-IDF matrix and the model (k chosen over 2..12),
so the peak resident memory (``ru_maxrss``) is that run's own.  Methods
(``fit_topics(method=…)``): ``exact`` is the code before this change (ten
k-means++ starts per k on the sparse matrix, mini-batches above 5,000
articles, scikit-learn's silhouette on a 5,000-article sample, the winner
refitted); ``auto`` is the default now (``sparse``: three starts, each k's
fit kept, exact silhouette from cluster sums, up to ``SVD_THRESHOLD``
articles; ``svd``: k-means on 100 LSA dimensions above it).  Columns:

* ``k+fit s`` wall seconds of choosing k and fitting (``cpu s``: CPU
  seconds of the process, all threads); ``total s`` adds TF-IDF and tables;
* ``peak MB``: peak resident memory of the run;
* ``silhouette``: the chosen partition's mean silhouette (cosine), computed
  exactly on the TF-IDF rows for every method, so methods compare;
* ``ARI/planted``: adjusted Rand index with the parent article each
  synthetic article was mostly drawn from (the planted subjects);
* ``ARI/exact``, ``NMI/exact``: agreement with the ``exact`` method's
  partition of the same corpus (when ``exact`` is among the methods).

Exit status 1 if any run's peak memory exceeds the 4 GB budget.  The
machine's other load changes the seconds (not the other figures): compare
methods within one invocation.

Usage::

    .venv/bin/python benchmarks/bench_topics.py                      # 2,000 and 12,000 articles, exact vs auto
    .venv/bin/python benchmarks/bench_topics.py --n 3000 50000 --methods exact,sparse,svd
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



def child(n: int, method: str) -> dict:
    os.environ.setdefault("MPLCONFIGDIR", os.path.join("_build", "cache", "matplotlib"))
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from analysis.topics import model as topics

    tokens, parents = synthetic_tokens(n)
    rss_input = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = {}
    start = t0 = time.perf_counter()
    tfidf = topics.tfidf_matrix(tokens)
    times["tfidf"] = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    model = topics.fit_topics(tfidf, method=method)  # k chosen by silhouette over 2..12
    times["fit"], times["fit_cpu"] = time.perf_counter() - t0, time.process_time() - c0
    topics.cluster_terms(model)
    topics.clusters_table(model)
    times["total"] = time.perf_counter() - start
    filled = model.labels >= 0
    sil, _ = topics.cosine_silhouette(tfidf.matrix[filled], model.labels[filled])
    return {
        "n": n, "method": method, "model_method": model.method, "k": model.k, "times": times,
        "n_terms": int(tfidf.matrix.shape[1]), "nnz": int(tfidf.matrix.nnz),
        "rss_input_mb": rss_input, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "silhouette": sil, "ari_planted": float(adjusted_rand_score(parents, model.labels)),
        "labels": np.asarray(model.labels).tolist(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[2_000, 12_000], help="corpus sizes (articles)")
    parser.add_argument("--methods", default="exact,auto",
                        help="comma-separated fit_topics methods (exact, auto, sparse, svd); exact is the old one")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child[0]), args.child[1])))
        return 0
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    print(f"{'articles':>9} {'terms':>7} {'nnz':>10} {'method':>7} {'fitted as':>16} {'k':>3} {'k+fit s':>8} "
          f"{'cpu s':>7} {'total s':>8} {'peak MB':>8} {'silhouette':>10} {'ARI/planted':>11} "
          f"{'ARI/exact':>9} {'NMI/exact':>9}", flush=True)
    ok = True
    for n in args.n:
        results = {}
        for method in methods:
            proc = subprocess.run([sys.executable, __file__, "--child", str(n), method],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr)
                return proc.returncode
            r = results[method] = json.loads(proc.stdout.strip().splitlines()[-1])
            ref = results.get("exact")
            if ref is not None:
                ari = f"{adjusted_rand_score(ref['labels'], r['labels']):>9.3f}"
                nmi = f"{normalized_mutual_info_score(ref['labels'], r['labels']):>9.3f}"
            else:
                ari = nmi = f"{'-':>9}"
            t = r["times"]
            print(f"{n:>9,} {r['n_terms']:>7,} {r['nnz']:>10,} {method:>7} {r['model_method']:>16} {r['k']:>3} "
                  f"{t['fit']:>8.1f} {t['fit_cpu']:>7.1f} {t['total']:>8.1f} {r['peak_mb']:>8.0f} "
                  f"{r['silhouette']:>10.4f} {r['ari_planted']:>11.3f} {ari} {nmi}", flush=True)
            ok &= r["peak_mb"] < BUDGET_MB
        if "exact" in results:
            for method, r in results.items():
                if method != "exact":
                    print(f"{n:>9,}: {method} chooses k and fits in "
                          f"{r['times']['fit'] / max(results['exact']['times']['fit'], 1e-9):.2f}x the time of exact",
                          flush=True)
    print(f"peak memory {'under' if ok else 'OVER'} the {BUDGET_MB} MB budget in every run")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
