"""Line-level repairs, each on real lines of the sample pages."""
from analysis.corpus.clean import clean_line, ends_sentence, normalize_forms, parse_caption, undouble
from analysis.corpus.layout import join_clean

from conftest import PAGE_DEC, PAGE_FEB


def raw_lines(page_text, name, first, last):
    return page_text(name).splitlines()[first - 1 : last]


def test_name_broken_across_lines_is_joined(page_text):
    # 区委书记王少 / 峰 (page of February, lines 76-77)
    text, _ = join_clean(raw_lines(page_text, PAGE_FEB, 76, 77))
    assert "区委书记王少峰主持会议" in text


def test_name_broken_with_title_chain_is_joined(page_text):
    # 区人大常委会主任高 / 峰 (page of December, lines 115-116)
    text, _ = join_clean(raw_lines(page_text, PAGE_DEC, 115, 116))
    assert "区委副书记、区长初军威，区人大常委会主任高峰，区政协主席李岚" in text


def test_justification_spaces_between_characters_removed(page_text):
    line = raw_lines(page_text, PAGE_DEC, 204, 204)[0]
    assert line == "会 主 任 高 峰 出 席 并 主 持"
    assert clean_line(line) == "会主任高峰出席并主持"


def test_spaces_between_digits_and_characters_removed(page_text):
    assert clean_line(raw_lines(page_text, PAGE_FEB, 3, 3)[0]) == "2月11日上午，内蒙古自治"
    assert clean_line(raw_lines(page_text, PAGE_DEC, 118, 118)[0]).startswith("会议指出，即将过去的2024年是")
    assert "地铁1号线支线" in clean_line(raw_lines(page_text, PAGE_FEB, 128, 128)[0])
    assert "柳村路南延等8条" in clean_line(raw_lines(page_text, PAGE_FEB, 179, 179)[0])


def test_spaces_between_latin_words_kept(page_text):
    assert "EVE CINA高定" in clean_line(raw_lines(page_text, PAGE_FEB, 249, 249)[0])
    assert "巨型 LED 屏幕" in clean_line(raw_lines(page_text, PAGE_DEC, 12, 12)[0])


def test_vertical_presentation_forms_normalised():
    assert normalize_forms("聚焦﹃四项行动﹄推动") == "聚焦“四项行动”推动"
    assert normalize_forms("\ufe35扩大\ufe36\ufe10") == "（扩大），"


def test_doubled_caption_collapsed(page_text):
    line = raw_lines(page_text, PAGE_FEB, 285, 285)[0]
    assert "姜灏姜灏 摄摄" in line
    assert parse_caption(line) == ("工作人员给孩子们赠送小礼物", "姜灏")
    line = raw_lines(page_text, PAGE_FEB, 287, 287)[0]
    assert parse_caption(line) == ("传统戏曲、变脸表演人气爆棚，点燃了长辛店老镇的氛围", "姜灏")


def test_body_lines_are_not_captions(page_text):
    for number, line in enumerate(page_text(PAGE_FEB).splitlines()[:284], start=1):
        assert parse_caption(line) is None, number


def test_undouble_keeps_undoubled_text():
    assert undouble("区委书记王少峰") == "区委书记王少峰"


def test_sentence_end():
    assert ends_sentence("经验。”") and ends_sentence("一同参加。")
    assert not ends_sentence("正视困难、") and not ends_sentence("将进一步抓实")
