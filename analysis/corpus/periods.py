"""Periods of dates: the one period labeller of the package (day, week, month, quarter, year).

Every table binned by time (articles per period, term frequencies per
period, mentions per period, cluster shares per period) labels its periods
here, so the same date falls in the same period, under the same label,
everywhere.  A label is text that sorts in time order:

========  ==============  ===============================================
``freq``  period          label
========  ==============  ===============================================
``D``     day             ``2024-11-28``
``W``     week (Mon–Sun)  ``2024-11-25``: its Monday, so it reads as a date
``M``     month           ``2024-11``
``Q``     quarter         ``2024Q4``
``Y``     year            ``2024``
========  ==============  ===============================================

A date that is empty or not of the form ``YYYY-MM-DD`` is **undated**: its
label is :data:`UNDATED` (``"undated"``), never ``""``.  An undated row stays
visible as what it is in every table and CSV (an empty cell would be read
back as a missing value, and could not be told from a label lost in a join),
and ``"undated"`` sorts after every dated label, so a table sorted by period
lists undated rows last.  Binned counts that need a time axis
(:func:`period_span`) leave undated rows out.

>>> period_labels(["2024-12-01", "2024-12-02", "", "2025-02-13"], "W").tolist()
['2024-11-25', '2024-12-02', 'undated', '2025-02-10']
>>> period_labels(["2022-11-04"], "Q").tolist(), period_labels(["2022-11-04"], "M").tolist()
(['2022Q4'], ['2022-11'])
>>> period_span(["2024-12-01", "2025-02-13", ""], "M")
['2024-12', '2025-01', '2025-02']
"""
from __future__ import annotations

import pandas as pd

#: The period codes, shortest first.
FREQS = ("D", "W", "M", "Q", "Y")
#: The pandas period of each code (weeks run Monday to Sunday, years and quarters by the calendar).
PANDAS_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
#: The label of a date that is empty or unreadable.
UNDATED = "undated"


def check_freq(freq: str) -> str:
    """``freq`` if it is one of :data:`FREQS`, else a ValueError naming them."""
    if freq not in PANDAS_FREQ:
        raise ValueError(f"freq must be one of {', '.join(FREQS)} (day, week, month, quarter, year), not {freq!r}")
    return freq


def _label_stamps(stamps: pd.DatetimeIndex, freq: str) -> list[str]:
    """The label of each timestamp's ``freq`` period (no NaT)."""
    if freq == "D":
        return list(stamps.strftime("%Y-%m-%d"))
    if freq == "W":
        return list((stamps - pd.to_timedelta(stamps.day_of_week, unit="D")).strftime("%Y-%m-%d"))
    if freq == "M":
        return list(stamps.strftime("%Y-%m"))
    if freq == "Q":
        return [f"{y}Q{q}" for y, q in zip(stamps.year, stamps.quarter)]
    return [str(y) for y in stamps.year]


def _stamps(values) -> pd.DatetimeIndex:
    """``YYYY-MM-DD`` strings as timestamps, NaT for anything else."""
    text = pd.Index(values, dtype=object).fillna("").astype(str)
    return pd.DatetimeIndex(pd.to_datetime(text.where(text != "", None), format="%Y-%m-%d", errors="coerce"))


def period_labels(dates, freq: str) -> pd.Series:
    """The label of the ``freq`` period of each ``YYYY-MM-DD`` date (:data:`UNDATED` when there is none).

    ``dates``: a Series (its index is kept) or any sequence.  Each distinct
    date is labelled once, so a per-issue table of millions of rows costs
    one label per issue.
    """
    check_freq(freq)
    series = dates if isinstance(dates, pd.Series) else pd.Series(list(dates), dtype=object)
    text = series.astype(object).where(series.notna(), "").astype(str)
    distinct = pd.unique(text.to_numpy())
    stamps = _stamps(distinct)
    known = ~stamps.isna()
    labels = dict.fromkeys(distinct.tolist(), UNDATED)
    labels.update(zip(distinct[known].tolist(), _label_stamps(stamps[known], freq)))
    return pd.Series(text.map(labels).to_numpy(dtype=object), index=series.index, dtype=object)


def period_span(dates, freq: str) -> list[str]:
    """The labels of every ``freq`` period from the first dated period of ``dates`` to the last, in
    time order, periods without any date included (a gap, not an absence); ``[]`` when nothing is dated."""
    check_freq(freq)
    stamps = _stamps(pd.unique(pd.Series(list(dates) if not isinstance(dates, pd.Series) else dates,
                                         dtype=object).fillna("").astype(str).to_numpy()))
    stamps = stamps[~stamps.isna()]
    if not len(stamps):
        return []
    code = PANDAS_FREQ[freq]
    periods = pd.period_range(stamps.min().to_period(code), stamps.max().to_period(code), freq=code)
    return _label_stamps(pd.DatetimeIndex(periods.start_time), freq)
