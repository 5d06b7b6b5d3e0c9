"""Property-based tests (Hypothesis): cleaning and segmentation on arbitrary text.

Invariants: nothing crashes on any Unicode; no text is lost or invented
(counted in ideographs, the unit the book counts); invisible characters never
survive; line numbers stay within the page.  Example counts are modest so the
suite stays fast; the strategies mix real sample lines with arbitrary ones,
since purely random text rarely looks like a newspaper page.
"""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from analysis.corpus.articles import split_articles
from analysis.corpus.clean import clean_line, normalize_forms, parse_caption, scrub_invisible
from analysis.io import read_csv_records
from analysis.paths import PROJECT_ROOT, RAW_DIR

from conftest import PAGE_DEC, PAGE_FEB

# Hypothesis keeps its files under the build folder, not in the project tree
# (a .hypothesis folder there would be collected as tests).
set_hypothesis_home_dir(str(PROJECT_ROOT / "_build" / "hypothesis"))

# No example database, and the same examples on every run (CI is strict).
FAST = settings(max_examples=60, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
IDEOGRAPH = re.compile(r"[\u4e00-\u9fff]")
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\x00]")
SAMPLE_LINES = [line for name in (PAGE_FEB, PAGE_DEC)
                for line in (RAW_DIR / name).read_text(encoding="utf-8").splitlines()]

# Text that looks like extracted pages: CJK, justification spaces, vertical forms,
# digits, Latin, punctuation, invisible characters, and anything else.
chinese = st.text(alphabet=st.sampled_from(list("丰台区委书记王少峰出席会议本报讯记者摄。，、：“”（）﹃﹄﹁﹂ 　0123456789AB\u200b\x00")),
                  max_size=40)
anything = st.text(max_size=40)
line = st.one_of(st.sampled_from(SAMPLE_LINES), chinese, anything)


def strip_ws(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


@FAST
@given(st.one_of(chinese, anything))
def test_clean_line_neither_loses_nor_invents_text(text):
    cleaned = clean_line(text)
    # Only whitespace and invisible characters go; vertical forms become horizontal ones.
    assert strip_ws(cleaned) == strip_ws(normalize_forms(scrub_invisible(text)))
    assert not INVISIBLE.search(cleaned)
    assert clean_line(cleaned) == cleaned  # idempotent


@FAST
@given(st.text(max_size=200))
def test_scrub_invisible_keeps_lines_and_visible_text(text):
    scrubbed = scrub_invisible(text)
    assert len((scrubbed + "x").splitlines()) == len((text + "x").splitlines())  # line breaks kept
    assert not INVISIBLE.search(scrubbed)
    assert IDEOGRAPH.findall(scrubbed) == IDEOGRAPH.findall(text)


@FAST
@given(st.lists(line, max_size=40), st.sampled_from(["2025-02-13", "2024-12-01", ""]))
def test_segmentation_conserves_ideographs(lines, issue):
    """Every ideograph of a (caption-free) page lands exactly once in some field."""
    lines = [item for item in lines if "\r" not in item and not parse_caption(item)]
    page = "\n".join(lines)
    seg = split_articles(page, issue)
    expected = len(IDEOGRAPH.findall(scrub_invisible(normalize_forms(page))))
    got = sum(len(IDEOGRAPH.findall(a.text + a.headline + a.subheadline + a.byline)) for a in seg.articles)
    got += 3 * sum(1 for a in seg.articles if a.byline)  # 本报讯 of each byline
    got += sum(len(IDEOGRAPH.findall(b.text)) for b in seg.unattributed)
    assert got == expected
    n_lines = len(page.splitlines())
    for art in seg.articles:
        assert not INVISIBLE.search(art.text + art.headline)
        for offset, number in art.line_map:
            assert 0 <= offset <= len(art.text) and 1 <= number <= n_lines


@FAST
@given(st.lists(st.lists(st.text(alphabet=st.characters(exclude_characters="\r", exclude_categories=["Cs"]), max_size=12),
                         min_size=2, max_size=2), min_size=1, max_size=8))
def test_csv_reader_round_trips_any_field(tmp_path_factory, rows):
    """Whatever the fields hold (quotes, commas, line breaks, CJK), written CSV reads back."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    try:
        header, records = read_csv_records(path, multiline=True)
    except Exception as err:  # only clear input errors are allowed, for files that are NUL or blank
        from analysis.errors import InputError
        assert isinstance(err, InputError), err
        assert "NUL" in str(err) or "empty" in str(err)
        return
    kept = [row for row in rows if any(field.strip() for field in row)]
    assert [[r.fields["a"], r.fields["b"]] for r in records] == [[f.strip() for f in row] for row in kept]
