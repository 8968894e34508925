"""The playground page (book/playground.md) in a real browser, without network.

The built book is served and opened in headless Chromium as in
test_browser.py, where no other host resolves. On the page:

- no request leaves the site and no script raises;
- Adam trains the moons to at least 0.95 test accuracy within MOONS_STEPS steps;
- changing a control (the learning rate, the seed) changes the run;
- the page's own link to a run, opened in a new page, trains the same numbers;
- a 2-32-32-3 network at batch 100 trains at least MIN_STEPS_PER_SECOND steps per
  second while the page draws (the measured rate is printed: `pytest -s`);
- the Python the page exports, run with the package in a subprocess, prints
  the test accuracy the page shows, to the printed digit (AdamW included);
- uploaded points are rounded to the link's 16 bits a coordinate, and the
  page's link, holding them, opened in a new page trains the same numbers; a
  file of more points than a link holds gets a link that says so, and that
  link opened says the points are missing;
- the small copies in the chapters on geometry and on the atlas (iframes of
  embed.html, by a relative path) load, and a few steps change the loss; the
  geometry chapter's, trained to 60 epochs, ends at the test accuracy that the
  chapter's own run (`run_experiment`) reaches.
"""

import math
import os
import re
import subprocess
import sys
import time

import pytest
from test_browser import (  # noqa: F401
    FLAGS,
    KNOWN_PAGE_ERRORS,
    ROOT,
    TIMEOUT_MS,
    browser,
    record_requests_leaving,
    site,
)

pytestmark = pytest.mark.browser

PAGE = "book/playground.html"
MOONS_STEPS = 200  # 25 epochs of 750 points in minibatches of 100
MIN_STEPS_PER_SECOND = 30
STOPPED_AT = """(steps) => {
  const s = document.getElementById('pg-status');
  return s && s.dataset.steps === String(steps) && s.dataset.playing === '0';
}"""


@pytest.fixture
def page(browser, site):  # noqa: F811
    base, _ = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside, errors = record_requests_leaving(context, base), []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def open_run(query: str = "", steps: int | None = None):
        page.goto(
            f"{base}/{PAGE}{'?' + query if query else ''}",
            wait_until="load",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_function(
            "document.documentElement.dataset.playground === 'ready'",
            timeout=TIMEOUT_MS,
        )
        if steps is not None:
            page.wait_for_function(STOPPED_AT, arg=steps, timeout=120_000)
        return status(page)

    page.open_run = open_run
    open_run.base = base
    yield page
    context.close()
    assert not outside, f"requests to other hosts: {outside}"
    errors = [e for e in errors if not any(known in e for known in KNOWN_PAGE_ERRORS)]
    assert not errors, f"script errors: {errors}"


def status(page) -> dict:
    return page.evaluate("window.mytorchPlayground.status()")


def train_to(page, steps: int) -> dict:
    page.evaluate("(n) => window.mytorchPlayground.trainTo(n)", steps)
    page.wait_for_function(STOPPED_AT, arg=steps, timeout=120_000)
    return status(page)


def test_adam_learns_the_moons(page):
    first = page.open_run()
    assert first["steps"] == 0 and first["testAccuracy"] < 0.9
    done = page.open_run(f"task=moons&opt=adam&steps={MOONS_STEPS}", steps=MOONS_STEPS)
    assert done["testAccuracy"] >= 0.95, done
    assert (
        page.get_attribute("#pg-status", "data-test-accuracy")
        == f"{done['testAccuracy']:.3f}"
    )


def test_a_control_changes_the_run(page):
    base = page.open_run("task=spiral&opt=adam&steps=40", steps=40)
    for selector, value in (
        ("#pg-lr", "0.005"),
        ("#pg-seed", "1"),
        ("#pg-act", "tanh"),
    ):
        page.open_run("task=spiral&opt=adam")
        if selector == "#pg-act":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
            page.dispatch_event(selector, "change")
        assert status(page)["steps"] == 0
        changed = train_to(page, 40)
        assert changed["trainLoss"] != base["trainLoss"], selector
        assert f"{selector[4:]}={value}" in page.url


def test_a_shared_link_reproduces_the_run(page):
    page.open_run(
        "task=spiral&act=tanh&opt=sgd&nesterov=1&momentum=0.9&lr=0.1&bn=1"
        "&dropout=0.1&seed=5&batch=64"
    )
    page.click("#pg-play")
    time.sleep(1.0)
    page.click("#pg-play")
    page.wait_for_function(
        "document.getElementById('pg-status').dataset.playing === '0'"
    )
    played = status(page)
    assert played["steps"] > 0
    link = page.get_attribute("#pg-share", "href")
    assert (
        f"steps={played['steps']}" in link
        and "seed=5" in link
        and "dropout=0.1" in link
    )
    page.goto(page.url.split("/book/")[0] + link, wait_until="load", timeout=TIMEOUT_MS)
    page.wait_for_function(STOPPED_AT, arg=played["steps"], timeout=120_000)
    assert status(page) == played


def test_steps_per_second(page):
    page.open_run("task=spiral&hidden=32,32&batch=100&opt=adam")
    assert page.evaluate("window.mytorchPlayground.run.data.nClasses") == 3
    page.click("#pg-play")
    start = time.perf_counter()
    time.sleep(5.0)
    page.click("#pg-play")
    seconds = time.perf_counter() - start
    steps = status(page)["steps"]
    rate = steps / seconds
    print(
        f"\nplayground: {rate:.0f} steps/s for 2-32-32-3 at batch 100 in headless "
        "Chromium "
        f"({steps} steps in {seconds:.1f} s, drawing included)"
    )
    assert rate >= MIN_STEPS_PER_SECOND


@pytest.mark.parametrize(
    "query,steps",
    [
        ("task=moons&opt=adam", MOONS_STEPS),
        (
            "task=spiral&act=gelu&opt=sgd&nesterov=1&bn=1&dropout=0.2&seed=3&batch=50",
            300,
        ),
        ("task=circles&act=sigmoid&opt=rmsprop&lr=0.01&dropout=0.1&seed=11", 240),
        ("task=noisy_moons&act=gelu&opt=adamw&wd=0.2&bn=1&seed=2", 200),
        ("task=spiral&opt=adamw&wd=0", 160),
    ],
    ids=[
        "moons-adam",
        "spiral-sgd-bn-dropout",
        "circles-rmsprop-dropout",
        "noisy-moons-adamw-bn",
        "spiral-adamw-no-decay",
    ],
)
def test_exported_python_gives_the_same_accuracy(page, query, steps, tmp_path):
    shown = page.open_run(f"{query}&steps={steps}", steps=steps)
    page.click("#pg-export")
    code = page.inner_text("#pg-python")
    assert f"range({steps})" in code
    if "opt=adamw" in query:  # AdamW's default decay is 1e-2: 0 must be written out
        assert "optim.AdamW(" in code and "weight_decay=" in code
    script = tmp_path / "run.py"
    script.write_text(code)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, str(script)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    printed = re.search(r"test accuracy (\d\.\d{3})", proc.stdout)
    assert printed, proc.stdout
    assert printed.group(1) == f"{shown['testAccuracy']:.3f}", (proc.stdout, shown)


def xor_points(tmp_path, n=203, name="xor.csv", header=True):
    """Points of an off-centre XOR, seeded, written as a CSV file: (x, labels, path)."""
    import numpy as np

    rng = np.random.default_rng(4)
    x = rng.uniform(-3, 5, size=(n, 2))
    labels = (x[:, 0] > 1).astype(int) ^ (x[:, 1] > 1).astype(int)
    csv = tmp_path / name
    rows = "\n".join(f"{a!r},{b!r},{c}" for (a, b), c in zip(x.tolist(), labels))
    csv.write_text(("x1,x2,label\n" if header else "") + rows + "\n")
    return x, labels, csv


def test_uploaded_points_train_and_export(page, tmp_path):
    """A CSV of points (with a header), split and standardised in the page as
    `datasets.split_and_standardize` does; the exported Python embeds them."""
    import numpy as np

    x, labels, csv = xor_points(tmp_path)
    page.open_run("opt=adam&lr=0.02&act=tanh&batch=32")
    page.set_input_files("#pg-csv", str(csv))
    page.wait_for_function("window.mytorchPlayground.run.config.task === 'csv'")
    from mytorch import datasets

    # the page trains on the points rounded to 16 bits of each coordinate's range
    raw = page.evaluate("Array.from(window.mytorchPlayground.uploaded().raw.x)")
    rounded = np.array(raw).reshape(-1, 2)
    spread = x.max(axis=0) - x.min(axis=0)
    assert np.all(np.abs(rounded - x) <= spread / 65535 / 2 * (1 + 1e-9))
    assert not np.array_equal(rounded, x)
    expected = datasets.split_and_standardize(
        rounded, labels.astype(np.int64), name="csv"
    )
    got = page.evaluate(
        "(({xTrain, yTrain, xTest, yTest}) => [xTrain, yTrain, xTest, yTest]"
        ".map((a) => Array.from(a)))(window.mytorchPlayground.run.data)"
    )
    assert got[1] == expected.y_train.tolist() and got[3] == expected.y_test.tolist()
    np.testing.assert_allclose(got[0], expected.X_train.ravel(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(got[2], expected.X_test.ravel(), rtol=0, atol=1e-13)
    shown = train_to(page, 150)
    assert shown["testAccuracy"] > 0.8, shown
    page.click("#pg-export")
    script = tmp_path / "run.py"
    script.write_text(page.inner_text("#pg-python"))
    proc = subprocess.run(
        [sys.executable, str(script)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"test accuracy {shown['testAccuracy']:.3f}" in proc.stdout, (
        proc.stdout,
        shown,
    )


def open_link(page, link: str, steps: int | None = None) -> dict:
    """Open the page's own link (path, query and hash) as a fresh page load."""
    page.goto("about:blank")  # from the same URL, a new hash alone would not reload
    page.goto(page.open_run.base + link, wait_until="load", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "document.documentElement.dataset.playground === 'ready'", timeout=TIMEOUT_MS
    )
    if steps is not None:
        page.wait_for_function(STOPPED_AT, arg=steps, timeout=120_000)
    return status(page)


RUN_DATA = (
    "(({xTrain, yTrain, xTest, yTest}) => [xTrain, yTrain, xTest, yTest]"
    ".map((a) => Array.from(a)))(window.mytorchPlayground.run.data)"
)


def test_a_shared_link_with_uploaded_points_reproduces_the_run(page, tmp_path):
    _, _, csv = xor_points(tmp_path)
    page.open_run("opt=adamw&act=gelu&batch=16&seed=3&hidden=8,8")
    page.set_input_files("#pg-csv", str(csv))
    page.wait_for_function("window.mytorchPlayground.run.config.task === 'csv'")
    trained = train_to(page, 70)
    data = page.evaluate(RUN_DATA)
    link = page.get_attribute("#pg-share", "href")
    assert "task=csv" in link and "steps=70" in link and "#pg-points-" in link
    assert page.inner_text("#pg-share") == "link to this run"
    assert open_link(page, link, steps=70) == trained
    assert page.evaluate(RUN_DATA) == data
    assert page.evaluate("window.mytorchPlayground.uploaded().name") == "xor.csv"


def test_a_link_holds_at_most_its_limit_of_points(page, tmp_path):
    page.open_run()
    limit = page.evaluate("window.mytorchPlayground.LINK_POINTS")
    assert limit == 4000
    _, _, full = xor_points(tmp_path, n=limit, name="full.csv")
    page.set_input_files("#pg-csv", str(full))
    page.wait_for_function(
        f"window.mytorchPlayground.uploaded()?.raw.y.length === {limit}"
    )
    link = page.get_attribute("#pg-share", "href")
    print(
        f"\nplayground: a link with {limit} uploaded points has {len(link)} characters"
    )
    # 37 bytes of header, 4.5 a point, the name; base64url: 4 characters for 3 bytes
    packed = link.split("#pg-points-")[1]
    assert len(packed) == math.ceil(4 * (37 + 4.5 * limit + len("full.csv")) / 3)
    assert open_link(page, link)["steps"] == 0
    assert (
        page.evaluate(
            "(({yTrain, yTest}) => yTrain.length + yTest.length)"
            "(window.mytorchPlayground.run.data)"
        )
        == limit
    )

    _, _, over = xor_points(tmp_path, n=limit + 1, name="over.csv")
    page.set_input_files("#pg-csv", str(over))
    page.wait_for_function(
        f"window.mytorchPlayground.uploaded()?.raw.y.length === {limit + 1}"
    )
    link = page.get_attribute("#pg-share", "href")
    assert "#" not in link and "task=csv" in link
    assert (
        f"not the {limit + 1} points (a link holds at most {limit})"
        in page.inner_text("#pg-share")
    )
    assert train_to(page, 3)["steps"] == 3  # the page itself trains on them
    open_link(page, link)
    text = page.inner_text("#pg-status")
    assert (
        "Error: this link trains on points from a CSV file that it does not hold"
        in text
    )
    assert f"at most {limit} points" in text

    open_link(page, "/" + PAGE + "?task=csv#pg-points-AAAA")
    assert "the link's points are damaged" in page.inner_text("#pg-status")


EMBEDS = {
    "book/15_geometry.html": "task=moons&hidden=2,2&act=tanh&opt=adam&lr=0.01&view=2",
    "book/16_atlas.html": "task=moons&opt=adam&act=relu",
}


@pytest.mark.parametrize("chapter", list(EMBEDS))
def test_a_chapter_embeds_a_small_playground(page, site, chapter):  # noqa: F811
    base, html = site
    source = re.findall(r'<iframe src="([^"]*)"', (html / chapter).read_text())
    query = EMBEDS[chapter].replace("&", "&amp;")
    assert source == [f"../_static/playground/embed.html?{query}"], source
    assert (html / "_static" / "playground" / "embed.html").is_file()
    page.goto(f"{base}/{chapter}", wait_until="load", timeout=TIMEOUT_MS)
    element = page.locator("iframe.pg-embed")
    element.scroll_into_view_if_needed(timeout=TIMEOUT_MS)
    frame = element.element_handle().content_frame()
    frame.wait_for_function(
        "document.documentElement.dataset.playground === 'ready'", timeout=TIMEOUT_MS
    )
    assert frame.url.startswith(f"{base}/_static/playground/embed.html?")
    first = frame.evaluate("window.mytorchPlayground.status()")
    assert first["steps"] == 0
    for _ in range(3):
        frame.click("#pg-step")
    after = frame.evaluate("window.mytorchPlayground.status()")
    assert after["steps"] == 3 and after["trainLoss"] != first["trainLoss"]
    assert frame.is_visible("#pg-regions") and frame.is_visible("#pg-layer-view")
    assert not frame.is_visible("#pg-lr") and not frame.is_visible("#pg-loss")
    opened = frame.get_attribute("#pg-open", "href")
    assert opened.startswith("../../book/playground.html?") and "steps=3" in opened
    if "geometry" in chapter:  # 60 epochs of 750 points in minibatches of 100
        assert frame.evaluate("document.getElementById('pg-view').value") == "2"
        frame.evaluate("window.mytorchPlayground.trainTo(480)")
        frame.wait_for_function(STOPPED_AT, arg=480, timeout=120_000)
        shown = frame.evaluate("window.mytorchPlayground.status()")
        from mytorch.atlas.experiment import run_experiment

        narrow = run_experiment(
            "moons", "adam", "tanh", hidden=(2, 2), epochs=60, lr=0.01
        )
        assert f"{shown['testAccuracy']:.3f}" == f"{narrow.test_accuracy:.3f}"
        assert shown["epoch"] == 60
