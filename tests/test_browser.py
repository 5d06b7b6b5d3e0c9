"""The built book, as a reader sees it: every page opened in headless Chromium.

The HTML in ``_build/html`` is served on localhost and each page is opened in
Debian's ``chromium`` (``scripts/test.sh`` installs it), driven through the
DevTools protocol over a pipe (``--remote-debugging-pipe``), so no driver and
no extra Python package is needed. Checked: every page loads without a failed
request to the book's own server, every image decodes, every internal link
(and its ``#fragment``) resolves, Chinese text is drawn with real glyphs
rather than empty boxes, and a screenshot of the first page with a figure is
saved to ``_build/screenshots/`` for a person to look at.

Chromium gets the CJK font the figures use (Noto Sans CJK SC from
``mplfonts``) through a private fontconfig file, because a fresh machine has
no Chinese font; a reader's own browser brings its own.

If ``_build/html`` is missing, the book is built first (it is never skipped).
"""
from __future__ import annotations

import base64
import contextlib
import functools
import html
import http.server
import json
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from analysis.figures.style import cjk_font_path
from analysis.paths import PROJECT_ROOT

HTML_DIR = PROJECT_ROOT / "_build" / "html"
SCREENSHOT_DIR = PROJECT_ROOT / "_build" / "screenshots"
# Support folders of a Sphinx build: assets and sources, not pages.
NOT_PAGES = {"_static", "_sources", "_images", "reports", "_sphinx_design_static", "raw", "tables", "shown",
             "figures"}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    "--remote-debugging-pipe", "--hide-scrollbars",
]
TIMEOUT = 30.0


class BrowserError(RuntimeError):
    """Chromium failed, timed out or answered a command with an error."""


class Chromium:
    """Headless Chromium driven through the DevTools protocol on fds 3 and 4.

    Messages are JSON objects separated by NUL bytes. One page target is
    attached in flattened mode; its events are kept in ``self.events``.
    """

    def __init__(self, executable: str, user_data_dir: Path, env: dict[str, str], log_path: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        self.log_path = log_path
        # A tiny Python launcher moves our pipe ends onto fds 3 and 4 and execs
        # Chromium (preexec_fn is unsafe with the server thread running; dash
        # cannot redirect fds above 9).
        launcher = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
                    "os.execv(sys.argv[3], sys.argv[3:])")
        command = [sys.executable, "-c", launcher, str(to_chrome_r), str(from_chrome_w), executable,
                   *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"]
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, pass_fds=(to_chrome_r, from_chrome_w), env=env,
                                        stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = ""
        self.version = self.call("Browser.getVersion")["product"]
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})

    def log_tail(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-2000:]

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrowserError(f"no answer from Chromium within {TIMEOUT} s\n{self.log_tail()}")
            ready, _, _ = select.select([self._from_chrome], [], [], remaining)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise BrowserError(f"Chromium exited (code {self.process.poll()})\n{self.log_tail()}")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, browser: bool = False) -> dict:
        """Send one command and return its result; events meanwhile go to ``self.events``."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, event: str) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            for index, seen in enumerate(self.events):
                if seen.get("method") == event:
                    return self.events.pop(index)
            message = self._receive(deadline)
            if "method" in message:
                self.events.append(message)

    def open(self, url: str) -> list[dict]:
        """Load ``url`` until its load event; return the events seen while loading."""
        self.events.clear()
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")
        self.wait_for("Page.loadEventFired")
        events, self.events = self.events, []
        return events

    def evaluate(self, expression: str):
        """Evaluate JavaScript (awaiting a promise) and return its JSON value."""
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"JavaScript failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(base64.b64decode(data))
        os.replace(tmp, path)
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close", browser=True)
        except BrowserError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()


# --- fixtures -----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def built_html() -> Path:
    """``_build/html``, built with the book's own command when missing."""
    if not (HTML_DIR / "index.html").is_file():
        jupyter_book = Path(sys.executable).with_name("jupyter-book")
        env = {**os.environ, "PYTHONHASHSEED": "0", "JUPYTER_PREFER_ENV_PATH": "1",
               "MPLCONFIGDIR": str(PROJECT_ROOT / "_build" / "cache" / "matplotlib")}
        env.pop("ANALYSIS_BUILD_DIR", None)
        env.pop("ANALYSIS_CORPUS", None)
        # The same steps as scripts/book.sh: derived tables, published files and the book's configuration,
        # the book, then the site finished and checked.
        for step in ([sys.executable, "-m", "analysis", "build", "--out", "_build/data", "--quiet"],
                     [sys.executable, "-m", "analysis", "publish", "--data", "_build/data"],
                     [str(jupyter_book), "build", ".", "--config", "_build/book_inputs/_config.yml",
                      "--toc", "_build/book_inputs/_toc.yml", "--all", "-W", "-n", "--keep-going"],
                     [sys.executable, "-m", "analysis.book.site", "--html", "_build/html",
                      "--executed", "_build/jupyter_execute/book", "--tables", "_build/data"]):
            done = subprocess.run(step, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
            assert done.returncode == 0, f"{step[1:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert (HTML_DIR / "index.html").is_file(), f"{HTML_DIR}/index.html missing after the build"
    return HTML_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve ``directory`` on a free port of 127.0.0.1; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server(built_html):
    """Base URL of a local HTTP server on the built HTML."""
    with serve(built_html) as url:
        yield url


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, ("Chromium not found: install Debian's package (apt-get install chromium); "
                        "scripts/test.sh does it")
    root = tmp_path_factory.mktemp("chromium")
    fonts = root / "fonts"
    fonts.mkdir()
    (fonts / cjk_font_path().name).symlink_to(cjk_font_path())
    system = "<include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>"
    (root / "fonts.conf").write_text(
        f"<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n  {system}\n"
        f"  <dir>{html.escape(str(fonts))}</dir>\n  <cachedir>{html.escape(str(root / 'fontcache'))}</cachedir>\n"
        f"</fontconfig>\n", encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(root / "fonts.conf"), "HOME": str(root)}
    chromium = Chromium(executable, root / "profile", env, root / "chromium.log")
    yield chromium
    chromium.close()


# --- helpers ------------------------------------------------------------------------------------

REDIRECT = re.compile(r'^<meta http-equiv="Refresh" content="0; url=([^"]+)" />\s*$')


def book_pages(html_dir: Path) -> list[str]:
    """Every HTML page of the build, as paths relative to ``html_dir`` (POSIX), sorted.

    Redirect stubs (the root ``index.html`` that jupyter-book points at the
    first page) are not pages; :func:`redirects` lists them.
    """
    pages = []
    for path in sorted(html_dir.rglob("*.html")):
        relative = path.relative_to(html_dir)
        if relative.parts[0] not in NOT_PAGES and not REDIRECT.match(path.read_text(encoding="utf-8")):
            pages.append(relative.as_posix())
    return pages


def redirects(html_dir: Path) -> dict[str, str]:
    """``{stub: target}`` for the redirect stubs of the build, paths relative to ``html_dir``."""
    found = {}
    for path in sorted(html_dir.glob("*.html")):
        match = REDIRECT.match(path.read_text(encoding="utf-8"))
        if match:
            target = (path.parent / match.group(1)).resolve().relative_to(html_dir.resolve())
            found[path.relative_to(html_dir).as_posix()] = target.as_posix()
    return found


PAGE_REPORT = r"""
(async () => {
  const images = Array.from(document.images);
  await Promise.all(images.map(img => {
    img.loading = "eager";
    if (img.complete) return null;
    return new Promise(done => {
      img.addEventListener("load", done); img.addEventListener("error", done);
      setTimeout(done, 10000);
    });
  }));
  return {
    title: document.title,
    lang: document.documentElement.lang,
    textLength: document.body ? document.body.innerText.length : 0,
    images: images.map(img => ({src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0,
                                output: !!img.closest(".cell_output, .output, article figure")})),
    links: Array.from(document.querySelectorAll("a[href]")).map(a => a.href),
    viewports: document.querySelectorAll('meta[name="viewport"]').length,
    mathjax: Array.from(document.scripts).map(s => s.src).filter(src => /mathjax/i.test(src)),
  };
})()
"""

# Chinese text drawn with the page's font next to two private-use characters
# that no font has: with no CJK font both are the same empty boxes.
TOFU_CHECK = r"""
(() => {
  const font = getComputedStyle(document.body).fontFamily;
  const draw = text => {
    const canvas = document.createElement("canvas");
    canvas.width = 160; canvas.height = 60;
    const ctx = canvas.getContext("2d");
    ctx.font = "40px " + font; ctx.fillStyle = "#000"; ctx.fillText(text, 0, 45);
    return canvas.toDataURL();
  };
  return {font: font, chinese: draw("丰台"), missing: draw("\uE000\uE001"), blank: draw("")};
})()
"""


def _ids(html_text: str) -> set[str]:
    return {html.unescape(m) for m in re.findall(r'\s(?:id|name)="([^"]+)"', html_text)}


# Requests a page may make that are not network traffic.
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def page_event_problems(page: str, server: str, events: list[dict]) -> list[str]:
    """What the DevTools events of loading ``page`` show to be wrong, one line each.

    A request to anything but the local server (a CDN, fonts, analytics: the
    book must work offline), an HTTP error or failed request for the site's
    own files (the favicon included), a console error or warning of level
    error (e.g. an invalid theme setting, a duplicate viewport tag), a
    JavaScript exception.
    """
    problems = []
    requested = {}
    for event in events:
        params = event.get("params", {})
        method = event["method"]
        if method == "Network.requestWillBeSent":
            address = params["request"]["url"]
            requested[params["requestId"]] = address
            if not address.startswith(server) and not address.startswith(LOCAL_SCHEMES):
                problems.append(f"{page}: request leaves localhost: {address}")
        elif method == "Network.responseReceived":
            response = params["response"]
            if response["url"].startswith(server) and response["status"] >= 400:
                problems.append(f"{page}: {response['status']} for {response['url'][len(server):]}")
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            failed = requested.get(params["requestId"], "")
            if failed.startswith(server):
                problems.append(f"{page}: request failed ({params.get('errorText')}): {failed}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            message = details.get("exception", {}).get("description") or details.get("text")
            problems.append(f"{page}: JavaScript error {message} at {details.get('url', '')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
            problems.append(f"{page}: console error: {text}")
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            problems.append(f"{page}: console error ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
    return problems


# --- tests --------------------------------------------------------------------------------------

def site_problems(html_dir: Path, server: str, browser: Chromium) -> list[str]:
    """Open every page of ``html_dir`` (served at ``server``); return what is wrong, one line each.

    Reported: a redirect stub pointing nowhere, everything
    :func:`page_event_problems` reports (failed or off-site requests, HTTP
    errors, console errors, JavaScript exceptions), an empty page, a page
    whose ``lang`` is not en, an image that does not decode, an internal
    link to a missing file or to a missing ``#anchor``.
    """
    pages = book_pages(html_dir)
    problems: list[str] = []
    for stub, target in redirects(html_dir).items():
        if target not in pages:
            problems.append(f"{stub}: redirects to {target}, which is not a page of the book")
    if "index.html" not in pages and "index.html" not in redirects(html_dir):
        problems.append("no index.html: the book has no entry page")
    links: dict[str, set[str]] = {}
    for page in pages:
        url = urllib.parse.urljoin(server, page)
        events = browser.open(url)
        # Fonts, scripts and late images: give the page a moment, then collect what it did.
        browser.evaluate("new Promise(done => setTimeout(() => done(true), 200))")
        events += browser.events
        browser.events = []
        problems += page_event_problems(page, server, events)
        report = browser.evaluate(PAGE_REPORT)
        if report["viewports"] != 1:
            problems.append(f"{page}: {report['viewports']} viewport meta tags (want exactly one)")
        for script in report["mathjax"]:
            if not script.startswith(server):
                problems.append(f"{page}: MathJax loaded from {script}, not from the book")
        if report["textLength"] < 20:
            problems.append(f"{page}: page is (nearly) empty")
        if report["lang"] != "en":
            problems.append(f"{page}: html lang is {report['lang']!r}, expected 'en' (Chinese text is marked zh-CN)")
        for image in report["images"]:
            if not image["ok"]:
                problems.append(f"{page}: image does not load: {image['src']}")
        for link in report["links"]:
            if link.startswith(server):
                links.setdefault(link, set()).add(page)

    targets: dict[str, str | None] = {}
    for link, sources in sorted(links.items()):
        address, _, fragment = link.partition("#")
        if address not in targets:
            try:
                with urllib.request.urlopen(address, timeout=TIMEOUT) as answer:
                    targets[address] = answer.read().decode("utf-8", errors="replace")
            except urllib.error.URLError as err:
                targets[address] = None
                problems.append(f"{sorted(sources)[0]}: broken link to {address[len(server):]} ({err})")
        body = targets[address]
        if body is None or not fragment or not address.endswith((".html", "/")):
            continue
        if urllib.parse.unquote(fragment) not in _ids(body):
            problems.append(f"{sorted(sources)[0]}: link to missing anchor {link[len(server):]}")
    return problems


def test_every_page_loads_with_images_and_working_links(built_html, server, browser):
    pages = book_pages(built_html)
    assert len(pages) >= 8, f"too few pages built: {pages}"
    problems = site_problems(built_html, server, browser)
    assert not problems, f"{len(problems)} problem(s) in the built book:\n" + "\n".join(problems)


def test_the_check_reports_broken_images_links_and_anchors(tmp_path, browser):
    """The checker itself: a copy of one built page, damaged three ways, must fail three ways."""
    site = tmp_path / "site"
    shutil.copytree(HTML_DIR, site)
    page = site / "book" / "methods.html"
    text = page.read_text(encoding="utf-8")
    damage = ('<img src="../_images/no-such-figure.png" alt="x">'
              '<a href="no-such-page.html">x</a><a href="intro.html#no-such-anchor">x</a>')
    page.write_text(text.replace("</main>", damage + "</main>", 1), encoding="utf-8")
    with serve(site) as url:
        problems = site_problems(site, url, browser)
    found = "\n".join(problems)
    assert "book/methods.html: image does not load" in found and "no-such-figure.png" in found, found
    assert "broken link to book/no-such-page.html" in found, found
    assert "missing anchor book/intro.html#no-such-anchor" in found, found
    assert all(line.startswith("book/methods.html") for line in problems), found




def test_chinese_text_is_drawn_with_real_glyphs(built_html, server, browser):
    first = redirects(built_html).get("index.html", "index.html")
    browser.open(urllib.parse.urljoin(server, first))
    title = browser.evaluate("document.title")
    assert "丰台报" in title, f"{first}: title has no Chinese: {title!r}"
    drawn = browser.evaluate(TOFU_CHECK)
    assert drawn["chinese"] != drawn["blank"], "Chinese text draws nothing"
    assert drawn["chinese"] != drawn["missing"], (
        f"Chinese text is drawn as empty boxes (tofu) with font {drawn['font']!r}")


def test_screenshot_of_a_figure_page(built_html, server, browser):
    chapters = [p for p in book_pages(built_html) if p.startswith("book/") and p[5:7].isdigit()]
    for page in chapters:
        browser.open(urllib.parse.urljoin(server, page))
        report = browser.evaluate(PAGE_REPORT)
        figures = [image for image in report["images"] if image["output"]]
        if figures:
            break
    else:
        pytest.fail(f"no chapter page shows a figure: {chapters}")
    assert all(image["ok"] for image in figures), f"{page}: a figure does not load: {figures}"
    browser.evaluate("""(async () => {
        const img = Array.from(document.images).find(i => i.closest(".cell_output, .output, article figure"));
        img.scrollIntoView({block: "center"});
        await new Promise(done => setTimeout(done, 300));
        return true; })()""")
    shot = browser.screenshot(SCREENSHOT_DIR / (Path(page).stem + ".png"))
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000, f"{shot}: not a real screenshot"
    print(f"screenshot of {page}: {shot.relative_to(PROJECT_ROOT)}")


# --- what a reader sees at desktop and phone widths ----------------------------------------------

WIDTHS = {"desktop": 1400, "phone": 420}


def set_width(browser: Chromium, width: int) -> None:
    """Emulate a window ``width`` CSS pixels wide (a phone below 600 px: mobile viewport, touch)."""
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})


@pytest.fixture
def reset_width(browser):
    yield
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False})


# Every essential cell of every analysis.book.helpers table, and the box that could clip it.
TABLE_REPORT = r"""
(() => {
  const out = [];
  const clipper = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll|hidden|clip)/.test(style.overflowX)) return p;
    }
    return document.documentElement;
  };
  // Matrices scroll sideways by design (test_matrix_scrolls_with_a_sticky_first_column_on_a_phone checks them).
  document.querySelectorAll("table.fx-table:not(.fx-matrix)").forEach((table, index) => {
    const wrap = table.closest(".fx-table-wrap") || table.parentElement;
    const box = clipper(table).getBoundingClientRect();
    const scrolls = [wrap, ...Array.from(document.querySelectorAll(".output, .cell_output"))
                       .filter(o => o.contains(table))]
        .filter(el => el.scrollWidth > el.clientWidth + 1)
        .map(el => `${el.className}: ${el.scrollWidth} > ${el.clientWidth}`);
    const cells = Array.from(table.querySelectorAll("td.fx-essential")).map(td => {
      const r = td.getBoundingClientRect();
      return {label: td.dataset.label || td.cellIndex, text: td.innerText.slice(0, 40),
              overflow: td.scrollWidth - td.clientWidth, left: r.left, right: r.right,
              boxLeft: box.left, boxRight: box.right, visible: r.width > 0 && r.height > 0};
    });
    out.push({index, name: wrap.dataset.table || "", scrolls, cells,
              viewport: document.documentElement.clientWidth});
  });
  return out;
})()
"""


def table_problems(page: str, report: list[dict]) -> list[str]:
    problems = []
    for table in report:
        where = f"{page} table {table['index']}{' (' + table['name'] + ')' if table['name'] else ''}"
        for scroll in table["scrolls"]:
            problems.append(f"{where}: scrolls horizontally ({scroll})")
        for cell in table["cells"]:
            what = f"{where}, column {cell['label']} {cell['text']!r}"
            if not cell["visible"]:
                problems.append(f"{what}: hidden")
            if cell["overflow"] > 1:
                problems.append(f"{what}: content {cell['overflow']} px wider than its cell")
            if cell["left"] < cell["boxLeft"] - 1 or cell["right"] > cell["boxRight"] + 1:
                problems.append(f"{what}: cut off by its container ({cell['left']:.0f}-{cell['right']:.0f} "
                                f"outside {cell['boxLeft']:.0f}-{cell['boxRight']:.0f})")
            if cell["right"] > table["viewport"] + 1 or cell["left"] < -1:
                problems.append(f"{what}: outside the window")
    return problems


def test_table_check_detects_a_clipped_column(tmp_path, browser, reset_width):
    """The table check itself: a table forced wider than a phone must be reported."""
    from analysis.book.helpers import show_table
    import pandas as pd

    table = show_table(pd.DataFrame({"text": ["丰台" * 80], "n": [1]}), essential=["text"])
    css = (PROJECT_ROOT / "book" / "_static" / "fengtai.css").read_text(encoding="utf-8")
    good = f"<!DOCTYPE html><html><head><meta name='viewport' content='width=device-width'><style>{css}</style></head><body>{table.html}</body></html>"
    bad = good.replace("</style>", ".fx-table-wrap{overflow:hidden} table.fx-table td{white-space:nowrap!important;max-width:none!important;display:table-cell!important}</style>")
    (tmp_path / "good.html").write_text(good, encoding="utf-8")
    (tmp_path / "bad.html").write_text(bad, encoding="utf-8")
    set_width(browser, 420)
    with serve(tmp_path) as url:
        browser.open(url + "good.html")
        assert table_problems("good", browser.evaluate(TABLE_REPORT)) == []
        browser.open(url + "bad.html")
        found = "\n".join(table_problems("bad", browser.evaluate(TABLE_REPORT)))
    assert "column text" in found and "cut off by its container" in found, found


@pytest.mark.parametrize("device", list(WIDTHS))
def test_tables_keep_essential_columns_readable(built_html, server, browser, reset_width, device):
    """At 1400 and 420 px no essential column of a show_table table (or the Data page) is clipped."""
    set_width(browser, WIDTHS[device])
    problems, seen = [], 0
    for page in book_pages(built_html):
        browser.open(urllib.parse.urljoin(server, page))
        report = browser.evaluate(TABLE_REPORT)
        seen += len(report)
        problems += table_problems(page, report)
    assert seen >= 3, f"only {seen} analysis.book.helpers tables in the whole book"
    assert not problems, f"{len(problems)} clipped cell(s) at {WIDTHS[device]} px:\n" + "\n".join(problems[:40])


# Every table of a page's text, whoever drew it: a data frame a notebook shows as it is, or a Markdown table, is
# not a show_table table, so TABLE_REPORT does not see it, yet it can be cut off just the same.
WIDE_TABLE_REPORT = r"""
(() => {
  const scroller = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(p).overflowX)) return p;
    }
    return document.documentElement;
  };
  const text = document.querySelector("article.bd-article") || document.body;
  return Array.from(text.querySelectorAll("table")).map((table, index) => {
    const r = table.getBoundingClientRect();
    const box = scroller(table);
    return {index, classes: table.className, helpers: table.classList.contains("fx-table"),
            matrix: table.classList.contains("fx-matrix"), width: r.width, right: r.right,
            box: box.clientWidth, boxClasses: box.className || box.tagName,
            header: Array.from(table.querySelectorAll("th")).map(th => th.innerText.trim()).slice(0, 6).join(" | "),
            viewport: document.documentElement.clientWidth};
  });
})()
"""


def wide_table_problems(page: str, report: list[dict]) -> list[str]:
    """Tables wider than the box they scroll in or than the window; a matrix scrolls sideways by design."""
    problems = []
    for table in report:
        if table["matrix"]:
            continue
        where = f"{page} table {table['index']} ({table['classes'] or 'no class'}: {table['header']!r})"
        if table["width"] > table["box"] + 1:
            problems.append(f"{where}: {table['width']:.0f} px wide in a box of {table['box']} px "
                            f"({table['boxClasses']}), so part of it is out of sight")
        elif table["right"] > table["viewport"] + 1:
            problems.append(f"{where}: ends at {table['right']:.0f} px, outside the window")
    return problems


def test_wide_table_check_detects_a_data_frame_shown_as_it_is(tmp_path, browser, reset_width):
    """The check itself: pandas' own HTML of a table of checksums is wider than a phone; show_table's is not."""
    from analysis.book.helpers import show_table
    import pandas as pd

    frame = pd.DataFrame({"path": ["data/raw/000_170871a187ecc0e6.txt"], "bytes": [12345],
                          "sha256": ["826333b5b971" + "0" * 52], "status": ["matches manifest"]})
    css = (PROJECT_ROOT / "book" / "_static" / "fengtai.css").read_text(encoding="utf-8")
    page = ("<!DOCTYPE html><html><head><meta name='viewport' content='width=device-width'>"
            "<style>{css}.output{{overflow-x:auto}}</style></head><body><div class='output'>{table}</div></body></html>")
    with pd.option_context("display.max_colwidth", 80):
        raw = frame.set_index("path")._repr_html_()
    (tmp_path / "raw.html").write_text(page.format(css=css, table=raw), encoding="utf-8")
    (tmp_path / "helpers.html").write_text(page.format(css=css, table=show_table(frame).html), encoding="utf-8")
    set_width(browser, 420)
    with serve(tmp_path) as url:
        browser.open(url + "helpers.html")
        assert wide_table_problems("helpers", browser.evaluate(WIDE_TABLE_REPORT)) == []
        browser.open(url + "raw.html")
        found = wide_table_problems("raw", browser.evaluate(WIDE_TABLE_REPORT))
    assert len(found) == 1 and "dataframe" in found[0] and "out of sight" in found[0], found


@pytest.mark.parametrize("device", list(WIDTHS))
def test_no_table_is_wider_than_its_page(built_html, server, browser, reset_width, device):
    """At 1400 and 420 px every table of every page fits its column (matrices scroll, and are checked apart);
    the reproducibility page, all tables, shows them through show_table like the chapters."""
    set_width(browser, WIDTHS[device])
    problems, on_reproducibility = [], []
    for page in book_pages(built_html):
        browser.open(urllib.parse.urljoin(server, page))
        report = browser.evaluate(WIDE_TABLE_REPORT)
        problems += wide_table_problems(page, report)
        if page == "book/reproducibility.html":
            on_reproducibility = report
    assert len(on_reproducibility) >= 7, f"the reproducibility page shows {len(on_reproducibility)} table(s)"
    assert not problems, f"{len(problems)} table(s) too wide at {WIDTHS[device]} px:\n" + "\n".join(problems)
    assert all(t["helpers"] for t in on_reproducibility), [t["classes"] for t in on_reproducibility]


FIGURE_REPORT = r"""
Array.from(document.querySelectorAll("article.bd-article img")).map(img => {
  const figure = img.closest("figure");
  const caption = figure ? figure.querySelector("figcaption") : null;
  return {src: img.getAttribute("src"), alt: img.getAttribute("alt") || "",
          figure: !!figure, caption: caption ? caption.innerText.trim() : "",
          number: caption ? /^Fig\. ?\d+/.test(caption.innerText.trim()) : false};
})
"""


def test_every_chapter_figure_has_a_numbered_caption_and_alt_text(built_html, server, browser):
    """Chapters place figures with {glue:figure} (see analysis.book.helpers): caption, number, alt text in words."""
    chapters = [p for p in book_pages(built_html) if p.startswith("book/") and p[5:7].isdigit()]
    assert chapters, "no chapter pages"
    problems, images = [], 0
    for page in chapters:
        browser.open(urllib.parse.urljoin(server, page))
        for image in browser.evaluate(FIGURE_REPORT):
            images += 1
            name = Path(image["src"]).name
            if not image["figure"] or not image["caption"]:
                problems.append(f"{page}: image {name} is not in a captioned figure")
            elif not image["number"]:
                problems.append(f"{page}: figure {name} has an unnumbered caption {image['caption'][:40]!r}")
            alt = image["alt"].strip()
            if len(alt) < 10 or name in alt or re.search(r"\.(png|svg|jpe?g)\b|^_images/|/", alt):
                problems.append(f"{page}: image {name} has no meaningful alt text ({alt!r})")
    assert images, "no figure in any chapter"
    assert not problems, f"{len(problems)} problem(s) with the {images} chapter images:\n" + "\n".join(problems)


SEARCH_RESULTS = r"""
new Promise(done => {
  const started = Date.now();
  const poll = () => {
    const items = Array.from(document.querySelectorAll("#search-results li, ul.search li"));
    const status = (document.querySelector("#search-results p.search-summary, .search-summary") || {}).innerText || "";
    if (items.length || status.includes("did not match") || Date.now() - started > 15000) {
      done({items: items.map(li => ({href: (li.querySelector("a") || {}).href || "", text: li.innerText.slice(0, 200)})),
            status});
    } else setTimeout(poll, 200);
  };
  poll();
})
"""


@pytest.mark.parametrize("term", ["倍增追赶", "新质生产力"])
def test_chinese_search_finds_whole_formulations(built_html, server, browser, term):
    browser.open(urllib.parse.urljoin(server, "search.html?q=" + urllib.parse.quote(term)))
    found = browser.evaluate(SEARCH_RESULTS)
    pages = [urllib.parse.urlparse(item["href"]).path for item in found["items"]]
    assert pages, f"search for {term} found nothing ({found['status']!r})"
    assert any(path.endswith("book/glossary.html") for path in pages), pages
    terms = json.loads(re.search(r"Search\.setIndex\((.*)\)", (built_html / "searchindex.js")
                                 .read_text(encoding="utf-8"), re.S).group(1))["terms"]
    assert term in terms, f"{term} is not one index term"


PROVENANCE_REPORT = r"""
(() => {
  const target = document.querySelector(":target");
  if (!target) return null;
  const r = target.getBoundingClientRect();
  return {id: target.id, text: (target.querySelector("span") || target).innerText,
          background: getComputedStyle(target).backgroundColor,
          other: getComputedStyle(document.querySelector("ol.lines li:not(:target)")).backgroundColor,
          inView: r.top >= 0 && r.bottom <= window.innerHeight, lang: document.documentElement.lang};
})()
"""


def test_provenance_links_land_on_their_highlighted_line(built_html, server, browser):
    links = set()
    for page in book_pages(built_html):
        browser.open(urllib.parse.urljoin(server, page))
        links |= set(browser.evaluate(
            "Array.from(document.querySelectorAll('a[href*=\"raw/\"][href*=\"#L\"]')).map(a => a.href)"))
    assert links, "no provenance link (raw/<page>.html#L<n>) anywhere in the book"
    checked = 0
    for link in sorted(links)[:8]:
        address, _, anchor = link.partition("#")
        stem = Path(urllib.parse.urlparse(address).path).stem
        raw = _raw_file(stem).read_text(encoding="utf-8").splitlines()
        browser.open("about:blank")  # a fragment change alone fires no load event
        events = browser.open(link)
        problems = page_event_problems(link[len(server):], server, events)
        assert not problems, problems
        landed = browser.evaluate(PROVENANCE_REPORT)
        number = int(anchor[1:])
        assert landed and landed["id"] == anchor, f"{link}: no element is the target"
        assert landed["text"] == raw[number - 1], f"{link}: shows {landed['text']!r}, file line is {raw[number - 1]!r}"
        assert landed["background"] != landed["other"], f"{link}: target line is not highlighted"
        assert landed["inView"], f"{link}: the target line is not scrolled into view"
        assert landed["lang"] == "zh-CN"
        checked += 1
    assert checked


def _raw_file(stem: str) -> Path:
    """The corpus file a published raw page ``<stem>.html`` was made from."""
    from analysis.api import environment_corpus

    corpus = environment_corpus()  # the corpus the book was built from
    folder = corpus.pages_dir if corpus.kind == "pages" else corpus.root
    found = sorted(p for p in Path(folder).rglob(f"{stem}.*") if p.suffix != ".html")
    assert found, f"no corpus file for published page {stem}.html in {folder}"
    return found[0]


def test_screenshots_of_every_page_at_both_widths(built_html, server, browser, reset_width):
    """Saved for a person to look at: _build/screenshots/<page>-<width>.png."""
    pages = book_pages(built_html)
    saved = []
    for device, width in WIDTHS.items():
        set_width(browser, width)
        for page in pages:
            browser.open(urllib.parse.urljoin(server, page))
            browser.evaluate("document.fonts.ready.then(() => true)")
            name = page.replace("/", "_").removesuffix(".html") + f"-{width}.png"
            shot = browser.screenshot(SCREENSHOT_DIR / name)
            data = shot.read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, f"{shot}: not a real screenshot"
            saved.append(shot)
    assert len(saved) == 2 * len(pages)
    print(f"{len(saved)} screenshots in {SCREENSHOT_DIR.relative_to(PROJECT_ROOT)}")


# --- phones, print and downloads --------------------------------------------------------------

MATRIX_REPORT = r"""
(async () => {
  const table = document.querySelector("table.fx-matrix");
  if (!table) return null;
  const wrap = table.closest(".fx-matrix-wrap");
  table.scrollIntoView({block: "center"});
  const row = table.querySelector("tbody tr");
  const first = row.querySelector("td");
  const before = first.getBoundingClientRect().left;
  const wrapLeft = wrap.getBoundingClientRect().left;
  wrap.scrollLeft = 200;
  await new Promise(done => setTimeout(done, 100));
  return {
    rowDisplay: getComputedStyle(row).display,
    headerVisible: getComputedStyle(table.querySelector("thead")).position !== "absolute",
    columns: row.children.length,
    scrollWidth: wrap.scrollWidth, clientWidth: wrap.clientWidth, scrolled: wrap.scrollLeft,
    firstBefore: before, firstAfter: first.getBoundingClientRect().left, wrapLeft: wrapLeft,
    secondAfter: row.children[1].getBoundingClientRect().left,
    pageWidth: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
    fontPx: parseFloat(getComputedStyle(first).fontSize),
  };
})()
"""


def test_matrix_scrolls_with_a_sticky_first_column_on_a_phone(built_html, server, browser, reset_width):
    """At 420 px a matrix (mentions per period × person) stays a grid: it scrolls sideways inside its box,
    its first column stays in place, and the page itself does not scroll sideways."""
    set_width(browser, 420)
    browser.open(urllib.parse.urljoin(server, "book/03_leaders.html"))
    report = browser.evaluate(MATRIX_REPORT)
    assert report, "chapter 3 shows no matrix (table.fx-matrix)"
    assert report["rowDisplay"] == "table-row" and report["headerVisible"], f"the matrix became cards: {report}"
    assert report["columns"] >= 5
    assert report["scrollWidth"] > report["clientWidth"], f"the matrix fits 420 px, nothing to test: {report}"
    assert report["scrolled"] > 0, "the matrix's box does not scroll"
    assert abs(report["firstAfter"] - report["wrapLeft"]) <= 1, f"the first column scrolled away: {report}"
    assert report["secondAfter"] < report["firstBefore"] + 200, "the other columns did not scroll"
    assert report["pageWidth"] <= report["viewport"] + 1, "the page scrolls sideways"
    assert report["fontPx"] >= 11


FIGURE_DOWNLOADS = r"""
(async () => {
  const out = [];
  for (const figure of document.querySelectorAll("article.bd-article figure")) {
    const img = figure.querySelector("img");
    const svg = figure.querySelector('figcaption a[href$=".svg"]');
    const png = figure.querySelector('figcaption a[href$=".png"]');
    const item = {id: figure.id, svg: svg ? svg.href : "", png: png ? png.href : "",
                  shown: img.getBoundingClientRect().width, nominal: parseFloat(img.style.width) || img.naturalWidth / 2};
    if (svg) {
      const answer = await fetch(svg.href);
      const text = await answer.text();
      item.svgStatus = answer.status; item.svgType = answer.headers.get("content-type") || "";
      item.svgStart = text.slice(0, 200); item.svgPaths = (text.match(/<path/g) || []).length;
      item.svgImages = (text.match(/<image/g) || []).length;
    }
    if (png) {
      const image = new Image();
      await new Promise(done => { image.onload = done; image.onerror = done; image.src = png.href; });
      item.pngWidth = image.naturalWidth;
    }
    out.push(item);
  }
  return out;
})()
"""


#: Figures that are pictures by nature (their SVG embeds the picture); every other figure's SVG is vectors.
RASTER_FIGURES = {"fig-word-cloud"}


def test_every_figure_has_vector_and_2x_downloads(built_html, server, browser):
    chapters = [p for p in book_pages(built_html) if p.startswith("book/") and p[5:7].isdigit()]
    seen = 0
    for page in chapters:
        browser.open(urllib.parse.urljoin(server, page))
        for item in browser.evaluate(FIGURE_DOWNLOADS):
            seen += 1
            where = f"{page} {item['id']}"
            assert item["svg"] and item["png"], f"{where}: no SVG/PNG download under the caption"
            assert item["svgStatus"] == 200 and "svg" in item["svgType"], f"{where}: {item['svg']} is not an SVG"
            assert "<svg" in item["svgStart"], f"{where}: not an SVG file"
            if item["id"] in RASTER_FIGURES:
                # A word cloud is a picture of words: its SVG holds the picture (the counts are a table's CSV).
                assert item["svgImages"] == 1, f"{where}: the SVG holds no picture"
            else:
                # Text, axes and marks in vectors (a heat map's cells may be one embedded picture).
                assert item["svgPaths"] > 10, f"{where}: the SVG draws nothing in vectors"
            assert item["pngWidth"] >= 1.9 * item["nominal"], f"{where}: the PNG is not at twice the size"
    assert seen >= 5, f"only {seen} figures in the chapters"


def test_figure_text_stays_readable_on_a_phone(built_html, server, browser, reset_width):
    """At 420 px no figure is shown below 82 % of its nominal size, so its smallest text (8 pt at 100 dpi,
    analysis.book.helpers.MIN_FONT_PT) is at least 9 CSS pixels tall; a wider figure scrolls in its box."""
    from analysis.book.helpers import MIN_FIGURE_SCALE, MIN_FONT_PT

    set_width(browser, 420)
    problems, seen = [], 0
    for page in [p for p in book_pages(built_html) if p.startswith("book/") and p[5:7].isdigit()]:
        browser.open(urllib.parse.urljoin(server, page))
        for item in browser.evaluate(FIGURE_DOWNLOADS.replace("if (svg)", "if (false)").replace("if (png)", "if (false)")):
            seen += 1
            scale = item["shown"] / item["nominal"]
            if MIN_FONT_PT * 100 / 72 * scale < 9 - 1e-6:
                problems.append(f"{page} {item['id']}: shown at {scale:.2f} of its size, text "
                                f"{MIN_FONT_PT * 100 / 72 * scale:.1f} px")
        width = browser.evaluate("document.documentElement.scrollWidth")
        assert width <= 421, f"{page}: the page scrolls sideways ({width} px)"
    assert seen and MIN_FIGURE_SCALE * MIN_FONT_PT * 100 / 72 >= 9
    assert not problems, "\n".join(problems)


def test_long_chapters_list_their_sections_at_the_top_on_a_phone(built_html, server, browser, reset_width):
    set_width(browser, 420)
    for page in ("book/02_term_frequency.html", "book/03_leaders.html"):
        browser.open(urllib.parse.urljoin(server, page))
        report = browser.evaluate("""(() => { const nav = document.querySelector("nav.contents.fx-sections");
            if (!nav) return null; const r = nav.getBoundingClientRect();
            return {top: r.top + window.scrollY, shown: r.height > 0, links: nav.querySelectorAll("a").length,
                    sections: document.querySelectorAll("article section > h2").length}; })()""")
        assert report and report["shown"], f"{page}: no section list"
        assert report["links"] == report["sections"] >= 5, f"{page}: {report}"
        assert report["top"] < 2000, f"{page}: the section list is {report['top']:.0f} px down the page"


def test_print_shows_the_text_without_sidebars(built_html, server, browser):
    browser.open(urllib.parse.urljoin(server, "book/03_leaders.html"))
    browser.call("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        report = browser.evaluate("""(() => ({
            sidebar: getComputedStyle(document.querySelector(".bd-sidebar-primary")).display,
            toc: getComputedStyle(document.querySelector(".bd-sidebar-secondary")).display,
            header: getComputedStyle(document.querySelector(".bd-header")).display,
            article: document.querySelector("article.bd-article").getBoundingClientRect().width,
            page: document.documentElement.clientWidth}))()""")
    finally:
        browser.call("Emulation.setEmulatedMedia", {"media": ""})
    assert report["sidebar"] == "none" and report["toc"] == "none" and report["header"] == "none", report
    assert report["article"] >= 0.9 * report["page"], f"the text does not use the page's width: {report}"
