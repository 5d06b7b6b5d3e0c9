"""The one escaping rule (analysis.book.escape), checked with the book's own MyST parser and an HTML parser.

Every payload of issue 22 (tests/payloads.py) and a few more, put through each
function, must come out as exactly one kind of thing: text (or one code span)
whose characters are the value's, with no directive, role, substitution, HTML,
maths, link, image or emphasis; and links must be http(s) or relative paths.
"""
from __future__ import annotations

import html.parser
import urllib.parse

import pytest
import yaml

import payloads
from analysis.book.escape import href, html_text, line_breaks_to_spaces, md, md_code, option_value, path_href
from analysis.paths import PROJECT_ROOT

VALUES = [
    payloads.TITLE, payloads.PAPER, payloads.SCRIPT, payloads.IMG, payloads.MATH, payloads.SUBSTITUTION,
    payloads.DOWNLOAD, payloads.INCLUDE, payloads.EVAL_RST, payloads.MD_LINK, payloads.FORMULA,
    payloads.BOLD_QUOTE, payloads.MATH_QUOTE, payloads.HEAD_MARKUP, payloads.PAGE_JS, payloads.PAGE_IMG,
    payloads.DESCRIPTION["source"], payloads.DESCRIPTION["licence"],
    "# heading", "- item", "+ item", "1. item", "3) item", "> quote", ":::{note}\nx\n:::", ": definition",
    "(target)=", "% comment", "---", "===", "~~~", "| a | b |", "*em* _em_ **strong** __strong__",
    "![img](x.png)", "<https://example.org>", "[ref][1]", "[^1]", "&lt;b&gt; &#60;", "a\\", "\\{x\\}",
    "line\r\nbreak\u2028and\u2029more\x85end", "``code``", "`", "a_b_c", "丰台报 (sample): 2024-12-01",
    "{term}`x`", "{ref}`leaders-discovery`", "$$\nx\n$$", "https://example.org/a_b",
]


def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text(encoding="utf-8"))
    extensions = set(config["parse"]["myst_enable_extensions"])
    return create_md_parser(MdParserConfig(enable_extensions=extensions, linkify_fuzzy_links=False), RendererHTML)


PARSER = _parser()


def _inline_children(markdown: str) -> list:
    tokens = PARSER.parse(markdown)
    inline = [t for t in tokens if t.type == "inline"]
    assert len(inline) == 1, [t.type for t in tokens]
    return inline[0].children


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("where", ["{}", "Text {} text.", "- {}", "**{}**", "The *{}*: 1."])
def test_md_value_is_text_only(value, where):
    """Wherever md() puts a value (mid-sentence, first on a line, in a list item, in emphasis) it is text."""
    markdown = where.format(md(value))
    children = _inline_children(markdown)
    kinds = {c.type for c in children} - {"text", "em_open", "em_close", "strong_open", "strong_close"}
    assert not kinds, f"{markdown!r} parses to {kinds}"
    text = "".join(c.content for c in children if c.type == "text")
    assert line_breaks_to_spaces(value).strip() in text, f"{markdown!r} shows {text!r}"
    # The only emphasis is the one around the value, not any inside it.
    opened = [c.type for c in children if c.type.endswith("_open")]
    assert len(opened) == (1 if "*" in where else 0), f"{markdown!r}: {opened}"


@pytest.mark.parametrize("value", VALUES)
def test_md_code_value_is_one_code_span(value):
    children = _inline_children(f"x {md_code(value)} y")
    spans = [c for c in children if c.type == "code_inline"]
    assert [c.type for c in children] == ["text", "code_inline", "text"], [c.type for c in children]
    assert spans[0].content == line_breaks_to_spaces(value)


class _Collect(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text += data


@pytest.mark.parametrize("value", VALUES)
def test_html_text_is_text_and_a_safe_attribute(value):
    page = _Collect()
    page.feed(f'<p title="{html_text(value)}">{html_text(value)}</p>')
    assert page.tags == [("p", [("title", line_breaks_to_spaces(value))])]
    assert page.text == line_breaks_to_spaces(value)
    assert "\n" not in html_text(value) and "\r" not in html_text(value)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>",
                                 "vbscript:x", "file:///etc/passwd", "//evil.example/x", "/etc/passwd",
                                 "java\tscript:alert(1)", "java\nscript:alert(1)", "https:nohost"])
def test_href_refuses_other_schemes_and_hosts(url):
    with pytest.raises(ValueError):
        href(url)


@pytest.mark.parametrize("name", [payloads.PAGE_JS, payloads.PAGE_IMG, "data:text,x.txt", "a b%20c#d?.txt",
                                  "../raw/javascript:x.html#L3", "丰台.txt"])
def test_a_file_name_always_links_as_a_relative_path(name):
    link = path_href(name)
    parts = urllib.parse.urlsplit(link)
    assert parts.scheme == "" and parts.netloc == "", link
    assert all(ch not in link for ch in ' "<>\'`'), link
    # The link names the file: decoding it gives the name back.
    assert urllib.parse.unquote(parts.path) == name.partition("#")[0].partition("?")[0]


def test_http_links_and_relative_paths_pass():
    assert href("https://github.com/fengtai-analysis/fengtai-analysis") == \
        "https://github.com/fengtai-analysis/fengtai-analysis"
    assert href("../raw/000_170871a187ecc0e6.html#L12") == "../raw/000_170871a187ecc0e6.html#L12"


@pytest.mark.parametrize("value", VALUES + ['"quoted" alt', "|x", ">x", "a #b"])
def test_option_value_reads_back_as_written(value):
    from myst_parser.parsers.options import options_to_items

    items, state = options_to_items(f"alt: {option_value(value)}")
    assert items == [("alt", line_breaks_to_spaces(value))] and not state.has_comments


def test_ordinary_text_is_unchanged():
    """The rule is minimal: the sample's kind of values come through as they are."""
    for value in ["区委书记王少峰", "000_170871a187ecc0e6.txt", "2024-12-01 to 2025-02-13", "丰台报 (sample)",
                  "(party) secretary", "G² = 12.3", "“两个确立”", "习近平、李强、赵乐际"]:
        assert md(value) == value
        assert html_text(value) == value.replace("&", "&amp;")
