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
    original = Segmenter.cut

    def counting(self, text):
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(Segmenter, "cut", counting)
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

    assert [t for t, _ in TermCounter(aliases=False)(["本报讯", "记者", "王少峰", "的", "2024", "发展"])] == [
        "发展", "王少峰"]


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
