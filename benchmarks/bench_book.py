"""Benchmark: what the book adds to the tables build, on a generated corpus.

The book reads the tables that ``python -m analysis build`` wrote (one source
of numbers), so building it should cost little more than plotting.  This
generates a corpus folder (:mod:`analysis.synthetic`, default 3,000 articles
over four years), then times, as whole processes and in one run:

1. the tables build (``python -m analysis build``, cold: a private build
   folder, so no cache from earlier runs), the baseline;
2. the book build on those tables (``jupyter-book build``, every notebook
   executed), the figure the target is about: under 60 s on 2 cores.

Wall and CPU seconds (children included) and peak memory are printed for each.

Usage::

    .venv/bin/python benchmarks/bench_book.py                 # 3,000 articles
    .venv/bin/python benchmarks/bench_book.py --articles 500  # a quick look
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"


def timed(command: list[str], env: dict) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mb": after.ru_maxrss / 1024}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=3000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench_book_"))
    corpus, tables = work / "corpus", work / "tables"
    subprocess.run([str(VENV / "python"), "-m", "analysis", "synthetic", "--out", str(corpus),
                    "--articles", str(args.articles)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    # A private build folder: the tables build is cold (no token or corpus cache from earlier runs).
    env = dict(os.environ, ANALYSIS_CORPUS=str(corpus), ANALYSIS_TABLES=str(tables), PYTHONHASHSEED="0",
               ANALYSIS_BUILD_DIR=str(work / "build"),
               MPLCONFIGDIR=str(ROOT / "_build" / "cache" / "matplotlib"), JUPYTER_PREFER_ENV_PATH="1")
    build = timed([str(VENV / "python"), "-m", "analysis", "build", "--out", str(tables), "--quiet"], env)
    book = timed([str(VENV / "jupyter-book"), "build", ".", "--path-output", str(work), "--all", "-W", "-n",
                  "--keep-going"], env)
    print(f"corpus: {args.articles:,} generated articles ({corpus}); {os.cpu_count()} cores")
    print(f"{'step':<28}{'wall s':>9}{'cpu s':>9}{'peak MB':>10}  (peak: largest child process so far)")
    for name, row in (("tables build (baseline)", build), ("book build (notebooks + HTML)", book)):
        print(f"{name:<28}{row['wall']:>9.1f}{row['cpu']:>9.1f}{row['peak_mb']:>10.0f}")
    print(f"the book adds {book['wall']:.1f} s wall to the tables build "
          f"({book['wall'] / build['wall']:.2f}x of it); target: under 60 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
