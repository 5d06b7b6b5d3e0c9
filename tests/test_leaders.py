"""Leader mentions on the real sample pages, checked against a hand annotation."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis.corpus.read import load_articles
from analysis.figures.leaders import plot_kinds, plot_network, plot_prominence, plot_timeline
from analysis.perarticle.mentions import (MENTION_COLUMNS, REGISTRY_COLUMNS, RegistryError,
                                         discover_officials, leader_mentions, load_phrases, load_registry,
                                         load_titles, matcher, name_shaped, normalise_title)
from analysis.leaders.tables import (co_mentions, kind_series, mention_counts, order_changes, prominence,
                                     protocol_sequences, title_timeline, trace)
from analysis.leaders.validation import evaluate, read_gold
from analysis.paths import RAW_DIR

REGISTRY_PATH = Path(__file__).resolve().parent.parent / "data" / "leaders.csv"

matplotlib.use("Agg")

GOLD = Path(__file__).resolve().parent.parent / "data" / "gold_mentions.csv"

# Written out by reading the two pages article by article (see gold_mentions.csv for each mention).
EXPECTED_COUNTS = {
    "王少峰": 6, "习近平": 5, "初军威": 4, "高峰": 3, "蒋达峰": 3, "安娜·帕拉希奥": 3, "苏和": 2, "田涛": 2,
    "于吉顺": 1, "谷立民": 1, "麒麟": 1, "李世琪": 1, "白诗德": 1, "李立": 1, "余俊生": 1, "王学勇": 1,
    "王江辉": 1, "李岚": 1, "张俊峰": 1, "连宇": 1, "张婕": 1, "李春滨": 1, "穆志军": 1, "陈燃": 1,
    "赵春丽": 1, "武凯": 1, "刘泽锋": 1,
}
# Every official printed with a title on the sample pages, in either order (习近平总书记: the title follows the name).
TITLED_OFFICIALS = {"习近平",
    "王少峰", "初军威", "高峰", "蒋达峰", "安娜·帕拉希奥", "苏和", "田涛", "于吉顺", "谷立民", "麒麟", "李世琪",
    "白诗德", "王学勇", "王江辉", "李岚", "张俊峰", "连宇", "张婕", "李春滨", "穆志军", "陈燃", "赵春丽", "武凯",
    "刘泽锋",
}


@pytest.fixture(scope="module")
def mentions(articles):
    return leader_mentions(articles)


def article(text, date="2025-02-12", headline="", article_id="t-01"):
    return pd.DataFrame([{"article_id": article_id, "source": "test.txt", "issue_date": date, "date": date,
                          "headline": headline, "subheadline": "", "text": text, "headline_line": 0,
                          "line_start": 1, "line_end": 1}])


# --------------------------------------------------------------------------- registry

def test_registry_loads_with_row_numbers():
    registry = load_registry()
    assert list(registry.columns[:8]) == REGISTRY_COLUMNS
    assert registry["row"].iloc[0] == 2
    assert (registry["source"] != "").all()
    assert set(registry["level"]) <= {"national", "municipal", "district", "other"}
    # Five deputies of one post at once is normal, not an overlap.
    assert (registry["title"] == "区人大常委会副主任").sum() == 5


def write_registry(tmp_path, edit):
    frame = pd.read_csv(REGISTRY_PATH, dtype=str, keep_default_na=False)
    frame = edit(frame)
    path = tmp_path / "leaders.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.drop(columns="start"), "missing column(s) start"),
    (lambda f: f.assign(start=f["start"].where(f.index != 3, "2024-13-01")), "row 5: unparsable start date '2024-13-01'"),
    (lambda f: f.assign(start=f["start"].where(f.index != 3, "2024/11/29")), "row 5: unparsable start date"),
    (lambda f: f.assign(end=f["end"].where(f.index != 3, "2024-01-01")), "row 5: end 2024-01-01 is before start"),
    (lambda f: pd.concat([f.iloc[:5], f.iloc[[2]].assign(start="2025-01-01")], ignore_index=True),
     "row 7: 王少峰 is listed twice as 区委书记 on overlapping dates (rows 4 and 7)"),
    (lambda f: f.assign(level=f["level"].where(f.index != 0, "central")), "row 2: level 'central'"),
])
def test_bad_registry_names_the_row(tmp_path, edit, message):
    path = write_registry(tmp_path, edit)
    with pytest.raises(RegistryError) as err:
        load_registry(path)
    assert str(path) in str(err.value) and message in str(err.value)
    assert isinstance(err.value, ValueError)


def test_same_post_after_the_previous_term_is_fine(tmp_path):
    def second_term(frame):
        first = frame.iloc[[2]].assign(start="2021-01-01", end="2024-06-30")
        return pd.concat([frame.assign(start=frame["start"].where(frame.index != 2, "2024-07-01")), first],
                         ignore_index=True)
    registry = load_registry(write_registry(tmp_path, second_term))
    assert (registry["name"] == "王少峰").sum() == 2


def test_phrase_and_title_files_load():
    assert {"ritual", "doctrine"} <= set(load_phrases()["kind"])
    assert {"书记", "总书记"} <= set(load_titles()["title"])


# --------------------------------------------------------------------------- extraction on the sample

def test_columns_and_order(mentions):
    assert list(mentions.columns) == MENTION_COLUMNS
    again = leader_mentions(load_articles(cache=False))
    pd.testing.assert_frame_equal(mentions, again)


def test_count_of_every_person(mentions):
    assert Counter(mentions["name"]) == Counter(EXPECTED_COUNTS)


def test_matches_the_gold_annotation_article_by_article(mentions):
    gold = read_gold(GOLD)
    assert sum(EXPECTED_COUNTS.values()) == len(gold)
    key = ["article_id", "location", "line", "name", "title", "kind"]
    for article_id, expected in gold.groupby("article_id"):
        found = mentions[mentions["article_id"] == article_id]
        found = found.assign(title=found["title_raw"])        # the gold records titles as printed
        assert sorted(map(tuple, found[key].to_numpy().tolist())) == sorted(map(tuple, expected[key].to_numpy().tolist())), article_id
    assert set(mentions["article_id"]) <= set(gold["article_id"])
    result = evaluate(mentions, gold)
    assert result["precision"] == 1.0 and result["recall"] == 1.0


def test_evaluate_counts_misses_and_spurious(mentions):
    gold = read_gold(GOLD)
    result = evaluate(mentions.iloc[2:], pd.concat([gold, gold.iloc[[0]].assign(name="某某")]))
    assert result["true_positives"] == len(mentions) - 2
    assert len(result["missed"]) == 3 and len(result["spurious"]) == 0
    assert result["recall"] == pytest.approx((len(mentions) - 2) / (len(gold) + 1))


def test_lines_point_at_the_name_in_the_raw_page(mentions):
    for row in mentions[mentions["location"].isin(["lead", "body"])].itertuples():
        lines = (RAW_DIR / row.source).read_text(encoding="utf-8").split("\n")
        assert row.name[0] in lines[row.line - 1], (row.name, row.line)


def test_gao_feng_anchored(mentions):
    gao = mentions[mentions["name"] == "高峰"]
    assert gao["title"].tolist() == ["区人大常委会主任", "区人大常委会主任", ""]
    assert gao["position"].eq("区人大常委会主任").all()
    # The page also says 战略高地 and 高标准: no stray 高峰.
    assert len(gao) == 3


def test_common_word_without_anchor_is_no_person():
    peak = article("要勇攀科技创新高峰，迎来发展新高峰。高峰时段交通压力较大。")
    assert leader_mentions(peak).empty
    later = article("区人大常委会主任高峰出席会议。会上，高峰指出，要攀登新高峰。")
    found = leader_mentions(later)
    # The titled mention anchors 高峰指出 later on, but 攀登新高峰 stays a peak.
    assert found["name"].tolist() == ["高峰", "高峰"]
    assert found["offset"].tolist() == [8, 18]
    assert leader_mentions(article("会上，高峰指出，要攀登新高峰。")).empty   # no anchor at all
    qilin = article("麒麟文化节开幕。")
    assert leader_mentions(qilin).empty


def test_title_chain_and_enumeration(mentions):
    chu = mentions[(mentions["name"] == "初军威") & (mentions["location"] == "lead")]
    assert set(chu["title"]) == {"区委副书记、区长"}
    assert set(chu["position"]) == {"区委副书记；区长"}
    deputies = mentions[mentions["title"] == "区人大常委会副主任"]
    assert deputies["name"].tolist() == ["连宇", "张婕", "李春滨", "穆志军", "陈燃"]
    assert deputies["order"].tolist() == [1, 2, 3, 4, 5]


def test_ritual_kept_apart_from_coverage(mentions):
    xi = mentions[mentions["name"] == "习近平"]
    assert set(xi["kind"]) == {"ritual"} and set(xi["order"]) == {0}
    assert xi["location"].tolist() == ["lead", "body", "headline", "lead", "body"]
    doctrine = article("深入学习贯彻习近平新时代中国特色社会主义思想。习近平总书记在北京考察。")
    assert leader_mentions(doctrine)["kind"].tolist() == ["doctrine", "coverage"]


def test_foreign_visitors_are_persons_not_officials(mentions):
    foreign = mentions[mentions["kind"] == "foreign"]
    assert Counter(foreign["name"]) == Counter({"安娜·帕拉希奥": 3, "白诗德": 1})


def test_protocol_order_in_the_roll_call(mentions):
    roll = mentions[(mentions["article_id"] == "001_37b71d2a634c19f4-03") & (mentions["location"] == "lead")
                    & (mentions["order"] > 0) & (mentions["sentence"] == 2)]
    assert roll.sort_values("order")["name"].tolist() == ["初军威", "高峰", "李岚", "蒋达峰"]


def test_bare_title_resolved_only_when_the_text_settles_it():
    # Alone, 区委书记 could be any district's: not resolved.
    assert leader_mentions(article("区委书记主持会议并讲话。", date="2025-02-12")).empty
    # The organisation named with it (丰台区委, data/aliases.csv) settles it, on a date of the term.
    on_date = leader_mentions(article("丰台区委书记主持会议并讲话。", date="2025-02-12"))
    assert on_date[["name", "title", "title_raw", "kind", "position"]].values.tolist() == [
        ["王少峰", "区委书记", "丰台区委书记", "title-only", "区委书记"]]
    # So does the same article naming him with that post before (page 001, lines 109-110).
    named = leader_mentions(article("区委书记王少峰强调，要狠抓落实。会上，区委书记主持会议并讲话。", date="2025-02-12"))
    assert named["kind"].tolist() == ["coverage", "title-only"] and set(named["name"]) == {"王少峰"}
    before = leader_mentions(article("丰台区委书记主持会议并讲话。", date="2020-03-01"))
    assert before.empty
    # Another body's post, or another person's surname, is never resolved.
    for text in ("区委书记王少峰出席。省政协主席主持会议。", "区政协主席李岚出席。河北省政协主席出席。",
                 "区政协主席李岚出席。张主席出席。", "区委书记王少峰出席。该区委书记表示，"):
        assert set(leader_mentions(article(text, date="2025-02-12"))["kind"]) == {"coverage"}, text
    # 丰台区长期以来 is not 区长 (page 000, lines 16-17).
    assert leader_mentions(article("苏和对丰台区长期以来给予的支持表示感谢。", date="2025-02-11"))["kind"].tolist() == ["coverage"]


def test_mention_outside_the_registry_dates_is_not_attributed():
    found = leader_mentions(article("区委书记王少峰主持会议。", date="2020-03-01"))
    assert found["name"].tolist() == ["王少峰"]
    assert found[["position", "level", "organisation"]].values.tolist() == [["", "", ""]]
    assert found["title"].tolist() == ["区委书记"]    # as written, still recorded


def test_other_registry_file(tmp_path, articles):
    path = write_registry(tmp_path, lambda f: f[f["name"] == "高峰"])
    found = leader_mentions(articles, registry=str(path))
    assert set(found["name"]) == {"高峰"} and len(found) == 3


# --------------------------------------------------------------------------- discovery

def test_discovery_lists_the_titled_officials(articles):
    empty = pd.DataFrame(columns=REGISTRY_COLUMNS)
    found = discover_officials(articles, registry=empty)
    assert set(found["name"]) == TITLED_OFFICIALS
    row = found.set_index("name").loc["穆志军"]
    assert row["title"] == "区人大常委会副主任" and row["example_line"] == 250
    assert found.set_index("name").loc["高峰", "count"] == 2
    assert discover_officials(articles).empty            # the shipped registry already has them all
    partial = load_registry().query("name != '连宇'")
    assert discover_officials(articles, registry=partial)["name"].tolist() == ["连宇"]


# --------------------------------------------------------------------------- tables

def test_counts_show_missing_issues_as_gaps(mentions, articles):
    monthly = mention_counts(mentions, articles, freq="M")
    assert monthly.index.tolist() == ["2024-12", "2025-01", "2025-02"]
    assert monthly.loc["2025-01"].isna().all()
    activity = mentions[mentions["kind"].isin(["coverage", "title-only"])]
    assert np.nansum(monthly.to_numpy()) == len(activity)
    assert monthly.loc["2025-02", "王少峰"] == 4
    per_article = mention_counts(mentions, articles, freq="M", per="article")
    assert per_article.loc["2025-02", "王少峰"] == pytest.approx(4 / 4)
    weekly = mention_counts(mentions, articles, freq="W", per="issue")
    assert weekly.isna().all(axis=1).sum() == len(weekly) - 2


def test_every_count_can_be_traced(mentions, articles):
    monthly = mention_counts(mentions, articles, freq="M")
    for period, row in monthly.iterrows():
        for name, value in row.dropna().items():
            lines = trace(mentions[mentions["kind"].isin(["coverage", "title-only"])], articles,
                          name=name, period=period)
            assert len(lines) == value
            assert (lines["line"] > 0).all() and (lines["source"] != "").all()


def test_prominence_titles_network_and_order(mentions, articles):
    table = prominence(mentions)
    assert table[["headline", "subheadline", "lead", "body"]].sum(axis=1).equals(table["total"])
    assert table.iloc[0]["name"] == "王少峰"
    titles = title_timeline(mentions)
    # One post, one title: 丰台区委书记 (page 000, line 9) and 区委书记 are the registry's 区委书记.
    wang = titles[titles["name"] == "王少峰"]
    assert wang["title"].tolist() == ["区委书记"] and wang["written"].tolist() == ["丰台区委书记；区委书记"]
    pairs = co_mentions(mentions).set_index(["a", "b"])
    assert pairs.loc[("初军威", "王少峰"), "count"] == 2
    assert (co_mentions(mentions)["a"] < co_mentions(mentions)["b"]).all()
    sequences = protocol_sequences(mentions)
    assert "苏和 > 于吉顺 > 王少峰 > 初军威" in set(sequences["sequence"])
    assert not order_changes(mentions)["changed"].any()
    ritual = kind_series(mentions, articles, freq="M", per="raw")
    assert ritual.loc["2025-02", "ritual"] == 3 and ritual.loc["2024-12", "ritual"] == 2
    assert ritual.loc["2025-01"].isna().all()


def test_figures_render_chinese_without_missing_glyphs(mentions, articles, tmp_path):
    import matplotlib.pyplot as plt
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        for draw in (lambda: plot_timeline(mention_counts(mentions, articles)),
                     lambda: plot_prominence(prominence(mentions)),
                     lambda: plot_network(co_mentions(mentions), mentions),
                     lambda: plot_kinds(kind_series(mentions, articles)).axes[0]):
            ax = draw()
            ax.figure.savefig(tmp_path / "figure.png")
            plt.close(ax.figure)


# --------------------------------------------------------------------------- real-text rules (issue 19)

@pytest.fixture(scope="module")
def national_generated(tmp_path_factory):
    """The generated national paper across eras (江泽民, 胡锦涛, 习近平; analysis.synthetic)."""
    from analysis.corpus.read import read_article_table
    from analysis.synthetic import generate_national_corpus

    folder = generate_national_corpus(tmp_path_factory.mktemp("national"), 700, start="1997-10-01",
                                      end="2025-12-31", seed=1)
    articles = read_article_table(folder / "articles.csv")
    registry = load_registry(folder / "leaders.csv")
    truth = pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)
    return articles, registry, leader_mentions(articles, registry=registry), truth


def test_ritual_and_doctrine_of_every_era_are_no_coverage(national_generated):
    _, _, found, truth = national_generated
    assert Counter(zip(found["article_id"], found["name"], found["kind"])) == \
        Counter(zip(truth["article_id"], truth["name"], truth["kind"]))
    # Every era's formula is planted: the truth holds all three General Secretaries' rituals.
    rituals = truth[truth["kind"] == "ritual"]
    assert {"江泽民", "胡锦涛", "习近平"} <= set(rituals["name"])
    assert {"core formula", "citation", "editorial", "leadership"} <= set(rituals["what"])
    assert {"邓小平", "习近平", "江泽民"} <= set(truth.loc[truth["kind"] == "doctrine", "name"])


@pytest.mark.parametrize("text, name, kind", [
    ("更加紧密地团结在以江泽民同志为核心的党中央周围。", "江泽民", "ritual"),
    ("以胡锦涛同志为总书记的党中央高度重视。", "胡锦涛", "ritual"),
    ("江泽民同志最近强调指出，要抓好落实。", "江泽民", "ritual"),
    ("在胡锦涛总书记的领导下，取得新成就。", "胡锦涛", "ritual"),
    ("认真学习贯彻江泽民总书记重要讲话精神。", "江泽民", "ritual"),
    ("高举邓小平理论伟大旗帜。", "邓小平", "doctrine"),
    ("《江泽民文选》出版发行。", "江泽民", "doctrine"),
    ("深入学习贯彻习近平新时代中国特色社会主义思想。", "习近平", "doctrine"),
    ("江泽民主持会议并讲话。", "江泽民", "coverage"),
    ("胡锦涛对防汛工作作出重要指示强调，要确保安全。", "胡锦涛", "coverage"),
    ("李鹏主持会议，学习贯彻江泽民总书记重要讲话精神。", "李鹏", "coverage"),
])
def test_name_slot_patterns_hold_for_any_leader(national_generated, text, name, kind):
    _, registry, _, _ = national_generated
    found = leader_mentions(article(text, date="2000-06-01"), registry=registry)
    assert found.loc[found["name"] == name, "kind"].tolist()[:1] == [kind]


def test_phrase_file_pattern_language(tmp_path):
    phrases = pd.read_csv(Path(__file__).resolve().parent.parent / "data" / "defaults" / "leader_phrases.csv", dtype=str,
                          keep_default_na=False)
    assert (phrases["source"] != "").all()
    assert phrases.loc[phrases["kind"].isin(["ritual", "doctrine"]), "pattern"].str.contains("{name}", regex=False).all()
    bad = tmp_path / "phrases.csv"
    for pattern, kind, message in [("{name}与{name}", "ritual", "one name slot"),
                                   ("{name}说", "name_stop", "no {name}"),
                                   ("{name}(", "ritual", "does not compile")]:
        bad.write_text(f"kind,pattern,source\n{kind},\"{pattern}\",x\n", encoding="utf-8")
        with pytest.raises(RegistryError, match=message):
            load_phrases(bad)
    # The earlier form (no slot: what follows the name) still reads.
    old = tmp_path / "old.csv"
    old.write_text("kind,pattern,source\nritual,^(?:总书记)?重要讲话精神,x\n", encoding="utf-8")
    found = leader_mentions(article("学习习近平总书记重要讲话精神。"), phrases=old)
    assert found["kind"].tolist() == ["ritual"]


def test_titles_are_chains_of_post_and_organisation_words(national_generated):
    _, registry, found, truth = national_generated
    assert not found["title_raw"].str.contains("年|由|受到|当选|访华").any()
    placed = truth[truth["what"].isin(["title first", "name first", "date before", "clause before"])]
    assert len(placed) > 50
    for row in placed.itertuples():
        titles = set(found.loc[(found["article_id"] == row.article_id) & (found["name"] == row.name), "title"])
        assert row.title in titles, (row.what, row.name, titles)
    m = matcher(registry)
    for text, title in [("１９９７年元旦由国家主席", "国家主席"), ("访华时他受到了中国国家主席", "中国国家主席"),
                        ("中共中央政治局常委、国务院总理", "中共中央政治局常委、国务院总理"),
                        ("会见了美国总统克林顿和国家主席", "国家主席"), ("当选连任孟加拉国总理", ""),
                        ("中国环境与发展国际合作委员会主席", "中国环境与发展国际合作委员会主席"),
                        ("时任河北正定县委书记", "县委书记")]:
        assert m.title_before(text, 0, len(text))[0] == title, text
    assert m.title_before("时任河北正定县委书记", 0, 10)[2]                       # a former post
    assert normalise_title(m, "江泽民", "中华人民共和国主席") == "国家主席"
    assert normalise_title(m, "江泽民", "主席", "2000-01-01") == "国家主席"      # the shortest post ending 主席


def test_discovered_officials_are_people_in_both_title_orders(national_generated):
    articles, registry, _, _ = national_generated
    found = discover_officials(articles, registry=pd.DataFrame(columns=REGISTRY_COLUMNS))
    assert set(found["name"]) <= set(registry["name"])
    assert {"江泽民", "胡锦涛", "习近平", "李鹏", "朱镕基"} <= set(found["name"])
    assert not {"指出", "强调", "嘱托", "职务", "干部"} & set(found["name"])
    for word, shaped in [("习近平", True), ("欧阳晓晖", True), ("指出", False), ("嘱托", False), ("职务", False),
                         ("会主任", False), ("处书记", False), ("班子", False), ("贺信并", False)]:
        assert name_shaped(word) is shaped, word


# --------------------------------------------------------------------------- found by annotating real text (issue 19.10)
# Sentences written for these tests (not from any corpus), with the default national registry.

DEFAULT_REGISTRY = Path(__file__).resolve().parent.parent / "data" / "defaults" / "leaders.csv"


@pytest.fixture(scope="module")
def national_registry():
    return load_registry(DEFAULT_REGISTRY)


def _found(text, registry, date="2024-05-10"):
    found = leader_mentions(article(text, date=date), registry=registry)
    return [(row.name, row.kind, row.offset) for row in found.itertuples()]


@pytest.mark.parametrize("text", [
    "国家主席习近平给“一线工人”代表回信。",        # one character, then a quotation mark
    "纪录片走访了习近平工作过的地方。",             # 工 + 作 (作 ends a name)
    "习近平从主席台前走过。",                       # 从 + 主席 (a title)
])
def test_a_three_character_name_is_whole(national_registry, text):
    assert _found(text, national_registry) == [("习近平", "coverage", text.index("习近平"))]


def test_a_two_character_name_still_grows_into_a_longer_name():
    # The sample registry's 李岚 is no 李岚清, with or without a following name ending.
    assert leader_mentions(article("李岚清同志指出，要抓好落实。")).empty
    assert leader_mentions(article("会议由李岚清，主持。")).empty


def test_a_name_before_an_honorific_is_not_the_longer_name(national_registry):
    # 陈希同 (a registered name) + 志 is 陈希 (a registered name) + 同志.
    assert {"陈希", "陈希同"} <= set(national_registry["name"])
    found = leader_mentions(article("陈希同志在会上发言。", date="2022-06-01"), registry=national_registry)
    assert found["name"].tolist() == ["陈希"]
    found = leader_mentions(article("陈希同出席会议。", date="1993-06-01"), registry=national_registry)
    assert found["name"].tolist() == ["陈希同"]


@pytest.mark.parametrize("text, name, date", [
    ("今天出版的刊物发表中共中央总书记、国家主席、中央军委主席习近平的重要文章。", "习近平", "2024-05-10"),
    ("今天出版的刊物发表中共中央总书记、国家主席江泽民的重要文章。", "江泽民", "2000-06-01"),
    ("今天出版的刊物发表习近平总书记的重要文章。", "习近平", "2024-05-10"),
])
def test_publication_with_a_title_chain_before_the_name_is_doctrine(national_registry, text, name, date):
    assert _found(text, national_registry, date) == [(name, "doctrine", text.index(name))]


@pytest.mark.parametrize("text", [
    "来宾表示，祝贺习近平主席再次当选中共中央总书记。",      # the post as the complement of 当选
    "来宾表示，祝贺习近平主席连任中共中央总书记和国家主席。",  # … of 连任, two posts
    "习近平总书记、国家主席同来访的外宾会谈。",              # his second post after his name
    "习近平总书记、国家主席、中央军委主席出席活动。",        # his second and third posts
    "习近平总书记同金正恩总书记在北京会谈。",                # another leader's title after his name
])
def test_a_bare_title_that_is_no_second_mention_is_not_resolved(national_registry, text):
    found = _found(text, national_registry)
    assert found == [("习近平", "coverage", text.index("习近平"))]


def test_a_bare_title_standing_for_the_holder_is_still_resolved(national_registry):
    text = "习近平总书记在京考察。总书记强调，要抓好落实。考察中总书记指出，要久久为功。"
    found = _found(text, national_registry)
    assert [kind for _, kind, _ in found] == ["coverage", "title-only", "title-only"]
    assert {name for name, _, _ in found} == {"习近平"}


def test_network_edges_stay_lines_when_pairs_share_hundreds_of_articles():
    import matplotlib.pyplot as plt

    names = ["甲", "乙", "丙", "丁"]
    mentions = pd.DataFrame({"name": names, "kind": ["coverage"] * 4, "level": ["national", "national", "", "district"]})
    pairs = pd.DataFrame({"a": ["甲", "甲", "乙"], "b": ["乙", "丙", "丁"], "count": [638, 40, 1]})
    ax = plot_network(pairs, mentions)
    widths = sorted(line.get_linewidth() for line in ax.lines)
    assert len(widths) == 3 and widths[-1] <= 6.0 and widths[0] >= 0.4 and widths[0] < widths[1] < widths[2]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"national", "district", "no post on the date"}
    plt.close(ax.figure)


def test_a_bare_post_end_maps_only_to_a_post_in_force_on_the_date():
    from analysis.perarticle.mentions import normalise_title

    registry = pd.DataFrame([
        {"name": "甲乙丙", "aliases": "", "title": "国务院副总理", "organisation": "国务院", "level": "national",
         "start": "2018-03-19", "end": "2023-03-12", "source": "test"},
        {"name": "甲乙丙", "aliases": "", "title": "国家副主席", "organisation": "中华人民共和国", "level": "national",
         "start": "2023-03-10", "end": "", "source": "test"}])
    m = matcher(registry)
    # Chair of a bilateral commission in 2022: not yet the vice-president.
    assert normalise_title(m, "甲乙丙", "主席", "2022-03-30") == "主席"
    assert normalise_title(m, "甲乙丙", "副主席", "2024-05-01") == "国家副主席"
    assert normalise_title(m, "甲乙丙", "副总理", "2022-03-30") == "国务院副总理"
