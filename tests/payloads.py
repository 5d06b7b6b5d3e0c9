"""A corpus whose every value is an attack on the generated book (issue 22, Security): :func:`write_payload_corpus`.

Each value that reaches the book (``corpus.toml``'s description, the manifest's
paper and provenance columns, page file names, headlines, quoted phrases,
registry names and titles) carries a payload that would run, read a file or
turn into markup if it were pasted into Markdown or HTML unescaped:

* a MyST directive that includes ``/etc/passwd``, an ``{eval-rst}`` raw-HTML
  block, a ``{download}`` role that would copy ``/etc/hostname`` into the site,
  a ``{{ repo_url }}`` substitution;
* raw HTML (``<script>``, ``<img src=x onerror=…>``, ``<b>``), dollar maths with
  a ``javascript:`` link (``$\\href{javascript:…}{x}$``), a Markdown link to
  ``javascript:``;
* a page file named ``javascript:alert(document.domain).txt`` (a link to it must
  stay a path);
* a spreadsheet formula in a headline (``=HYPERLINK(…)``).

Every script payload calls ``alert`` (hooked by the browser test) and sets
``window.__payload_ran``, so a payload that runs is seen however it runs.

Generated here, from nothing but this file: no text of any licensed corpus.
"""
from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

#: What a payload that runs does: call alert and leave a mark.
RUN = "alert(document.domain);window.__payload_ran=(window.__payload_ran||[]).concat"

SCRIPT = f"<script>{RUN}(['script'])</script>"
IMG = f"<img src=x onerror=\"{RUN}(['img'])\">"
MATH = r"$\href{javascript:alert(1)}{x}$"
SUBSTITUTION = "{{ repo_url }}"
UP = "../" * 10  # from any folder of the checkout up to /
DOWNLOAD = f"{{download}}`{UP}etc/hostname`"
INCLUDE = f"```{{include}} {UP}etc/passwd\n```"
EVAL_RST = "```{eval-rst}\n.. raw:: html\n\n   " + SCRIPT + "\n```"
MD_LINK = "[点我](javascript:alert(document.domain))"
FORMULA = '=HYPERLINK("http://127.0.0.1:9/x","点击")'
# Headlines are short and hold no , ; : ! ? (else the page reader takes them for body text).
HEAD_FORMULA = '=HYPERLINK("#x")长河区新闻'
HEAD_SCRIPT = "区委书记王五会见客人<script>alert(document.domain)</script>"
HEAD_IMG = "区委常委调研<img src=x onerror=alert(document.domain)>"
HEAD_MARKUP = "{{ repo_url }} $x^2$ **粗** 看望老人"
BOLD_QUOTE = "“<b>粗体</b>”"
MATH_QUOTE = "“$x^2$”"

PAPER = f"载荷报{IMG}"
TITLE = f"载荷报测试 {SUBSTITUTION} {MATH}"
PAGE_JS = "javascript:alert(document.domain).txt"
PAGE_IMG = "2024-03-08 <img src=x onerror=alert(2)>.txt"

DESCRIPTION = {
    "title": TITLE,
    "paper": PAPER,
    "place": f"长河区 {DOWNLOAD}",
    "period": "2024-03",
    "source": f"generated {SCRIPT}\n\n{EVAL_RST}\n",
    "licence": f"CC0 {MD_LINK}\n\n{INCLUDE}\n",
    # The book's identity (issue 20): on every page (footer), in the introduction and the citation.
    "subtitle": f"副标题 {SCRIPT}",
    "authors": [f"作者 {IMG}", f"{SUBSTITUTION}"],
    "footer": f"页脚 {IMG} {DOWNLOAD}",
    "intro": f"引言 {SCRIPT}\n\n{INCLUDE}\n",
    # Published whole, so the raw pages (named by their payload file names) are in the site too.
    "publish_text": "full",
}

#: Registry names and titles: a person named in the text, and persons whose names are payloads.
REGISTRY = [
    # name, aliases, title, organisation, level, needs_anchor, start, end
    ("王五", "", "区委书记", "中共长河区委员会", "district", "no", "2023-01-01", ""),
    ("赵六", "", "区长", "长河区人民政府", "district", "no", "2023-01-01", ""),
    (f"李{DOWNLOAD}", "", "区委副书记", "中共长河区委员会", "district", "no", "2023-01-01", "2024-03-04"),
    (f"李{DOWNLOAD}", "", f"区长{SUBSTITUTION}", "长河区人民政府", "district", "no", "2024-03-05", ""),
    (SUBSTITUTION, "", "副区长", "长河区人民政府", "district", "yes", "2023-01-01", ""),
    (f"钱{IMG}", "", "区委常委", "中共长河区委员会", "district", "no", "2023-01-01", ""),
    (f"孙{MATH}", "", f"秘书长{SCRIPT}", "中共长河区委员会", "district", "no", "2023-01-01", ""),
]


def _article(byline: str, body: str) -> str:
    return f"本报讯（记者 {byline}）{body}"


def _pages() -> dict[str, tuple[str, str]]:
    """``{file: (issue_date, text)}``: two pages, each a few articles with headlines."""
    first = "\n\n".join([
        HEAD_FORMULA,
        _article("张三", "3月1日上午，区委书记王五出席全区工作会议。区委书记王五强调，要坚持"
                 f"{BOLD_QUOTE}，落实{MATH_QUOTE}，推动高质量发展。区长赵六主持会议。"),
        HEAD_IMG,
        _article("李四", f"3月1日下午，区委常委钱{IMG}到街道调研，区长赵六陪同。调研强调{BOLD_QUOTE}和"
                 f"{MATH_QUOTE}，要推动高质量发展，建设美丽长河。"),
        HEAD_MARKUP,
        _article("王二", f"3月2日，副区长{SUBSTITUTION}看望社区老人，区委书记王五参加。大家表示要继续"
                 f"{BOLD_QUOTE}，{MATH_QUOTE}，推动高质量发展。{MD_LINK}"),
    ])
    second = "\n\n".join([
        HEAD_SCRIPT,
        _article("张三", f"3月8日上午，区委书记王五会见来访客人，区长赵六、秘书长孙{MATH}参加。王五表示，"
                 f"长河区坚持{BOLD_QUOTE}，落实{MATH_QUOTE}，推动高质量发展。"),
        f"{DOWNLOAD} 植树活动",
        _article("李四", f"3月8日，区长李{DOWNLOAD}参加植树活动，区委书记王五出席。活动强调{BOLD_QUOTE}，"
                 "推动高质量发展，建设美丽长河。"),
        "长河区召开安全生产会议",
        _article("王二", "3月9日，区长赵六主持召开安全生产会议。会议要求推动高质量发展，建设美丽长河。"),
    ])
    return {PAGE_JS: ("2024-03-03", first + "\n"), PAGE_IMG: ("2024-03-10", second + "\n")}


def write_payload_corpus(folder: Path) -> Path:
    """Write the payload corpus (pages, manifest, ``corpus.toml``, registry) into ``folder``; return it."""
    folder = Path(folder)
    raw = folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    manifest = io.StringIO()
    writer = csv.writer(manifest, lineterminator="\n")
    writer.writerow(["file", "paper", "issue_date", "page", "sha256", "source", "extraction", "notes"])
    for name, (date, text) in _pages().items():
        data = text.encode("utf-8")
        (raw / name).write_bytes(data)
        # A manifest's fields are one line each (the reader refuses more).
        writer.writerow([name, PAPER, date, "1", hashlib.sha256(data).hexdigest(), f"{SCRIPT} {SUBSTITUTION}",
                         EVAL_RST.replace("\n", " "), f"{MATH} {DOWNLOAD}"])
    (folder / "manifest.csv").write_text(manifest.getvalue(), encoding="utf-8")
    toml = "".join(f"{key} = {_toml_value(value)}\n" for key, value in DESCRIPTION.items())
    (folder / "corpus.toml").write_text(toml, encoding="utf-8")
    registry = io.StringIO()
    writer = csv.writer(registry, lineterminator="\n")
    writer.writerow(["name", "aliases", "title", "organisation", "level", "category", "needs_anchor", "start", "end",
                     "source", "note"])
    for name, aliases, title, organisation, level, anchor, start, end in REGISTRY:
        writer.writerow([name, aliases, title, organisation, level, "official", anchor, start, end,
                         f"generated {SCRIPT}", FORMULA])
    (folder / "leaders.csv").write_text(registry.getvalue(), encoding="utf-8")
    return folder


def _toml_value(value) -> str:
    """A TOML string, or an array of strings."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml_string(v) for v in value) + "]"
    return _toml_string(value)


def _toml_string(value: str) -> str:
    """A TOML basic string: backslashes, quotes and line breaks escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
