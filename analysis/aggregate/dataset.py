"""The per-article Parquet dataset: what the stage computed, written batch by batch for the query engine.

The per-article stage (:mod:`analysis.perarticle.stage`) gives, for every
article, its term counts, formulation occurrences and mentions.  This module
writes them as a Parquet dataset partitioned by year (hive layout,
``year=2021/``)::

    perarticle/articles/year=2021/part-0-0.parquet    article_order, article_id, issue_date, month, n_tokens
    perarticle/term_counts/year=2021/part-0-0.parquet article_order, article_id, issue_date, month, term, count, n_tokens
    perarticle/formulation_occurrences/year=…/…       the occurrences table, with article_order and row
    perarticle/mentions/year=…/…                      the mentions table, with article_order and row

from which :mod:`analysis.aggregate.frequency` and
:mod:`analysis.aggregate.formulations` compute the corpus tables with SQL
(DuckDB: :func:`connect`).  DuckDB streams the Parquet files and spills to
disk past its memory limit, so memory does not grow with the corpus; the
dataset is also what a scholar queries
(``duckdb.sql("SELECT … FROM 'out/perarticle/term_counts/*/*.parquet'")``)
and what Dask or Spark read unchanged.

Why DuckDB rather than polars, measured (``benchmarks/bench_build.py
--engines``: term frequency by month from the same dataset, peak memory of
the process): on the 16× generated corpus (48,000 articles, 60,000 result
rows) DuckDB took 0.23 s and 223 MB, polars' streaming engine 0.31 s and
302 MB (1×: 0.18 s / 212 MB against 0.25 s / 269 MB).  DuckDB also honours
a hard memory limit and spills to disk, sorts strings by code point exactly
as pandas does, and is the same tool a reader can use from the shell.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from analysis.perarticle.kinds import counts_arrow, tokens_arrow
from analysis.perarticle.stage import BATCH
from analysis.settings import Settings, default_settings

log = logging.getLogger(__name__)

#: The dataset's tables (folders), each partitioned by year.
DATASETS = ("articles", "term_counts", "formulation_occurrences", "mentions")


def _year(issue_date: str) -> str:
    year = str(issue_date)[:4]
    return year if year.isdigit() else "unknown"


class WrittenTable:
    """A table already written (``paths``: its files, ``rows``): the build writes the tokens as the
    stage makes them, so that they are never held whole in memory."""

    def __init__(self, path: Path, rows: int):
        self.path, self.rows = Path(path), int(rows)

    def __len__(self) -> int:
        return self.rows

    def read(self) -> pd.DataFrame:
        return pd.read_parquet(self.path)


class DatasetWriteError(OSError):
    """Writing the per-article dataset failed (full disk, permissions): an output problem, not an input one."""


def write_dataset(articles: pd.DataFrame, tables: dict[str, pd.DataFrame], folder: str | Path) -> Path:
    """Write per-article tables (``{"formulation_occurrences": …, "mentions": …}``, each with an
    ``article_id`` column) under ``folder``, partitioned by year; return ``folder``.

    Each row keeps its article's ``article_order`` and its own ``row`` (the
    table's order).  The ``articles`` and ``term_counts`` parts are written
    batch by batch by :class:`CountsSink`.  An OSError while writing is raised
    as :class:`DatasetWriteError` (same errno and message).
    """
    try:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        columns = ArticleColumns(articles)
        year_of = dict(zip(columns.ids, columns.year))
        order_of = {a: i for i, a in enumerate(columns.ids)}
        for name, frame in tables.items():
            frame = frame.copy()
            frame.insert(0, "article_order", frame["article_id"].map(order_of).astype("int64"))
            frame.insert(1, "row", pd.RangeIndex(len(frame), dtype="int64"))  # the table's own order
            frame["year"] = frame["article_id"].map(year_of).astype(str)
            # One chunk per column: the files' row groups then depend on the rows only, not on how the
            # frame was assembled (the occurrences come batch by batch).
            _write(pa.Table.from_pandas(frame, preserve_index=False).combine_chunks(), folder / name)
        return folder
    except OSError as err:
        raise DatasetWriteError(err.errno, err.strerror or str(err)) from err


class ArticleColumns:
    """The per-article columns the dataset repeats (ids, issue dates, months, years), read once."""

    def __init__(self, articles: pd.DataFrame):
        self.ids = [str(a) for a in articles["article_id"]]
        self.issue = (articles["issue_date"].astype(str).tolist() if "issue_date" in articles.columns
                      else [""] * len(self.ids))
        self.month = [d[:7] for d in self.issue]
        self.year = [_year(d) for d in self.issue]


class CountsSink:
    """Takes the stage's encoded term counts batch by batch (see :func:`analysis.perarticle.stage.run_stage`):
    writes that batch's ``articles`` and ``term_counts`` parts of the dataset under ``folder`` and adds the
    counts to ``matrix`` (:class:`CountMatrix`), so the long table is never whole in memory."""

    def __init__(self, articles: pd.DataFrame, folder: Path, matrix: "CountMatrix | None" = None,
                 group: int = BATCH):
        self.columns = ArticleColumns(articles)
        self.folder = Path(folder)
        self.matrix = matrix
        self.part = 0
        # Batches smaller than ``group`` (the stage's last ones) are kept and written together, so that a
        # part holds ``group`` articles however the stage cut them.
        self.group = group
        self._pending: list[tuple[pa.Table, pa.Table]] = []

    def __call__(self, batch: range, blobs: list[bytes]) -> None:
        try:
            self._pending.append(self._tables(batch, blobs))
            if sum(a.num_rows for a, _ in self._pending) >= self.group:
                self._flush()
        except OSError as err:
            raise DatasetWriteError(err.errno, err.strerror or str(err)) from err

    def close(self) -> None:
        """Write the batches kept (call once the stage is done)."""
        try:
            self._flush()
        except OSError as err:
            raise DatasetWriteError(err.errno, err.strerror or str(err)) from err

    def _flush(self) -> None:
        if not self._pending:
            return
        articles = pa.concat_tables([a for a, _ in self._pending]).combine_chunks()
        counts_table = pa.concat_tables([c for _, c in self._pending]).combine_chunks()
        self._pending = []
        self.folder.mkdir(parents=True, exist_ok=True)
        _write(articles, self.folder / "articles", self.part)
        _write(counts_table, self.folder / "term_counts", self.part)
        self.part += 1

    def _tables(self, batch: range, blobs: list[bytes]) -> tuple[pa.Table, pa.Table]:
        """One batch's ``articles`` and ``term_counts`` rows (its counts added to the matrix)."""
        c = self.columns
        sl = slice(batch.start, batch.stop)
        n_tokens, long = counts_arrow(blobs, batch.start)
        if self.matrix is not None:
            self.matrix.add(long)
        articles = pa.table({
            "article_order": pa.array(np.arange(batch.start, batch.stop), pa.int64()),
            "article_id": pa.array(c.ids[sl], pa.string()), "issue_date": pa.array(c.issue[sl], pa.string()),
            "month": pa.array(c.month[sl], pa.string()), "n_tokens": pa.array(n_tokens, pa.int64()),
            "year": pa.array(c.year[sl], pa.string()),
        })
        local = pc.subtract(long["article_order"], batch.start)
        counts_table = pa.table({
            "article_order": long["article_order"],
            "article_id": articles["article_id"].take(local),
            "issue_date": articles["issue_date"].take(local),
            "month": articles["month"].take(local),
            "term": long["term"],
            "count": long["count"],
            "n_tokens": articles["n_tokens"].take(local),
            "year": articles["year"].take(local),
        })
        return articles, counts_table


class TokensSink:
    """Takes the stage's encoded tokens batch by batch: into ``path`` (Parquet, one row group per
    ``group`` articles: smaller batches are kept until then) or, without a path, into an Arrow table
    kept in memory (:attr:`table`).  Counts word tokens."""

    def __init__(self, articles: pd.DataFrame, path: Path | None = None, group: int = BATCH):
        self.ids = [str(a) for a in articles["article_id"]]
        self.path = None if path is None else Path(path)
        self.n_tokens = 0
        self.rows = 0
        self.group = group
        self._parts: list[pa.Table] = []
        self._pending: list[pa.Table] = []
        self._writer = None
        self._tmp = None

    def __call__(self, batch: range, blobs: list[bytes]) -> None:
        table = tokens_arrow(self.ids[batch.start : batch.stop], blobs)
        self.n_tokens += int(pc.sum(pc.list_value_length(table["tokens"])).as_py() or 0)
        self.rows += table.num_rows
        if self.path is None:
            self._parts.append(table)
            return
        self._pending.append(table)
        if sum(t.num_rows for t in self._pending) >= self.group:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        import pyarrow.parquet as pq

        table = self._pending[0] if len(self._pending) == 1 else pa.concat_tables(self._pending).combine_chunks()
        self._pending = []
        try:
            if self._writer is None:
                # Written under a temporary name and renamed when complete (atomic, as every output).
                self._tmp = self.path.with_name(f".{self.path.name}.tmp")
                self._writer = pq.ParquetWriter(self._tmp, table.schema)
            self._writer.write_table(table)
        except OSError as err:
            raise DatasetWriteError(err.errno, err.strerror or str(err)) from err

    def close(self) -> None:
        if self.path is not None:
            self._flush()
        if self._writer is not None:
            self._writer.close()
            os.replace(self._tmp, self.path)
            self._writer = None
        elif self.path is not None and not self.path.exists():
            import pyarrow.parquet as pq

            pq.write_table(tokens_arrow([], []), self.path)

    @property
    def table(self) -> pa.Table:
        if self._parts:
            return pa.concat_tables(self._parts)
        return tokens_arrow([], [])


class CountMatrix:
    """The article × term count matrix, assembled batch by batch from long count tables
    (for :func:`analysis.topics.tfidf_from_arrays`): int32 column ids into one vocabulary."""

    def __init__(self):
        self.vocabulary: dict[str, int] = {}
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.values: list[np.ndarray] = []

    def add(self, long: pa.Table) -> None:
        encoded = pc.dictionary_encode(long["term"].combine_chunks())
        vocab = self.vocabulary
        ids = np.asarray([vocab.setdefault(t, len(vocab)) for t in encoded.dictionary.to_pylist()], dtype=np.int32)
        # 4 bytes each: at 200,000 articles the matrix has some 30 million cells.
        self.rows.append(long["article_order"].to_numpy().astype(np.int32))
        self.cols.append(ids[encoded.indices.to_numpy(zero_copy_only=False)] if len(ids) else
                         np.zeros(0, dtype=np.int32))
        self.values.append(long["count"].to_numpy().astype(np.int32))

    def arrays(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """``(vocabulary, rows, cols, counts)``, rows in article order; the batches are released."""
        def cat(parts: list) -> np.ndarray:
            out = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
            parts.clear()
            return out

        return list(self.vocabulary), cat(self.rows), cat(self.cols), cat(self.values)


def _write(table: pa.Table, folder: Path, part: int = 0) -> None:
    # Hive partitioning by year: readers (DuckDB, Dask, Spark, pyarrow) filter years by folder name.
    # One file per batch of articles in each year's folder (part-<batch>-0.parquet…).
    ds.write_dataset(table, folder, format="parquet", partitioning=["year"], partitioning_flavor="hive",
                     existing_data_behavior="overwrite_or_ignore", basename_template=f"part-{part}-{{i}}.parquet",
                     preserve_order=True)  # rows in article order, whatever the threads (same bytes)


def connect(settings: Settings | None = None, threads: int | None = None):
    """A DuckDB connection under the build's memory limit, spilling to the build folder's cache.

    ``settings``: :class:`~analysis.settings.Settings` (memory limit, build folder; default the defaults).
    """
    import duckdb

    settings = settings if settings is not None else default_settings()
    con = duckdb.connect()
    con.execute("SET memory_limit = ?", [settings.duckdb_memory])
    con.execute("SET temp_directory = ?", [str(settings.cache_dir("duckdb"))])
    con.execute("SET preserve_insertion_order = true")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def query_frame(con, sql: str) -> pd.DataFrame:
    """The result of ``sql`` as a DataFrame, through Arrow: for millions of rows of text about twice as fast
    as DuckDB's own ``.df()`` (2.4 -> 1.1 s for the 2.2 million rows of term frequency by issue of the
    development corpus), same values and types."""
    return con.sql(sql).to_arrow_table().to_pandas()


def sql_text(path: str | Path) -> str:
    """``path`` as an SQL string literal (a quote in a folder name doubled).

    >>> sql_text("/tmp/O'Brien corpus/x.parquet")
    "'/tmp/O''Brien corpus/x.parquet'"
    """
    return "'" + str(path).replace("'", "''") + "'"


def dataset_sql(folder: str | Path, name: str) -> str:
    """The SQL that reads the dataset table ``name`` under ``folder`` (every year, ``year`` a column)."""
    if name not in DATASETS:
        raise ValueError(f"no per-article dataset {name!r}; known: {', '.join(DATASETS)}")
    return f"read_parquet({sql_text(Path(folder) / name / '*' / '*.parquet')}, hive_partitioning = true)"


