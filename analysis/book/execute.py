"""``python -m analysis.book.execute``: run the book's notebooks on every core before jupyter-book renders them.

jupyter-book executes a book's notebooks one after another; on the development corpus (24,100 items)
that was 55 of the book's 136 seconds, on one of two cores.  This step executes them in worker
processes instead (jupyter-cache's ``local-parallel`` executor: one process per core, each notebook in
its own kernel and its own folder as jupyter-book would run it; 22 s there) and stores the executed notebooks in the execution cache
that the generated configuration names (:data:`EXECUTION_CACHE`, ``execute_notebooks: cache`` in
``_build/book_inputs/_config.yml``); jupyter-book then renders the stored outputs.

* Every notebook reads the built tables and the corpus, never another notebook's outputs, so all run
  side by side (two at a time on two cores), the longest first as workers come free: each notebook's
  seconds of its last run are kept in the build folder (:data:`TIMES`, ``_build/cache/execute``); a
  notebook never timed starts first, in the table of contents' order.  On the development corpus the
  table of contents' order put chapters 1, 3 and 4 (39 s) on one worker beside chapter 2 (26 s).
* The cache lives in ``_build/book_inputs``, which ``python -m analysis publish`` replaces as a whole,
  so it never holds a notebook run on other tables: a run of jupyter-book without this step finds it
  empty and executes every notebook itself, as before.
* A notebook that fails here is reported (file, cell, error) and the step exits with status 1, before
  any page is rendered.
* A notebook whose kernel lost a local port to the kernel started beside it (:data:`PORT_RACE` in its
  cells' stderr, or in its error) is run again, alone, up to :data:`RACE_RETRIES` times; so is one whose
  run jupyter-cache reported as done but did not record (seen once in a test run of two notebooks: the
  cache had no run of it, and the step failed with a ``KeyError`` rather than a message).  One still
  unrecorded after the retries is reported as such.

The same notebooks, with the same environment (``PYTHONHASHSEED``, ``ANALYSIS_*``), give the same
outputs as jupyter-book's own execution (compared on the sample's downloadable notebooks: identical but for
the build time).  ``tests/test_book_execute.py`` checks the folder a notebook runs in, the stored outputs,
the glued values and the error report; ``scripts/test.sh`` builds three books through this step and checks
their sites.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import sys
from pathlib import Path

import yaml

from analysis.paths import PROJECT_ROOT

#: The execution cache the generated configuration names (relative to the project, where book.sh runs).
EXECUTION_CACHE = "_build/book_inputs/execution_cache"
#: Where the executed notebooks are also written (``book/<name>.ipynb``), for the site's downloads, glued
#: figures shown as images (:func:`_downloadable_outputs`): jupyter-book (myst-nb 1.4) writes the
#: unexecuted source into ``jupyter_execute`` when it takes a notebook from the cache.
EXECUTED = "_build/book_inputs/executed"
#: Seconds a cell may take, unless ``--timeout`` or the configuration beside the table of contents
#: (``execute.timeout``) says otherwise.
TIMEOUT = 300

#: What a kernel prints when it lost a local TCP port to a kernel started beside it: jupyter_client picks
#: free ports, then the kernel binds them, and two kernels started at once can pick the same one.  Seen once
#: in some twenty builds of the sample book: the notebook still ran, but the kernel's traceback reached its
#: cells as stderr, which fails the book.  Such a notebook is run again, alone (:data:`RACE_RETRIES` times).
PORT_RACE = ("ZMQError", "Address already in use")
RACE_RETRIES = 2

#: Where the notebooks' last execution times are kept, in the build folder's cache (``cache_dir("execute")``).
TIMES = "execution_seconds.json"

log = logging.getLogger(__name__)


def toc_notebooks(toc: str | Path, root: Path = PROJECT_ROOT) -> list[Path]:
    """The notebooks a table of contents lists, in its order (files that are not ``.ipynb`` left out)."""
    def files(node) -> list[str]:
        found = []
        if isinstance(node, dict):
            if "file" in node:
                found.append(str(node["file"]))
            for value in node.values():
                if isinstance(value, (list, dict)):
                    found += files(value)
        elif isinstance(node, list):
            for item in node:
                found += files(item)
        return found

    tree = yaml.safe_load(Path(toc).read_text(encoding="utf-8"))
    names = ([str(tree["root"])] if "root" in tree else []) + files({k: v for k, v in tree.items() if k != "root"})
    paths = []
    for name in names:
        path = root / name
        if path.suffix == "":
            path = path.with_suffix(".ipynb")
        if path.suffix == ".ipynb" and path.is_file() and path not in paths:
            paths.append(path)
    return paths


def run_order(notebooks: list[Path], seconds: dict[str, float], root: Path = PROJECT_ROOT) -> list[Path]:
    """``notebooks`` in the order they are started: those without a time in ``seconds`` (by path under
    ``root``) first, in their order, then the longest first (ties in their order): with workers taking the
    next notebook as they come free, the longest no longer starts last.

    >>> nbs = [Path("/b/01.ipynb"), Path("/b/02.ipynb"), Path("/b/03.ipynb"), Path("/b/04.ipynb")]
    >>> [p.stem for p in run_order(nbs, {"01.ipynb": 7.0, "02.ipynb": 26.0, "04.ipynb": 16.5}, Path("/b"))]
    ['03', '02', '04', '01']
    """
    def known(path: Path):
        return seconds.get(_relative(path, root))

    fresh = [n for n in notebooks if known(n) is None]
    timed = sorted((n for n in notebooks if known(n) is not None), key=lambda n: -float(known(n)))
    return fresh + timed


def _relative(path: Path, root: Path) -> str:
    path = Path(path)
    try:
        return path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def times_folder() -> Path | None:
    """Where the notebooks' times are kept: the build folder's ``cache/execute`` (``$ANALYSIS_BUILD_DIR``, as
    the build's own caches; None when the environment's settings are malformed or the folder cannot be made)."""
    from analysis.errors import InputError
    from analysis.settings import Settings

    try:
        return Settings.from_environment().cache_dir("execute")
    except (InputError, OSError):
        return None


def read_times(folder: str | Path | None) -> dict[str, float]:
    """The last execution seconds kept in ``folder`` (:data:`TIMES`; empty when none or unreadable: the
    order is an optimisation, never a reason to fail)."""
    if folder is None:
        return {}
    try:
        found = json.loads((Path(folder) / TIMES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in found.items() if isinstance(v, (int, float))} if isinstance(found, dict) else {}


def _keep_times(folder: str | Path | None, cache, notebooks: list[Path], root: Path) -> None:
    """Add the execution seconds of this run's notebooks (jupyter-cache's records) to ``folder``'s :data:`TIMES`."""
    if folder is None:
        return
    from analysis.io import write_text

    wanted = {str(Path(n).resolve()): _relative(n, root) for n in notebooks}
    times = read_times(folder)
    for record in cache.list_cache_records():
        name = wanted.get(str(Path(record.uri).resolve()))
        took = (record.data or {}).get("execution_seconds")
        if name is not None and isinstance(took, (int, float)):
            times[name] = round(float(took), 2)
    try:
        write_text(json.dumps(times, indent=1, sort_keys=True), Path(folder) / TIMES)
    except OSError as err:  # a read-only build folder costs the order next time, never the book
        log.warning("could not keep the notebooks' execution times in %s (%s)", folder, err.strerror or err)


def execute_book(notebooks: list[Path], cache_dir: str | Path = EXECUTION_CACHE, *, timeout: int = TIMEOUT,
                 root: Path = PROJECT_ROOT, executed: str | Path | None = EXECUTED,
                 times: str | Path | None = None) -> list[str]:
    """Execute ``notebooks`` in parallel worker processes and store them in a new execution cache at
    ``cache_dir`` (any old one is removed first) and, when all ran, as notebooks in ``executed`` (their path
    under ``root`` kept: ``book/01_corpus.ipynb``; None: not written).  ``times``: a folder where each
    notebook's seconds are kept, to start the longest first next time (:func:`run_order`; None: the given
    order).  Returns the problems: one message per notebook that failed (empty when all ran)."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    from analysis.io import write_text

    def under_root(path) -> Path:
        return Path(path) if Path(path).is_absolute() else root / path

    cache_dir = under_root(cache_dir)
    shutil.rmtree(cache_dir, ignore_errors=True)
    if executed is not None:
        shutil.rmtree(under_root(executed), ignore_errors=True)
    cache = get_cache(str(cache_dir))
    problems: list[str] = []
    # Added in the order they should start: the pool takes them in that order as its workers come free.
    ordered = run_order(notebooks, read_times(times), root)
    pks = [cache.add_nb_to_project(str(n.resolve())).pk for n in ordered]
    executor = load_executor("local-parallel" if len(notebooks) > 1 else "local-serial", cache=cache, logger=log)
    result = executor.run_and_cache(filter_pks=pks, timeout=timeout, allow_errors=False)
    failed = set(result.excepted + result.errored)
    for _ in range(RACE_RETRIES):
        raced = _raced(cache, ordered, pks, failed)
        if not raced:
            break
        log.warning("%d notebook(s) lost a local port to a kernel started beside them, or their run was not "
                    "recorded; running them again, alone", len(raced))
        again = load_executor("local-serial", cache=cache, logger=log).run_and_cache(
            filter_pks=list(raced.values()), timeout=timeout, allow_errors=False)
        failed = (failed - set(raced)) | set(again.excepted + again.errored)
    _keep_times(times, cache, notebooks, root)
    for uri in sorted(failed):
        record = cache.get_project_record(uri)
        trace = re.sub(r"\x1b\[[0-9;]*m", "", record.traceback or "").strip().splitlines()  # no colour codes
        problems.append(f"{Path(uri).relative_to(root.resolve()).as_posix()}: the notebook failed"
                        + (f":\n{chr(10).join(trace[-25:])}" if trace else ""))
    unrecorded: set[str] = set()
    for uri in sorted(_raced(cache, ordered, pks, failed, remove=False, unrecorded=unrecorded)):
        name = Path(uri).relative_to(root.resolve()).as_posix()
        if uri in unrecorded:
            problems.append(f"{name}: jupyter-cache reported its run as done but kept no record of it, in each "
                            f"of {RACE_RETRIES + 1} runs (in {cache_dir})")
        else:
            problems.append(f"{name}: its kernel lost a local port to another kernel in each of "
                            f"{RACE_RETRIES + 1} runs (its cells' stderr: {PORT_RACE[0]})")
    if executed is not None and not problems:
        for notebook in notebooks:
            _, merged = cache.merge_match_into_notebook(nbformat.read(notebook, as_version=4))
            for cell in merged.cells:
                if cell.cell_type == "code":
                    _downloadable_outputs(cell)
            write_text(nbformat.writes(merged),
                       under_root(executed) / notebook.resolve().relative_to(root.resolve()))
    return problems


def _raced(cache, notebooks: list[Path], pks: list[int], failed: set[str], remove: bool = True,
           unrecorded: set[str] | None = None) -> dict[str, int]:
    """``{uri: project pk}`` of the notebooks to run again: those whose run shows :data:`PORT_RACE` (in the
    stderr of a stored run, whose cache record is removed with ``remove``, or in a failed run's traceback),
    and those that did not fail but have no stored run (their uris also added to ``unrecorded``)."""
    import nbformat

    found = {}
    for notebook, pk in zip(notebooks, pks):
        record = cache.get_project_record(pk)
        if record.uri in failed:
            if any(s in (record.traceback or "") for s in PORT_RACE):
                found[record.uri] = pk
            continue
        try:
            stored, merged = cache.merge_match_into_notebook(nbformat.read(notebook, as_version=4))
        except KeyError:  # reported as run, yet not in the cache
            found[record.uri] = pk
            if unrecorded is not None:
                unrecorded.add(record.uri)
            continue
        if any(o.get("output_type") == "stream" and o.get("name") == "stderr"
               and any(s in o.get("text", "") for s in PORT_RACE)
               for cell in merged.cells if cell.cell_type == "code" for o in cell.get("outputs", [])):
            if remove:
                cache.remove_cache(stored)
            found[record.uri] = pk
    return found


def _downloadable_outputs(cell) -> None:
    """A code cell's outputs as a reader of the downloaded notebook should see them: a glued figure (which
    only jupyter-book renders, through ``{glue:figure}``) becomes the image it is; other glued values leave
    the outputs, as when jupyter-book executes the notebook."""
    import nbformat

    kept = []
    for output in cell.get("outputs", []):
        scrap = output.get("metadata", {}).get("scrapbook")
        if scrap is None:
            kept.append(output)
            continue
        prefix = len(scrap.get("mime_prefix", ""))
        data = {key[prefix:]: value for key, value in output.get("data", {}).items()}
        images = {key: value for key, value in data.items() if key.startswith("image/")}
        if images:
            kept.append(nbformat.v4.new_output("display_data", data=images))
        elif not prefix:
            kept.append(output)
    cell.outputs = kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis.book.execute", description=__doc__.split("\n\n")[0])
    parser.add_argument("--toc", default=str(PROJECT_ROOT / "_build" / "book_inputs" / "_toc.yml"),
                        help="the table of contents whose notebooks are executed")
    parser.add_argument("--cache", default=EXECUTION_CACHE, help="the execution cache to (re)create")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds a cell may take")
    args = parser.parse_args(argv)
    timeout = args.timeout
    config = Path(args.toc).with_name("_config.yml")
    if args.timeout == TIMEOUT and config.is_file():
        # The book's own setting, as jupyter-book would apply it.
        given = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("execute", {}).get("timeout")
        timeout = int(given) if given else TIMEOUT
    notebooks = toc_notebooks(args.toc)
    problems = execute_book(notebooks, args.cache, timeout=timeout, times=times_folder())
    for line in problems:
        print(f"execute: {line}", file=sys.stderr)
    if problems:
        return 1
    print(f"execute: {len(notebooks)} notebook(s) executed into {args.cache}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
