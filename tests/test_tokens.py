"""Segmentation: names whole, backends identical, cache, bad dictionary files."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.perarticle.stage import ArticleCache, run_stage
from analysis.tokens import (
    DictionaryError,
    Segmenter,
    load_stopwords,
    read_user_dictionary,
    token_offsets,
    tokenize_articles,
)


def all_tokens(tokens):
    return [t for ts in tokens["tokens"] for t in ts]


def test_shape_and_order(articles, tokens):
    assert list(tokens.columns) == ["article_id", "tokens"]
    assert list(tokens["article_id"]) == list(articles["article_id"])
    assert all(isinstance(t, list) and t for t in tokens["tokens"])


@pytest.mark.parametrize("name", ["王少峰", "初军威", "蒋达峰", "安娜·帕拉希奥", "高峰"])
def test_names_survive_whole(tokens, name):
    assert name in all_tokens(tokens)


def test_middle_dot_name_whole_where_printed(articles, tokens):
    # Every occurrence of the name in the text is one token, none is split.
    printed = sum(text.count("安娜·帕拉希奥") for text in articles["text"])
    assert printed == 3
    assert all_tokens(tokens).count("安娜·帕拉希奥") == printed
    assert "帕拉" not in all_tokens(tokens)


def test_no_punctuation_or_space_tokens_and_stopwords_kept(tokens):
    toks = all_tokens(tokens)
    assert not [t for t in toks if not t.strip() or t in {"，", "。", "、", "“", "”", "（", "）"}]
    assert "的" in toks  # stopwords are kept in tokens; tables drop them


def test_tokens_are_the_text_in_order(articles, tokens):
    for text, toks in zip(articles["text"], tokens["tokens"]):
        offsets = token_offsets(text, toks)
        assert offsets == sorted(offsets)
        covered = "".join(toks)
        assert len(covered) <= len(text)


def test_rjieba_identical_to_jieba_reference(articles):
    fast, slow = Segmenter(backend="rjieba"), Segmenter(backend="jieba")
    for text in articles["text"]:
        assert fast.cut(text) == slow.cut(text)
    for text in articles["headline"]:
        assert fast.cut(text) == slow.cut(text)


def test_cache_reuses_and_keys_on_text(articles, tmp_path, monkeypatch):
    """The one cache of tokens is the per-article stage's: an unchanged text is never segmented twice."""
    first = run_stage(articles, workers=1, cache=tmp_path).tokens
    assert first.equals(tokenize_articles(articles))
    calls = []
    originals = {name: getattr(Segmenter, name) for name in ("cut", "raw_pieces")}

    def counting(name):
        def segment(self, text):
            calls.append(text)
            return originals[name](self, text)
        return segment

    for name in originals:  # every way a text is segmented
        monkeypatch.setattr(Segmenter, name, counting(name))
    again = run_stage(articles, workers=1, cache=tmp_path).tokens
    assert calls == [] and again.equals(first)
    changed = articles.copy()
    changed.loc[changed.index[0], "text"] = changed["text"].iloc[0] + "王少峰主持会议。"
    third = run_stage(changed, workers=1, cache=tmp_path).tokens
    # only the edited article is segmented again (its tokens, and its enumerations' next words)
    assert {c for c in calls if len(c) > 20} == {changed["text"].iloc[0]}
    assert third["tokens"].iloc[0][-2:] == ["王少峰", "主持会议"]


def test_cache_file_in_given_folder(articles, tmp_path):
    run_stage(articles, workers=1, cache=tmp_path)
    assert (tmp_path / ArticleCache.FILE).is_file()


def test_empty_corpus_and_no_chinese():
    empty = tokenize_articles(pd.DataFrame({"article_id": [], "text": []}))
    assert list(empty.columns) == ["article_id", "tokens"] and len(empty) == 0
    odd = tokenize_articles(pd.DataFrame({"article_id": ["a", "b"], "text": ["", "—— ，。"]}))
    assert list(odd["tokens"]) == [[], []]


def test_stopwords_default_and_removal():
    stop = load_stopwords()
    assert {"本报讯", "记者", "的"} <= stop
    # Terms are what is neither a stopword nor a number (the per-article counting's rule).
    from analysis.perarticle.terms import TermCounter

    counter = TermCounter(aliases=False)
    assert [t for t in ["本报讯", "记者", "王少峰", "的", "2024", "发展"] if counter.term(t)] == ["王少峰", "发展"]


def test_user_dictionary_has_sources():
    words = read_user_dictionary()
    assert {"倍增追赶", "京蒙东西部协作", "新质生产力", "两园一河", "安娜·帕拉希奥"} <= set(words["word"])
    assert (words["source"] != "").all()


def test_dictionary_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "userdict.csv"
    bad.write_text("word,freq,tag,category,source\n王少峰,,nr,person,x\n初军威,abc,nr,person,x\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"userdict\.csv, line 3: freq 'abc'"):
        Segmenter(backend="jieba", userdict=bad)
    bad.write_text("word,freq,tag,category,source\n王少峰,,nr,person\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"line 2: expected 5 fields"):
        read_user_dictionary(bad)
    bad.write_bytes("word,freq,tag,category,source\n王少峰,,nr,person,x\n".encode("gbk"))
    with pytest.raises(DictionaryError, match=r"line 2: not valid UTF-8"):
        read_user_dictionary(bad)
    stop = tmp_path / "stopwords.csv"
    stop.write_text("word,category,source\n的,function,x\n的,function,y\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"stopwords\.csv, line 3: duplicate word '的'"):
        load_stopwords(stop)
    stop.write_text("word,category\n的,function\n", encoding="utf-8")
    with pytest.raises(DictionaryError, match=r"line 1: header"):
        load_stopwords(stop)
    assert issubclass(DictionaryError, ValueError)


def test_fast_masking_and_folding_equal_the_plain_ones(articles):
    """The boilerplate masker tries its patterns only where they can start; folding runs on code points:
    both give exactly what regex.sub and str.translate give, on real text of both corpora forms."""
    from pathlib import Path

    from analysis.tokens import _WIDTH, _Masker, fold_width, read_boilerplate

    fixture = Path(__file__).resolve().parent / "fixtures" / "national_daily" / "articles.csv"
    texts = list(articles["text"]) + list(pd.read_csv(fixture)["text"])
    texts += ["新华社北京１２月３０日电（记者 张三）今天", "（新华社记者李四摄）" * 3, "５日电", "x" * 100 + "　ＡＰＥＣ"]
    masker = _Masker(read_boilerplate())
    assert masker.starts is not None  # the default list's patterns all start with known characters
    for text in texts:
        folded = text.translate(_WIDTH)
        assert fold_width(text) == folded
        assert masker(folded) == masker.regex.sub(lambda m: " " * len(m.group()), folded)
    # A pattern that may start anywhere ([一-龥]) falls back to the plain substitution.
    odd = _Masker(pd.DataFrame({"pattern": ["[\u4e00-\u9fff]{2}电"]}))
    assert odd.starts is None and odd("北京电讯") == "   讯"


def test_masker_tries_patterns_anchored_at_the_start_only_there():
    """A pattern opening with ^ or \\A (a web credit of any outlet, ``[一-龥]{1,10}?网消息``) keeps the fast
    masker: it is tried once at the start of the text, and gives what regex.sub gives."""
    from analysis.tokens import _Masker, read_boilerplate

    credit = r"^\s*[\u4e00-\u9fff]{1,10}?网消息(?:\([^()]{0,20}\))?:"
    masker = _Masker(pd.DataFrame({"pattern": [credit, "本报讯"]}))
    assert masker.starts is not None and masker.anchored
    texts = ["光明网消息(晚间新闻):会议。本报讯", "会议。光明网消息:会议", " 光明网消息:本报讯", "本报讯光明网消息:", "光明网", ""]
    for text in texts:
        assert masker(text) == masker.regex.sub(lambda m: " " * len(m.group()), text)
    assert masker("光明网消息(晚间新闻):会议").strip() == "会议"
    assert masker("会议。光明网消息:会议") == "会议。光明网消息:会议"
    alone = _Masker(pd.DataFrame({"pattern": [r"\A光明网"]}))
    assert alone.anchored and alone("光明网光明网") == "   光明网"
    default = _Masker(read_boilerplate())
    assert default.anchored and default.starts is not None  # the default list's web credits are anchored
