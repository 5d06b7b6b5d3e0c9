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

import re
import time
from typing import Callable

from analysis.errors import BuildError, InputError, WorkerLost

#: A scheduler address: ``tcp://host:8786`` (or tls, ucx, ws, wss, inproc), or ``host:8786``.
ADDRESS = re.compile(r"^(?:(?:tcp|tls|ucx|ws|wss|inproc)://\S+|[\w.\-\[\]:]+:\d{1,5})$")
#: Seconds between two looks at the cluster while waiting for results.
POLL = 2.0


def check_address(scheduler) -> None:
    """Refuse what is neither a Dask ``Client`` nor a scheduler address, naming ``--scheduler``."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return
    if not isinstance(scheduler, str) or not ADDRESS.match(scheduler.strip()):
        raise InputError("--scheduler", f"{scheduler!r} is not a Dask scheduler address (e.g. tcp://host:8786)")


def get_client(scheduler, timeout: float = 30.0):
    """A :class:`distributed.Client` for ``scheduler`` (an address such as
    ``tcp://host:8786``, or an existing Client, which is used as is); waits at most ``timeout``
    seconds (at most 30) for the scheduler to answer, then raises :class:`~analysis.errors.BuildError`."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler
    check_address(scheduler)
    seconds = max(1.0, min(30.0, float(timeout)))
    try:
        return Client(scheduler.strip(), timeout=f"{seconds}s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise BuildError(f"--scheduler {scheduler}: cannot reach the Dask scheduler within {seconds:.0f} s ({exc})") \
            from None


def submit_ordered(client, fn: Callable, jobs: list[tuple], *, timeout: float = 600.0) -> Callable[[], list]:
    """Start ``fn`` on every job on the cluster; return a function that gathers the results in job order.

    ``pure=False``: each chunk is its own task even if two chunks happen to be
    equal (Dask would otherwise deduplicate by argument hash, which is
    correct but hashes every chunk's articles on the client).

    The wait is bounded: when the cluster has had no worker for ``min(timeout, 30)`` seconds, or no
    job has finished for ``timeout`` seconds, the jobs are cancelled and
    :class:`~analysis.errors.BuildError` says so; a job whose workers Dask saw die (``KilledWorker``)
    raises :class:`~analysis.errors.WorkerLost` with its index (the stage names its articles).
    """
    futures = [client.submit(fn, *job, pure=False) for job in jobs]

    def gather() -> list:
        try:
            _wait(client, futures, timeout)
            return client.gather(futures)
        except BuildError:
            client.cancel(futures)
            raise
        except Exception as exc:  # distributed's KilledWorker (its module moved between versions)
            if type(exc).__name__ != "KilledWorker":
                raise
            client.cancel(futures)
            lost = next((i for i, f in enumerate(futures) if f.status == "error"), 0)
            raise WorkerLost(lost, str(exc)) from None

    return gather


def _wait(client, futures: list, timeout: float) -> None:
    """Until every future is done; BuildError when the cluster has no worker or makes no progress."""
    from distributed import wait

    address = getattr(client.scheduler, "address", "the scheduler")
    done = sum(f.done() for f in futures)
    progress = time.monotonic()
    workerless: float | None = None
    while done < len(futures):
        try:
            wait(futures, timeout=POLL, return_when="ALL_COMPLETED")
        except TimeoutError:
            pass
        now = time.monotonic()
        finished = sum(f.done() for f in futures)
        if finished > done:
            done, progress = finished, now
        if done == len(futures):
            break
        try:
            workers = len(client.scheduler_info(n_workers=-1)["workers"]) if client.status == "running" else 0
        except Exception:  # the scheduler itself does not answer
            workers = 0
        workerless = (workerless or now) if workers == 0 else None
        if workerless is not None and (now - workerless > min(timeout, 30.0) or now - progress > timeout):
            raise BuildError(f"the Dask cluster at {address} has no worker left ({len(futures) - done} of "
                             f"{len(futures)} chunks unfinished); start workers (dask worker {address}) and "
                             "build again: what earlier batches computed is cached")
        if now - progress > timeout:
            raise BuildError(f"the Dask cluster at {address} finished no chunk for {timeout:.0f} s "
                             f"({len(futures) - done} of {len(futures)} unfinished); is it overloaded? "
                             "($ANALYSIS_DASK_TIMEOUT sets the wait)")
