"""Benchmark: peak memory of one chapter's kernel, this checkout against a git ref, same tables.

Issue 12 item 7: on a large corpus a chapter must read the built tables,
never the whole token list into one kernel.  This executes a chapter notebook
(default ``book/02_term_frequency.ipynb``) with nbclient on the tables of an
existing build, once with the code of a baseline ref (``git archive`` of it
into a temporary folder, imported first through ``PYTHONPATH``) and once with
this checkout's, and prints for each the kernel's peak resident memory
(``VmHWM``, read by a cell appended to a copy of the notebook) and the wall
time, then whether the two runs printed the same outputs.

Usage (the 16× generated corpus, built once: about 3 minutes)::

    .venv/bin/python -m analysis synthetic --out /tmp/c16 --articles 48000
    ANALYSIS_CORPUS=/tmp/c16 .venv/bin/python -m analysis build --out /tmp/t16 --quiet
    .venv/bin/python benchmarks/bench_chapter_memory.py --corpus /tmp/c16 --tables /tmp/t16 --baseline 967a9bc
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUNNER = r'''
import json, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient

src, out = Path(sys.argv[1]), sys.argv[2]
nb = nbformat.read(src, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"))
start = time.perf_counter()
NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(src.parent)}}).execute()
wall = time.perf_counter() - start
peak_kb = int(nb.cells[-1].outputs[0]["text"].strip())
nb.cells.pop()
nbformat.write(nb, out)
print(json.dumps({"peak_mb": peak_kb / 1024, "wall": wall}))
'''


def run(checkout: Path, notebook: str, env: dict, out: Path) -> dict:
    env = dict(env, PYTHONPATH=str(checkout))
    result = subprocess.run([sys.executable, "-c", RUNNER, str(checkout / notebook), str(out)], cwd=checkout,
                            env=env, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def outputs(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [json.dumps(c.get("outputs"), sort_keys=True) for c in cells if c["cell_type"] == "code"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="corpus folder the tables were built from")
    parser.add_argument("--tables", required=True, help="build folder (python -m analysis build --out)")
    parser.add_argument("--baseline", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--notebook", default="book/02_term_frequency.ipynb")
    args = parser.parse_args(argv)
    env = dict(os.environ, ANALYSIS_CORPUS=str(Path(args.corpus).resolve()),
               ANALYSIS_TABLES=str(Path(args.tables).resolve()), PYTHONHASHSEED="0", JUPYTER_PREFER_ENV_PATH="1",
               MPLCONFIGDIR=str(ROOT / "_build" / "cache" / "matplotlib"))
    work = Path(tempfile.mkdtemp(prefix="bench_chapter_"))
    base = work / "baseline"
    base.mkdir()
    archive = subprocess.run(["git", "archive", args.baseline], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
    started = time.strftime("%Y-%m-%d %H:%M")
    before = run(base, args.notebook, env, work / "before.ipynb")
    after = run(ROOT, args.notebook, env, work / "after.ipynb")
    same = outputs(work / "before.ipynb") == outputs(work / "after.ipynb")
    print(f"{args.notebook} on {args.tables} ({started})")
    print(f"  {args.baseline:>12}: kernel peak {before['peak_mb']:7.0f} MB, {before['wall']:6.1f} s")
    print(f"  {'this checkout':>12}: kernel peak {after['peak_mb']:7.0f} MB, {after['wall']:6.1f} s")
    print(f"  outputs identical: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
