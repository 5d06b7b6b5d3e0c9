r"""The one escaping rule for generated text: a corpus value is shown as the characters it holds.

Everything the book generates -- the prose of :mod:`analysis.book.chapters`
(MyST Markdown rendered by myst-nb), the HTML tables of
:mod:`analysis.book.helpers`, the pages and listings written by
:mod:`analysis.book.publish`, the glossary -- interpolates values that come
from a corpus: its ``corpus.toml`` description, the article table's columns
(paper, headline, source …), page file names, registry names and titles, fact
files, extracted phrases, quotes and terms.  A corpus is data, not markup, so
each such value goes through one function of this module on its way in:

==================== ==========================================================
:func:`md`           text in MyST Markdown (a sentence, a list item, a caption)
:func:`md_code`      text shown as inline code in MyST Markdown (a file name)
:func:`html_text`    text or an attribute value in HTML (also HTML inside Markdown)
:func:`href`         a link target: ``http(s)`` or a relative path, percent-encoded
:func:`path_href`    a link to a file by its relative path (never a scheme)
:func:`option_value` a directive option's value (a figure's alt text), on one line
==================== ==========================================================

What a value can then no longer do: open a directive (```` ```{include} ````,
``{eval-rst}``), a role (``{download}``), a substitution (``{{ repo_url }}``),
raw HTML (``<script>``, ``<img onerror=…>``), dollar maths
(``$\href{javascript:…}{x}$``), a link, an image, emphasis, a heading, a list
or a block quote; or make a link to anything but ``http(s)`` or a relative
path (``javascript:``).  A line break inside a value becomes a space: a value
cannot start a line of its own, so it cannot end the block it is in.

The rule is minimal, so ordinary text reads as it did: Chinese text, dates,
numbers and file names such as ``000_170871a187ecc0e6.txt`` pass unchanged;
only the characters that would start markup are escaped (a backslash before an
ASCII punctuation character, which CommonMark renders as that character).

>>> md("区委书记王少峰")
'区委书记王少峰'
>>> md("“<b>粗体</b>” and “$x^2$”")
'“\\<b>粗体\\</b>” and “\\$x^2\\$”'
>>> md("x\n\n```{include} /etc/passwd\n```\n")
'x  \\`\\`\\`\\{include\\} /etc/passwd \\`\\`\\`'
>>> md("see https://example.org or x@example.org")
'see https\\://example.org or x\\@example.org'
>>> md("{{ repo_url }} {download}`/etc/hostname`")
'\\{\\{ repo_url \\}\\} \\{download\\}\\`/etc/hostname\\`'
>>> md("# not a heading"), md("1. not a list"), md("_not_ *emphasis*"), md("(x)=")
('\\# not a heading', '1\\. not a list', '\\_not\\_ \\*emphasis\\*', '\\(x)=')
>>> md_code("000_170871a187ecc0e6.txt"), md_code("a`b")
('`000_170871a187ecc0e6.txt`', '``a`b``')
>>> html_text('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> href("../raw/javascript:alert(document.domain).html#L3")
'../raw/javascript%3Aalert%28document.domain%29.html#L3'
>>> path_href("javascript:alert(document.domain).txt")
'javascript%3Aalert%28document.domain%29.txt'
>>> href("javascript:alert(1)")
Traceback (most recent call last):
...
ValueError: link 'javascript:alert(1)': only http(s) addresses and relative paths are linked
"""
from __future__ import annotations

import html
import re
import unicodedata
import urllib.parse

__all__ = ["md", "md_code", "html_text", "href", "path_href", "option_value", "line_breaks_to_spaces", "MATH_IGNORE_CLASS"]

#: Class names that keep MathJax away from an element (the book's MathJax processes only elements of
#: class ``math``; HTML of corpus text carries these too, so a ``$…$`` in it stays text on any setting).
MATH_IGNORE_CLASS = "tex2jax_ignore mathjax_ignore"

# Every way a line can end for a Markdown parser, or for a reader's eye (markdown-it normalises \r\n and \r).
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# Characters that open markup wherever they stand in a line: code spans and fences, emphasis, links and
# images, raw HTML and autolinks, roles, substitutions and attributes, dollar maths, tables, escapes, and
# the "@" of an address that linkify would make a mailto: link.
_ALWAYS = frozenset("\\`*[]<{}$|@")
# The ":" of "scheme://": linkify would make an address in a value a link (a value is text, never a link).
_URL_COLON = re.compile(r":(?=//)")
# Characters that open a block only at the start of a line (a heading, list, quote, fence, colon fence,
# definition, comment, thematic break or setext underline): escaped at the start of the value; and a
# MyST target, ``(name)=``, a whole line.
_LEADING = frozenset("#>+-=~:%")
_TARGET = re.compile(r"^\s*\([^)]*\)=")
_ORDERED = re.compile(r"^(\s*\d{1,9})([.)])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def line_breaks_to_spaces(value) -> str:
    """``value`` as a string, every line break (``\\n``, ``\\r``, U+2028 …) a space.

    >>> line_breaks_to_spaces("a\\r\\nb\\u2028c")
    'a b c'
    """
    return _LINE_BREAK.sub(" ", "" if value is None else str(value))


def _word(char: str) -> bool:
    """Whether ``char`` keeps an ``_`` beside it from opening or closing emphasis (CommonMark's flanking)."""
    return bool(char) and not char.isspace() and not unicodedata.category(char).startswith(("P", "S"))


def md(value) -> str:
    r"""``value`` as literal text in MyST Markdown: no markup can start inside it, and it holds no line break.

    For any text position of a paragraph, list item, heading, table cell or
    caption; not inside a code span (:func:`md_code`) or raw HTML
    (:func:`html_text`).  ``None`` is the empty string.

    >>> md("丰台报 (sample): 2024-12-01 to 2025-02-13")
    '丰台报 (sample): 2024-12-01 to 2025-02-13'
    >>> md("R&D &amp; <script>alert(1)</script>")
    'R&D \\&amp; \\<script>alert(1)\\</script>'
    """
    # Outer white space is no part of an inline value (and would keep emphasis around it from closing).
    text = line_breaks_to_spaces(value).strip()
    out = []
    for i, char in enumerate(text):
        if char in _ALWAYS:
            out.append("\\" + char)
        elif char == "_":
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            out.append("_" if _word(before) and _word(after) else "\\_")
        else:
            out.append(char)
    escaped = _URL_COLON.sub(r"\\:", _ENTITY.sub(r"\\&", "".join(out)))
    # A value may stand first on a line (a list item, a glossary term): nothing at its start opens a block.
    stripped = escaped.lstrip(" \t")
    indent = escaped[: len(escaped) - len(stripped)]
    if stripped[:1] in _LEADING or _TARGET.match(stripped):
        escaped = indent + "\\" + stripped
    else:
        escaped = _ORDERED.sub(r"\1\\\2", escaped, count=1)
    return escaped


def md_code(value) -> str:
    r"""``value`` as inline code in MyST Markdown: shown as is, in a code font, on one line.

    The backtick fence is longer than any run of backticks in the value, so
    nothing inside can close it; an empty value is the empty string.

    >>> md_code("{download}`/etc/hostname`")
    '`` {download}`/etc/hostname` ``'
    """
    text = line_breaks_to_spaces(value)
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # A space on both sides when the value starts or ends with a backtick (CommonMark strips one each side).
    pad = " " if text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " " and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(value, line_break: str = " ") -> str:
    """``value`` escaped for HTML text or a quoted attribute value; line breaks become ``line_break``.

    Safe wherever HTML is written, including HTML blocks inside Markdown (a
    blank line would end the block and let Markdown resume: a value has no
    line break left).  ``line_break="<br>"`` keeps a multi-line cell readable.

    >>> html_text("a\\n\\n{{ x }} & b", line_break="<br>")
    'a<br><br>{{ x }} &amp; b'
    """
    text = "" if value is None else str(value)
    return _LINE_BREAK.sub(line_break, html.escape(text, quote=True))


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
# Characters kept as they are in a path, a query and a fragment (RFC 3986 unreserved, sub-delims minus the
# ones a browser could read otherwise, and the separators of each part).
_PATH_SAFE = "/-._~!$&'*+,;=@"
_FRAGMENT_SAFE = "-._~!$&'*+,;=:@/?"


def href(url: str) -> str:
    """``url`` as a link target, or ValueError: an ``http(s)`` address, or a relative path
    (:func:`path_href`).  Anything else with a scheme (``javascript:``, ``data:``, ``file:``) is refused.

    Not HTML-escaped: put the result through :func:`html_text` in an attribute.

    >>> href("https://github.com/fengtai-analysis/fengtai-analysis")
    'https://github.com/fengtai-analysis/fengtai-analysis'
    >>> href("../tables/term_frequency.csv"), href("data.html#table-articles"), href("#L12")
    ('../tables/term_frequency.csv', 'data.html#table-articles', '#L12')
    """
    text = str(url)
    _check_characters(text)
    scheme = _SCHEME.match(text)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            raise ValueError(f"link {text!r}: only http(s) addresses and relative paths are linked")
        if not urllib.parse.urlsplit(text).netloc:
            raise ValueError(f"link {text!r}: an http(s) address needs a host")
        return text.replace(" ", "%20")
    return path_href(text)


def path_href(path: str) -> str:
    """A relative path (a file name, ``../raw/x.html#L3``) as a link target, percent-encoded: whatever
    the name holds, the result is a path, never a scheme (``javascript:x.txt`` is a file) nor another host.

    >>> path_href("javascript:alert(1).txt"), path_href("raw/丰台 1%.html#L2")
    ('javascript%3Aalert%281%29.txt', 'raw/%E4%B8%B0%E5%8F%B0%201%25.html#L2')
    """
    text = str(path)
    _check_characters(text)
    if text.startswith(("/", "\\")):
        raise ValueError(f"link {text!r}: an absolute or protocol-relative address is not a relative path")
    path_part, hash_, fragment = text.partition("#")
    path_part, question, query = path_part.partition("?")
    # Every character outside the safe sets is encoded, "%" too: a path is a file name, never pre-encoded.
    out = urllib.parse.quote(path_part.replace("\\", "/"), safe=_PATH_SAFE)
    if question:
        out += "?" + urllib.parse.quote(query, safe=_FRAGMENT_SAFE)
    if hash_:
        out += "#" + urllib.parse.quote(fragment, safe=_FRAGMENT_SAFE)
    return out


def _check_characters(text: str) -> None:
    if any(ch.isspace() and ch != " " or unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError(f"link {text!r}: holds a line break or control character")


# What MyST's directive-option parser (a subset of YAML) reads as syntax in an unquoted value: a quote or a
# block-scalar indicator first, or a comment.
_OPTION_SYNTAX = re.compile(r"""^[\s"'|>#]|\s#|\s$""")


def option_value(value) -> str:
    r"""``value`` as the value of a MyST directive option (``:alt: …``): one line, read back as written.

    Quoted (YAML double quotes) only when the option parser would read part
    of it as syntax: a leading quote, ``|`` or ``>``, or a `` #`` comment.

    >>> option_value("Bar chart of articles per week: the busiest has 9.")
    'Bar chart of articles per week: the busiest has 9.'
    >>> option_value('Lines of "王一 #1" and 王二')
    '"Lines of \\"王一 #1\\" and 王二"'
    """
    text = line_breaks_to_spaces(value)
    if not _OPTION_SYNTAX.search(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
