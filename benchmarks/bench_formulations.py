"""Formulations at scale: find_enumerations must be linear, extraction one automaton pass.

Repeats the sample text to 0.9, 1.8 and 3.6 million characters and times
:func:`analysis.aggregate.formulations.find_enumerations` (it was quadratic: 0.5 / 2.1 /
8.2 s before it found sentence ends once per text), then times
:func:`analysis.aggregate.formulations.extract_formulations` on the sample articles
repeated ``--copies`` times.  Doubling the text should double the time.

Usage::

    .venv/bin/python benchmarks/bench_formulations.py
    .venv/bin/python benchmarks/bench_formulations.py --copies 200
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.aggregate.formulations import extract_formulations, find_enumerations  # noqa: E402
from analysis.corpus.read import load_articles  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="copies of the sample articles for extraction")
    args = parser.parse_args()
    articles = load_articles()
    base = "\n".join(articles["text"])
    find_enumerations(base)                       # load the segmenter outside the timings
    for millions in (0.9, 1.8, 3.6):
        size = int(millions * 1_000_000)
        text = (base * (size // len(base) + 1))[:size]
        start = time.perf_counter()
        found = find_enumerations(text)
        print(f"find_enumerations  {millions:.1f} M chars  {time.perf_counter() - start:6.2f} s  {len(found)} slogans")
    many = articles.loc[articles.index.repeat(args.copies)].reset_index(drop=True)
    many["article_id"] = [f"copy{i}" for i in range(len(many))]
    chars = int(many["text"].str.len().sum())
    start = time.perf_counter()
    occurrences = extract_formulations(many)
    elapsed = time.perf_counter() - start
    print(f"extract_formulations  {len(many)} articles, {chars / 1e6:.1f} M chars  {elapsed:6.2f} s  "
          f"{len(occurrences)} occurrences")


if __name__ == "__main__":
    main()
