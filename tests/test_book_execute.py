"""The book's notebooks executed side by side before jupyter-book renders them (analysis.book.execute).

The whole book goes through this step in ``scripts/book.sh`` (run by ``scripts/test.sh`` on the sample,
the generated corpus and the collection, each site then checked); here, small notebooks check the folder
they run in, the outputs stored, the glued values taken out as jupyter-book does, and the error report.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import yaml

from analysis.book.execute import execute_book, toc_notebooks
from analysis.book.publish import book_config
from analysis.corpus.identity import corpus_identity
from analysis.corpus.folder import Corpus
from analysis.paths import PROJECT_ROOT


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_the_generated_toc_lists_the_chapters_in_order_and_the_reproducibility_page():
    names = [p.relative_to(PROJECT_ROOT).as_posix() for p in toc_notebooks(PROJECT_ROOT / "_toc.yml")]
    assert names[:4] == ["book/01_corpus.ipynb", "book/02_term_frequency.ipynb", "book/03_leaders.ipynb",
                         "book/04_topics.ipynb"]
    assert "book/reproducibility.ipynb" in names and all(n.endswith(".ipynb") for n in names)


def test_every_notebook_runs_in_its_own_folder_and_its_outputs_are_stored(tmp_path):
    root = tmp_path
    notebooks = [_notebook(root / "book" / f"0{i}_x.ipynb",
                           "import os, pathlib; print(pathlib.Path(os.getcwd()).name)",
                           f"print('chapter {i}')") for i in (1, 2, 3)]
    page = _notebook(root / "book" / "reproducibility.ipynb", "print(1 + 2)",
                     "from myst_nb import glue; glue('n_done', 3, display=False)",
                     "import matplotlib.pyplot as plt\n"
                     "fig, ax = plt.subplots(); ax.plot([1, 2]); glue('fig-x', fig, display=False); plt.close(fig)")
    problems = execute_book([*notebooks, page], "cache", root=root, executed="executed")
    assert problems == []
    done = nbformat.read(root / "executed" / "book" / "reproducibility.ipynb", as_version=4)
    assert done.cells[0].outputs[0]["text"] == "3\n"
    # A glued value is not an output of the downloadable notebook (jupyter-book moves it to its glue data);
    # a glued figure is shown as its image (Jupyter cannot render {glue:figure}).
    assert done.cells[1].outputs == []
    assert [o["output_type"] for o in done.cells[2].outputs] == ["display_data"]
    assert list(done.cells[2].outputs[0]["data"]) == ["image/png"]
    chapter = nbformat.read(root / "executed" / "book" / "02_x.ipynb", as_version=4)
    # Run in the notebook's own folder, as jupyter-book runs it (relative paths in a chapter resolve).
    assert chapter.cells[0].outputs[0]["text"] == "book\n"
    assert chapter.cells[1].outputs[0]["text"] == "chapter 2\n"
    # The cache holds every notebook, matched by its code (what jupyter-book looks up).
    from jupyter_cache import get_cache

    cache = get_cache(str(root / "cache"))
    for path in [*notebooks, page]:
        assert cache.match_cache_notebook(nbformat.read(path, as_version=4)) is not None


def test_a_failing_notebook_is_reported_by_file_and_error_and_nothing_is_kept(tmp_path):
    root = tmp_path
    good = _notebook(root / "book" / "01_ok.ipynb", "x = 1")
    bad = _notebook(root / "book" / "02_bad.ipynb", "raise ValueError('the tables are missing')")
    (root / "executed" / "book").mkdir(parents=True)
    (root / "executed" / "book" / "old.ipynb").write_text("{}", encoding="utf-8")
    problems = execute_book([good, bad], "cache", root=root, executed="executed")
    assert len(problems) == 1
    assert problems[0].startswith("book/02_bad.ipynb: the notebook failed")
    assert "ValueError: the tables are missing" in problems[0]
    # No executed copies from an earlier run are left to be published.
    assert not (root / "executed").exists()


_RACE_CELL = (
    "import pathlib, sys\n"
    "runs = pathlib.Path('runs.txt')\n"
    "runs.write_text((runs.read_text() if runs.exists() else '') + 'x')\n"
    "if len(runs.read_text()) <= {lost}:\n"
    "    sys.stderr.write('zmq.error.ZMQError: Address already in use (addr=tcp://127.0.0.1:37751)\\n')")


def test_a_notebook_whose_kernel_lost_its_port_runs_again_alone(tmp_path):
    """Two kernels started at once can pick the same local port; the loser's traceback lands in the cells'
    stderr, which fails the book (seen in a build of the sample).  Such a notebook is run again; here the
    first run loses, the second does not, and no stderr is kept."""
    root = tmp_path
    other = _notebook(root / "book" / "01_ok.ipynb", "print('fine')")
    raced = _notebook(root / "book" / "02_raced.ipynb", _RACE_CELL.format(lost=1), "print('done')")
    assert execute_book([other, raced], "cache", root=root, executed="executed") == []
    assert (root / "book" / "runs.txt").read_text() == "xx"
    done = nbformat.read(root / "executed" / "book" / "02_raced.ipynb", as_version=4)
    assert done.cells[0].outputs == [] and done.cells[1].outputs[0]["text"] == "done\n"


def test_a_kernel_that_loses_its_port_every_time_is_reported(tmp_path):
    from analysis.book.execute import RACE_RETRIES

    root = tmp_path
    other = _notebook(root / "book" / "01_ok.ipynb", "print('fine')")
    raced = _notebook(root / "book" / "02_raced.ipynb", _RACE_CELL.format(lost=99))
    problems = execute_book([other, raced], "cache", root=root, executed="executed")
    assert len(problems) == 1 and problems[0].startswith("book/02_raced.ipynb: its kernel lost a local port")
    assert (root / "book" / "runs.txt").read_text() == "x" * (RACE_RETRIES + 1)
    assert not (root / "executed").exists()


def test_the_generated_configuration_reads_the_notebooks_from_that_cache():
    config = book_config(corpus_identity(Corpus()))
    assert config["execute"]["execute_notebooks"] == "cache"
    assert config["execute"]["cache"] == "_build/book_inputs/execution_cache"
    # The project's own configuration still executes every notebook (jupyter-book run by hand).
    base = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert base["execute"]["execute_notebooks"] == "force"


def test_each_notebooks_time_is_kept_and_the_longest_starts_first_next_time(tmp_path):
    """The seconds of every notebook's run are kept beside the build (not in the execution cache, which
    publishing replaces), and the next run starts the longest first; a notebook never timed starts first."""
    import json

    from jupyter_cache import get_cache

    from analysis.book.execute import TIMES, read_times, run_order

    root = tmp_path
    quick = _notebook(root / "book" / "01_quick.ipynb", "x = 1")
    slow = _notebook(root / "book" / "02_slow.ipynb", "import time; time.sleep(2)")
    middle = _notebook(root / "book" / "03_middle.ipynb", "x = 3")
    assert execute_book([quick, slow, middle], "cache", root=root, executed=None, times=root / "times") == []
    times = read_times(root / "times")
    assert set(times) == {"book/01_quick.ipynb", "book/02_slow.ipynb", "book/03_middle.ipynb"}
    assert times["book/02_slow.ipynb"] >= 2.0 and min(times.values()) > 0  # a run is never shorter than its sleep
    # Known times (a loaded machine reorders short runs): the next run adds them longest first, a new one first.
    (root / "times" / TIMES).write_text(json.dumps({"book/01_quick.ipynb": 1.0, "book/02_slow.ipynb": 30.0,
                                                    "book/03_middle.ipynb": 10.0}), encoding="utf-8")
    new = _notebook(root / "book" / "04_new.ipynb", "x = 2")
    assert execute_book([quick, slow, middle, new], "cache", root=root, executed=None, times=root / "times") == []
    started = [Path(r.uri).name for r in get_cache(str(root / "cache")).list_project_records()]  # in pk order
    assert started == ["04_new.ipynb", "02_slow.ipynb", "03_middle.ipynb", "01_quick.ipynb"]
    assert set(read_times(root / "times")) == {f"book/{n}" for n in started}
    # An unreadable record is no record (the order is an optimisation).
    (root / "times" / TIMES).write_text("{not json", encoding="utf-8")
    assert read_times(root / "times") == {} and run_order([quick, slow], {}, root) == [quick, slow]


def test_the_times_are_kept_in_the_build_folder_the_environment_names(tmp_path, monkeypatch):
    from analysis.book.execute import times_folder

    monkeypatch.setenv("ANALYSIS_BUILD_DIR", str(tmp_path / "build"))
    assert times_folder() == tmp_path / "build" / "cache" / "execute" and times_folder().is_dir()
    monkeypatch.setenv("ANALYSIS_DATE_MIN", "not a date")
    assert times_folder() is None


def _losing_records(monkeypatch, notebook_name: str, times: int) -> tuple[list[int], list[int]]:
    """Make jupyter-cache forget the stored run of ``notebook_name`` after each of its first ``times`` runs,
    as it once did by itself (the run reported as done, no record in the cache); returns the recorded runs
    counted, and the attempts to run it (a run whose kernel lost its port to the kernel beside it, which
    happens on a loaded machine, is an attempt with no record)."""
    import jupyter_cache.executors as executors

    real = executors.load_executor
    runs, attempts = [], []

    def load_executor(name, cache, logger=None):
        executor = real(name, cache=cache, logger=logger)
        run = executor.run_and_cache

        def run_and_cache(**kwargs):
            if any(Path(cache.get_project_record(pk).uri).name == notebook_name for pk in kwargs["filter_pks"]):
                attempts.append(1)
            result = run(**kwargs)
            for record in list(cache.list_cache_records()):
                if Path(record.uri).name == notebook_name:
                    runs.append(1)
                    if len(runs) <= times:
                        cache.remove_cache(record.pk)
            return result

        executor.run_and_cache = run_and_cache
        return executor

    monkeypatch.setattr(executors, "load_executor", load_executor)
    return runs, attempts


def test_a_run_reported_but_not_recorded_is_run_again(tmp_path, monkeypatch):
    """jupyter-cache once reported a notebook's run as done and kept no record of it: the step failed with
    a KeyError.  Such a notebook now runs again, alone, and the book goes on."""
    root = tmp_path
    other = _notebook(root / "book" / "01_ok.ipynb", "print('fine')")
    lost = _notebook(root / "book" / "02_lost.ipynb", "print('done')")
    runs, _ = _losing_records(monkeypatch, "02_lost.ipynb", times=1)
    assert execute_book([other, lost], "cache", root=root, executed="executed") == []
    assert len(runs) == 2
    done = nbformat.read(root / "executed" / "book" / "02_lost.ipynb", as_version=4)
    assert done.cells[0].outputs[0]["text"] == "done\n"


def test_a_run_never_recorded_is_reported_not_raised(tmp_path, monkeypatch):
    from analysis.book.execute import RACE_RETRIES

    root = tmp_path
    other = _notebook(root / "book" / "01_ok.ipynb", "print('fine')")
    lost = _notebook(root / "book" / "02_lost.ipynb", "print('done')")
    _, attempts = _losing_records(monkeypatch, "02_lost.ipynb", times=99)
    problems = execute_book([other, lost], "cache", root=root, executed="executed")
    assert len(problems) == 1 and problems[0].startswith("book/02_lost.ipynb: jupyter-cache reported its run as done")
    assert len(attempts) == RACE_RETRIES + 1
    assert not (root / "executed").exists()
