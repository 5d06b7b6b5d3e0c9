"""Incremental = cold, always (issue 22, item 4).

Every cache key covers every fact and code path its output depends on: each fact file of a corpus,
and code files, are edited in turn, and a build that reuses the caches (warm) must write the same
bytes as a build from nothing (cold).  Which kinds a fact reaches is derived from the
:class:`~analysis.perarticle.kinds.Kind` declarations, and the keys must follow exactly that.
The up-to-date check verifies what ``build.json`` records; the per-article cache stays bounded.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import analysis
import analysis.build as build_module
from analysis.__main__ import main
from analysis.corpus.folder import FACT_FILES
from analysis.corpus.read import read_corpus
from analysis.inputs import input_digest, up_to_date
from analysis.paths import DATA_DIR, PROJECT_ROOT
from analysis.perarticle.kinds import KINDS
from analysis.perarticle.stage import FIRST_PASS, ArticleCache, run_stage, stage_keys
from analysis.settings import Settings
from analysis.synthetic import generate_corpus
from analysis.topics.model import TopicInputError


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a build folder but ``build.json`` (it records times), by path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "build.json"}


def checksums(folder: Path) -> dict:
    manifest = json.loads((folder / "build.json").read_text(encoding="utf-8"))
    return {name: info["sha256"] for name, info in manifest["files"].items()}


def differing(a: dict, b: dict) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


# --------------------------------------------------------------------------- the corpus and its facts


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    """A generated corpus (30 articles, one year) holding a copy of every fact file it uses, so each
    can be edited; the defaults in ``data/`` are never touched."""
    folder = generate_corpus(tmp_path_factory.mktemp("inc") / "corpus", 30, start="2020-01-01", end="2020-12-31")
    # One article with an official the registry does not know, so the non-name edit has a discovery to remove.
    _append(folder / "articles.csv", "chb-20201230-00099,2020-12-30,区长办公会召开,1,副区长张明华主持会议并讲话。")
    corpus = analysis.Corpus(folder)
    for name, path in corpus.facts.items():
        if path is not None and Path(path).parent != folder:
            shutil.copyfile(path, folder / FACT_FILES[name])
    return folder


def _append(path: Path, *lines: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")


def _drop_rows(path: Path, keep) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame[[keep(row) for row in frame.to_dict("records")]].to_csv(path, index=False)


def _edit_leaders(path: Path) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.loc[frame["name"] == "林国栋", "end"] = "2020-06-30"  # a post ends earlier
    frame.to_csv(path, index=False)


#: One edit per fact file, each meant to change what the build writes (the test checks it does for
#: every fact a Kind declares): a word, a stopword, an alias, a masked formula, a post's end date …
EDITS = {
    "userdict": lambda p: _append(p, "主持会议并讲话,,,formulation,test", "高素质干部,,,formulation,test"),
    "stopwords": lambda p: _append(p, "会议,function,test", "工作,function,test"),
    "aliases": lambda p: _append(p, "长河区,长河,place,test"),
    "boilerplate": lambda p: _append(p, "editorial,主持会议并讲话,test"),
    "leaders": _edit_leaders,
    "titles": lambda p: _drop_rows(p, lambda row: row["title"] not in ("区长", "区委书记")),
    "phrases": lambda p: _drop_rows(p, lambda row: row["kind"] != "ritual"),
    "surnames": lambda p: _drop_rows(p, lambda row: row["surname"] not in ("林", "周", "沈", "梁", "顾", "韩")),
    # A corpus has no glossary unless it brings one: the edit gives it one.
    "glossary": lambda p: p.write_text("term,pinyin,english,kind,source\n长河,chánghé,a river,place,test\n",
                                       encoding="utf-8"),
    "nonnames": lambda p: _append(p, "张明华,test: the planted official as a non-name,test"),
    # The generated corpus has no datelines: a new agency must change no key and no table.
    "agencies": lambda p: _append(p, "长河日报,本报,test"),
}


def _declared(fact: str) -> set[str]:
    """The kinds whose cache keys must change when ``fact`` changes: those that declare it, and those
    that use one of them (counts use tokens), from the declarations alone."""
    reached = {name for name, kind in KINDS.items() if fact in kind.facts}
    changed = True
    while changed:
        more = {name for name, kind in KINDS.items() if set(kind.uses) & reached} - reached
        reached |= more
        changed = bool(more)
    return reached


def test_every_fact_of_the_corpus_has_an_edit(small_corpus):
    """The loop below covers every fact file the corpus uses (a new fact needs a new edit)."""
    facts = {name for name, path in analysis.Corpus(small_corpus).facts.items() if path is not None}
    assert facts - set(EDITS) == set(), facts - set(EDITS)
    # Every fact a Kind declares is one the corpus carries (or has no default): nothing undeclared.
    assert {f for kind in KINDS.values() for f in kind.facts} <= set(FACT_FILES)


@pytest.mark.parametrize("name", list(KINDS))
def test_each_kind_declares_the_code_its_compute_function_reaches(name):
    """What a kind's compute function imports or calls from the package (besides kinds.py, whose bytes
    every key covers) lies in the files its key covers: its declared modules and their imports."""
    import ast
    import inspect
    import types

    from analysis.perarticle.kinds import PACKAGE, module_files

    kind = KINDS[name]
    covered = {p.resolve() for p in module_files(kind.modules)}
    reached = set()
    for node in ast.walk(ast.parse(inspect.getsource(kind.compute))):
        if isinstance(node, ast.ImportFrom) and node.module.startswith("analysis"):
            reached.add(node.module)
    for global_name in kind.compute.__code__.co_names:
        value = kind.compute.__globals__.get(global_name)
        module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", "")
        if module.startswith("analysis.") and module != "analysis.perarticle.kinds":
            reached.add(module)
    files = {Path(sys.modules[m].__file__).resolve() for m in reached}
    assert files, name
    assert sorted(str(f.relative_to(PACKAGE)) for f in files - covered) == []


@pytest.fixture
def no_topics(monkeypatch):
    """Skip topic fitting (seconds per build, a function of the term counts the test compares anyway;
    the code-file test below builds them in full)."""
    def skip(*args, **kwargs):
        raise TopicInputError("skipped in this test")
    monkeypatch.setattr(build_module, "fit_topics", skip)


def _cold(folder: Path, out: Path, tmp: Path) -> dict:
    """Build from nothing: a build folder of its own (only jieba's dictionary, which no fact changes,
    is copied, to save a second)."""
    build = tmp / f"cold-{out.name}"
    jieba = Path(analysis.settings.DEFAULT.build_path()) / "cache" / "jieba"
    for prefix in jieba.glob("jieba-*.prefix"):
        (build / "cache" / "jieba").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(prefix, build / "cache" / "jieba" / prefix.name)
    analysis.Corpus(folder, settings=Settings(build_dir=build)).build(out, workers=1, force=True)
    shutil.rmtree(build)
    return snapshot(out)


@pytest.mark.parametrize("fact", list(EDITS))
def test_warm_build_equals_cold_after_each_fact_edit(fact, small_corpus, tmp_path, no_topics):
    folder = tmp_path / "corpus"
    shutil.copytree(small_corpus, folder)
    corpus = analysis.Corpus(folder)
    articles = read_corpus(corpus).articles.to_dict("records")
    before_keys = stage_keys(articles, corpus, FIRST_PASS)
    corpus.build(tmp_path / "before", workers=1, force=True)  # fills the (shared) caches
    before = snapshot(tmp_path / "before")

    EDITS[fact](folder / FACT_FILES[fact])
    edited = analysis.Corpus(folder)
    after_keys = stage_keys(articles, edited, FIRST_PASS)
    changed = {kind for kind in FIRST_PASS if any(a[kind] != b[kind] for a, b in zip(before_keys, after_keys))}
    assert changed == _declared(fact) & set(FIRST_PASS), f"{fact}: keys changed for {changed}"

    assert not up_to_date(tmp_path / "before", input_digest(edited)[0], "build.json")
    edited.build(tmp_path / "warm", workers=1)
    warm = snapshot(tmp_path / "warm")
    cold = _cold(folder, tmp_path / "cold", tmp_path)
    assert differing(warm, cold) == [], f"{fact}: warm build differs from cold"
    if _declared(fact):
        assert differing(before, cold), f"the edit of {fact} changed nothing: the test would prove nothing"


def test_manifest_outside_the_corpus_folder(tmp_path, corpus_copy, no_topics):
    """``--manifest`` elsewhere: an edit of it is seen (not "up to date") and warm equals cold."""
    manifest = tmp_path / "elsewhere" / "pages.csv"
    manifest.parent.mkdir()
    shutil.move(corpus_copy / "manifest.csv", manifest)
    out = tmp_path / "out"
    assert main(["build", "--corpus", str(corpus_copy), "--manifest", str(manifest), "--out", str(out),
                 "--quiet", "--workers", "1"]) == 0
    frame = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    frame["issue_date"] = ["2025-02-14", "2024-12-02"]
    frame["paper"] = "另一报"
    frame.to_csv(manifest, index=False)
    corpus = analysis.Corpus(corpus_copy, manifest=manifest)
    assert not up_to_date(out, input_digest(corpus)[0])
    assert main(["build", "--corpus", str(corpus_copy), "--manifest", str(manifest), "--out", str(out),
                 "--quiet", "--workers", "1"]) == 0
    assert set(pd.read_parquet(out / "articles.parquet")["issue_date"]) == {"2025-02-14", "2024-12-02"}
    cold = tmp_path / "cold"
    build = tmp_path / "cold-build"
    analysis.Corpus(corpus_copy, manifest=manifest, settings=Settings(build_dir=build)).build(cold, workers=1)
    assert differing(snapshot(out), snapshot(cold)) == []


# --------------------------------------------------------------------------- code edits (a copy of the package)


def _package_copy(root: Path) -> Path:
    """A copy of the package and its data (``analysis/``, ``data/``) to edit without touching the checkout."""
    shutil.copytree(PROJECT_ROOT / "analysis", root / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(DATA_DIR, root / "data")
    (root / "_config.yml").write_text("title: copy\n")
    return root


def _build_with(package: Path, corpus: Path, out: Path, build_dir: Path) -> None:
    env = {**os.environ, "ANALYSIS_BUILD_DIR": str(build_dir), "PYTHONPATH": str(package),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("ANALYSIS_CORPUS", None)
    result = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--out", str(out),
                             "--quiet", "--workers", "1", "--force"],
                            cwd=package, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr


#: Code edits that change what the build writes: a kind's module (the segmenter drops one-character
#: tokens) and the code every value passes through on its way to the cache (mentions dropped).
CODE_EDITS = {
    # Every text reaches the tokens through raw_pieces (the chunk segments with it).
    "analysis/tokens.py": "\n_raw = Segmenter.raw_pieces\nSegmenter.raw_pieces = lambda self, text: "
                          "[t for t in _raw(self, text) if len(t) > 1]\n",
    "analysis/perarticle/chunk.py": "\n_compute = compute_chunk\n\n\ndef compute_chunk(*args, **kwargs):\n"
                                    "    out = _compute(*args, **kwargs)\n"
                                    "    if 'mentions' in out:\n"
                                    "        out['mentions'] = {i: b'[]' for i in out['mentions']}\n"
                                    "    return out\n",
}


@pytest.mark.parametrize("path", list(CODE_EDITS))
def test_warm_build_equals_cold_after_a_code_edit(path, small_corpus, tmp_path):
    package = _package_copy(tmp_path / "pkg")
    warm_cache = tmp_path / "warm-build"
    _build_with(package, small_corpus, tmp_path / "before", warm_cache)  # the caches, before the edit
    before = snapshot(tmp_path / "before")
    with open(package / path, "a", encoding="utf-8") as handle:
        handle.write(CODE_EDITS[path])
    _build_with(package, small_corpus, tmp_path / "warm", warm_cache)
    _build_with(package, small_corpus, tmp_path / "cold", tmp_path / "cold-build")
    warm, cold = snapshot(tmp_path / "warm"), snapshot(tmp_path / "cold")
    assert differing(warm, cold) == []
    assert differing(before, cold), "the edit changed nothing: the test would prove nothing"


# --------------------------------------------------------------------------- the up-to-date check


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uptodate") / "out"
    assert main(["build", "--out", str(out), "--quiet", "--workers", "1"]) == 0
    return out


def _copy_build(sample_build: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(sample_build, out, copy_function=shutil.copy2)
    return out


@pytest.mark.parametrize("name", ["articles.csv", "mentions.parquet", "perarticle/term_counts"])
def test_a_table_edited_in_place_at_the_same_size_is_not_up_to_date(name, sample_build, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--quiet", "--workers", "1"]) == 0
    path = out / name if not name.startswith("perarticle/") else next((out / name).rglob("*.parquet"))
    original = path.read_bytes()
    info = path.stat()
    middle = len(original) // 2
    edited = original[:middle] + bytes([original[middle] ^ 0x01]) + original[middle + 1:]
    with open(path, "r+b") as handle:  # in place: same inode, same size
        handle.write(edited)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # and its modification time put back
    digest = input_digest(analysis.Corpus())[0]
    assert not up_to_date(out, digest)
    capsys.readouterr()
    assert main(["build", "--out", str(out), "--workers", "1"]) == 0
    assert "is up to date" not in capsys.readouterr().out
    again = out / name if not name.startswith("perarticle/") else next((out / name).rglob("*.parquet"))
    assert again.read_bytes() == original or name.startswith("perarticle/")
    assert up_to_date(out, digest)


def test_a_no_op_build_reads_no_table_it_wrote(sample_build, tmp_path, monkeypatch, capsys):
    """Files whose size and file-system signature are as recorded are not read (only the few written
    in the build's last moments are checked by checksum)."""
    import analysis.inputs

    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--quiet", "--workers", "1"]) == 0
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    racy = [name for name in manifest["files"] if name not in manifest["signatures"]]
    read = []
    real = analysis.inputs._sha256
    monkeypatch.setattr(analysis.inputs, "_sha256", lambda p: read.append(Path(p)) or real(p))
    capsys.readouterr()
    assert main(["build", "--out", str(out), "--workers", "1"]) == 0
    assert "is up to date" in capsys.readouterr().out
    outputs = [p.name for p in read if out in p.parents]
    assert sorted(outputs) == sorted(racy)
    assert "tokens.parquet" in manifest["signatures"] and "tokens.parquet" not in outputs  # written long before
    assert not any(out / "perarticle" in p.parents for p in read)  # the dataset, written by the stage


def test_a_copied_build_folder_is_still_up_to_date(sample_build, tmp_path):
    copy = _copy_build(sample_build, tmp_path)  # new inodes: every file is checked by checksum
    assert up_to_date(copy, input_digest(analysis.Corpus())[0])


def test_files_beside_root_pages_do_not_make_the_build_stale(tmp_path, corpus_copy):
    """A pages-at-root corpus: a draft or sample written into its folder is not an input."""
    corpus = analysis.Corpus(corpus_copy)
    digest = input_digest(corpus)[0]
    (corpus_copy / "annotation_sample.csv").write_text("sample_id,correct\n1,yes\n", encoding="utf-8")
    (corpus_copy / "leaders.draft.csv").write_text("name\n某\n", encoding="utf-8")
    (corpus_copy / "notes").mkdir()
    (corpus_copy / "notes" / "todo.md").write_text("x", encoding="utf-8")
    assert input_digest(analysis.Corpus(corpus_copy))[0] == digest
    (corpus_copy / "extra.txt").write_text("一页没有列出", encoding="utf-8")  # an unlisted page is an input
    assert input_digest(analysis.Corpus(corpus_copy))[0] != digest


# --------------------------------------------------------------------------- a bounded cache


def _stopword_edit(folder: Path, word: str) -> None:
    path = folder / "stopwords.csv"
    if not path.is_file():
        shutil.copyfile(DATA_DIR / "stopwords.csv", path)
    _append(path, f"{word},function,test")


def _corpus(folder, **settings) -> analysis.Corpus:
    return analysis.Corpus(folder, settings=Settings(build_dir=folder.parent / "unused", **settings))


def test_superseded_entries_go_and_the_file_stays_bounded(small_corpus, tmp_path):
    """Four stopword edits used to add four sets of term counts (3.0 → 11.7 MB); with superseded
    generations evicted the file stays at one set."""
    folder = tmp_path / "corpus"
    shutil.copytree(small_corpus, folder)
    cache = tmp_path / "cache"
    articles = read_corpus(folder).articles
    run_stage(articles, _corpus(folder, cache_keep_days=0), workers=1, cache=cache)
    first = ArticleCache(cache).summary()
    sizes = []
    for word in ["会议", "工作", "发展", "推进"]:
        _stopword_edit(folder, word)
        stage = run_stage(articles, _corpus(folder, cache_keep_days=0), workers=1, cache=cache)
        assert stage.stats["counts"]["computed"] == len(articles) and stage.stats["tokens"]["computed"] == 0
        sizes.append(ArticleCache(cache).size())
    last = ArticleCache(cache).summary()
    assert last["entries"] == first["entries"]
    assert len(last["generations"]) == len(first["generations"])
    # The superseded counts and n-grams go, and their pages back to the file system: the file stays the
    # size of one set (before: one more full set of counts and n-grams per edit).
    assert max(sizes) <= first["bytes"] * 1.3, (first["bytes"], sizes)


def test_superseded_entries_are_kept_for_the_keep_days(small_corpus, tmp_path):
    """Going back to yesterday's facts finds their entries; a week later they are gone."""
    folder = tmp_path / "corpus"
    shutil.copytree(small_corpus, folder)
    cache = tmp_path / "cache"
    articles = read_corpus(folder).articles
    original = (folder / "leaders.csv").read_bytes()
    run_stage(articles, _corpus(folder), workers=1, cache=cache)
    _edit_leaders(folder / "leaders.csv")
    run_stage(articles, _corpus(folder), workers=1, cache=cache)
    (folder / "leaders.csv").write_bytes(original)  # back to the first registry: still cached
    again = run_stage(articles, _corpus(folder), workers=1, cache=cache)
    assert again.stats["mentions"]["computed"] == 0
    later = ArticleCache(cache, clock=lambda: time.time() + 8 * 86400)
    removed = later.evict()
    edited = _declared("leaders") & set(FIRST_PASS)  # the edited registry's (mentions, discoveries)
    assert removed["generations"] == len(edited) and removed["entries"] == len(edited) * len(articles)
    assert run_stage(articles, _corpus(folder), workers=1, cache=cache).stats["mentions"]["computed"] == 0


def test_two_corpora_sharing_the_cache_never_evict_each_other(small_corpus, corpus_copy, tmp_path):
    folder = tmp_path / "generated"
    shutil.copytree(small_corpus, folder)
    cache = tmp_path / "cache"
    generated = read_corpus(folder).articles
    sample = read_corpus(corpus_copy).articles
    for _ in range(2):  # alternate builds of the two corpora: nothing recomputed the second time round
        a = run_stage(generated, _corpus(folder, cache_keep_days=0), workers=1, cache=cache)
        b = run_stage(sample, _corpus(corpus_copy, cache_keep_days=0), workers=1, cache=cache)
    assert all(s["computed"] == 0 for s in a.stats.values()) and all(s["computed"] == 0 for s in b.stats.values())


def test_the_size_cap_evicts_the_least_recently_used(small_corpus, corpus_copy, tmp_path, caplog):
    folder = tmp_path / "generated"
    shutil.copytree(small_corpus, folder)
    cache = tmp_path / "cache"
    generated = read_corpus(folder).articles
    sample = read_corpus(corpus_copy).articles
    def content(folder):  # what the cap counts: the values' bytes
        return sum(g["bytes"] for g in ArticleCache(folder).summary()["generations"])

    run_stage(generated, _corpus(folder), workers=1, cache=tmp_path / "alone")
    alone = content(tmp_path / "alone")
    run_stage(sample, _corpus(corpus_copy), workers=1, cache=cache)
    assert content(cache) > 0.1 * alone
    before = ArticleCache(cache).summary()["generations"]
    # A cap just above what the generated corpus needs: the sample's entries (used longer ago) go, but
    # for those of generations both corpora use (same code and facts: the term counts, here).
    run_stage(generated, _corpus(folder, cache_max_mb=alone * 1.1 / 2 ** 20), workers=1, cache=cache)
    mine, other = str((folder / "articles.csv").resolve()), str((corpus_copy / "manifest.csv").resolve())
    after = ArticleCache(cache).summary()["generations"]
    assert [g["kind"] for g in after if other in g["corpora"] and mine not in g["corpora"]] == []
    assert [g["kind"] for g in before if other in g["corpora"]] != []
    caplog.set_level("WARNING")
    run_stage(generated, _corpus(folder, cache_max_mb=0.001), workers=1, cache=cache)  # its own entries alone
    assert "holds more than its cap" in caplog.text
    assert run_stage(generated, _corpus(folder), workers=1, cache=cache).stats["tokens"]["computed"] == 0


def test_cache_prune_reports_what_it_removed(small_corpus, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "corpus"
    shutil.copytree(small_corpus, folder)
    build = tmp_path / "build"
    monkeypatch.setenv("ANALYSIS_BUILD_DIR", str(build))
    articles = read_corpus(folder).articles
    settings = Settings(build_dir=build)
    run_stage(articles, analysis.Corpus(folder, settings=settings), workers=1)
    _stopword_edit(folder, "会议")
    run_stage(articles, analysis.Corpus(folder, settings=settings), workers=1)  # keeps the old counts 7 days
    assert main(["cache"]) == 0
    shown = capsys.readouterr().out
    superseded = _declared("stopwords") & set(FIRST_PASS)  # the counts and n-gram runs
    assert f"{len(FIRST_PASS) + len(superseded)} generation(s)" in shown, shown
    monkeypatch.setenv("ANALYSIS_CACHE_KEEP_DAYS", "0")
    assert main(["cache", "--prune"]) == 0
    report = capsys.readouterr().out
    assert (f"removed {len(superseded) * len(articles)} entries of {len(superseded)} superseded or unused "
            "generation(s)") in report, report
    assert main(["cache"]) == 0
    assert f"{len(FIRST_PASS)} generation(s)" in capsys.readouterr().out
    assert main(["cache", "--max-age", "3"]) == 2  # --max-age goes with --prune
    assert "--max-age: goes with --prune" in capsys.readouterr().err


def test_a_cache_of_the_earlier_version_is_adopted(articles, tmp_path):
    """Entries stored before generations existed are read (and adopted), not thrown away."""
    import sqlite3

    cache = tmp_path / "cache"
    fresh = run_stage(articles, workers=1, cache=cache)
    con = sqlite3.connect(cache / ArticleCache.FILE)
    with con:  # the earlier schema: no generation column, no generation tables
        con.execute("CREATE TABLE old AS SELECT kind, key, value, check_ FROM entries")
        for table in ("entries", "generations", "uses"):
            con.execute(f"DROP TABLE {table}")
        con.execute("ALTER TABLE old RENAME TO entries")
    con.close()
    again = run_stage(articles, workers=1, cache=cache)
    assert all(s["computed"] == 0 for s in again.stats.values())
    assert again.tokens.equals(fresh.tokens)
    generations = ArticleCache(cache).summary()["generations"]
    assert {g["kind"] for g in generations if g["entries"]} == set(FIRST_PASS)  # every entry adopted
