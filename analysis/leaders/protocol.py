"""Protocol order: who is listed before whom, read from enumerations only.

A party paper lists leaders in rank order (习近平、李强、赵乐际、王沪宁 …), so a
change of order between the same two persons is a change of rank.  Order is
read only inside one enumeration of registered names (the ``enumeration``
and ``list_order`` columns of the mentions table: ``、``-separated names in
one sentence, or a titled roll call; see
:func:`analysis.perarticle.mentions.enumerations`), never between two sentences
or two clauses (吴邦国说，江泽民、李鹏… says nothing about 吴邦国's rank).

A pair's order has *changed* only when its majority order flips between two
periods with enough lists in each: the lists naming both, in date order, are
cut at the date that best separates "a first" from "b first" (the cut that
agrees with the most lists), and the cut counts only when each side has at
least ``min_lists`` lists and a different majority (each at least
``min_share`` of its side).  One stray list in the other order changes
nothing.

>>> import pandas as pd
>>> rows = []
>>> for day in range(1, 21):
...     names = ["甲", "乙"] if day <= 10 else ["乙", "甲"]
...     for place, name in enumerate(names, start=1):
...         rows.append({"article_id": f"a{day}", "date": f"2022-01-{day:02d}", "location": "lead",
...                      "enumeration": 1, "list_order": place, "offset": place * 3, "name": name, "title": ""})
>>> protocol_order(pd.DataFrame(rows))[["a", "b", "lists", "a_first", "b_first", "changed", "changed_on"]].values.tolist()
[['乙', '甲', 20, 10, 10, True, '2022-01-11']]
"""
from __future__ import annotations

from itertools import combinations

import pandas as pd

from analysis.perarticle.mentions import LOCATIONS

#: Columns of :func:`protocol_order`.
PROTOCOL_COLUMNS = ["a", "b", "lists", "a_first", "b_first", "changed", "changed_on", "first_before", "first_after",
                    "first_date", "last_date"]
#: Columns of :func:`protocol_lists`.
LIST_COLUMNS = ["date", "article_id", "location", "enumeration", "n", "names", "titles"]
#: Lists needed on each side of a change (see the module docstring).
MIN_LISTS = 5
#: Share of its side's lists the majority order must have on each side of a change.
MIN_SHARE = 0.75


def check_mentions(mentions: pd.DataFrame) -> None:
    """Raise if *mentions* lacks the columns the protocol rules read (a table from an earlier version)."""
    missing = [c for c in ("enumeration", "list_order") if c not in mentions.columns]
    if missing:
        raise ValueError(f"mentions table lacks {', '.join(missing)}: it was written by an earlier version; "
                         "rebuild it (analysis.perarticle.mentions.leader_mentions, or python -m analysis build)")


def protocol_lists(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per enumeration of two or more persons, names in printed order.

    Columns (:data:`LIST_COLUMNS`): ``date``, ``article_id``, ``location``,
    ``enumeration`` (its number in the field), ``n`` (distinct persons),
    ``names`` (tuple, printed order, each person once), ``titles`` (tuple,
    the title beside each).  Sorted by date, article, location, enumeration.
    """
    check_mentions(mentions)
    chosen = mentions[mentions["enumeration"] > 0]
    # Plain Python over the listed mentions (a groupby with a sort per enumeration cost a second on the
    # development corpus's 1,000 lists); the same lists, names and order.
    groups: dict[tuple, list] = {}
    columns = [chosen[c].tolist() for c in ("article_id", "location", "enumeration", "list_order", "name",
                                             "title", "date")]
    for position, (article_id, location, number, order, name, title, date) in enumerate(zip(*columns)):
        if _missing(article_id) or _missing(location) or _missing(number):
            continue  # as a groupby drops a row without its keys
        groups.setdefault((article_id, location, number), []).append((order, position, name, title, date))
    rows = []
    for (article_id, location, number), members in groups.items():
        members.sort(key=lambda m: (m[0], m[1]))  # printed order; ties as they came
        seen: set = set()
        kept = [m for m in members if not (m[2] in seen or seen.add(m[2]))]
        if len(kept) < 2:
            continue
        rows.append({"date": str(kept[0][4]), "article_id": article_id, "location": location,
                     "enumeration": int(number), "n": len(kept), "names": tuple(m[2] for m in kept),
                     "titles": tuple("" if _missing(m[3]) else m[3] for m in kept)})
    frame = pd.DataFrame(rows, columns=LIST_COLUMNS)
    rank = frame["location"].map({loc: i for i, loc in enumerate(LOCATIONS)})
    return (frame.assign(_r=rank).sort_values(["date", "article_id", "_r", "enumeration"], kind="stable")
            .drop(columns="_r").reset_index(drop=True))


def _missing(value) -> bool:
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # not a scalar
        return False


def pair_events(lists: pd.DataFrame) -> pd.DataFrame:
    """For every pair listed together: one row per list, ``a, b, date, a_first`` (a < b)."""
    rows = []
    for date, names in zip(lists["date"], lists["names"]):
        place = {name: i for i, name in enumerate(names)}
        for a, b in combinations(sorted(place), 2):
            rows.append((a, b, date, place[a] < place[b]))
    return pd.DataFrame(rows, columns=["a", "b", "date", "a_first"])


def change_point(dates: list[str], a_first: list[bool], *, min_lists: int = MIN_LISTS,
                 min_share: float = MIN_SHARE) -> str:
    """The date from which the majority order of one pair is flipped, or '' when it never is.

    ``dates`` sorted; the cut falls between two dates.  Of the cuts that
    leave ``min_lists`` lists on each side with opposite majorities of at
    least ``min_share``, the one agreeing with the most lists wins (the
    earliest on a tie).

    >>> change_point(["1", "2", "3", "4"], [True, True, False, False], min_lists=2)
    '3'
    >>> change_point(["1", "2", "3", "4"], [True, True, False, True], min_lists=2)
    ''
    """
    n = len(dates)
    total_a = sum(a_first)
    best, best_agree, seen_a = "", -1, 0
    for i in range(1, n):
        seen_a += a_first[i - 1]
        if dates[i] == dates[i - 1]:
            continue                                      # a cut falls between two dates
        before, after = i, n - i
        if before < min_lists or after < min_lists:
            continue
        a_before, a_after = seen_a, total_a - seen_a
        share_before = max(a_before, before - a_before) / before
        share_after = max(a_after, after - a_after) / after
        a_leads_before, a_leads_after = a_before * 2 > before, a_after * 2 > after
        b_leads_before, b_leads_after = a_before * 2 < before, a_after * 2 < after
        flipped = (a_leads_before and b_leads_after) or (b_leads_before and a_leads_after)
        if not flipped or share_before < min_share or share_after < min_share:
            continue
        agree = max(a_before, before - a_before) + max(a_after, after - a_after)
        if agree > best_agree:
            best, best_agree = dates[i], agree
    return best


def protocol_order(mentions: pd.DataFrame, *, min_lists: int = MIN_LISTS, min_share: float = MIN_SHARE) -> pd.DataFrame:
    """Who is listed first, per pair of persons listed together, and whether that changed.

    Columns (:data:`PROTOCOL_COLUMNS`): ``a``, ``b`` (a < b), ``lists``
    (enumerations naming both), ``a_first``, ``b_first`` (how many of them
    list that person first), ``changed`` (the majority order flips between
    two periods, see the module docstring), ``changed_on`` (first date of
    the later period; '' when unchanged), ``first_before`` (the person
    listed first before the change, or by the majority when unchanged),
    ``first_after`` (after the change; '' when unchanged), ``first_date``,
    ``last_date``.  Sorted by changed (True first), lists (descending), a, b.
    """
    lists = protocol_lists(mentions)
    events = pair_events(lists)
    # Per pair, its lists in date order (ties as listed): plain Python, not a groupby with a sort per pair.
    pairs: dict[tuple[str, str], list] = {}
    for a, b, date, first in zip(events["a"].tolist(), events["b"].tolist(), events["date"].tolist(),
                                 events["a_first"].tolist()):
        pairs.setdefault((a, b), []).append((date, bool(first)))
    rows = []
    for (a, b) in sorted(pairs):
        group = sorted(pairs[(a, b)], key=lambda event: event[0])
        dates, firsts = [d for d, _ in group], [f for _, f in group]
        on = change_point(dates, firsts, min_lists=min_lists, min_share=min_share)
        a_first = int(sum(firsts))
        if on:
            before = [f for d, f in zip(dates, firsts) if d < on]
            first_before = a if sum(before) * 2 > len(before) else b
            first_after = b if first_before == a else a
        else:
            first_before = a if a_first * 2 > len(firsts) else b if a_first * 2 < len(firsts) else ""
            first_after = ""
        rows.append({"a": a, "b": b, "lists": len(group), "a_first": a_first, "b_first": len(group) - a_first,
                     "changed": bool(on), "changed_on": on, "first_before": first_before,
                     "first_after": first_after, "first_date": dates[0], "last_date": dates[-1]})
    frame = pd.DataFrame(rows, columns=PROTOCOL_COLUMNS)
    frame["changed"] = frame["changed"].astype(bool)
    for column in ("lists", "a_first", "b_first"):
        frame[column] = frame[column].astype("int64")
    return frame.sort_values(["changed", "lists", "a", "b"], ascending=[False, False, True, True],
                             kind="stable").reset_index(drop=True)
