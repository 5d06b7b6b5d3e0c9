"""The few settings that change what a build computes or where it keeps its files.

A :class:`Settings` is a plain value, carried by every
:class:`analysis.corpus.Corpus`, so nothing below the command line and the
notebook helper reads the environment: two corpora with different settings
can be built in one process.  :meth:`Settings.from_environment` is the one
place where the environment variables are read; only the edges call it (the
command line, the book's notebook helper, the scripts).

============================ ====================================================
``ANALYSIS_TIMEZONE``        the paper's time zone (default ``Asia/Shanghai``):
                             a timestamp in an article table is dated there
``ANALYSIS_DATE_MIN``/``MAX`` the plausible range of dates (default 1900-01-01 to
                             one year after today): a date outside it is a typo
``ANALYSIS_BUILD_DIR``       the build folder (caches; default ``_build``)
``ANALYSIS_DUCKDB_MEMORY``   DuckDB's memory limit before it spills (default 1GB)
``ANALYSIS_CACHE_MAX_MB``    size cap of the per-article cache (default 4096 MB):
                             past it, the least recently used entries go
``ANALYSIS_CACHE_KEEP_DAYS`` days an unused or superseded cache entry is kept
                             (default 7; 0: superseded entries go at once)
``ANALYSIS_DASK_TIMEOUT``    seconds a Dask build waits without any progress, or
                             with no worker, before it stops (default 600)
``ANALYSIS_TEST_PAUSE_WRITE`` fault-injection hook: seconds a build pauses after
                             writing its first file (the tests kill it there)
``ANALYSIS_TEST_KILL_WORKER`` fault-injection hook: ``ARTICLE_ID`` (a worker
                             computing it kills itself) or ``ARTICLE_ID:FILE``
                             (only while FILE does not exist; it is created)
============================ ====================================================

>>> s = Settings()
>>> s.timezone, s.date_range()[0]
('Asia/Shanghai', '1900-01-01')
>>> Settings.from_environment({"ANALYSIS_TIMEZONE": "UTC"}).timezone
'UTC'
"""
from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field, replace
from datetime import date as Date
from pathlib import Path

from analysis.errors import InputError
from analysis.paths import PROJECT_ROOT

#: Environment variables read by :meth:`Settings.from_environment` (and only there).
ENVIRONMENT = {
    "timezone": "ANALYSIS_TIMEZONE",
    "date_min": "ANALYSIS_DATE_MIN",
    "date_max": "ANALYSIS_DATE_MAX",
    "build_dir": "ANALYSIS_BUILD_DIR",
    "duckdb_memory": "ANALYSIS_DUCKDB_MEMORY",
    "cache_max_mb": "ANALYSIS_CACHE_MAX_MB",
    "cache_keep_days": "ANALYSIS_CACHE_KEEP_DAYS",
    "dask_timeout": "ANALYSIS_DASK_TIMEOUT",
    "pause_write": "ANALYSIS_TEST_PAUSE_WRITE",
    "kill_worker": "ANALYSIS_TEST_KILL_WORKER",
}
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_DATE_MIN = "1900-01-01"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _number(name: str, value: str, default: float, what: str) -> float:
    """The variable ``name``'s value as a number of at least 0 (empty: ``default``)."""
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"${ENVIRONMENT[name]}", f"{value!r} is not a number of {what}") from None
    if not number >= 0 or number == float("inf"):
        raise InputError(f"${ENVIRONMENT[name]}", f"{value!r} is not a number of {what} (0 or more)")
    return number


def _seconds(value: str) -> float:
    return _number("pause_write", value, 0.0, "seconds")


def _year_from_today() -> str:
    today = Date.today()
    try:
        return today.replace(year=today.year + 1).isoformat()
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28).isoformat()


@dataclass(frozen=True)
class Settings:
    """Time zone, plausible date range, build folder and DuckDB memory of one build.

    ``date_min``/``date_max`` empty: the defaults (1900-01-01; one year after
    today).  ``build_dir`` None: ``_build`` at the project root.
    """

    timezone: str = DEFAULT_TIMEZONE
    date_min: str = ""
    date_max: str = ""
    build_dir: Path | None = field(default=None)
    duckdb_memory: str = "1GB"
    cache_max_mb: float = 4096.0
    cache_keep_days: float = 7.0
    dask_timeout: float = 600.0
    pause_write: float = 0.0
    kill_worker: str = ""

    @classmethod
    def from_environment(cls, environ=None) -> "Settings":
        """The settings the environment variables give (see the module docstring)."""
        environ = os.environ if environ is None else environ
        values = {name: str(environ.get(var, "")).strip() for name, var in ENVIRONMENT.items()}
        settings = cls(timezone=values["timezone"] or DEFAULT_TIMEZONE, date_min=values["date_min"],
                       date_max=values["date_max"],
                       build_dir=Path(values["build_dir"]).expanduser() if values["build_dir"] else None,
                       duckdb_memory=values["duckdb_memory"] or "1GB",
                       cache_max_mb=_number("cache_max_mb", values["cache_max_mb"], 4096.0, "megabytes"),
                       cache_keep_days=_number("cache_keep_days", values["cache_keep_days"], 7.0, "days"),
                       dask_timeout=_number("dask_timeout", values["dask_timeout"], 600.0, "seconds") or 600.0,
                       pause_write=_seconds(values["pause_write"]), kill_worker=values["kill_worker"])
        settings.date_range()  # a malformed date is refused at once, naming the variable
        settings.zone()
        return settings

    def replace(self, **changes) -> "Settings":
        return replace(self, **changes)

    def date_range(self) -> tuple[str, str]:
        """The plausible range of issue and article dates, ``(first, last)`` as YYYY-MM-DD."""
        bounds = []
        for name, value, default in (("date_min", self.date_min, DEFAULT_DATE_MIN),
                                     ("date_max", self.date_max, _year_from_today())):
            value = value or default
            try:
                if not _ISO_DATE.match(value):
                    raise ValueError
                bounds.append(Date.fromisoformat(value).isoformat())
            except ValueError:
                raise InputError(f"${ENVIRONMENT[name]}", f"{value!r} is not a date of the form YYYY-MM-DD") from None
        return bounds[0], bounds[1]

    def range_key(self) -> str:
        """The range as configured (``""`` for a default end): what a cache key records.

        The default end only moves later, so what was accepted stays accepted
        and a key need not change every day.
        """
        return f"{self.date_min}/{self.date_max}"

    def zone(self):
        """The paper's time zone as a :class:`zoneinfo.ZoneInfo`."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"${ENVIRONMENT['timezone']}", f"unknown time zone {self.timezone!r} "
                                                            "(e.g. Asia/Shanghai)") from None

    def build_path(self) -> Path:
        """The build folder's path (not created)."""
        return Path(self.build_dir).expanduser() if self.build_dir is not None else PROJECT_ROOT / "_build"

    def build_folder(self) -> Path:
        """The build folder (created on demand)."""
        path = self.build_path()
        path.mkdir(parents=True, exist_ok=True)
        return path

    def cache_dir(self, name: str = "") -> Path:
        """``<build>/cache/<name>`` (created on demand).

        Caches are keyed by content, so a stale entry is never read; deleting
        the folder only costs recomputation.  When it cannot be created or
        written (a read-only or full disk), a temporary folder stands in for
        the whole cache for this run (:func:`stand_in`), with one warning: a
        cache costs time, never the build.
        """
        root = self.build_path() / "cache"
        path = root / name if name else root
        try:
            path.mkdir(parents=True, exist_ok=True)
            if not os.access(path, os.W_OK):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        except OSError as err:
            path = stand_in(root, err) / name if name else stand_in(root, err)
            path.mkdir(parents=True, exist_ok=True)
        return path


#: Cache folders that could not be used → the temporary folder standing in for each (this process).
_STAND_INS: dict[Path, Path] = {}


def stand_in(root: Path, err: OSError) -> Path:
    """The temporary folder standing in for the unusable cache folder ``root`` during this run.

    One per build process, shared by its worker processes (named by the build's pid), removed when
    the build process exits; the build process says so once, with the reason.
    """
    found = _STAND_INS.get(root)
    if found is not None:
        return found
    import atexit
    import hashlib
    import logging
    import multiprocessing
    import shutil
    import stat
    import tempfile

    parent = multiprocessing.parent_process()
    owner = os.getpid() if parent is None else parent.pid
    found = Path(tempfile.gettempdir()) / f"analysis-cache-{owner}-{hashlib.sha256(str(root).encode()).hexdigest()[:12]}"
    found.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(found)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():  # not ours: someone else's name
        found = Path(tempfile.mkdtemp(prefix="analysis-cache-"))
    _STAND_INS[root] = found
    if parent is None:
        atexit.register(shutil.rmtree, found, True)
        logging.getLogger(__name__).warning("cache folder %s cannot be used (%s); caching in %s for this run only",
                                            root, err.strerror or err, found)
    return found


#: The settings of a build that was given none: defaults, not the environment.  A test harness may
#: replace it (to keep caches out of the project's build folder); read it with :func:`default_settings`.
DEFAULT = Settings()


def default_settings() -> Settings:
    """The settings used where none are given (:data:`DEFAULT`, looked up when called)."""
    return DEFAULT
