"""Fault injection: kill, interrupt, race, fill the disk and corrupt the caches on purpose.

Every test here failed on the code before the output folder was swapped in as
a whole (issue 14): builds left a new ``articles.parquet`` beside old tables,
orphaned ``.tmp`` files, tracebacks, or mixed two corpora in one folder.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import analysis.build as build_module
from analysis.__main__ import main
from analysis.corpus.read import read_corpus
from analysis.io import OutputError, OutputFolder
from analysis.paths import PROJECT_ROOT
from analysis.perarticle.stage import ArticleCache, run_stage
from analysis.settings import ENVIRONMENT, Settings

ONE_ARTICLE = {"date": ["2024-05-01"], "text": ["区委书记王少峰出席会议并讲话。"], "title": ["旧表"]}


def old_build(tmp_path: Path, out: Path) -> dict[str, bytes]:
    """Build a one-article corpus into ``out``; return its files' bytes (the 'previous tables')."""
    table = tmp_path / "old.csv"
    pd.DataFrame(ONE_ARTICLE).to_csv(table, index=False)
    assert main(["build", "--out", str(out), "--articles", str(table), "--paper", "旧报", "--quiet"]) == 0
    return snapshot(out)


def snapshot(folder: Path) -> dict[str, bytes]:
    # Every file, the per-article dataset's (perarticle/…) included.
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(out: Path) -> list[str]:
    """Staging folders, old folders and lock files of ``out`` in its parent."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


NEW_ARTICLES = {"date": ["2024-06-01", "2024-06-02"], "text": ["新表第一篇。", "新表第二篇。"]}


def new_table(folder: Path) -> Path:
    """A two-article table: small (fast to build) and unlike the one-article old tables."""
    path = folder / "new.csv"
    pd.DataFrame(NEW_ARTICLES).to_csv(path, index=False)
    return path


def start_paused_build(out: Path, pause: float = 30) -> subprocess.Popen:
    """A CLI build (two articles) that pauses in the write phase after its first file."""
    env = {**os.environ, ENVIRONMENT["pause_write"]: str(pause), "PYTHONUNBUFFERED": "1"}
    table = new_table(out.parent)
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "build", "--out", str(out), "--quiet",
                             "--articles", str(table)],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # blocks until the hook announces the pause (or the process dies)
    assert ENVIRONMENT["pause_write"] in line, (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


# --------------------------------------------------------------------------- killed and interrupted builds

def test_sigkill_during_write_leaves_old_tables_and_next_build_cleans_up(tmp_path, caplog):
    out = tmp_path / "out"
    before = old_build(tmp_path, out)
    proc = start_paused_build(out)
    staging = [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp-")]
    assert len(staging) == 1 and any(staging[0].glob("*.parquet"))  # really mid-write
    proc.kill()
    proc.wait(timeout=10)
    assert snapshot(out) == before  # the previous run's tables, nothing new beside them
    assert len(pd.read_parquet(out / "articles.parquet")) == 1
    assert any(name.startswith(".out.tmp-") for name in leftovers(out))  # what SIGKILL leaves
    caplog.set_level(logging.WARNING)
    assert main(["build", "--out", str(out), "--quiet", "--articles", str(new_table(tmp_path))]) == 0
    assert leftovers(out) == []
    assert "interrupted build" in caplog.text and str(proc.pid) in caplog.text
    assert len(pd.read_parquet(out / "articles.parquet")) == 2


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_write_cleans_up_and_keeps_old_tables(tmp_path, sig):
    out = tmp_path / "out"
    before = old_build(tmp_path, out)
    proc = start_paused_build(out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert snapshot(out) == before
    assert leftovers(out) == []  # no staging folder, no lock file


def test_a_chapter_finding_its_tables_being_built_waits_for_them(tmp_path, monkeypatch):
    # Two chapters started at once on stale tables: the second finds the first's build holding the folder
    # and waits for it, then reads its tables (the same corpus: it does not build them again).
    import analysis.api as api

    out = tmp_path / "out"
    proc = start_paused_build(out, pause=3)
    assert main(["build", "--out", str(out), "--articles", str(tmp_path / "new.csv"), "--quiet"]) == 2
    attempts = []
    real_build = build_module.build
    monkeypatch.setattr(build_module, "build", lambda *a, **k: attempts.append(a) or real_build(*a, **k))
    started = time.monotonic()
    tables = api.Corpus(tmp_path / "new.csv").tables(out)
    assert time.monotonic() - started > 1.0, "returned before the running build ended"
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert len(attempts) == 1, "built the tables again after waiting for them"
    assert len(tables.load("articles")) == 2 and json.loads((out / "build.json").read_text())["rows"]["articles"] == 2


def test_second_build_into_same_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    proc = start_paused_build(out, pause=3)
    table = tmp_path / "other.csv"
    pd.DataFrame(ONE_ARTICLE).to_csv(table, index=False)
    assert main(["build", "--out", str(out), "--articles", str(table), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"another build (pid {proc.pid}) is writing this folder" in err
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    # The folder holds the first build's corpus only, described by its build.json.
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert manifest["rows"]["articles"] == 2 == len(pd.read_parquet(out / "articles.parquet"))
    assert set(manifest["files"]) | {"build.json"} == {p.name for p in out.iterdir() if p.is_file()}
    assert {p.name for p in out.iterdir() if p.is_dir()} == set(manifest["datasets"]) == {"perarticle"}
    assert leftovers(out) == []


def test_lock_is_released_after_a_failed_build(tmp_path, corpus_copy):
    (corpus_copy / "001_37b71d2a634c19f4.txt").write_text("改过了", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--corpus", str(corpus_copy), "--quiet"]) == 2
    assert leftovers(out) == [] and not out.exists()
    assert main(["build", "--out", str(out), "--quiet"]) == 0


# --------------------------------------------------------------------------- full disk

def _mount_tmpfs(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                            capture_output=True, check=False)
    return result.returncode == 0


def _umount(folder: Path) -> None:
    subprocess.run(["umount", str(folder)], capture_output=True, check=False)


def _fill_after(monkeypatch, n_files: int) -> None:
    """Simulate a disk that fills up after ``n_files`` tables (where no tmpfs can be mounted)."""
    real = build_module.write_csv
    count = {"n": 0}

    def write_csv(frame, path):
        count["n"] += 1
        if count["n"] > n_files:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(frame, path)

    monkeypatch.setattr(build_module, "write_csv", write_csv)


def test_full_disk_keeps_old_tables(tmp_path, monkeypatch, capsys):
    """A real 512 KiB tmpfs when the machine allows mounting one, else a simulated ENOSPC."""
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "size=512k")
    try:
        out = disk / "out"
        before = old_build(tmp_path, out)  # the one-article tables fit (~320 KB, the national registry included)
        if not mounted:
            _fill_after(monkeypatch, 4)
        assert main(["build", "--out", str(out), "--quiet"]) == 2  # the sample corpus's ~770 KB do not
        err = capsys.readouterr().err
        assert "No space left on device" in err and "previous tables are unchanged" in err
        assert "Traceback" not in err
        assert snapshot(out) == before
        assert leftovers(out) == []
    finally:
        if mounted:
            _umount(disk)


def test_simulated_enospc_midway(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    before = old_build(tmp_path, out)
    _fill_after(monkeypatch, 4)
    assert main(["build", "--out", str(out), "--quiet"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert snapshot(out) == before and leftovers(out) == []


# --------------------------------------------------------------------------- --out checked first

@pytest.fixture
def no_computing(monkeypatch):
    """Fail the test if the build starts reading the corpus."""
    def refuse(*args, **kwargs):
        raise AssertionError("computed before checking --out")
    monkeypatch.setattr(build_module, "read_corpus", refuse)


def test_out_is_a_file(tmp_path, capsys, no_computing):
    target = tmp_path / "tables"
    target.write_text("not a folder")
    assert main(["build", "--out", str(target), "--quiet"]) == 2
    assert "--out names a file, not a folder" in capsys.readouterr().err
    assert target.read_text() == "not a folder"


def test_out_under_a_file(tmp_path, capsys, no_computing):
    (tmp_path / "file").write_text("x")
    assert main(["build", "--out", str(tmp_path / "file" / "sub" / "out"), "--quiet"]) == 2
    assert f"lies under {tmp_path / 'file'}, which is a file" in capsys.readouterr().err


def test_out_read_only(tmp_path, capsys, no_computing, monkeypatch):
    disk = tmp_path / "ro"
    mounted = _mount_tmpfs(disk, "ro,size=64k")
    try:
        if not mounted:
            # Without a read-only mount, make creating anything beside --out fail as it would there.
            def read_only(*args, **kwargs):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS))
            monkeypatch.setattr("analysis.io.os.open", read_only)
        assert main(["build", "--out", str(disk / "out"), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "cannot write beside the output folder: Read-only file system" in err
    finally:
        if mounted:
            _umount(disk)


def test_out_with_foreign_files_is_refused(tmp_path, capsys, no_computing):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["build", "--out", str(out), "--quiet"]) == 2
    assert "holds files a build does not write (notes.txt)" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


def test_stale_staging_of_dead_pid_and_old_orphans_are_removed(tmp_path):
    out = tmp_path / "out"
    old_build(tmp_path, out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f".out.tmp-{dead}-abcd"
    stale.mkdir()
    (stale / "articles.parquet").write_bytes(b"half")
    (out / ".articles.csv.x1y2.tmp").write_text("orphan of an older version")
    assert main(["build", "--out", str(out), "--quiet"]) == 0
    assert leftovers(out) == []
    assert not any(p.name.endswith(".tmp") for p in out.iterdir())


def test_fallback_swap_and_recovery_from_a_half_swap(tmp_path, monkeypatch):
    """Where renameat2 is missing, two renames; a kill between them is repaired next time."""
    monkeypatch.setattr("analysis.io._rename_exchange", lambda a, b: False)
    out = tmp_path / "out"
    before = old_build(tmp_path, out)
    # A kill between the renames leaves no out and the previous tables in .out.old-*.
    out.rename(tmp_path / ".out.old-4242-beef")
    with pytest.raises(RuntimeError):
        with OutputFolder(out):
            raise RuntimeError("fails before publishing")
    assert snapshot(out) == before and leftovers(out) == []
    assert main(["build", "--out", str(out), "--quiet"]) == 0
    assert len(pd.read_parquet(out / "articles.parquet")) == 9 and leftovers(out) == []


def test_output_error_is_an_input_error_with_the_folder():
    err = OutputError("/x/out", "cannot write")
    assert isinstance(err, ValueError) and str(err) == "/x/out: cannot write"


# --------------------------------------------------------------------------- caches that heal

@pytest.fixture
def build_dir(tmp_path, monkeypatch) -> Path:
    """A build folder of this test's own: the default settings' and the command line's."""
    import analysis.settings

    folder = tmp_path / "build"
    monkeypatch.setenv("ANALYSIS_BUILD_DIR", str(folder))
    monkeypatch.setattr(analysis.settings, "DEFAULT", Settings(build_dir=folder))
    return folder


@pytest.mark.parametrize("damage", ["truncate", "foreign", "text"])
def test_corrupt_corpus_cache_entry_is_rebuilt(build_dir, caplog, damage):
    first = read_corpus().articles
    entry = next((build_dir / "cache" / "corpus").glob("*-articles.parquet"))
    if damage == "truncate":
        entry.write_bytes(entry.read_bytes()[:200])
    elif damage == "foreign":
        pd.DataFrame({"x": [1, 2]}).to_parquet(entry)
    else:  # right columns, but the text column is not text
        broken = first.copy()
        broken["text"] = [t.encode() for t in broken["text"]]
        broken.to_parquet(entry)
    caplog.set_level(logging.WARNING)
    again = read_corpus().articles
    pd.testing.assert_frame_equal(again, first)
    assert caplog.text.count("corpus cache entry") == 1 and "rebuilding" in caplog.text
    pd.testing.assert_frame_equal(pd.read_parquet(entry), first)  # healed on disk
    caplog.clear()
    read_corpus()
    assert "cache" not in caplog.text


def cache_with(folder: Path, articles: pd.DataFrame) -> Path:
    run_stage(articles, workers=1, cache=folder)
    return folder / ArticleCache.FILE


def tokens_of(articles: pd.DataFrame, folder: Path) -> list:
    return run_stage(articles, workers=1, cache=folder).tokens["tokens"].tolist()


@pytest.mark.parametrize("damage", ["truncate", "foreign-bytes", "foreign-sqlite"])
def test_corrupt_token_cache_is_rebuilt(tmp_path, articles, tokens, caplog, damage):
    """The one cache of tokens (the per-article stage's), damaged three ways, heals with one warning."""
    path = cache_with(tmp_path, articles)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:1500])
    elif damage == "foreign-bytes":
        path.write_text("this is not a database\n" * 50)
    else:
        path.unlink()
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE entries (id INTEGER, word TEXT)")
        con.commit()
        con.close()
    caplog.set_level(logging.WARNING)
    assert tokens_of(articles, tmp_path) == tokens["tokens"].tolist()
    assert caplog.text.count("per-article cache") == 1 and "recomputed" in caplog.text
    caplog.clear()
    assert tokens_of(articles, tmp_path) == tokens["tokens"].tolist()
    assert caplog.text == ""  # healed: the second run reads it silently


def test_corrupt_token_cache_entry_is_recomputed(tmp_path, articles, tokens, caplog):
    path = cache_with(tmp_path, articles)
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE entries SET value = CAST('伪造\n词语' AS BLOB) WHERE kind = 'tokens'")
    con.close()
    caplog.set_level(logging.WARNING)
    assert tokens_of(articles, tmp_path) == tokens["tokens"].tolist()
    assert "corrupt tokens cache entries discarded" in caplog.text
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM entries WHERE CAST(value AS TEXT) LIKE '伪造%'").fetchone()[0] == 0
    con.close()


def test_build_with_a_corrupt_cache_succeeds(tmp_path, build_dir):
    assert main(["build", "--out", str(tmp_path / "a"), "--quiet"]) == 0
    for entry in (build_dir / "cache").rglob("*"):
        if entry.is_file() and entry.suffix in (".parquet", ".sqlite"):
            entry.write_bytes(b"garbage")
    assert main(["build", "--out", str(tmp_path / "b"), "--quiet"]) == 0
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert [k for k in a if k.endswith(".csv") and a[k] != b[k]] == []


def test_build_json_lists_every_file_with_its_checksum(tmp_path):
    from analysis.io import sha256_file

    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--quiet"]) == 0
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert manifest["complete"] is True
    for name, info in manifest["files"].items():
        assert sha256_file(out / name) == info["sha256"] and (out / name).stat().st_size == info["bytes"]
    assert set(manifest["files"]) == {p.name for p in out.iterdir() if p.is_file()} - {"build.json"}
    for rel, info in manifest["datasets"]["perarticle"].items():
        assert sha256_file(out / "perarticle" / rel) == info["sha256"]
    assert set(manifest["datasets"]["perarticle"]) == {
        p.relative_to(out / "perarticle").as_posix() for p in (out / "perarticle").rglob("*") if p.is_file()}


def test_progress_reports_every_step(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("analysis.progress.in_notebook", lambda: False)
    table = str(new_table(tmp_path))
    assert main(["build", "--out", str(tmp_path / "out"), "--articles", table]) == 0
    err = capsys.readouterr().err
    for step in build_module.STEPS:
        assert f"build: {step}" in err, step
    assert "writing tables" in err
    assert main(["build", "--out", str(tmp_path / "out"), "--articles", table, "--quiet"]) == 0
    assert "build:" not in capsys.readouterr().err


def test_full_disk_under_the_caches_only_warns(tmp_path, monkeypatch, caplog):
    """A cache that cannot be written costs time, not the build."""
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    import analysis.settings

    monkeypatch.setattr(analysis.settings, "DEFAULT", Settings(build_dir=tmp_path / "build"))
    monkeypatch.setattr("analysis.corpus.read.write_parquet", full)
    caplog.set_level(logging.WARNING)
    assert len(read_corpus().articles) == 9
    assert "could not write the corpus cache" in caplog.text
    assert list((tmp_path / "build" / "cache" / "corpus").iterdir()) == []


def test_no_progress_bars_in_a_notebook(monkeypatch, capsys):
    import types

    from analysis.progress import Steps, in_notebook, progress_bar

    kernel = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    assert in_notebook()
    items = [1, 2, 3]
    assert progress_bar(items, desc="x", enabled=True) is items
    with Steps(["a"], enabled=True).step("a"):
        pass
    assert capsys.readouterr().err == ""


def test_symlinked_out_is_replaced_at_its_target(tmp_path):
    real = tmp_path / "real"
    before = old_build(tmp_path, real)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert main(["build", "--out", str(link), "--quiet", "--articles", str(new_table(tmp_path))]) == 0
    assert link.is_symlink() and len(pd.read_parquet(link / "articles.parquet")) == 2
    assert snapshot(real) != before and leftovers(real) == [] and leftovers(link) == []


# --------------------------------------------------------------------------- issue 22: processes and engines

def _descendants(pid: int) -> dict[int, int]:
    """``{pid: parent pid}`` of every living process below ``pid`` (Linux /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":  # a zombie has ended
                parents[int(entry.name)] = int(fields[1])
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in found:
                found[child] = ppid
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_workers_die_with_a_killed_build_and_its_pipe_closes(tmp_path):
    """kill -9 of a build with two workers: no worker (or forkserver) lives on holding memory and the
    build's stdout, so ``build … | cat`` returns (it used to wait for ever)."""
    from analysis.synthetic import generate_corpus

    corpus = generate_corpus(tmp_path / "gen", 600, start="2020-01-01", end="2021-12-31")
    env = {**os.environ, "ANALYSIS_BUILD_DIR": str(tmp_path / "build")}
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--out",
                             str(tmp_path / "out"), "--workers", "2"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: dict[int, int] = {}
    while time.monotonic() < deadline:
        below = _descendants(proc.pid)
        workers = {p: pp for p, pp in below.items() if pp != proc.pid}  # the forkserver's children
        if len(workers) >= 2:
            break
        assert proc.poll() is None, "the build ended before its workers started"
        time.sleep(0.2)
    assert len(workers) >= 2, _descendants(proc.pid)
    everyone = set(_descendants(proc.pid))
    proc.kill()
    proc.wait(timeout=10)
    try:
        assert _reads_to_end(proc.stdout, 30), "the build's stdout is still held open by its children"
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in everyone) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [p for p in everyone if _alive(p)] == []
    finally:
        for pid in everyone:  # what the code under test failed to end (the processes this test started)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _reads_to_end(stream, seconds: float) -> bool:
    """Whether ``stream`` (a pipe) reaches its end, i.e. every writer has closed it, within ``seconds``."""
    import select

    deadline = time.monotonic() + seconds
    fd = stream.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready and os.read(fd, 65536) == b"":
            return True
    return False


@pytest.fixture(scope="module")
def hundred(tmp_path_factory):
    """A generated corpus of 100 articles (four chunks for two workers) and its articles table."""
    from analysis.synthetic import generate_corpus

    folder = generate_corpus(tmp_path_factory.mktemp("hundred") / "gen", 100, start="2020-01-01", end="2020-12-31")
    return folder, read_corpus(folder).articles


def test_a_killed_worker_is_retried_once(hundred, tmp_path, caplog):
    from analysis.corpus.folder import Corpus

    folder, articles = hundred
    victim = str(articles["article_id"].iloc[40])
    marker = tmp_path / "died-once"
    corpus = Corpus(folder, settings=Settings(build_dir=tmp_path / "b", kill_worker=f"{victim}:{marker}"))
    caplog.set_level(logging.WARNING)
    stage = run_stage(articles, corpus, workers=2, cache=False)
    assert marker.exists()  # the worker did die
    assert "a worker process died" in caplog.text and "again, one at a time" in caplog.text
    reference = run_stage(articles, Corpus(folder), workers=1, cache=False)
    assert stage.tokens.equals(reference.tokens) and stage.mentions == reference.mentions


def test_a_worker_killed_twice_is_reported_with_its_articles(hundred, tmp_path, capsys):
    folder, articles = hundred
    victim = str(articles["article_id"].iloc[40])
    out = tmp_path / "out"
    env = {**os.environ, "ANALYSIS_BUILD_DIR": str(tmp_path / "build"), ENVIRONMENT["kill_worker"]: victim}
    result = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(folder), "--out", str(out),
                             "--workers", "2", "--quiet"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1, result.stderr
    assert "a worker process died twice while computing articles" in result.stderr and victim in result.stderr
    assert str(folder / "articles.csv") in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and leftovers(out) == []


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_dask_cluster_without_workers_is_a_clear_error():
    """Every Dask worker gone: the build stops within the timeout instead of waiting for ever."""
    from distributed import Client, LocalCluster

    from analysis.errors import BuildError
    from analysis.perarticle.distributed import submit_ordered

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        gather = submit_ordered(client, _sleep, [(4,), (4,)], timeout=2)
        cluster.scale(0)
        started = time.monotonic()
        with pytest.raises(BuildError, match="has no worker left .2 of 2 chunks unfinished"):
            gather()
        assert time.monotonic() - started < 20


def test_dask_cluster_making_no_progress_is_a_clear_error():
    from distributed import Client, LocalCluster

    from analysis.errors import BuildError
    from analysis.perarticle.distributed import submit_ordered

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        with pytest.raises(BuildError, match="finished no chunk for 1 s"):
            submit_ordered(client, _sleep, [(5,)], timeout=1)()


def test_unreachable_dask_scheduler_is_a_clear_error(tmp_path, corpus_copy):
    env = {**os.environ, "ANALYSIS_BUILD_DIR": str(tmp_path / "build"), ENVIRONMENT["dask_timeout"]: "2"}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus_copy), "--out",
                             str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:9", "--quiet"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "--scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler within 2 s" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
    assert time.monotonic() - started < 25  # the timeout of the settings, not Dask's 30 s


def test_dask_killed_worker_is_reported_with_its_articles(hundred, tmp_path):
    """A chunk whose worker Dask saw die (KilledWorker) names its articles."""
    import dask
    from distributed import Client, LocalCluster

    from analysis.corpus.folder import Corpus
    from analysis.errors import BuildError

    folder, articles = hundred
    victim = str(articles["article_id"].iloc[5])
    corpus = Corpus(folder, settings=Settings(build_dir=tmp_path / "b", kill_worker=victim))
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        with pytest.raises(BuildError, match=f"died twice while computing articles .*{victim}"):
            run_stage(articles.iloc[:40], corpus, scheduler=client, cache=False)


# --------------------------------------------------------------------------- issue 22: full or read-only caches

@pytest.mark.parametrize("disk", ["full", "read-only"])
def test_a_full_or_read_only_cache_folder_costs_time_not_the_build(disk, tmp_path, corpus_copy):
    """The build folder's caches on a disk that is full (or read-only): the build succeeds, with a warning
    or two and no traceback, and leaves no temporary file of jieba's (or ours) behind."""
    build = tmp_path / "build"
    mounted = _mount_tmpfs(build, "size=200k" if disk == "full" else "ro,size=64k")
    if not mounted:
        pytest.skip("needs a tmpfs mount (root on Linux)")
    try:
        tmp_before = set(os.listdir(tempfile_dir()))
        env = {**os.environ, "ANALYSIS_BUILD_DIR": str(build)}
        result = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus_copy), "--out",
                                 str(tmp_path / "out"), "--workers", "2"], cwd=PROJECT_ROOT, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "OSError" not in result.stderr, result.stderr
        assert 1 <= result.stderr.count("WARNING") <= 4, result.stderr  # said once per cache, not once per chunk
        leftover = [p.name for p in build.rglob("*") if p.is_file() and (p.name.startswith("tmp")
                                                                          or p.name.endswith(".tmp"))]
        assert leftover == []
        made = {name for name in set(os.listdir(tempfile_dir())) - tmp_before if name.startswith("analysis-")}
        assert made == set()  # the stand-in folder is removed at exit
        assert len(pd.read_parquet(tmp_path / "out" / "articles.parquet")) == 9
    finally:
        _umount(build)


def tempfile_dir() -> str:
    import tempfile

    return tempfile.gettempdir()


# --------------------------------------------------------------------------- issue 22: writers that never overwrite

def test_synthetic_refuses_an_existing_corpus_and_force_replaces_only_its_files(tmp_path, capsys):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "articles.csv").write_text("date,text\n2024-05-01,我的语料\n", encoding="utf-8")
    (folder / "notes.md").write_text("mine", encoding="utf-8")
    assert main(["synthetic", "--out", str(folder), "--articles", "10"]) == 2
    assert "--out is not empty (articles.csv, notes.md); pass --force" in capsys.readouterr().err
    assert (folder / "articles.csv").read_text(encoding="utf-8") == "date,text\n2024-05-01,我的语料\n"
    assert main(["synthetic", "--out", str(folder), "--articles", "10", "--force"]) == 0
    assert len(pd.read_csv(folder / "articles.csv")) == 10 and (folder / "notes.md").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_synthetic_writes_all_or_nothing(tmp_path, monkeypatch):
    import analysis.synthetic as synthetic

    def broken(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(synthetic, "write_text", broken)
    with pytest.raises(OSError):
        synthetic.generate_corpus(tmp_path / "new", 10)
    assert list(tmp_path.iterdir()) == []  # no half-written corpus, no staging folder


def test_annotate_and_registry_template_refuse_to_overwrite(tmp_path, capsys, monkeypatch):
    from analysis.synthetic import generate_corpus

    monkeypatch.setenv("ANALYSIS_TABLES", str(tmp_path / "tables"))
    corpus = generate_corpus(tmp_path / "gen", 60, start="2020-01-01", end="2020-12-31")
    for command, name in (("annotate", "annotation_sample.csv"), ("registry-template", "leaders.draft.csv")):
        (corpus / name).write_text("hand-made\n", encoding="utf-8")
        assert main([command, "--corpus", str(corpus)]) == 2
        assert f"{corpus / name}: exists; pass --force" in capsys.readouterr().err
        assert (corpus / name).read_text(encoding="utf-8") == "hand-made\n"
        assert main([command, "--corpus", str(corpus), "--force"]) == 0
        assert (corpus / name).read_text(encoding="utf-8-sig") != "hand-made\n"


# --------------------------------------------------------------------------- issue 22: a table of several papers

def test_a_table_mixing_papers_is_described_as_mixed(tmp_path, caplog):
    table = tmp_path / "mixed.csv"
    pd.DataFrame({"date": ["2024-05-01", "2024-05-02", "2024-05-03"], "text": ["甲报的文章。", "乙报的文章。", "乙报的另一篇。"],
                  "paper": ["甲报", "乙报", "乙报"]}).to_csv(table, index=False)
    caplog.set_level(logging.WARNING)
    assert main(["build", "--out", str(tmp_path / "out"), "--articles", str(table), "--quiet", "--workers", "1"]) == 0
    info = pd.read_parquet(tmp_path / "out" / "build_info.parquet").iloc[0]
    assert info["paper"] == "mixed: 乙报; 甲报" and info["papers"] == "乙报;甲报"
    assert "come from 2 papers (乙报; 甲报)" in caplog.text


# --------------------------------------------------------------------------- issue 22: paths the query engine reads

def test_quotes_in_the_output_and_build_folders(tmp_path, monkeypatch):
    """``--out "O'Brien corpus"`` and a ``'`` in the build folder: DuckDB's paths are quoted, not pasted."""
    from analysis.tables import Tables

    build = tmp_path / "it's build"
    monkeypatch.setenv("ANALYSIS_BUILD_DIR", str(build))
    monkeypatch.setattr("analysis.settings.DEFAULT", Settings(build_dir=build))
    out = tmp_path / "O'Brien corpus"
    assert main(["build", "--out", str(out), "--quiet", "--workers", "1"]) == 0
    tables = Tables(out, Settings(build_dir=build))
    assert int(tables.query("SELECT count(*) AS n FROM perarticle.articles")["n"].iloc[0]) == 9
    assert int(tables.query("SELECT count(*) AS n FROM articles")["n"].iloc[0]) == 9


def test_wildcards_in_a_build_folder_that_is_read_back(tmp_path):
    """A build folder copied to a path with [ ] in it (a wildcard to DuckDB) is still queried right."""
    from analysis.tables import Tables

    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--quiet", "--workers", "1"]) == 0
    odd = tmp_path / "copy [1]"
    shutil.copytree(out, odd)
    assert int(Tables(odd).query("SELECT count(*) AS n FROM perarticle.term_counts")["n"].iloc[0]) > 0


UNGUARDED_SCRIPT = """\
import sys
from analysis.api import Corpus
from analysis.settings import Settings

# No `if __name__ == "__main__":` -- every worker process imports this file again.
Corpus(sys.argv[1], settings=Settings.from_environment()).tables(sys.argv[2], workers=2)
print("built")
"""


def test_a_script_that_builds_without_a_main_guard_fails_with_a_hint_instead_of_hanging(tmp_path, hundred):
    """A student's script that builds at its top level: the workers import it again and used to start a
    build of their own, waiting for the folder the first build held while it waited for them (the
    script hung for ever, without a word).  Now it ends at once, says why, and writes nothing."""
    folder, _ = hundred
    script = tmp_path / "my_analysis.py"
    script.write_text(UNGUARDED_SCRIPT, encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "ANALYSIS_BUILD_DIR": str(tmp_path / "build"), "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run([sys.executable, str(script), str(folder), str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode != 0 and "built" not in done.stdout
    assert "WorkerStartError" in done.stderr and 'if __name__ == "__main__":' in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("analysis.errors.BuildError") and "importing my_analysis.py" in last, last
    assert not out.exists() and leftovers(out) == []
    # The same script with the guard builds.
    script.write_text(UNGUARDED_SCRIPT.replace("Corpus(sys.argv[1]", 'if __name__ == "__main__":\n    Corpus(sys.argv[1]')
                      .replace('print("built")', '    print("built")'), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(folder), str(out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and done.stdout.strip() == "built", done.stderr[-2000:]
    assert (out / "build.json").is_file()


def test_a_collection_finding_a_paper_being_built_waits_for_it(tmp_path):
    """A collection's paper folder held by another build (the comparison chapter started while
    ``scripts/book.sh`` builds the collection): the collection build waits for it, as a chapter waits for
    its tables, then builds the paper's own tables, instead of failing on the lock."""
    from analysis.api import collection_from
    from analysis.collection_build import build_collection
    from analysis.synthetic import generate_collection
    from analysis.tables import Tables

    collection = collection_from(generate_collection(tmp_path / "corpus", 40, seed=0))
    out = tmp_path / "out"
    out.mkdir()
    slug = collection.slugs[0]
    proc = start_paused_build(out / slug, pause=3)
    started = time.monotonic()
    tables = build_collection(out, collection)
    assert time.monotonic() - started > 1.0, "returned before the running build ended"
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    ids = Tables(out / slug).load("articles")["article_id"].astype(str)
    assert len(ids) > 40 and ids.str.startswith(f"{slug}-").all()  # the paper's own, not the other build's two
    assert (out / "collection.json").is_file() and tables.folder == out
