"""Tables the corpus chapter shows: provenance, repairs before/after, page layout, statistics.

Each function works on any corpus (not just the sample), so the chapter runs
unchanged on one's own pages.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .clean import clean_line, parse_caption
from .corpus import resolve_corpus
from .layout import page_blocks
from .pages import Page, read_manifest, read_pages
from .corpus_folder import fact_path

_JUSTIFIED = re.compile(r"[\u4e00-\u9fff] [\u4e00-\u9fff] [\u4e00-\u9fff]")
_DIGIT_SPACE = re.compile(r"[0-9] [\u4e00-\u9fff]|[\u4e00-\u9fff] [0-9]")


def corpus_pages(corpus=None, manifest=None) -> list[Page]:
    """The validated pages of a page corpus (default: the configured corpus); [] for an article table."""
    kind, path, manifest_path = resolve_corpus(corpus, manifest, None)
    return read_pages(path, manifest_path) if kind == "pages" else []


def manifest_table(corpus=None, manifest=None) -> pd.DataFrame:
    """The manifest as a table (``file, paper, issue_date, page, sha256, notes``), checksum shortened."""
    kind, path, manifest_path = resolve_corpus(corpus, manifest, None)
    if kind != "pages":
        return pd.DataFrame(columns=["file", "paper", "issue_date", "page", "sha256", "notes"])
    rows = read_manifest(manifest_path)
    frame = pd.DataFrame(rows)[["file", "paper", "issue_date", "page", "sha256"] + (["notes"] if "notes" in rows[0] else [])]
    frame["sha256"] = frame["sha256"].str[:12] + "…"
    return frame


def known_names(registry: str | Path | None = None) -> list[str]:
    """Person names of the leader registry (``data/leaders.csv``), longest first; [] if there is none."""
    path = Path(registry) if registry else fact_path("leaders")
    if path is None or not path.is_file():
        return []
    names = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").get("name", pd.Series(dtype=str))
    return sorted({n for n in names if len(n) >= 2}, key=lambda n: (-len(n), n))


def repair_examples(pages: list[Page]) -> pd.DataFrame:
    """One before/after example of each repair, found in the pages themselves.

    The line-joining example is a person's name from the leader registry that
    the page broke across two lines (any mid-word break without a registry).

    Columns: ``repair``, ``file``, ``lines`` (raw line numbers), ``before``
    (raw text, line breaks shown as ⏎), ``after``.
    """
    found: dict[str, dict] = {}
    names = known_names()

    def add(repair, page, lines, before, after):
        if repair not in found:
            found[repair] = {"repair": repair, "file": page.file, "lines": lines, "before": before, "after": after}

    for page in pages:
        raw = page.text.splitlines()
        for block in page_blocks(page.text):
            span = f"{block.lines[0]}–{block.lines[-1]}" if len(block.lines) > 1 else str(block.lines[0])
            if block.kind == "vertical":
                add("vertical headline reassembled", page, span, "⏎".join(block.raw), block.text)
            elif block.kind == "caption":
                caption = parse_caption(raw[block.first_line - 1])
                add("doubled bold caption collapsed", page, span, block.raw[0],
                    f"caption: {caption[0]} | credit: {caption[1]}")
            elif block.kind == "paragraph":
                for k in range(len(block.raw) - 1):
                    left, right = clean_line(block.raw[k]), clean_line(block.raw[k + 1])
                    seam = left[-3:] + right[:3]
                    broken_name = any(n in seam and n not in left and n not in right for n in names)
                    mid_word = not names and left[-1:].isalpha() and right[:1].isalpha() and not left.isascii()
                    if broken_name or mid_word:
                        label = "name wrapped across lines joined" if broken_name else "line wrapped mid-word joined"
                        add(label, page, f"{block.lines[k]}–{block.lines[k + 1]}",
                            f"{block.raw[k]}⏎{block.raw[k + 1]}", left + right)
                for k, line in enumerate(block.raw):
                    if _JUSTIFIED.search(line):
                        add("justification spaces removed", page, str(block.lines[k]), line, clean_line(line))
                    if _DIGIT_SPACE.search(line):
                        add("space between digits and characters removed", page, str(block.lines[k]), line, clean_line(line))
    order = ["name wrapped across lines joined", "line wrapped mid-word joined", "justification spaces removed",
             "space between digits and characters removed", "vertical headline reassembled",
             "doubled bold caption collapsed"]
    return pd.DataFrame([found[r] for r in order if r in found], columns=["repair", "file", "lines", "before", "after"])


def page_layout(page: Page, width: int = 24) -> pd.DataFrame:
    """The blocks found on a page: ``kind``, ``lines``, ``text`` (first ``width`` characters)."""
    rows = []
    for block in page_blocks(page.text):
        text = block.text if block.kind != "caption" else f"{block.caption}（{block.credit} 摄）"
        span = f"{block.lines[0]}–{block.lines[-1]}" if len(block.lines) > 1 else str(block.lines[0])
        rows.append({"kind": block.kind, "lines": span, "text": text[:width] + ("…" if len(text) > width else "")})
    return pd.DataFrame(rows, columns=["kind", "lines", "text"])


def issue_summary(articles: pd.DataFrame) -> pd.DataFrame:
    """Per issue: pages, articles, characters, articles with a headline, dated by their dateline."""
    if articles.empty:
        return pd.DataFrame(columns=["issue_date", "pages", "articles", "characters", "with_headline", "dated_by_dateline"])
    grouped = articles.groupby("issue_date", sort=True)
    return pd.DataFrame({
        "pages": grouped["source"].nunique(),
        "articles": grouped.size(),
        "characters": grouped["n_chars"].sum(),
        "with_headline": grouped["headline"].apply(lambda s: int((s != "").sum())),
        "dated_by_dateline": grouped["date_basis"].apply(lambda s: int((s == "dateline").sum())),
    }).reset_index()


def plot_article_lengths(articles: pd.DataFrame, ax=None):
    """Horizontal bars: characters per article, labelled with its headline, grouped by issue."""
    import matplotlib.pyplot as plt

    from .plotting import use_cjk_font

    use_cjk_font()
    data = articles.sort_values(["issue_date", "article_id"], ascending=False, kind="stable")
    labels = [h[:20] + ("…" if len(h) > 20 else "") if h else f"（无标题）{a}" for h, a in zip(data["headline"], data["article_id"])]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.42 * len(data) + 1.2))
    issues = sorted(data["issue_date"].unique())
    colours = {d: plt.get_cmap("tab10")(k % 10) for k, d in enumerate(issues)}
    ax.barh(range(len(data)), data["n_chars"], color=[colours[d] for d in data["issue_date"]])
    ax.set_yticks(range(len(data)), labels)
    ax.set_xlabel("正文字数 (characters of body text)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[d]) for d in issues]
    ax.legend(handles, [f"issue {d}" for d in issues], loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.figure.tight_layout()
    return ax
