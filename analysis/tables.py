"""Reading a build: the tables ``python -m analysis build`` wrote, the one source of numbers.

The book's notebooks never recompute what the build computed: they read its
tables through a :class:`Tables`, so the numbers in the chapters and the
downloadable CSVs are the same numbers.  A build folder holds every table as
``<name>.parquet`` (and ``.csv``), ``build.json`` (what was written, with
checksums) and the per-article dataset ``perarticle/`` (:data:`DATASETS`,
one row per article or per article and term).

Read what a chapter needs, not whole tables, when the corpus is large:

* :meth:`Tables.load` with ``columns`` and ``filters`` (read batch by batch:
  ``tables.load("tokens", filters=[("article_id", "in", ids)])`` holds only
  those articles' tokens);
* the per-article dataset: :meth:`Tables.dataset` (a DataFrame, in article
  order, string columns optionally categorical), :meth:`Tables.dataset_batches`
  (Arrow batches, for readers that keep a few integer columns of millions of
  rows), :meth:`Tables.dataset_rows`;
* :meth:`Tables.query`: SQL by DuckDB with every table as a view and the
  dataset as ``perarticle.<name>``, out of core.

>>> import analysis
>>> tables = analysis.Corpus().tables(build_folder / "data")   # build_folder: a folder of one's own
>>> tables.info["n_articles"] == len(tables.load("articles"))
True
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .aggregate.dataset import DATASETS, connect, sql_text
from .io import glob_escape
from .settings import Settings

#: What a build folder holds besides its tables: the list of files, and the per-article dataset's folder.
MANIFEST = "build.json"
DATASET_DIR = "perarticle"
#: Rows per batch when a table is read with a filter.
FILTER_BATCH = 512
#: Rows per batch when a dataset table is read.
DATASET_BATCH = 65_536


class Tables(Mapping):
    """The tables of one build folder (``folder``), read on demand.

    A mapping ``name → DataFrame`` (``tables["mentions"]`` reads the whole
    table; :meth:`load` reads columns and rows).  ``settings``: for
    :meth:`query` (DuckDB's memory limit and spill folder).
    """

    def __init__(self, folder: str | Path, settings: Settings | None = None):
        self.folder = Path(folder)
        self.settings = settings
        if not (self.folder / "build_info.parquet").is_file():
            raise FileNotFoundError(f"{self.folder}: not a build folder (no build_info.parquet); "
                                    "build it with: python -m analysis build --out " + str(self.folder))

    def __repr__(self) -> str:
        return f"Tables({str(self.folder)!r})"

    @property
    def names(self) -> list[str]:
        """The tables the build wrote, in its order (``build.json``), else by name."""
        return list(self.rows) or sorted(p.stem for p in self.folder.glob("*.parquet"))

    def manifest(self) -> dict:
        """``build.json``: the files written with their checksums, rows, makers, seconds ({} when unreadable)."""
        try:
            found = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    @property
    def rows(self) -> dict[str, int]:
        """Rows of each table, as ``build.json`` records them."""
        return dict(self.manifest().get("rows", {}))

    @property
    def makers(self) -> dict[str, str]:
        """The function that made each table (``module.function``), as ``build.json`` records them."""
        return dict(self.manifest().get("makers", {}))

    def __getitem__(self, name: str) -> pd.DataFrame:
        if not self.has(name):
            raise KeyError(name)
        return self.load(name)

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def has(self, name: str) -> bool:
        """Whether the build wrote table ``name`` (topics are skipped on a tiny corpus)."""
        return (self.folder / f"{name}.parquet").is_file()

    @property
    def info(self) -> dict:
        """The ``build_info`` row as a dict: which corpus, which facts, how many articles, which dates."""
        return self.load("build_info").iloc[0].to_dict()

    def load(self, name: str, columns: list[str] | None = None, filters=None) -> pd.DataFrame:
        """The table ``name`` (e.g. ``"articles"``, ``"mentions"``, ``"term_frequency"``).

        ``columns``: only these columns.  ``filters``: only the rows that pass,
        as :func:`pyarrow.parquet.read_table` takes them
        (``[("article_id", "in", ids)]``) or a :mod:`pyarrow.dataset`
        expression: the file is read in batches of :data:`FILTER_BATCH` rows
        and only the matching rows are kept, so a few articles' tokens never
        bring the whole token list into memory (Arrow's own filtered read
        decodes a whole row group first: +215 MB for 300 articles' tokens on
        the 48,000-article generated corpus, against +68 MB batch by batch).
        Raises ``FileNotFoundError`` naming the table and the folder when the
        build did not write it.

        >>> tables.load("tokens", filters=[("article_id", "in", ["no-such-article"])]).shape
        (0, 2)
        """
        path = self.folder / f"{name}.parquet"
        if not path.is_file():
            raise FileNotFoundError(f"{self.folder}: no table {name!r} (the build wrote: {', '.join(self.names)})")
        if filters is None:
            return pd.read_parquet(path, columns=columns)
        return _filtered_read(path, columns, filters)

    # ------------------------------------------------------------------ the per-article dataset

    def dataset_dir(self) -> Path:
        """The per-article dataset's folder."""
        path = self.folder / DATASET_DIR
        if not path.is_dir():
            raise FileNotFoundError(f"{self.folder}: no per-article dataset {DATASET_DIR}/ "
                                    "(rebuild: python -m analysis build --force)")
        return path

    def _dataset_path(self, name: str) -> Path:
        if name not in DATASETS:
            raise ValueError(f"no per-article dataset {name!r}; known: {', '.join(DATASETS)}")
        path = self.dataset_dir() / name
        if not path.is_dir():
            raise FileNotFoundError(f"{path.parent}: no dataset {name!r} (the build wrote: "
                                    f"{', '.join(sorted(p.name for p in path.parent.iterdir()))})")
        return path

    def _dataset(self, name: str):
        import pyarrow as pa
        import pyarrow.dataset as ds

        # The partition is the year as written ("2021", "unknown"): a string, not an inferred integer.
        years = ds.partitioning(pa.schema([("year", pa.string())]), flavor="hive")
        return ds.dataset(self._dataset_path(name), format="parquet", partitioning=years)

    def _dataset_columns(self, name: str, columns) -> tuple[list[str], list[str], list[str]]:
        """``(every column, the order columns, the columns to read)``; an unknown column is a KeyError."""
        names = self._dataset(name).schema.names
        order = [c for c in ("article_order", "row") if c in names]
        wanted = names if columns is None else list(dict.fromkeys([*columns, *order]))
        unknown = [c for c in wanted if c not in names]
        if unknown:
            raise KeyError(f"{self._dataset_path(name)}: no column {unknown[0]!r} (columns: {', '.join(names)})")
        return names, order, wanted

    def dataset(self, name: str, columns: list[str] | None = None, filters=None,
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

        >>> sizes = tables.dataset("articles", columns=["article_id", "n_tokens"])
        >>> len(sizes) == tables.info["n_articles"]
        True
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        names, order, wanted = self._dataset_columns(name, columns)
        parts = [pa.Table.from_batches([batch]) for batch in self.dataset_batches(name, wanted, filters, categorical)]
        if not parts:
            return self._dataset(name).schema.empty_table().select(list(columns or names)).to_pandas()
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

    def dataset_batches(self, name: str, columns: list[str] | None = None, filters=None,
                        categorical: tuple[str, ...] = ()):
        """The per-article dataset ``name`` as Arrow record batches of at most :data:`DATASET_BATCH` rows,
        file by file (arguments as :meth:`dataset`; ``categorical`` columns come as dictionary arrays).

        For a reader that keeps only what it needs of each batch (a few integer
        columns of millions of rows): Arrow's one-call read decodes a whole row
        group at once, so its peak memory is twice the result's.  Batches are in
        article order within a file; files come in path order.

        >>> sum(b.num_rows for b in tables.dataset_batches("articles", ["article_id"])) == tables.info["n_articles"]
        True
        """
        import pyarrow as pa
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        data = self._dataset(name)
        names = data.schema.names
        wanted = names if columns is None else list(columns)
        unknown = [c for c in [*wanted, *categorical] if c not in names]
        if unknown:
            raise KeyError(f"{self._dataset_path(name)}: no column {unknown[0]!r} (columns: {', '.join(names)})")
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

    def dataset_rows(self, name: str) -> int:
        """Number of rows of the per-article dataset ``name``, from its files' metadata (nothing decoded).

        >>> tables.dataset_rows("articles") == tables.info["n_articles"]
        True
        """
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f.path).metadata.num_rows for f in self._dataset(name).get_fragments())

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """Run ``sql`` with DuckDB over the built tables, out of core; return the result.

        Every table ``<name>.parquet`` of the folder is a view ``<name>``, and each
        per-article dataset a view ``perarticle.<name>`` (hive-partitioned: the
        ``year`` column selects folders), so a chapter asks for what it needs
        instead of loading a whole table::

            tables.query("SELECT term, count(*) AS n_articles FROM perarticle.term_counts "
                  "WHERE year = '2021' GROUP BY term ORDER BY n_articles DESC LIMIT 5")

        ``params``: values for ``?`` placeholders.  DuckDB works under the
        settings' memory limit, spilling to disk.

        >>> int(tables.query("SELECT count(*) AS n FROM perarticle.articles")["n"].iloc[0]) == tables.info["n_articles"]
        True
        """
        root = self.folder
        con = connect(self.settings)
        try:
            for path in sorted(root.glob("*.parquet")):
                con.execute(f'CREATE VIEW "{path.stem}" AS SELECT * FROM read_parquet({sql_text(path)})')
            if (root / DATASET_DIR).is_dir():
                con.execute(f"CREATE SCHEMA {DATASET_DIR}")
                for name in DATASETS:
                    if (root / DATASET_DIR / name).is_dir():
                        files = sql_text(glob_escape(root / DATASET_DIR / name) + "/*/*.parquet")
                        con.execute(f'CREATE VIEW {DATASET_DIR}."{name}" AS SELECT * FROM '
                                    f"read_parquet({files}, hive_partitioning = true)")
            return con.execute(sql, params or []).df()
        finally:
            con.close()


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
