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
``ANALYSIS_TEST_PAUSE_WRITE`` fault-injection hook: seconds a build pauses after
                             writing its first file (the tests kill it there)
============================ ====================================================

>>> s = Settings()
>>> s.timezone, s.date_range()[0]
('Asia/Shanghai', '1900-01-01')
>>> Settings.from_environment({"ANALYSIS_TIMEZONE": "UTC"}).timezone
'UTC'
"""
from __future__ import annotations

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
    "pause_write": "ANALYSIS_TEST_PAUSE_WRITE",
}
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_DATE_MIN = "1900-01-01"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _seconds(value: str) -> float:
    try:
        return float(value or 0)
    except ValueError:
        raise InputError(f"${ENVIRONMENT['pause_write']}", f"{value!r} is not a number of seconds") from None


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
    pause_write: float = 0.0

    @classmethod
    def from_environment(cls, environ=None) -> "Settings":
        """The settings the environment variables give (see the module docstring)."""
        environ = os.environ if environ is None else environ
        values = {name: str(environ.get(var, "")).strip() for name, var in ENVIRONMENT.items()}
        settings = cls(timezone=values["timezone"] or DEFAULT_TIMEZONE, date_min=values["date_min"],
                       date_max=values["date_max"],
                       build_dir=Path(values["build_dir"]).expanduser() if values["build_dir"] else None,
                       duckdb_memory=values["duckdb_memory"] or "1GB",
                       pause_write=_seconds(values["pause_write"]))
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

    def build_folder(self) -> Path:
        """The build folder (created on demand)."""
        path = Path(self.build_dir) if self.build_dir is not None else PROJECT_ROOT / "_build"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def cache_dir(self, name: str = "") -> Path:
        """``<build>/cache/<name>`` (created on demand).

        Caches are keyed by content, so a stale entry is never read; deleting
        the folder only costs recomputation.
        """
        path = self.build_folder() / "cache" / name if name else self.build_folder() / "cache"
        path.mkdir(parents=True, exist_ok=True)
        return path


#: The settings of a build that was given none: defaults, not the environment.  A test harness may
#: replace it (to keep caches out of the project's build folder); read it with :func:`default_settings`.
DEFAULT = Settings()


def default_settings() -> Settings:
    """The settings used where none are given (:data:`DEFAULT`, looked up when called)."""
    return DEFAULT
