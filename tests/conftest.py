"""Shared fixtures: the real sample pages, and a scratch copy of the corpus to break."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.paths import RAW_DIR, SAMPLE_MANIFEST

PAGE_FEB = "000_170871a187ecc0e6.txt"  # mid-February 2025
PAGE_DEC = "001_37b71d2a634c19f4.txt"  # early December 2024


@pytest.fixture(autouse=True)
def _private_build_dir(tmp_path_factory, monkeypatch):
    """Keep every test's caches out of the project's build folder: the default settings (used where a
    test gives none) and the environment (read by the command line a test runs) point into the test's
    temporary folder."""
    import analysis.settings

    build = tmp_path_factory.getbasetemp() / "build"
    monkeypatch.setattr(analysis.settings, "DEFAULT", analysis.settings.Settings(build_dir=build))
    monkeypatch.setenv("ANALYSIS_BUILD_DIR", str(build))
    monkeypatch.delenv("ANALYSIS_CORPUS", raising=False)


@pytest.fixture(scope="session")
def page_text():
    """``page_text(name)`` → the raw text of a sample page."""
    return lambda name: (RAW_DIR / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def articles():
    """The sample corpus's articles table (read without the cache: session fixtures
    are set up before the private build folder above)."""
    from analysis.corpus.read import load_articles
    return load_articles(cache=False)


@pytest.fixture(scope="session")
def tokens(articles):
    """Tokens of the sample articles."""
    from analysis.tokens import tokenize_articles
    return tokenize_articles(articles)


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the sample corpus with its manifest inside."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in (PAGE_FEB, PAGE_DEC):
        shutil.copyfile(RAW_DIR / name, folder / name)
    shutil.copyfile(SAMPLE_MANIFEST, folder / "manifest.csv")
    return folder
