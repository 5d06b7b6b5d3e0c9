"""Article segmentation on the two sample pages, headline by headline, as read by hand.

Page 000 (February 2025): 4 articles and 2 photo captions; the first article's
headline is printed as two vertical blocks at the very end of the page.
Page 001 (December 2024): 5 articles; the first two have their headlines
printed after them, the last two have none on this page.
"""
import pytest

from analysis.corpus.articles import resolve_dateline, split_articles
from analysis.corpus.layout import page_blocks

from conftest import PAGE_DEC, PAGE_FEB


@pytest.fixture(scope="module")
def feb(page_text):
    return split_articles(page_text(PAGE_FEB), "2025-02-13")


@pytest.fixture(scope="module")
def dec(page_text):
    return split_articles(page_text(PAGE_DEC), "2024-12-01")


FEB_EXPECTED = [
    # headline, subheadline, byline, dateline, date, date_basis, body starts, body ends
    ("内蒙古自治区兴安盟党政代表团赴丰台区对接交流", "聚焦“四项行动”推动京蒙东西部协作走深走实",
     "记者 付善元", "2月11日上午", "2025-02-11", "dateline", "2月11日上午，内蒙古自治区兴安盟党政代表团",
     "区领导田涛、李世琪及区有关部门负责人一同参加。"),
    ("区委常委会传达学习习近平总书记重要指示精神及市委常委会会议精神并专题研究生态环境保护工作等事项", "",
     "记者 付善元", "2月12日下午", "2025-02-12", "dateline", "2月12日下午，区委常委会召开会议",
     "会议还研究了其他事项。"),
    ("我区部署以高水平党建引领经济社会高质量发展工作", "", "", "", "2025-02-13", "issue",
     "记者了解到，丰台区将统筹做好抗战主题", "各街镇党政主要领导等分别在主会场、分会场参加。"),
    ("驻华外交官在丰台欢度元宵佳节", "", "", "", "2025-02-13", "issue",
     "威风锣鼓声响彻云霄，市民们纷纷走出家门", "区领导田涛及有关单位、部门负责人一同参加。"),
]

DEC_EXPECTED = [
    ("西班牙人民党考察团走进丰台", "感受党建引领高质量发展成果", "记者 付善元", "", "2024-12-01", "issue",
     "近日，西班牙人民党领导人安娜·帕拉希奥率团", "互相学习和借鉴各自的先进经验。”"),
    ("作为国防动员体制改革后我区组织的首次研究性室内推演——", "", "记者 张馨予 通讯员 许晓宁", "", "2024-12-01",
     "issue", "近日，丰台区武装部联合区国动办组织开展“丰动—2024”国防动员指挥演练",
     "等100余人参加活动。"),
    ("丰台区工作务虚会暨区委理论学习中心组学习（扩大）会召开",
     "坚持“倍增追赶、合作发展”聚焦“营造环境、塑强功能”打造“安全城市、品质生活”奋力谱写新时代首都发展的丰台篇章",
     "记者 王蕾蕾", "11月29日至30日", "2024-11-29", "dateline", "11月29日至30日，丰台区工作务虚会",
     "区相关委办局、各街镇及各区属国企负责人参加。"),
    ("", "", "记者 林瑶 实习记者 袁阳", "11月28日", "2024-11-28", "dateline",
     "11月28日，区第十七届人大常委会召开第二十二次会议，区人大常委会主任高峰出席并主持会议。",
     "部分区人大代表列席会议。"),
    ("", "", "记者 郭晓妍", "", "2024-12-01", "issue", "近日，丰台区召开“提升城市品质”专题座谈会",
     "区有关部门负责人一同参加。"),
]


def _check(articles, expected):
    assert len(articles) == len(expected)
    for art, (headline, sub, byline, dateline, date, basis, start, end) in zip(articles, expected):
        assert art.headline == headline
        assert art.subheadline == sub
        assert art.byline == byline
        assert art.dateline == dateline
        assert (art.date, art.date_basis) == (date, basis)
        assert art.text.startswith(start), art.text[:40]
        assert art.text.endswith(end), art.text[-40:]


def test_february_page_articles(feb):
    _check(feb.articles, FEB_EXPECTED)


def test_december_page_articles(dec):
    _check(dec.articles, DEC_EXPECTED)


def test_no_headline_left_unattributed(feb, dec):
    assert feb.unattributed == [] and dec.unattributed == []


def test_headlines_never_glued_into_bodies(feb, dec, page_text):
    for name, seg in ((PAGE_FEB, feb), (PAGE_DEC, dec)):
        headline_lines = {n for b in page_blocks(page_text(name)) if b.is_headline for n in b.lines}
        body_lines = {line for art in seg.articles for _, line in art.line_map}
        assert headline_lines and not headline_lines & body_lines
    assert sum(1 for name in (PAGE_FEB, PAGE_DEC) for b in page_blocks(page_text(name)) if b.is_headline) == 10


def test_bylines_and_vertical_headlines_not_in_body(feb, dec):
    for art in feb.articles + dec.articles:
        assert "本报讯" not in art.text
        assert "\n内\n" not in art.text and "﹃" not in art.text


def test_captions_kept_apart_and_attached(feb):
    assert [(c.caption, c.credit, c.line) for c in feb.captions] == [
        ("工作人员给孩子们赠送小礼物", "姜灏", 285),
        ("传统戏曲、变脸表演人气爆棚，点燃了长辛店老镇的氛围", "姜灏", 287),
    ]
    # Both photos illustrate the diplomats' Lantern Festival article (the 4th).
    assert [c.article_index for c in feb.captions] == [3, 3]
    assert [c.attach_basis for c in feb.captions] == ["position", "overlap"]
    for art in feb.articles:
        assert "姜灏" not in art.text and "赠送小礼物" not in art.text


def test_paragraphs_kept_and_column_breaks_joined(feb):
    first = feb.articles[0].text.split("\n")
    assert len(first) == 4
    # A blank line mid-sentence (column break) does not break the paragraph.
    assert "下一步，将进一步抓实“四项行动”，不断深化协作领域。" in first[2]
    assert "丰富北京市民的“菜篮子”“米袋子”" in first[2]


def test_line_map_points_at_raw_lines(dec, page_text):
    raw = page_text(PAGE_DEC).splitlines()
    art = dec.articles[3]
    for offset, line in art.line_map:
        piece = art.text[offset : offset + 3]
        assert piece.replace(" ", "") in raw[line - 1].replace(" ", ""), (offset, line)


def test_headline_after_its_article_goes_back_not_forward(dec):
    # The kicker printed after the drill article quotes that article's text.
    assert dec.articles[1].headline.startswith("作为国防动员体制改革后")
    assert dec.articles[2].headline.startswith("丰台区工作务虚会")


def test_unattributable_headline_is_reported():
    page = "本报讯（记者 张三）今天区里开会。\n\n春风又绿江南岸\n\n本报讯（记者 李四）明天学校放假。\n"
    seg = split_articles(page, "2025-03-01")
    assert [b.text for b in seg.unattributed] == ["春风又绿江南岸"]
    assert [a.headline for a in seg.articles] == ["", ""]
    assert all("春风" not in a.text for a in seg.articles)


@pytest.mark.parametrize("body, issue, expected", [
    ("2月12日下午，区委常委会召开会议", "2025-02-13", ("2月12日下午", "2025-02-12")),
    ("11月29日至30日，丰台区工作务虚会", "2024-12-01", ("11月29日至30日", "2024-11-29")),
    ("12月30日，", "2025-01-03", ("12月30日", "2024-12-30")),
    # A printed year more than a month before the issue opens a look back, not a dateline (no date).
    ("2023年5月4日上午，", "2025-01-03", ("2023年5月4日上午", "")),
    ("2024年12月30日上午，", "2025-01-03", ("2024年12月30日上午", "2024-12-30")),
    ("１２月３０日，", "2025-01-03", ("１２月３０日", "2024-12-30")),
    ("３０日，", "2025-01-03", ("３０日", "2024-12-30")),
    ("近日，丰台区召开", "2024-12-01", ("", "")),
    ("2月30日，", "2025-03-01", ("2月30日", "")),
])
def test_dateline(body, issue, expected):
    assert resolve_dateline(body, issue) == expected


def _ideographs(text):
    import re
    return len(re.findall(r"[\u4e00-\u9fff]", text))


@pytest.mark.parametrize("name, issue", [(PAGE_FEB, "2025-02-13"), (PAGE_DEC, "2024-12-01")])
def test_no_text_lost_or_duplicated(page_text, name, issue):
    """Every Chinese character of the page ends up exactly once in some field."""
    from analysis.corpus.clean import parse_caption

    raw = page_text(name)
    seg = split_articles(raw, issue)
    captions = [line for line in raw.splitlines() if parse_caption(line)]
    expected = _ideographs(raw) - sum(_ideographs(c) for c in captions)
    got = sum(_ideographs(a.text) + _ideographs(a.headline) + _ideographs(a.subheadline) + _ideographs(a.byline)
              for a in seg.articles)
    got += _ideographs("本报讯") * sum(1 for a in seg.articles if a.byline)
    got += sum(_ideographs(b.text) for b in seg.unattributed)
    assert got == expected
    assert sum(_ideographs(c.caption + c.credit) for c in seg.captions) * 2 + 2 * len(seg.captions) == sum(
        _ideographs(c) for c in captions)  # doubled text, and 摄 doubled


def test_headline_interrupting_a_sentence_does_not_split_the_article():
    # A vertical headline printed between two columns of one sentence.
    page = ("本报讯（记者 张三）3月1日，区里召开会议，部署\n\n植\n树\n造\n林\n任\n务\n部\n署\n\n"
            "全年植树造林任务。会议要求各街镇抓好落实。\n")
    seg = split_articles(page, "2025-03-02")
    assert len(seg.articles) == 1
    assert seg.articles[0].text == "3月1日，区里召开会议，部署全年植树造林任务。会议要求各街镇抓好落实。"
    assert seg.articles[0].headline == "植树造林任务部署"


def test_pages_in_any_order_do_not_crash(page_text):
    import random
    rng = random.Random(0)
    lines = page_text(PAGE_FEB).splitlines() + page_text(PAGE_DEC).splitlines()
    for _ in range(30):
        sample = rng.sample(lines, k=rng.randint(0, 60))
        seg = split_articles("\n".join(sample), "2025-01-01")
        for art in seg.articles:
            assert art.date_basis in ("dateline", "issue")
