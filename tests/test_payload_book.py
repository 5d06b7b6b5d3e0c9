"""The book built on a corpus of payloads shows every payload as text, in a real browser (issue 22, item 1).

The corpus (:mod:`payloads`) is written by the fixture into
``_build/payload/corpus``, built (``scripts/book.sh`` with ``-W``: a payload that
became a directive, role or substitution would also fail the build) into
``_build/payload/_build/html``, served on localhost and opened page by page in
headless Chromium (:mod:`test_browser`'s driver), with ``alert``, ``confirm``,
``prompt`` and ``print`` replaced before any script of the page runs, so that
a payload that runs is recorded however it runs.  Checked:

* no payload runs: nothing called ``alert``, ``window.__payload_ran`` is unset,
  no JavaScript error, no element carries an event handler attribute, no
  script holds a payload, no link leaves ``http(s)``, nothing became maths;
* no file outside the corpus is read or copied: no ``/etc/passwd`` line in the
  site, no file with the bytes of ``/etc/passwd`` or ``/etc/hostname``, no
  download folder;
* every payload is visible as literal text where the book shows that value;
* the whole payload site passes :func:`test_browser.site_problems` (requests,
  links and anchors, console errors), so a percent-encoded link to a page file
  named ``javascript:alert(document.domain).txt`` lands on that page.

``scripts/test.sh`` runs this file on its own (it builds a book).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

import payloads
from analysis.paths import PROJECT_ROOT
from test_browser import book_pages, browser, serve, site_problems  # noqa: F401  (browser: the fixture)

PAYLOAD = PROJECT_ROOT / "_build" / "payload"
#: Pages whose own text (not generated) has formulas.
MATH_PAGES = {"book/methods.html"}
#: The sample's page files (their raw pages exist only in the sample's book).
SAMPLE_PAGES = ("000_170871a187ecc0e6", "001_37b71d2a634c19f4")
SITE = PAYLOAD / "_build" / "html"

#: Run before any script of every page: record what a payload would call.
HOOK = r"""
window.__payload_calls = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = function (...args) { window.__payload_calls.push(name + "(" + args.map(String).join(",") + ")"); };
}
"""

#: What a loaded page shows and holds: text, and every trace a payload that ran or became markup would leave.
PAGE_STATE = r"""
(() => {
  // The content the book generates (the theme's own buttons carry onclick handlers of their own).
  const content = document.querySelector("article.bd-article")
      || (document.querySelector(".bd-header") ? null : document.body);  // a raw page is all ours
  const handlers = [];
  for (const el of content ? content.querySelectorAll("*") : []) {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name)) handlers.push(el.tagName + " " + attr.name + "=" + attr.value.slice(0, 60));
    }
  }
  const links = [];
  for (const el of document.querySelectorAll("a[href], area[href], iframe[src], form[action], embed[src], object[data]")) {
    const address = el.href || el.src || el.action || el.data || "";
    try {
      const protocol = new URL(address, document.baseURI).protocol;
      if (!["http:", "https:", "mailto:"].includes(protocol)) links.push(el.tagName + " " + address.slice(0, 80));
    } catch (e) { links.push(el.tagName + " unparsable " + address.slice(0, 80)); }
  }
  const scripts = Array.from(document.scripts).map(s => s.textContent)
      .filter(t => /__payload_ran|alert\(/.test(t)).map(t => t.slice(0, 80));
  // No maths in generated text (the methods page's own formulas are not generated: see MATH_PAGES).
  const maths = Array.from(content ? content.querySelectorAll("mjx-container, .math, math") : [])
      .map(el => el.textContent.slice(0, 80));
  const bold = Array.from(document.querySelectorAll("b, strong")).map(el => el.textContent)
      .filter(t => t.includes("粗"));
  return {calls: window.__payload_calls || ["(hook missing)"], ran: window.__payload_ran || null,
          handlers, links, scripts, maths, bold, text: document.body ? document.body.innerText : ""};
})()
"""


@pytest.fixture(scope="module")
def payload_site() -> Path:
    """The payload corpus, written afresh and built into the book with the book's own command."""
    shutil.rmtree(PAYLOAD, ignore_errors=True)
    corpus = payloads.write_payload_corpus(PAYLOAD / "corpus")
    env = {**os.environ, "ANALYSIS_CORPUS": str(corpus), "ANALYSIS_TABLES": str(PAYLOAD / "data"),
           "BOOK_OUT": str(PAYLOAD)}
    done = subprocess.run(["bash", "scripts/book.sh"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, f"the payload book does not build:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert (SITE / "book" / "intro.html").is_file()
    return SITE


@pytest.fixture(scope="module")
def pages(payload_site, browser):
    """``{page: state}`` for every page of the payload site (chapters, Data page, raw pages) in Chromium."""
    browser.call("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    names = book_pages(payload_site) + sorted(p.relative_to(payload_site).as_posix()
                                              for p in (payload_site / "raw").rglob("*.html"))
    states = {}
    with serve(payload_site) as url:
        for name in names:
            events = browser.open(url + urllib.parse.quote(name))
            browser.evaluate("new Promise(done => setTimeout(() => done(true), 300))")
            state = browser.evaluate(PAGE_STATE)
            state["errors"] = [e for e in events + browser.events
                               if e.get("method") == "Runtime.exceptionThrown"]
            browser.events = []
            states[name] = state
    return states


def test_the_payload_corpus_reaches_every_chapter(pages):
    assert len([p for p in pages if p.startswith("raw/")]) == 2, sorted(pages)
    for chapter in ("book/intro.html", "book/01_corpus.html", "book/02_term_frequency.html",
                    "book/03_leaders.html", "book/data.html"):
        assert chapter in pages, sorted(pages)


def test_no_payload_runs_in_the_browser(pages):
    problems = []
    for page, state in sorted(pages.items()):
        for what in ("calls", "handlers", "links", "scripts", "maths", "bold", "errors"):
            if what == "maths" and page in MATH_PAGES:
                continue
            if state[what]:
                problems.append(f"{page}: {what}: {state[what][:3]}")
        if state["ran"]:
            problems.append(f"{page}: a payload ran: {state['ran']}")
    assert not problems, "\n".join(problems)


def test_the_hook_sees_a_script_that_runs(browser, tmp_path):
    """The check itself: a page with one live payload must be caught."""
    (tmp_path / "live.html").write_text(
        f"<!DOCTYPE html><html><body><p>x</p>{payloads.IMG}{payloads.SCRIPT}</body></html>", encoding="utf-8")
    browser.call("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
    with serve(tmp_path) as url:
        browser.open(url + "live.html")
        browser.evaluate("new Promise(done => setTimeout(() => done(true), 300))")
        state = browser.evaluate(PAGE_STATE)
    assert state["calls"] and state["ran"] and state["handlers"], state


def test_no_file_outside_the_corpus_is_read_or_copied(payload_site):
    secrets = {Path(p).read_bytes() for p in ("/etc/passwd", "/etc/hostname") if Path(p).is_file()}
    first_passwd_line = Path("/etc/passwd").read_text().splitlines()[0]
    found = []
    for path in payload_site.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data in secrets:
            found.append(f"{path.relative_to(payload_site)}: a copy of a system file")
        if first_passwd_line.encode() in data:
            found.append(f"{path.relative_to(payload_site)}: holds /etc/passwd")
    assert not (payload_site / "_downloads").exists(), "a {download} role copied a file into the site"
    assert not found, "\n".join(found)


# Where each payload is shown as text: (page, the value as the page must show it).
VISIBLE = [
    ("book/intro.html", payloads.TITLE),                      # corpus.toml title: substitution, dollar maths
    ("book/intro.html", payloads.PAPER),                      # the paper: <img onerror>
    ("book/intro.html", payloads.DOWNLOAD),                   # place: a {download} role
    ("book/intro.html", payloads.SCRIPT),                     # source: <script>
    ("book/intro.html", "```{eval-rst} .. raw:: html"),       # source: an eval-rst block, its line breaks now spaces
    ("book/intro.html", payloads.MD_LINK),                    # licence: a javascript: link
    ("book/intro.html", f"```{{include}} {payloads.UP}etc/passwd ```"),  # licence: include
    ("book/intro.html", f"副标题 {payloads.SCRIPT}"),        # the book's identity (issue 20): subtitle,
    ("book/intro.html", f"作者 {payloads.IMG}"),              # authors (the theme's footer),
    ("book/intro.html", f"页脚 {payloads.IMG} {payloads.DOWNLOAD}"),  # footer,
    ("book/intro.html", f"引言 {payloads.SCRIPT}"),          # introduction
    ("book/01_corpus.html", payloads.PAPER),
    ("book/01_corpus.html", payloads.HEAD_FORMULA),           # a headline that is a spreadsheet formula
    ("book/01_corpus.html", payloads.HEAD_SCRIPT),
    ("book/01_corpus.html", payloads.HEAD_MARKUP),
    ("book/01_corpus.html", payloads.PAGE_JS),                # the page file names, in the source column
    ("book/02_term_frequency.html", payloads.BOLD_QUOTE),     # the quoted phrases, ranked as formulations
    ("book/02_term_frequency.html", payloads.MATH_QUOTE),
    ("book/03_leaders.html", f"钱{payloads.IMG}"),            # registry names in the prose and tables
    ("book/03_leaders.html", payloads.SUBSTITUTION),
    ("book/03_leaders.html", f"孙{payloads.MATH}"),
    ("book/03_leaders.html", f"李{payloads.DOWNLOAD}"),
    ("book/03_leaders.html", f"区长{payloads.SUBSTITUTION}"),  # a registry title
    ("book/data.html", payloads.PAGE_JS),
    ("book/data.html", payloads.PAGE_IMG),
    ("raw/javascript%3Aalert%28document.domain%29.html", payloads.HEAD_FORMULA),
]


#: Sphinx's typographic quotes (its smartquotes transform, on all prose of the book) turn a straight quote
#: into a curly one: typography, not markup, so quotes are compared whatever their shape.
QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _shown(text: str) -> str:
    return " ".join(text.translate(QUOTES).split())


@pytest.mark.parametrize("page, value", VISIBLE, ids=[f"{p}:{v[:24]}" for p, v in VISIBLE])
def test_payloads_are_shown_as_literal_text(pages, page, value):
    name = urllib.parse.unquote(page)
    assert name in pages, sorted(pages)
    assert _shown(value) in _shown(pages[name]["text"]), f"{page} does not show {value!r} as text"


def test_the_payload_site_passes_the_browser_check(payload_site, browser):
    """Every page loads, every request and link (percent-encoded file names included) resolves, no console error."""
    with serve(payload_site) as url:
        problems = site_problems(payload_site, url, browser)
    # Not escaping's business: book/glossary.md is the sample's glossary, written from data/glossary.csv,
    # and links the sample's raw pages whatever the corpus (issue 22: "the corpus's own glossary.csv is
    # never read"); every other link must resolve.
    problems = [p for p in problems if not (p.startswith("book/glossary.html: broken link to raw/")
                                            and any(s in p for s in SAMPLE_PAGES))]
    assert not problems, f"{len(problems)} problem(s) in the payload book:\n" + "\n".join(problems)
