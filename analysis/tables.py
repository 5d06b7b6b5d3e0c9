"""The one source of numbers: the tables ``python -m analysis build`` wrote.

The book's notebooks never recompute what the build computed: they read its
tables, so the numbers in the chapters and the downloadable CSVs are the same
numbers.  The build folder defaults to ``_build/data`` (``ANALYSIS_TABLES``
moves it).  Its ``build_info`` table says which corpus the tables are of; when
it does not match the configured corpus (another ``ANALYSIS_CORPUS``, a
changed file) or the folder is missing, :func:`ensure_tables` builds it first,
so every chapter also runs alone.

Read what a chapter needs, not whole tables, when the corpus is large:

* :func:`load_table` with ``columns`` and ``filters`` (read batch by batch:
  ``load_table("tokens", filters=[("article_id", "in", ids)])`` holds only
  those articles' tokens); :func:`table_rows` the same for an explicit folder;
* the build's per-article dataset (``perarticle/``, :data:`DATASETS`, one row
  per article or per article and term): :func:`load_dataset` (a DataFrame, in
  article order, string columns optionally categorical),
  :func:`dataset_batches` (Arrow batches, for readers that keep a few integer
  columns of millions of rows), :func:`dataset_rows`;
* :func:`query`: SQL by DuckDB with every table as a view and the dataset as
  ``perarticle.<name>``, out of core.

>>> mentions = load_table("mentions")
>>> info = build_info()
>>> info["n_articles"] == len(load_table("articles"))
True
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .corpus.folder import CorpusFolder, open_corpus
from .paths import build_dir

TABLES_ENV = "ANALYSIS_TABLES"


def tables_dir() -> Path:
    """Folder of the built tables: ``$ANALYSIS_TABLES`` or ``<build>/data``."""
    value = os.environ.get(TABLES_ENV, "").strip()
    return Path(value).expanduser() if value else build_dir() / "data"


def build_info_table(folder: CorpusFolder, articles: pd.DataFrame) -> pd.DataFrame:
    """The one-row ``build_info`` table: which corpus, which facts, how many articles, which dates."""
    dates = articles["issue_date"][articles["issue_date"] != ""] if len(articles) else pd.Series(dtype=str)
    return pd.DataFrame([{
        "corpus": folder.label,
        "paper": folder.paper or (articles["paper"].iloc[0] if len(articles) else ""),
        "corpus_path": _portable(folder.root),
        "kind": folder.kind,
        "is_sample": bool(folder.is_sample),
        "fingerprint": folder.fingerprint(),
        "defaulted_facts": ";".join(folder.defaulted),
        "n_articles": int(len(articles)),
        "first_date": str(dates.min()) if len(dates) else "",
        "last_date": str(dates.max()) if len(dates) else "",
    }])


def _portable(path: Path) -> str:
    """A path relative to the project when inside it (``data``), so the table's bytes do not depend
    on where the repository was cloned; absolute otherwise."""
    from .paths import PROJECT_ROOT

    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


def _current(folder: Path) -> bool:
    path = folder / "build_info.parquet"
    if not path.is_file():
        return False
    corpus = open_corpus()
    # Hashing a large corpus on every load_table call would cost seconds: remember the
    # answer while neither the stamp nor any corpus file has changed.
    key = (str(path.resolve()), path.stat().st_mtime_ns, corpus.root.resolve(), _corpus_stamp(corpus))
    if key not in _CHECKED:
        try:
            _CHECKED[key] = pd.read_parquet(path).iloc[0]["fingerprint"] == corpus.fingerprint()
        except Exception:  # an unreadable stamp means: rebuild
            _CHECKED[key] = False
    return _CHECKED[key]


_CHECKED: dict = {}


def _corpus_stamp(corpus: CorpusFolder) -> tuple:
    files = [corpus.text] + [p for _, p in sorted(corpus.facts.items()) if p is not None]
    if corpus.pages_dir is not None:
        files += sorted(corpus.pages_dir.glob("*.txt"))
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def ensure_tables(folder: str | Path | None = None) -> Path:
    """Return the tables folder, building it first if it is missing or of another corpus."""
    folder = Path(folder) if folder is not None else tables_dir()
    if not _current(folder):
        from .build import build

        build(folder, progress=False)
    return folder


def load_table(name: str, folder: str | Path | None = None, columns: list[str] | None = None,
               filters=None) -> pd.DataFrame:
    """Read the built table ``name`` (e.g. ``"articles"``, ``"mentions"``, ``"term_frequency"``).

    ``columns``: only these columns.  ``filters``: only the rows that pass, as
    :func:`pyarrow.parquet.read_table` takes them (``[("article_id", "in", ids)]``)
    or a :mod:`pyarrow.dataset` expression: the file is read in batches of
    :data:`FILTER_BATCH` rows and only the matching rows are kept, so a few
    articles' tokens never bring the whole token list into memory (Arrow's
    own filtered read decodes a whole row group first: +215 MB for 300
    articles' tokens on the 48,000-article generated corpus, against +68 MB
    batch by batch).  Raises
    ``FileNotFoundError`` naming the table and the folder when the build did
    not write it (topics are skipped on a corpus too small to cluster).

    >>> load_table("tokens", filters=[("article_id", "in", ["no-such-article"])]).shape
    (0, 2)
    """
    folder = ensure_tables(folder)
    path = folder / f"{name}.parquet"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.parquet"))
        raise FileNotFoundError(f"{folder}: no table {name!r} (the build wrote: {', '.join(known)})")
    if filters is None:
        return pd.read_parquet(path, columns=columns)
    return _filtered_read(path, columns, filters)


def table_rows(name: str, filters, columns: list[str] | None = None, folder: str | Path | None = None
               ) -> pd.DataFrame:
    """The rows of the built table ``name`` that pass ``filters`` (as :func:`load_table`), read batch
    by batch, from the tables in ``folder`` (see :func:`tables_root`: an explicit folder is read as it is).

    >>> ids = load_table("articles", columns=["article_id"])["article_id"].head(2).tolist()
    >>> table_rows("tokens", [("article_id", "in", ids)])["article_id"].tolist() == ids
    True
    """
    path = tables_root(folder) / f"{name}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path.parent}: no table {name!r}")
    return _filtered_read(path, columns, filters)


#: Rows per batch when :func:`load_table` filters a table while reading it.
FILTER_BATCH = 512


def _filtered_read(path: Path, columns: list[str] | None, filters) -> pd.DataFrame:
    """The rows of the Parquet file ``path`` that pass ``filters``, read batch by batch."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    expression = filters if isinstance(filters, ds.Expression) else pq.filters_to_expression(filters)
    source = pq.ParquetFile(path, pre_buffer=False)
    names = source.schema_arrow.names
    unknown = [c for c in columns or () if c not in names]
    if unknown:
        raise KeyError(f"{path}: no column {unknown[0]!r} (columns: {', '.join(names)})")
    # Read every column the filter may name; keep the asked-for ones after filtering.
    parts = [pa.Table.from_batches([batch]).filter(expression)
             for batch in source.iter_batches(batch_size=FILTER_BATCH)]
    table = pa.concat_tables(parts) if parts else source.schema_arrow.empty_table()
    if columns is not None:
        table = table.select(list(columns))
    return table.to_pandas()


def has_table(name: str, folder: str | Path | None = None) -> bool:
    """Whether the build wrote table ``name`` (topics are skipped on a tiny corpus)."""
    return (ensure_tables(folder) / f"{name}.parquet").is_file()


def build_info(folder: str | Path | None = None) -> dict:
    """The ``build_info`` row as a dict (see :func:`build_info_table`)."""
    return load_table("build_info", folder).iloc[0].to_dict()


# --------------------------------------------------------------------------- the per-article dataset

#: The per-article dataset's folder inside the tables folder (see :mod:`analysis.aggregate.dataset`).
DATASET_DIR = "perarticle"
#: Its tables, each partitioned by year: ``articles`` (article_order, article_id, issue_date, month,
#: n_tokens), ``term_counts`` (… term, count, n_tokens: one row per article and term), and the rows of
#: ``formulation_occurrences`` and ``mentions`` with their ``article_order``.
DATASETS = ("articles", "term_counts", "formulation_occurrences", "mentions")


def tables_root(folder: str | Path | None = None) -> Path:
    """The tables folder to read from without loading a table.

    None: the configured tables (:func:`tables_dir`, built first if missing or
    stale, as :func:`load_table`).  An explicit folder is read as it is: a
    test or benchmark that built it (from another corpus than the configured
    one, say) knows which corpus it holds.
    """
    return ensure_tables(None) if folder is None else Path(folder)


def dataset_dir(folder: str | Path | None = None) -> Path:
    """The per-article dataset of the tables in ``folder`` (see :func:`tables_root`)."""
    root = tables_root(folder)
    path = root / DATASET_DIR
    if not path.is_dir():
        raise FileNotFoundError(f"{root}: no per-article dataset {DATASET_DIR}/ (rebuild: python -m analysis build --force)")
    return path


def _dataset_path(name: str, folder: str | Path | None) -> Path:
    if name not in DATASETS:
        raise ValueError(f"no per-article dataset {name!r}; known: {', '.join(DATASETS)}")
    path = dataset_dir(folder) / name
    if not path.is_dir():
        raise FileNotFoundError(f"{path.parent}: no dataset {name!r} (the build wrote: "
                                f"{', '.join(sorted(p.name for p in path.parent.iterdir()))})")
    return path


def load_dataset(name: str, columns: list[str] | None = None, filters=None, folder: str | Path | None = None,
                 categorical: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows of the per-article dataset ``name`` (:data:`DATASETS`), in article order.

    ``columns``: only these (``year``, the partition, is one of them);
    ``filters``: a :mod:`pyarrow.dataset` expression or the list form of
    :func:`pyarrow.parquet.read_table` (``[("year", "=", "2021")]`` reads only
    that year's folder); ``categorical``: string columns returned as pandas
    categoricals, one Python string per distinct value rather than per row
    (``term`` over millions of rows).  Rows come back sorted by
    ``article_order`` (then ``row`` where the table has one), whatever the
    files' order.

    >>> sizes = load_dataset("articles", columns=["article_id", "n_tokens"])
    >>> len(sizes) == build_info()["n_articles"]
    True
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    names, order, wanted = _dataset_columns(name, columns, folder)
    parts = [pa.Table.from_batches([batch]) for batch in dataset_batches(name, wanted, filters, folder, categorical)]
    if not parts:
        return _dataset(name, folder).schema.empty_table().select(list(columns or names)).to_pandas()
    if order:
        parts.sort(key=lambda part: tuple(part[c][0].as_py() for c in order))
    table = pa.concat_tables(parts)
    del parts
    if order and not _ascending(table, order):
        # Batches are in article order within a file; only odd layouts need the (copying) sort.
        table = table.take(pc.sort_indices(table, [(c, "ascending") for c in order]))
    if columns is not None:
        table = table.select(list(columns))
    if categorical:
        # One dictionary for the whole column (each batch brings its own), then pandas categoricals.
        table = table.unify_dictionaries()
    # Arrow's buffers are released column by column as pandas takes them.
    return table.to_pandas(split_blocks=True, self_destruct=True)


def _dataset(name: str, folder):
    import pyarrow as pa
    import pyarrow.dataset as ds

    # The partition is the year as written ("2021", "unknown"): a string, not an inferred integer.
    years = ds.partitioning(pa.schema([("year", pa.string())]), flavor="hive")
    return ds.dataset(_dataset_path(name, folder), format="parquet", partitioning=years)


def _dataset_columns(name: str, columns, folder) -> tuple[list[str], list[str], list[str]]:
    """``(every column, the order columns, the columns to read)``; an unknown column is a KeyError."""
    names = _dataset(name, folder).schema.names
    order = [c for c in ("article_order", "row") if c in names]
    wanted = names if columns is None else list(dict.fromkeys([*columns, *order]))
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise KeyError(f"{_dataset_path(name, folder)}: no column {unknown[0]!r} (columns: {', '.join(names)})")
    return names, order, wanted


def dataset_batches(name: str, columns: list[str] | None = None, filters=None, folder: str | Path | None = None,
                    categorical: tuple[str, ...] = ()):
    """The per-article dataset ``name`` as Arrow record batches of at most :data:`DATASET_BATCH` rows,
    file by file (arguments as :func:`load_dataset`; ``categorical`` columns come as dictionary arrays).

    For a reader that keeps only what it needs of each batch (a few integer
    columns of millions of rows): Arrow's one-call read decodes a whole row
    group at once, so its peak memory is twice the result's.  Batches are in
    article order within a file; files come in path order.

    >>> sum(b.num_rows for b in dataset_batches("articles", ["article_id"])) == build_info()["n_articles"]
    True
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    data = _dataset(name, folder)
    names = data.schema.names
    wanted = names if columns is None else list(columns)
    unknown = [c for c in [*wanted, *categorical] if c not in names]
    if unknown:
        raise KeyError(f"{_dataset_path(name, folder)}: no column {unknown[0]!r} (columns: {', '.join(names)})")
    if filters is not None and not isinstance(filters, ds.Expression):
        filters = pq.filters_to_expression(filters)
    for fragment in sorted(data.get_fragments(filter=filters), key=lambda f: f.path):
        year = ds.get_partition_keys(fragment.partition_expression).get("year", "")
        source = pq.ParquetFile(fragment.path, pre_buffer=False, read_dictionary=list(categorical))
        # With a filter, read every column (it may name any); keep the wanted ones after it.
        in_file = [c for c in (names if filters is not None else wanted) if c in source.schema_arrow.names]
        for batch in source.iter_batches(batch_size=DATASET_BATCH, columns=in_file):
            if "year" in names and ("year" in wanted or filters is not None):
                batch = batch.append_column("year", pa.array([year] * batch.num_rows, pa.string()))
            if filters is not None:
                batch = batch.filter(filters)
            if batch.num_rows:
                yield batch.select(wanted)


def dataset_rows(name: str, folder: str | Path | None = None) -> int:
    """Number of rows of the per-article dataset ``name``, from its files' metadata (nothing decoded).

    >>> dataset_rows("articles") == build_info()["n_articles"]
    True
    """
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(fragment.path).metadata.num_rows for fragment in _dataset(name, folder).get_fragments())


#: Rows per batch when :func:`load_dataset` reads a file.
DATASET_BATCH = 65_536


def _ascending(table, order: list[str]) -> bool:
    """Whether ``table`` is sorted by the integer columns ``order`` (checked chunk by chunk, no copy)."""
    import numpy as np

    previous = None
    for chunks in zip(*(table[c].chunks for c in order)) if table.num_rows else ():
        keys = [chunk.to_numpy() for chunk in chunks]
        if previous is not None:  # across the chunk boundary
            keys = [np.concatenate([[p], k]) for p, k in zip(previous, keys)]
        first = np.diff(keys[0])
        if (first < 0).any():
            return False
        if len(keys) > 1 and (np.diff(keys[1])[first == 0] < 0).any():
            return False
        previous = [k[-1] for k in keys]
    return True  # ties in every key keep the files' order, as the stable sort would


def query(sql: str, folder: str | Path | None = None, params: list | None = None) -> pd.DataFrame:
    """Run ``sql`` with DuckDB over the built tables, out of core; return the result.

    Every table ``<name>.parquet`` of the folder is a view ``<name>``, and each
    per-article dataset a view ``perarticle.<name>`` (hive-partitioned: the
    ``year`` column selects folders), so a chapter asks for what it needs
    instead of loading a whole table::

        query("SELECT term, count(*) AS n_articles FROM perarticle.term_counts "
              "WHERE year = '2021' GROUP BY term ORDER BY n_articles DESC LIMIT 5")

    ``params``: values for ``?`` placeholders.  DuckDB works under the build's
    memory limit (:data:`analysis.aggregate.dataset.MEMORY_LIMIT`), spilling to disk.

    >>> int(query("SELECT count(*) AS n FROM perarticle.articles")["n"].iloc[0]) == build_info()["n_articles"]
    True
    """
    from .aggregate.dataset import _connect

    root = tables_root(folder)
    con = _connect()
    try:
        for path in sorted(root.glob("*.parquet")):
            con.execute(f'CREATE VIEW "{path.stem}" AS SELECT * FROM read_parquet({_sql_text(path)})')
        if (root / DATASET_DIR).is_dir():
            con.execute(f"CREATE SCHEMA {DATASET_DIR}")
            for name in DATASETS:
                if (root / DATASET_DIR / name).is_dir():
                    files = _sql_text(root / DATASET_DIR / name / "*" / "*.parquet")
                    con.execute(f'CREATE VIEW {DATASET_DIR}."{name}" AS SELECT * FROM '
                                f"read_parquet({files}, hive_partitioning = true)")
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def _sql_text(path: Path) -> str:
    """``path`` as an SQL string literal (a quote in a folder name doubled)."""
    return "'" + str(path).replace("'", "''") + "'"
