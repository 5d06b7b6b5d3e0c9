"""What a built book must not contain, for the tests of built books (and for checking any book by hand).

* :func:`sample_names` -- what names the sample and nothing else: its paper and place, its officials (its
  registry's names that the project's national default registry does not hold), its dictionary words and
  glossary terms, its sample-only phrases.  Read from the sample's data files, not written here.
* :func:`names_in_book` -- which of them a built site shows, leaving out those the book's own corpus
  contains (its text, facts and description): a book about a corpus may name what that corpus names.
* :func:`full_text_runs` -- runs of the corpus's text longer than any excerpt found in the site.

By hand, on any built book::

    PYTHONPATH=tests .venv/bin/python tests/booksite.py SITE_HTML_DIR CORPUS_FOLDER
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from analysis.paths import DATA_DIR, DEFAULTS_DIR

#: The sample's place and paper, in the words a book would use for them.
SAMPLE_PLACES = ("丰台", "Fengtai", "兴安盟", "扎赉特旗")
#: Sentences only the sample's book may say (its notes, its kind of paper).
SAMPLE_PHRASES = ("On the sample pages", "two sample pages", "the sample pages", "district paper",
                  "district party newspaper", "the district's own")
#: Files of a site that carry no text of the book (images, fonts) or are the theme's own assets.
SKIP_SUFFIXES = {".png", ".jpg", ".ico", ".woff", ".woff2", ".ttf", ".otf", ".parquet", ".svg"}
#: Longest run of the corpus's text an excerpt may hold (analysis.book.helpers.EXCERPT_CHARS) plus the ellipsis.
RUN = 130


def sample_names() -> set[str]:
    """Everything that names the sample and nothing else (see the module docstring)."""
    registry = pd.read_csv(DATA_DIR / "leaders.csv", dtype=str, keep_default_na=False)
    national = pd.read_csv(DEFAULTS_DIR / "leaders.csv", dtype=str, keep_default_na=False)
    officials = set(registry["name"]) - set(national["name"])
    words = set(pd.read_csv(DATA_DIR / "userdict.csv", dtype=str, keep_default_na=False)["word"])
    words -= set(pd.read_csv(DEFAULTS_DIR / "userdict.csv", dtype=str, keep_default_na=False)["word"])
    glossary = set(pd.read_csv(DATA_DIR / "glossary.csv", dtype=str, keep_default_na=False)["term"])
    return {n for n in officials | words | glossary | set(SAMPLE_PLACES) | set(SAMPLE_PHRASES) if len(n) >= 2}


def corpus_text(folder: str | Path) -> str:
    """All the text a corpus folder brings: its articles (every column) or pages, its facts and description."""
    folder = Path(folder)
    parts = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            parts += ["\n".join(map(str, frame[c].tolist())) for c in frame.columns]
        elif path.suffix in (".csv", ".txt", ".toml", ".jsonl", ".json", ".md"):
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def site_files(site: str | Path):
    """``(relative name, text)`` of every text file of a built site but the theme's assets."""
    site = Path(site)
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.suffix.lower() not in SKIP_SUFFIXES and path.relative_to(site).parts[0] != "_static":
            yield path.relative_to(site).as_posix(), path.read_text(encoding="utf-8", errors="replace")


def names_in_book(site: str | Path, corpus: str | Path, names: set[str] | None = None) -> dict[str, list[str]]:
    """``{name: [files]}`` for every sample name the site shows that the corpus itself does not contain."""
    own = corpus_text(corpus)
    wanted = {n for n in (names if names is not None else sample_names()) if n not in own}
    found: dict[str, list[str]] = {}
    for name, text in site_files(site):
        for word in wanted:
            if word in text:
                found.setdefault(word, []).append(name)
    return found


_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\w“”‘’—…·]{%d,}" % RUN)


def full_text_runs(site: str | Path, corpus: str | Path) -> list[str]:
    """``"<file>: <run>"`` for every run of more than an excerpt's length of the corpus's articles in the site."""
    own = corpus_text(corpus)
    found = []
    for name, text in site_files(site):
        for match in _RUN.finditer(text):
            if match.group()[:RUN] in own:
                found.append(f"{name}: {match.group()[:40]}…")
    return found


if __name__ == "__main__":
    site_dir, corpus_dir = sys.argv[1], sys.argv[2]
    names = names_in_book(site_dir, corpus_dir)
    runs = full_text_runs(site_dir, corpus_dir)
    print(f"sample names not in the corpus but in the book: {len(names)}")
    for word, files in sorted(names.items()):
        print(f"  {word}: {files[:5]}")
    print(f"runs of the corpus's text longer than an excerpt: {len(runs)}")
    for line in runs[:20]:
        print(f"  {line}")
