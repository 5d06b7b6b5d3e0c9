"""Segmentation throughput: the project's tokenizer against a plain jieba loop.

Builds a synthetic corpus (default 50 MB of UTF-8 text) by resampling the
sample pages' paragraphs with a fixed seed, then segments it

1. with the plain reference: a per-article loop over ``jieba`` (a private
   ``jieba.Tokenizer`` with the same user dictionary; ``lcut`` per article,
   same punctuation filter and middle-dot handling);
2. with the project: ``analysis.tokens.tokenize_articles`` (rjieba backend,
   cold token cache in a temporary folder, so every article is segmented
   and written to the cache);
3. the project again, warm cache (a re-run: nothing to segment);

prints MB/s for each and the speed-up, and checks that the project's tokens
are identical to jieba's for every article.  Exit status 1 if they differ.

    .venv/bin/python benchmarks/bench_segmentation.py            # 50 MB
    .venv/bin/python benchmarks/bench_segmentation.py --mb 5     # quick look
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time

import pandas as pd

from analysis.corpus.read import load_articles
from analysis.tokens import Segmenter, tokenize_articles


def synthetic_corpus(megabytes: float, seed: int = 0) -> pd.DataFrame:
    """Articles of 3-12 paragraphs resampled from the sample pages, ``megabytes`` of UTF-8 in all."""
    paragraphs = [p for text in load_articles()["text"] for p in text.split("\n") if p.strip()]
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    rows, size = [], 0
    while size < target:
        text = "\n".join(rng.choice(paragraphs) for _ in range(rng.randint(3, 12)))
        rows.append((f"synthetic-{len(rows):06d}", text))
        size += len(text.encode("utf-8"))
    return pd.DataFrame(rows, columns=["article_id", "text"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    corpus = synthetic_corpus(args.mb, args.seed)
    mb = sum(len(t.encode("utf-8")) for t in corpus["text"]) / 1e6
    print(f"corpus: {len(corpus)} articles, {mb:.1f} MB (seed {args.seed})")

    reference = Segmenter(backend="jieba")
    reference.cut("预热")  # dictionary load is not part of the loop
    start = time.perf_counter()
    expected = [reference.cut(text) for text in corpus["text"]]
    plain = time.perf_counter() - start
    print(f"plain jieba loop          : {plain:7.2f} s  {mb / plain:6.2f} MB/s")

    with tempfile.TemporaryDirectory(prefix="bench-tokens-") as folder:
        start = time.perf_counter()
        cold = tokenize_articles(corpus, backend="rjieba", cache=folder)
        t_cold = time.perf_counter() - start
        print(f"project, cold cache       : {t_cold:7.2f} s  {mb / t_cold:6.2f} MB/s  "
              f"speed-up {plain / t_cold:5.1f}x")
        start = time.perf_counter()
        warm = tokenize_articles(corpus, backend="rjieba", cache=folder)
        t_warm = time.perf_counter() - start
        print(f"project, warm cache re-run: {t_warm:7.2f} s  {mb / t_warm:6.2f} MB/s  "
              f"speed-up {plain / t_warm:5.1f}x")

    identical = list(cold["tokens"]) == expected and list(warm["tokens"]) == expected
    differing = sum(a != b for a, b in zip(cold["tokens"], expected))
    n_tokens = sum(map(len, expected))
    print(f"tokens: {n_tokens} in all; identical to jieba: {identical} ({differing} articles differ)")
    target = 5.0
    print(f"target >= {target:.0f}x the plain loop (cold cache): {'met' if plain / t_cold >= target else 'NOT met'}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
