"""Formulations found on the sample pages, with counts, first appearance and lines."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.aggregate import per_article_tables
from analysis.aggregate.formulations import RANK_BASES, TABLE_COLUMNS, rank_formulations
from analysis.perarticle.formulations import (
    classify_quote,
    extract_formulations,
    find_enumerations,
    find_quoted,
    numeral_value,
)


def formulation_table(articles):
    """The formulation table as the build computes it (the per-article stage, then SQL and the ranking)."""
    return per_article_tables(articles, workers=1, cache=False)["formulations"]


@pytest.fixture(scope="module")
def occurrences(articles):
    return extract_formulations(articles)


@pytest.fixture(scope="module")
def table(articles):
    return formulation_table(articles).set_index("formulation")


@pytest.mark.parametrize("phrase", ["倍增追赶、合作发展", "两园一河", "两新", "1511", "四项行动", "十四五", "开门红"])
def test_formulations_found(table, phrase):
    assert phrase in table.index


def test_speech_is_not_a_formulation(table, articles):
    assert not any("张灯结彩" in f for f in table.index)
    quotes = extract_formulations(articles, include_quotations=True)
    assert quotes["formulation"].str.contains("张灯结彩").any()


def test_counts_match_text(table, articles):
    for phrase in ["两园一河", "倍增追赶、合作发展", "四项行动"]:
        in_text = sum("".join(str(a[f]).split()).count(phrase)
                      for _, a in articles.iterrows() for f in ("headline", "subheadline", "text"))
        assert table.loc[phrase, "count"] == in_text


def test_four_actions_quoted_and_unquoted_with_expansion(table):
    row = table.loc["四项行动"]
    assert row["count"] == 3 and row["quoted_count"] == 2  # subheadline, “四项行动”, and …”四项行动
    assert row["expansion"] == "特色产业提升、产业集群打造、消费帮扶助农增收、劳务协作提升"
    assert len(table.loc["六个方面", "expansion"].split("、")) == 6


def test_first_appearance_and_lines_point_at_raw_text(table, occurrences):
    row = table.loc["两园一河"]
    assert row["first_issue_date"] == "2024-12-01"
    assert row["n_articles"] == 2
    for occ in occurrences[(occurrences["formulation"] == "两园一河") & (occurrences["field"] == "text")].itertuples():
        lines = open(f"data/raw/{occ.source}", encoding="utf-8").read().split("\n")
        assert "两园一河" in "".join(lines[occ.line - 1 : occ.line + 1])


def test_table_ranked_and_quotations_excluded(occurrences, articles):
    t = formulation_table(articles)
    keys = list(zip(t["rank_basis"] != "set phrase", -t["score"], -t["count"], t["formulation"]))
    assert keys == sorted(keys)
    assert "quotation" not in set(t["kind"])
    assert list(t.columns) == TABLE_COLUMNS
    # Nine articles: no phrase is quoted in enough articles to be a set phrase.
    assert set(t["rank_basis"]) <= {"few quotes", "number", "common word", "one article"}
    assert t.set_index("formulation").loc["1511", "rank_basis"] == "number"


def test_helpers():
    assert classify_quote("两园一河") == "numbered"
    assert classify_quote("继续深化教育强基工程，推动丰台区教育事业高质量发展") == "quotation"
    assert [q for _, q, _ in find_quoted("坚持『倍增追赶』，聚焦﹃四项行动﹄")] == ["倍增追赶", "四项行动"]
    assert find_enumerations("没有引号的四项行动") == []
    assert numeral_value("六") == 6 and numeral_value("十五") == 15


def test_empty_inputs_give_empty_tables(articles):
    empty = extract_formulations(articles.iloc[0:0])
    assert empty.empty and formulation_table(articles.iloc[0:0]).empty
    plain = pd.DataFrame({"article_id": ["x"], "issue_date": ["2025-01-01"], "source": ["x.txt"],
                          "headline": [""], "subheadline": [""], "text": ["No Chinese here."]})
    assert extract_formulations(plain).empty and formulation_table(plain).empty


# --------------------------------------------------------------------------- set phrases (issue 19, item 3)

def _corpus(texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"article_id": [f"a{i:02d}" for i in range(len(texts))],
                         "issue_date": [f"2024-01-{i + 1:02d}" for i in range(len(texts))], "source": "t.csv",
                         "headline": "", "subheadline": "", "text": texts})


# A small paper: a slogan always quoted, one quoted in three articles and used unquoted in all, a
# fragment of a set phrase, a quoted ordinary word, a phrase one article repeats, a quoted number,
# quoted dates, and a phrase quoted once.
SET_PHRASE_TEXTS = (
    ["坚决做到“两个确立”。推进中国式现代化。要推动高质量发展。践行“绿水青山就是金山银山”理念。"] * 4
    + ["以“中国式现代化”全面推进民族复兴。“高质量发展”取得成效。坚持“高质量”。“金山银山”。“中国”人民。“1511”产业。"] * 3
    + ["推进中国式现代化。推动高质量发展。中国人民迈上新台阶。1998年回顾。践行绿水青山就是金山银山理念。"] * 6
    + ["“小巨人”“小巨人”“小巨人”“小巨人”“小巨人”企业。“上新”。“1月8日”“２０２４年”“１９９”。"]
    + ["“小巨人”企业。“两新”政策。"]
)


@pytest.fixture(scope="module")
def ranked():
    return formulation_table(_corpus(SET_PHRASE_TEXTS)).set_index("formulation")


def test_every_rank_basis_is_reached(ranked):
    basis = ranked["rank_basis"].to_dict()
    assert basis["两个确立"] == basis["中国式现代化"] == basis["高质量发展"] == "set phrase"
    assert basis["金山银山"] == "fragment"        # most of its uses are 绿水青山就是金山银山's
    assert ranked.loc["金山银山", "nested_share"] == round(10 / 13, 4)
    assert basis["绿水青山就是金山银山"] == "set phrase"
    assert basis["中国"] == basis["高质量"] == "common word"    # jieba's words (frequencies 129470 and 99)
    assert basis["小巨人"] == "one article"
    assert basis["1511"] == "number"
    assert basis["两新"] == basis["上新"] == "few quotes"
    assert set(basis.values()) == set(RANK_BASES)


def test_set_phrases_come_first_by_score(ranked):
    order = list(ranked.index)
    assert order[:4] == ["绿水青山就是金山银山", "中国式现代化", "高质量发展", "两个确立"]
    # 中国式现代化 is quoted in 3 of its 13 articles and ranks above 两个确立, quoted every time in 4:
    # the score weighs how widely it is used by the square root of how often it is marked.
    row = ranked.loc["中国式现代化"]
    assert (row["quoted_articles"], row["n_articles"], row["score"]) == (3, 13, round((3 * 13) ** 0.5, 4))
    assert ranked.loc["两个确立", "quoted_share"] == 1.0


def test_dates_and_digit_fragments_are_not_formulations(ranked):
    assert not {"1月8日", "２０２４年"} & set(ranked.index)
    assert find_quoted("“1月8日”“２０２４年”“2024年1月”") == []
    # “１９９” is quoted once; inside １９９８ it is no use of it.
    assert ranked.loc["１９９", "count"] == 1
    assert ranked.loc["1511", "count"] == 3


def test_unquoted_use_must_stand_as_words(ranked):
    # 上新 is quoted once; 迈上新台阶 (迈上 / 新台阶) does not use it.
    assert ranked.loc["上新", "count"] == 1
    # 中国 is counted where it stands as a word (中国人民), not inside 中国式现代化.
    assert ranked.loc["中国", "count"] == 3 + 6


def test_first_use_and_first_quoted_use(ranked):
    row = ranked.loc["中国式现代化"]
    assert (row["first_issue_date"], row["first_article_id"]) == ("2024-01-01", "a00")
    assert (row["first_quoted_issue_date"], row["first_quoted_article_id"]) == ("2024-01-05", "a04")
    assert ranked.loc["两个确立", "first_quoted_article_id"] == "a00"


def test_enumerated_uses_count_as_marked():
    arts = _corpus(["聚焦“特色产业提升、劳务协作提升”两项行动。落实“两项行动”。两项行动。"])
    occ = extract_formulations(arts)
    slogan = occ[occ["formulation"] == "两项行动"]
    assert slogan[["quoted", "enumerated"]].values.tolist() == [[False, True], [True, False], [False, False]]
    row = formulation_table(arts).set_index("formulation").loc["两项行动"]
    assert (row["count"], row["quoted_count"], row["enumerated_count"], row["quoted_share"]) == (3, 1, 1, 0.6667)


def test_ranking_rules_are_parameters():
    agg = pd.DataFrame({"formulation": ["一国两制", "五一", "三个代表"], "kind": "numbered", "count": [40, 40, 40],
                        "quoted_count": [40, 40, 2], "n_articles": [30, 30, 30], "first_issue_date": "2024-01-01",
                        "first_article_id": "a", "first_source": "s", "first_line": 1, "expansion": "",
                        "article_ids": "a", "enumerated_count": 0, "quoted_articles": [30, 30, 2],
                        "top_article_count": 2, "first_quoted_issue_date": "2024-01-01",
                        "first_quoted_article_id": "a"})
    words = {"一国两制": 451, "五一": 2261, "三个代表": 225}
    basis = rank_formulations(agg, words).set_index("formulation")["rank_basis"].to_dict()
    # A numbered phrase of four characters is in jieba's dictionary because it is a set phrase.
    assert basis == {"一国两制": "set phrase", "五一": "common word", "三个代表": "few quotes"}
    assert rank_formulations(agg, words, min_quoted=2).set_index("formulation").loc["三个代表", "rank_basis"] == \
        "set phrase"
    assert rank_formulations(agg.iloc[0:0], words).empty


# --------------------------------------------------------------------------- jieba's dictionary, cached


def _dictionary_file(tmp_path, lines: str):
    path = tmp_path / "dict.txt"
    path.write_text(lines, encoding="utf-8")
    return path


def test_cached_dictionary_gives_the_parsed_frequencies(tmp_path, monkeypatch):
    import analysis.aggregate.formulations as f

    source = _dictionary_file(tmp_path, "中国 129470 ns\n两会 511 j\n发展 5 v\n坏行\n零 x n\n")
    cache = tmp_path / "cache"
    words = ["中国", "两会", "两个确立", "坏行", "零"]
    expected = {w: c for w, c in f.jieba_dictionary(source).items() if w in words}
    assert expected == {"中国": 129470, "两会": 511}
    assert f.dictionary_frequencies(words, cache, source) == expected  # a miss: parsed, then written
    [written] = list(cache.glob("dictionary-*.arrow"))

    def no_parse(lines):
        raise AssertionError("parsed again")

    monkeypatch.setattr(f, "_parse_dictionary", no_parse)
    assert f.dictionary_frequencies(words, cache, source) == expected  # a hit: read, not parsed
    assert f.dictionary_frequencies([], cache, source) == {}
    assert list(cache.glob("dictionary-*.arrow")) == [written]


def test_cached_dictionary_is_keyed_by_the_file_and_jiebas_version(tmp_path, monkeypatch):
    import analysis.aggregate.formulations as f

    source = _dictionary_file(tmp_path, "中国 10 ns\n")
    cache = tmp_path / "cache"
    assert f.dictionary_frequencies(["中国"], cache, source) == {"中国": 10}
    source.write_text("中国 20 ns\n", encoding="utf-8")  # same size, new bytes
    assert f.dictionary_frequencies(["中国"], cache, source) == {"中国": 20}
    assert len(list(cache.glob("dictionary-*.arrow"))) == 2
    key = f._dictionary_key(source.read_bytes())
    monkeypatch.setattr(f, "library_version", lambda *names: "9.9.9")
    assert f._dictionary_key(source.read_bytes()) != key
    assert f.dictionary_frequencies(["中国"], cache, source) == {"中国": 20}
    assert len(list(cache.glob("dictionary-*.arrow"))) == 3


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "foreign"])
def test_a_damaged_cached_dictionary_is_parsed_again_with_one_warning(tmp_path, caplog, damage):
    import logging

    import analysis.aggregate.formulations as f

    source = _dictionary_file(tmp_path, "".join(f"词{i} {i + 1} n\n" for i in range(2000)))
    cache = tmp_path / "cache"
    expected = {"词5": 6, "词1999": 2000}
    assert f.dictionary_frequencies(["词5", "词1999", "无"], cache, source) == expected
    [written] = list(cache.glob("dictionary-*.arrow"))
    data = written.read_bytes()
    written.write_bytes({"garbage": b"not a dictionary" * 100, "truncated": data[: len(data) // 2],
                         "flipped": data[:-100] + bytes([data[-100] ^ 1]) + data[-99:],
                         "foreign": f._DICTIONARY_MAGIC + b"0" * 64 + data[len(f._DICTIONARY_MAGIC) + 64:]}[damage])
    with caplog.at_level(logging.WARNING, logger="analysis.aggregate.formulations"):
        assert f.dictionary_frequencies(["词5", "词1999", "无"], cache, source) == expected
    assert len([r for r in caplog.records if "cached jieba dictionary" in r.getMessage()]) == 1
    caplog.clear()
    assert written.read_bytes() == data  # written again, whole
    with caplog.at_level(logging.WARNING, logger="analysis.aggregate.formulations"):
        assert f.dictionary_frequencies(["词5", "词1999", "无"], cache, source) == expected
    assert not caplog.records


def test_a_dictionary_cache_that_cannot_be_written_only_warns(tmp_path, caplog):
    import logging

    import analysis.aggregate.formulations as f

    source = _dictionary_file(tmp_path, "中国 10 ns\n")
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be")
    with caplog.at_level(logging.WARNING, logger="analysis.aggregate.formulations"):
        assert f.dictionary_frequencies(["中国"], blocked, source) == {"中国": 10}
    assert any("could not cache" in r.getMessage() for r in caplog.records)


def test_the_build_ranks_with_the_cached_dictionary_as_with_the_parsed_one(articles, tmp_path):
    from analysis.aggregate.formulations import dictionary_frequencies, jieba_dictionary

    phrases = ["中国", "发展", "两个确立", "一国两制", "第一"]
    full = jieba_dictionary()
    for _ in range(2):  # a miss, then a hit
        assert dictionary_frequencies(phrases, tmp_path) == {p: full[p] for p in phrases if p in full}
