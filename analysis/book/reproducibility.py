"""What a reader needs to check that the book was built from the same inputs.

Everything on the book's reproducibility page comes from here: the pinned
package versions against the installed ones, the corpus's files with their
SHA-256 checksums (checked against its manifest), a summary of the corpus
the notebooks read, with a fingerprint of the article table so two machines
can compare results with one line, and the derived tables with the function
that made each (as the build records it).  The functions take the corpus
(:class:`analysis.corpus.folder.Corpus`) and its built tables
(:class:`analysis.tables.Tables`); nothing here reads the environment.

>>> from analysis.book.reproducibility import package_versions
>>> table = package_versions(names=["pandas"])
>>> list(table.columns)
['package', 'pinned', 'installed', 'matches']
"""
from __future__ import annotations

import csv
import hashlib
import os
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterable

import pandas as pd

from analysis.corpus.folder import TABLE_NAMES, Corpus
from analysis.corpus.pages import read_manifest
from analysis.errors import InputError
from analysis.io import sha256_file
from analysis.paths import DATA_DIR, PROJECT_ROOT, RAW_DIR, SAMPLE_MANIFEST
from analysis.tables import Tables

REQUIREMENTS = PROJECT_ROOT / "requirements.txt"

#: The packages whose versions decide the book's numbers and figures.
KEY_PACKAGES = (
    "jieba", "rjieba", "ahocorasick-rs", "pandas", "numpy", "scikit-learn", "scipy",
    "matplotlib", "wordcloud", "mplfonts", "pyarrow", "jupyter-book", "Sphinx",
    "myst-nb", "sphinxcontrib-bibtex", "nbval", "pytest",
)


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def _normalize(name: str) -> str:
    """PEP 503 name, so ``scikit_learn`` and ``Scikit-Learn`` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: str | Path = REQUIREMENTS) -> dict[str, tuple[str, str]]:
    """Read ``name==version`` lines into ``{normalized name: (name, version)}``.

    Blank lines and ``#`` comments are skipped; anything else is an error
    naming the file and line, because an unpinned line would make the
    environment drift silently.

    >>> pins = read_pins()
    >>> pins["jieba"]
    ('jieba', '0.42.1')
    """
    path = Path(path)
    pins: dict[str, tuple[str, str]] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _PIN.match(line)
        if match is None:
            raise InputError(path, f"expected 'name==version', found {line!r}", number)
        name, version = match.groups()
        key = _normalize(name)
        if key in pins:
            raise InputError(path, f"package {name!r} is pinned twice", number)
        pins[key] = (name, version)
    return pins


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def package_versions(names: Iterable[str] | None = None,
                     requirements: str | Path = REQUIREMENTS) -> pd.DataFrame:
    """Pinned against installed version, one row per package.

    Columns: ``package`` (name as pinned), ``pinned`` (version in
    requirements.txt, "" if not pinned), ``installed`` (version found by
    :mod:`importlib.metadata`, "" if missing), ``matches`` (bool).
    ``names=None`` means every pinned package. Sorted by normalized name.

    >>> package_versions(names=["jieba"]).loc[0, "pinned"]
    '0.42.1'
    """
    pins = read_pins(requirements)
    wanted = sorted(pins) if names is None else sorted({_normalize(n) for n in names})
    rows = []
    for key in wanted:
        name, pinned = pins.get(key, (key, ""))
        installed = _installed(name)
        rows.append({"package": name, "pinned": pinned, "installed": installed,
                     "matches": bool(pinned) and pinned == installed})
    return pd.DataFrame(rows, columns=["package", "pinned", "installed", "matches"])


def python_version() -> str:
    """``major.minor`` of the running interpreter (the patch level does not change results)."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _manifest_checksums(manifest: Path, pages_dir: Path) -> dict[Path, str]:
    """``{resolved page path: sha256}`` from a manifest whose ``file`` column is relative to ``pages_dir``."""
    if not manifest.is_file():
        return {}
    sums: dict[Path, str] = {}
    with open(manifest, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "sha256"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(manifest, f"missing column(s) {sorted(missing)}", 1)
        for row_number, row in enumerate(reader, start=2):
            name, digest = (row["file"] or "").strip(), (row["sha256"] or "").strip().lower()
            if not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise InputError(manifest, f"sha256 of {name!r} is not 64 hex digits", row_number,
                                 kind="row")
            sums[(pages_dir / name).resolve()] = digest
    return sums


def data_files(folder: str | Path = DATA_DIR, manifest: str | Path = SAMPLE_MANIFEST,
               pages_dir: str | Path = RAW_DIR) -> pd.DataFrame:
    """Every file under ``folder`` with its size and SHA-256, checked against the manifest.

    Columns: ``path`` (POSIX path relative to the project root, or to
    ``folder`` for a corpus outside it), ``bytes`` (int), ``sha256`` (hex),
    ``manifest_sha256`` (checksum the manifest records for a page, "" for
    other files), ``status`` ("matches manifest", "differs from manifest",
    "no manifest entry" for dictionaries and the manifest itself, or
    "missing" for a manifest entry with no file). Sorted by ``path``.
    Hidden files are skipped.

    >>> table = data_files()
    >>> bool((table["status"] != "differs from manifest").all())
    True
    """
    folder = Path(folder)
    recorded = _manifest_checksums(Path(manifest), Path(pages_dir))
    rows = []
    seen = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        seen.add(path.resolve())
        digest = sha256_file(path)
        expected = recorded.get(path.resolve(), "")
        if not expected:
            status = "no manifest entry"
        else:
            status = "matches manifest" if expected == digest else "differs from manifest"
        rows.append({"path": _display_path(path, folder), "bytes": path.stat().st_size,
                     "sha256": digest, "manifest_sha256": expected, "status": status})
    for path in sorted(set(recorded) - seen):
        rows.append({"path": _display_path(path, folder), "bytes": 0, "sha256": "",
                     "manifest_sha256": recorded[path], "status": "missing"})
    frame = pd.DataFrame(rows, columns=["path", "bytes", "sha256", "manifest_sha256", "status"])
    return frame.sort_values("path", kind="stable").reset_index(drop=True)


def corpus_files(corpus: Corpus) -> pd.DataFrame:
    """:func:`data_files` for ``corpus``, the corpus the notebooks read, and every fact it was built with.

    For an article table, one row for the table file; for any corpus but the sample (whose ``data/`` folder
    holds its facts and the defaults), one row for each fact file the build read, its own (inside the
    folder: status ``no manifest entry``, like any file there) or the project's default it fell back to
    (status ``project default``), so a registry, stopword list or annotation that changes a number changes
    a checksum here.  Same columns as :func:`data_files`.
    """
    columns = ["path", "bytes", "sha256", "manifest_sha256", "status"]
    if corpus.kind != "table" and corpus.pages_dir.resolve() == RAW_DIR.resolve():
        return data_files()
    if corpus.kind == "table":
        target = corpus.text
        frame = pd.DataFrame([{"path": target.name, "bytes": target.stat().st_size,
                               "sha256": sha256_file(target), "manifest_sha256": "",
                               "status": "no manifest entry"}], columns=columns)
    else:
        frame = data_files(corpus.root, corpus.text, corpus.pages_dir)
    listed = set(frame["path"])
    rows = []
    root = Path(corpus.root).resolve()
    read = [p for p in corpus.facts.values() if p is not None] + [Path(corpus.root) / "corpus.toml"]
    for path in sorted({Path(p).resolve() for p in read if Path(p).is_file()}):
        own = root in path.parents
        shown = path.relative_to(root).as_posix() if own else _display_path(path, root)
        if shown in listed:
            continue
        rows.append({"path": shown, "bytes": path.stat().st_size, "sha256": sha256_file(path),
                     "manifest_sha256": "", "status": "no manifest entry" if own else "project default"})
    if rows:
        frame = pd.concat([frame, pd.DataFrame(rows, columns=columns)], ignore_index=True)
    return frame.reset_index(drop=True)


def _display_path(path: Path, folder: Path) -> str:
    """Path relative to the project root when inside it, so pages show no machine paths."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT.resolve()).as_posix()
    except ValueError:
        return path.resolve().relative_to(Path(folder).resolve()).as_posix()


def corpus_setting(corpus: Corpus) -> str:
    """Which corpus the notebooks read: the sample, or the ``ANALYSIS_CORPUS`` value that selects ``corpus``.

    >>> corpus_setting(Corpus.sample())
    'sample corpus shipped in data/ (ANALYSIS_CORPUS not set)'
    """
    if corpus.is_sample:
        return "sample corpus shipped in data/ (ANALYSIS_CORPUS not set)"
    named = corpus.root if corpus.kind == "pages" or corpus.text.name in TABLE_NAMES else corpus.text
    # Its name only: the page never tells where the machine that built it keeps its folders.
    return f"ANALYSIS_CORPUS=…/{Path(named).name} (the corpus folder; paths below are relative to it)"


def corpus_summary(articles: pd.DataFrame) -> pd.DataFrame:
    """One row per page file: what the notebooks read.

    ``articles`` is the table of :func:`analysis.corpus.read.load_articles`.
    Columns: ``source``, ``issue_date``, ``articles`` (int), ``characters``
    (int, sum of ``n_chars``), ``with_headline`` (int), ``dated_by_dateline``
    (int, rows whose ``date_basis`` is "dateline"). Sorted by
    (``issue_date``, ``source``).
    """
    needed = {"source", "issue_date", "headline", "n_chars", "date_basis"}
    missing = needed - set(articles.columns)
    if missing:
        raise ValueError(f"article table lacks column(s) {sorted(missing)}")
    frame = articles.assign(
        with_headline=articles["headline"].fillna("").astype(str).str.len().gt(0).astype(int),
        dated_by_dateline=articles["date_basis"].eq("dateline").astype(int),
        one=1,
    )
    summary = (frame.groupby(["issue_date", "source"], sort=True)
               .agg(articles=("one", "sum"), characters=("n_chars", "sum"),
                    with_headline=("with_headline", "sum"),
                    dated_by_dateline=("dated_by_dateline", "sum"))
               .reset_index())
    columns = ["source", "issue_date", "articles", "characters", "with_headline", "dated_by_dateline"]
    return summary[columns].astype({c: "int64" for c in columns[2:]})


def corpus_totals(articles: pd.DataFrame) -> pd.Series:
    """Totals of the article table as a labelled Series.

    Index: ``page files``, ``issue dates``, ``first issue``, ``last issue``,
    ``articles``, ``characters``.
    """
    dates = sorted(articles["issue_date"].astype(str).unique())
    return pd.Series({
        "page files": int(articles["source"].nunique()),
        "issue dates": len(dates),
        "first issue": dates[0] if dates else "",
        "last issue": dates[-1] if dates else "",
        "articles": int(len(articles)),
        "characters": int(articles["n_chars"].sum()),
    }, name="corpus")


def table_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a table's canonical CSV form (columns and rows in their given order).

    Two machines that print the same fingerprint read the same article table,
    character for character.

    >>> table_fingerprint(pd.DataFrame({"a": [1]}))[:12]
    '309b0e45a73d'
    """
    text = frame.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- build facts

def git_commit(root: str | Path = PROJECT_ROOT) -> dict[str, str]:
    """The commit the book was built from: ``{"commit", "short", "dirty"}``.

    ``dirty`` is "yes" when tracked files differ from the commit (the build
    then does not correspond to any commit exactly), "no", or "unknown"
    outside a git checkout (e.g. an unpacked archive), where ``commit`` is "".

    >>> sorted(git_commit())
    ['commit', 'dirty', 'short']
    """
    import subprocess

    def run(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise OSError(done.stderr.strip())
        return done.stdout.strip()

    try:
        commit = run("rev-parse", "HEAD")
        dirty = "yes" if run("status", "--porcelain", "--untracked-files=no") else "no"
    except (OSError, FileNotFoundError, subprocess.SubprocessError):
        return {"commit": "", "short": "", "dirty": "unknown"}
    return {"commit": commit, "short": commit[:12], "dirty": dirty}


def build_date_utc(epoch: str | int | None = None) -> str:
    """Now, in UTC, to the second (ISO 8601 with a ``Z``), or the moment ``epoch`` (seconds since
    1970: a reproducible build's ``SOURCE_DATE_EPOCH``, which the caller reads) when given.

    >>> build_date_utc().endswith("Z"), build_date_utc("0")
    (True, '1970-01-01T00:00:00Z')
    """
    from datetime import datetime, timezone

    epoch = str(epoch if epoch is not None else "").strip()
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine()


def platform_info() -> pd.Series:
    """The machine: OS, CPU, cores, Python, and the BLAS/OpenMP libraries with their thread counts.

    Thread counts matter: a BLAS reduction summed in another order can change
    the last digits of a float. Library file paths are left out (they name
    the machine's folders). Index: ``os``, ``machine``, ``cpu``, ``cpu
    count``, ``python``, then one ``threads: <api> (<library> <version>)``
    entry per thread pool found by threadpoolctl.

    >>> "cpu count" in platform_info().index
    True
    """
    import platform

    from threadpoolctl import threadpool_info

    import numpy  # noqa: F401  (loads its BLAS, so threadpoolctl can see it)
    import scipy.linalg  # noqa: F401

    info = {
        "os": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cpu count": str(os.cpu_count()),
        "python": platform.python_version(),
    }
    for pool in sorted(threadpool_info(), key=lambda p: (p.get("user_api", ""), p.get("internal_api", ""),
                                                          p.get("prefix", ""))):
        key = f"threads: {pool.get('user_api')} ({pool.get('internal_api')} {pool.get('version') or ''})".replace(" )", ")")
        detail = f"{pool.get('num_threads')}"
        if pool.get("threading_layer"):
            detail += f", {pool['threading_layer']}"
        if pool.get("architecture"):
            detail += f", {pool['architecture']}"
        while key in info:
            key += "'"
        info[key] = detail
    return pd.Series(info, name="value", dtype=str)


BUILD_COMMAND = "python -m analysis build --out _build/data"


def derived_tables(tables: Tables) -> pd.DataFrame:
    """Every derived table of the build ``tables`` with its fingerprint and how it is re-made.

    Columns: ``file`` (name), ``rows`` (int), ``bytes`` (int), ``sha256``
    (of the file's bytes: what ``sha256sum`` prints), ``made_by`` (the
    function that computed it, as the build records it:
    :attr:`analysis.tables.Tables.makers`; "" if it does not say),
    ``command`` (the command that writes it). Sorted by file.
    """
    import pyarrow.parquet as pq

    folder = tables.folder
    makers = tables.makers
    rows = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".parquet") and not p.name.startswith(".")):
        twin = path.with_suffix(".parquet")
        if path.suffix == ".parquet":
            count = pq.ParquetFile(path).metadata.num_rows
        elif twin.is_file():
            # The build writes a table's CSV from the same frame as its Parquet file: the same rows, read
            # from the Parquet metadata instead of parsing the CSV (2.2 million rows took seconds).
            count = pq.ParquetFile(twin).metadata.num_rows
        else:
            count = len(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
        rows.append({"file": path.name, "rows": int(count), "bytes": path.stat().st_size,
                     "sha256": sha256_file(path), "made_by": makers.get(path.stem, ""),
                     "command": BUILD_COMMAND})
    return pd.DataFrame(rows, columns=["file", "rows", "bytes", "sha256", "made_by", "command"])


def licences(identity=None) -> pd.DataFrame:
    """What may be re-used under which terms (from ``LICENSE`` and ``LICENSE-DATA.md``; the text's terms from
    the identity of a corpus other than the sample, :mod:`analysis.corpus.identity`; None: the sample's, whose
    terms ``LICENSE-DATA.md`` states).

    Columns: ``what``, ``licence``, ``file``.

    >>> licences()["what"].tolist()[:2]
    ['code (analysis/, scripts/, tests/)', 'prose, figures, notebooks (book/)']
    """
    if identity is not None:
        text = {"what": f"text of the {identity.paper}", "licence": identity.licence, "file": "corpus.toml"}
        return pd.DataFrame([
            {"what": "code (analysis/, scripts/, tests/)", "licence": "MIT", "file": "LICENSE"},
            {"what": "prose, figures, notebooks (book/)", "licence": "CC BY 4.0", "file": "LICENSE-DATA.md"},
            {"what": "derived tables", "licence": "CC BY 4.0 as compiled; quoted text stays under the text's terms",
             "file": "LICENSE-DATA.md"}, text], columns=["what", "licence", "file"])
    return pd.DataFrame([
        {"what": "code (analysis/, scripts/, tests/)", "licence": "MIT", "file": "LICENSE"},
        {"what": "prose, figures, notebooks (book/)", "licence": "CC BY 4.0", "file": "LICENSE-DATA.md"},
        {"what": "curated data files (data/*.csv)", "licence": "CC BY 4.0", "file": "LICENSE-DATA.md"},
        {"what": "derived tables (_build/data)", "licence": "CC BY 4.0 as compiled; quoted article text stays the newspaper's",
         "file": "LICENSE-DATA.md"},
        {"what": "newspaper page text (data/raw/*.txt)",
         "licence": "not licensed by the authors: copyright remains with the 丰台报; sample reproduced as received "
                    "for research, teaching and verification", "file": "LICENSE-DATA.md"},
    ], columns=["what", "licence", "file"])


def page_provenance(corpus: Corpus) -> pd.DataFrame:
    """For each page of ``corpus``: where it came from, as far as the manifest records it.

    Columns: ``file``, ``issue_date``, ``source`` (how it was received),
    ``extraction`` (how its text was made), ``notes`` (e.g. how the date
    was inferred). "" where the manifest has no such column. An article
    table corpus gives one row naming the table.
    """
    columns = ["file", "issue_date", "source", "extraction", "notes"]
    if corpus.kind == "table":
        return pd.DataFrame([{"file": corpus.text.name, "issue_date": "", "source": "article table (ANALYSIS_CORPUS)",
                              "extraction": "", "notes": ""}], columns=columns)
    rows = [{c: row.get(c, "") for c in columns} for row in read_manifest(corpus.text)]
    return pd.DataFrame(rows, columns=columns)


def _authors(identity) -> list[str]:
    return list(identity.authors) or ["Anonymous"]


def _bib_key(identity) -> str:
    """A BibTeX key: the repository's name (``fengtai_analysis``), else ``book`` and the year."""
    name = identity.repository.rstrip("/").rsplit("/", 1)[-1] if identity.repository else ""
    key = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    return key or f"book{identity.year}"


def citation(identity, commit: str = "") -> str:
    """A reference to the book in author–year style, from its identity (:mod:`analysis.corpus.identity`:
    the corpus's ``corpus.toml``), plus the commit when given.

    >>> from analysis.corpus.folder import Corpus
    >>> from analysis.corpus.identity import corpus_identity
    >>> citation(corpus_identity(Corpus(), papers=["丰台报"])).startswith("The fengtai-analysis authors (2026).")
    True
    """
    authors = "; ".join(_authors(identity))
    where = f"https://doi.org/{identity.doi}" if identity.doi else identity.repository
    text = (f"{authors} ({identity.year or 'n.d.'}). {identity.full_title}."
            f"{' Commit ' + commit[:12] + '.' if commit else ''}{' ' + where if where else ''}")
    return text


def _bib_value(value: str) -> str:
    """A BibTeX field value: braces balanced away, LaTeX specials escaped."""
    text = " ".join(str(value).split())
    return re.sub(r"([{}\\%&$#_^~])", lambda m: "\\" + m.group(1) if m.group(1) not in "{}\\" else "", text)


def citation_bibtex(identity, commit: str = "") -> str:
    """The same reference as :func:`citation`, as a BibTeX ``@book`` entry.

    >>> from analysis.corpus.folder import Corpus
    >>> from analysis.corpus.identity import corpus_identity
    >>> citation_bibtex(corpus_identity(Corpus(), papers=["丰台报"])).splitlines()[0]
    '@book{fengtai_analysis,'
    """
    authors = " and ".join("{" + _bib_value(a) + "}" for a in _authors(identity))
    fields = [("author", authors), ("title", "{" + _bib_value(identity.full_title) + "}"),
              ("year", identity.year), ("doi", identity.doi), ("url", identity.repository)]
    if commit:
        fields.append(("note", f"commit {commit}"))
    body = ",\n".join(f"  {key:<8}= {{{value}}}" for key, value in fields if value)
    return f"@book{{{_bib_key(identity)},\n" + body + "\n}"


def citation_cff(identity, commit: str = "") -> str:
    """The book's ``CITATION.cff`` (Citation File Format 1.2.0), from its identity.

    >>> from analysis.corpus.folder import Corpus
    >>> from analysis.corpus.identity import corpus_identity
    >>> import yaml
    >>> yaml.safe_load(citation_cff(corpus_identity(Corpus(), papers=["丰台报"])))["type"]
    'dataset'
    """
    import yaml

    data = {"cff-version": "1.2.0",
            "message": "If you use this book, please cite it as below (and the commit you used).",
            "title": identity.full_title, "type": "dataset",
            "authors": [{"name": name} for name in _authors(identity)]}
    if identity.doi:
        data["doi"] = identity.doi
    if identity.repository:
        data["repository-code"] = identity.repository
    if commit:
        data["commit"] = commit
    data["abstract"] = (f"A computational reading of the {identity.paper}"
                        + (f" ({identity.place})" if identity.place else "")
                        + (f", {identity.period}" if identity.period else "") + ".")
    data["keywords"] = ["Chinese official news", "text analysis", "Jupyter Book"]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
