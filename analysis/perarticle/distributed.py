"""The per-article stage on a Dask cluster (``python -m analysis build --scheduler ADDRESS``).

Only the engine's own APIs are used: a :class:`distributed.Client` connected
to the scheduler, :meth:`~distributed.Client.submit` for each chunk of
articles and :meth:`~distributed.Client.gather` for the results, which come
back in submission order, so the build's output is the same as a local run.
The workers need this package importable and the corpus' fact files readable
at the same paths (a shared file system, or the same checkout on each
machine); the cache stays with the client, which alone writes it.

Start a cluster with ``dask scheduler`` on one machine and ``dask worker
tcp://HOST:8786`` on each of the others, then::

    python -m analysis build --out out --scheduler tcp://HOST:8786

>>> from distributed import Client, LocalCluster
>>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
...     submit_ordered(client, pow, [(2, 3), (3, 2)])()
[8, 9]
"""
from __future__ import annotations

from typing import Callable


def get_client(scheduler):
    """A :class:`distributed.Client` for ``scheduler`` (an address such as
    ``tcp://host:8786``, or an existing Client, which is used as is)."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler must be a Dask scheduler address such as tcp://host:8786, not {scheduler!r}")
    try:
        return Client(scheduler.strip(), timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc


def submit_ordered(client, fn: Callable, jobs: list[tuple]) -> Callable[[], list]:
    """Start ``fn`` on every job on the cluster; return a function that gathers the results in job order.

    ``pure=False``: each chunk is its own task even if two chunks happen to be
    equal (Dask would otherwise deduplicate by argument hash, which is
    correct but hashes every chunk's articles on the client).
    """
    futures = [client.submit(fn, *job, pure=False) for job in jobs]
    return lambda: client.gather(futures)
