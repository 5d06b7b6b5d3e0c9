"""Errors raised on bad input.

Every message names the file and, where it applies, the line or row, so a user
can open the file and fix it.
"""
from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """Bad input data: the message says which file, where, and what is wrong."""

    def __init__(self, path: str | Path, problem: str, line: int | None = None, *, kind: str = "line"):
        self.path = str(path)
        self.line = line
        self.problem = problem
        where = f"{self.path}, {kind} {line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}")


class WorkerLost(Exception):
    """A worker process died (killed, out of memory) twice while computing job ``index``; the
    per-article stage turns it into a :class:`BuildError` naming the job's articles."""

    def __init__(self, index: int, cause: str):
        super().__init__(index, cause)
        self.index, self.cause = index, cause


class BuildError(RuntimeError):
    """A build could not finish for a reason outside its input: a worker process died twice on the same
    articles, a Dask cluster lost its workers or stopped answering.  The message says what happened
    and to which articles."""


class WorkerStartError(RuntimeError):
    """A build was started inside a worker process while it was starting (it was importing the script
    that started the build: see :func:`analysis.build.refuse_in_worker_start`)."""
