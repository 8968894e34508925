"""Every page of the built book, in a real browser, without network.

The book is served on 127.0.0.1 and opened in a headless Chromium (Debian's
`chromium`, driven by Playwright). The browser resolves no other host, so a
request to another host fails, and it fails the page. Each page is opened at
a desktop width (1280 px) and a phone's (390 px, in test_browser_phone.py);
on each: MathJax has typeset every formula with its own web fonts and no
error, every image has loaded, no response is an error, no script raises,
every link inside the book leads to a file that exists, there is exactly one
search box, no display equation runs past its column (a wide one scrolls in
its own box), no code block is wider than its column, no `assert` line shows
unless asked for, and every figure is stored at 1.5 times the width it is
shown at or more.
"""

import functools
import http.server
import json
import re
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from conftest import require

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Any host but this machine's fails to resolve: nothing can leave it.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
# Every page of a Jupyter Book 1 site logs this harmless script error.
KNOWN_PAGE_ERRORS = ("THEBE_JS_URL",)
TIMEOUT_MS = 30_000
DESKTOP = 1280  # a desktop browser
PHONE = 390  # a phone (touch, overlay scrollbars): test_browser_phone.py
REDIRECT = '<meta http-equiv="Refresh"'


def toc_pages() -> list[str]:
    """The HTML pages that _toc.yml produces, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(f).with_suffix("")) + ".html" for f in files]


PAGES = toc_pages()

CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
MATH = re.compile(r"\$[^$\s][^$]*\$|\{math\}|\\begin\{(equation|align)")


def source_has_math(page_path: str) -> bool:
    """Whether the page's source (Markdown, or a notebook's Markdown cells)
    writes math outside code."""
    stem = ROOT / page_path.removesuffix(".html")
    if stem.with_suffix(".md").is_file():
        text = stem.with_suffix(".md").read_text()
    elif stem.with_suffix(".ipynb").is_file():
        cells = json.loads(stem.with_suffix(".ipynb").read_text())["cells"]
        text = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
        )
    else:
        return False
    return bool(MATH.search(CODE.sub("", text)))


@pytest.fixture(scope="module")
def site(built_book):
    """The built book served on a free local port: (base url, html folder)."""
    html = built_book.html
    if not (html / "index.html").is_file():
        pytest.fail(f"the book was not built (see test_book.py); nothing in {html}")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            # The browser drops connections when a page closes; not an error.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", html
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    require(
        CHROMIUM,
        "chromium is not installed, so the built book cannot be checked in a "
        "browser: install it with `apt-get install chromium` (or run "
        "`bash .ci/run` as root)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Scrollbars as a reader's browser draws them (headless hides them by default).
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=FLAGS,
            ignore_default_args=["--hide-scrollbars"],
        )
        yield browser
        browser.close()


def record_requests_leaving(context, base: str) -> list[str]:
    """The list into which every request of `context` that leaves the site at `base`
    is recorded (such a request fails: the browser resolves no other host, FLAGS).
    An event, not an interception: no request waits for Python."""
    outside = []

    def record(request):
        url = request.url
        leaves = url.split(":", 1)[0] in ("http", "https", "ws", "wss")
        if leaves and not (url.startswith(base + "/") or url == base):
            outside.append(url)

    context.on("request", record)
    return outside


def open_context(browser, site, width: int):
    """A browser context `width` px wide (a phone's with touch) that records every
    request leaving the site (the browser cannot resolve any other host: FLAGS)."""
    base, _ = site
    phone = width == PHONE
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        is_mobile=phone,
        has_touch=phone,
    )
    context.outside_requests = record_requests_leaving(context, base)
    yield context
    context.close()


# The phone's width runs in test_browser_phone.py, with these same tests: two
# files that pytest-xdist (--dist loadfile) can run side by side.
@pytest.fixture(scope="module", params=[DESKTOP], ids=lambda w: f"{w}px")
def context(browser, site, request):
    yield from open_context(browser, site, request.param)


# Runs in the page once it has loaded. Images are made eager first, so that
# lazy images below the fold are checked too.
INSPECT = """
async (timeoutMs) => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
  const images = [...document.images];
  images.forEach((img) => { img.loading = 'eager'; });
  await Promise.race([
    Promise.all(images.map((img) => img.decode().catch(() => null))), timeout]);

  let mathjax = null;
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    const done = await Promise.race([MathJax.startup.promise.then(() => 'ok'), timeout]);
    await Promise.race([document.fonts.ready, timeout]);
    mathjax = done;
  }
  const mathNodes = [...document.querySelectorAll('.math')]
    .filter((el) => !el.parentElement.closest('.math'));
  const faces = [...document.fonts]
    .map((f) => ({family: f.family.replace(/["']/g, ''), status: f.status}))
    .filter((f) => f.family.startsWith('MJX'));
  return {
    mathjax,
    math: mathNodes.length,
    untypeset: mathNodes.filter((el) => !el.querySelector('mjx-container'))
      .map((el) => el.textContent.trim().slice(0, 80)),
    containers: document.querySelectorAll('mjx-container').length,
    merrors: [...document.querySelectorAll('mjx-merror')]
      .map((el) => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 80)),
    fontsLoaded: faces.filter((f) => f.status === 'loaded').map((f) => f.family),
    fontsFailed: faces.filter((f) => f.status === 'error').map((f) => f.family),
    brokenImages: images.filter((img) => !img.complete || img.naturalWidth === 0)
      .map((img) => img.getAttribute('src')),
    // Figures (not the logo) stored at less than 1.5 times the width they are shown at.
    blurryFigures: images.filter((img) => img.closest('.cell_output, figure')
        && img.naturalWidth > 0 && img.naturalWidth < 1.5 * img.getBoundingClientRect().width)
      .map((img) => `${img.getAttribute('src')}: ${img.naturalWidth} px shown at `
        + `${Math.round(img.getBoundingClientRect().width)} px`),
    links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
    searchBoxes: [...document.querySelectorAll('button.search-button__button')]
      .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
      .length,
    // Code (a cell's input or its printed output) wider than its block.
    wideCode: [...document.querySelectorAll('div.highlight pre')]
      .filter((pre) => pre.getClientRects().length && pre.scrollWidth > pre.clientWidth + 1)
      .map((pre) => {
        const lines = pre.textContent.split('\\n');
        const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
        return `${pre.scrollWidth} px in ${pre.clientWidth} px: ${longest.slice(0, 60)}`;
      }),
    // `assert` lines a reader sees without asking for them (checks.js folds them).
    visibleAsserts: [...document.querySelectorAll('div.cell_input div.highlight pre')]
      .flatMap((pre) => pre.innerText.split('\\n'))
      .filter((line) => /^\\s*(assert\\b|np\\.testing\\.assert_)/.test(line)),
    checkToggles: document.querySelectorAll('button.mytorch-check-toggle').length,
    clippedEquations: [...document.querySelectorAll('mjx-container[display="true"]')]
      .filter((eq) => {
        const column = eq.closest('article, .bd-article, main');
        const outside = column
          && eq.getBoundingClientRect().right > column.getBoundingClientRect().right + 1;
        const overflows = eq.scrollWidth > eq.clientWidth + 1;
        const scrolls = ['auto', 'scroll'].includes(getComputedStyle(eq).overflowX)
          && eq.offsetHeight - eq.clientHeight >= 2;  // with a scrollbar the reader can see
        return outside || (overflows && !scrolls);
      })
      .map((eq) => (eq.getAttribute('aria-label') || eq.textContent).slice(0, 60)),
  };
}
"""


def local_file(url: str, base: str, html: Path) -> Path | None:
    """The file inside the build that a same-site URL points to, or None for
    links that leave the book (which are fine: they are not requests)."""
    if not url.startswith(base + "/"):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    target = html / path
    return target / "index.html" if target.is_dir() else target


def check_page(context, site, page_path: str, expect_math: bool = False) -> list[str]:
    """Open one page; return every problem found on it."""
    base, html = site
    problems, page_errors, bad_responses, failed_requests = [], [], [], []
    context.outside_requests.clear()
    page = context.new_page()
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    page.on(
        "response",
        lambda r: r.status >= 400 and bad_responses.append(f"{r.status} {r.url}"),
    )
    page.on(
        "requestfailed",
        lambda r: r.url.startswith(base) and failed_requests.append((r.url, r.failure)),
    )
    url = f"{base}/{page_path}"
    try:
        response = page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        if response is None or response.status >= 400:
            return [f"{page_path} could not be opened: {response and response.status}"]
        if REDIRECT in (html / page_path).read_text(errors="replace")[:1000]:
            # e.g. index.html: check the page it leads to, once it has loaded.
            page.wait_for_url(lambda new: new != url, timeout=TIMEOUT_MS)
            page.wait_for_load_state("load", timeout=TIMEOUT_MS)
        found = page.evaluate(INSPECT, TIMEOUT_MS)
    finally:
        page.close()

    problems += [
        f"request to another host (which cannot resolve here): {url}"
        for url in context.outside_requests
    ]
    problems += [f"response {r}" for r in bad_responses]
    problems += [
        f"request failed ({why}): {u}"
        for u, why in failed_requests
        if not any(r.endswith(" " + u) for r in bad_responses)
    ]
    problems += [
        f"script error: {e}"
        for e in page_errors
        if not any(known in e for known in KNOWN_PAGE_ERRORS)
    ]
    problems += [f"image did not load: {src}" for src in found["brokenImages"]]
    problems += [f"figure not sharp: {text}" for text in found["blurryFigures"]]
    if expect_math and not found["math"]:
        problems.append(
            "the source has math but the page has none: was it parsed as text?"
        )
    if found["math"]:
        if found["mathjax"] is None:
            problems.append("the page has math but MathJax is not loaded")
        elif found["mathjax"] != "ok":
            problems.append(f"MathJax did not finish typesetting ({found['mathjax']})")
        untypeset = found["untypeset"]
        problems += [f"formula not typeset: {tex}" for tex in untypeset[:5]]
        if len(untypeset) > 5:
            problems.append(f"... and {len(untypeset) - 5} more formulas not typeset")
        if not found["containers"]:
            problems.append(
                f"{found['math']} formulas but no mjx-container on the page"
            )
        problems += [f"MathJax error: {err}" for err in found["merrors"]]
        if not found["fontsLoaded"]:
            problems.append(
                "no MathJax web font (MJXTEX/MJXZERO) was loaded: "
                "formulas are drawn in fallback fonts"
            )
        problems += [f"MathJax font failed to load: {f}" for f in found["fontsFailed"]]
    if found["searchBoxes"] != 1:
        problems.append(f"{found['searchBoxes']} search boxes, expected one")
    problems += [
        f"display equation wider than its column, without a visible scrollbar: {eq}"
        for eq in found["clippedEquations"]
    ]
    problems += [f"code wider than its column: {text}" for text in found["wideCode"]]
    problems += [
        f"an assert line is not folded: {line.strip()[:60]}"
        for line in found["visibleAsserts"][:5]
    ]
    for url in sorted(set(found["links"])):
        target = local_file(url, base, html)
        if target is not None and not target.exists():
            problems.append(f"link to a missing file: {url.removeprefix(base)}")
    return problems


@pytest.mark.parametrize("page_path", PAGES)
def test_page(context, site, page_path):
    problems = check_page(
        context, site, page_path, expect_math=source_has_math(page_path)
    )
    assert not problems, f"{page_path}:\n  " + "\n  ".join(problems)


def test_every_other_page(context, site):
    """The pages that are not in the table of contents: the redirecting
    index, the general index, search, the module index."""
    _, html = site
    others = sorted(
        str(p.relative_to(html))
        for p in html.rglob("*.html")
        if not p.relative_to(html).parts[0].startswith("_")
        and str(p.relative_to(html)) not in PAGES
    )
    assert "index.html" in others
    problems = [
        f"{page}: {problem}"
        for page in others
        for problem in check_page(context, site, page)
    ]
    assert not problems, "\n".join(problems)


def test_checks_fold_and_unfold(context, site):
    """A chapter's `assert` lines are hidden behind a button that shows them."""
    base, _ = site
    page = context.new_page()
    try:
        page.goto(f"{base}/book/02_gradient_checking.html", wait_until="load")
        code = page.locator("div.cell_input div.highlight pre")
        toggle = page.locator("button.mytorch-check-toggle").first
        before = "\n".join(code.all_inner_texts())
        assert "assert " not in before
        assert toggle.inner_text().startswith("Show the check")
        pre = toggle.locator("xpath=preceding-sibling::div[1]//pre")
        hidden = pre.inner_text()
        toggle.click()
        shown = pre.inner_text()
        assert "assert" in shown and len(shown) > len(hidden)
        assert toggle.inner_text().startswith("Hide the check")
        # Code that is not a check is untouched: the unfolded text is the cell's source.
        assert pre.text_content() == shown or shown in pre.text_content()
    finally:
        page.close()
