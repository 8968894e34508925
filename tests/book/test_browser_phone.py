"""The browser test of test_browser.py at a phone's width (390 px).

The same tests, in a file of their own so that pytest-xdist (``--dist
loadfile``, one file per worker at a time) runs the two widths side by side.
"""

import pytest
import test_browser
from test_browser import (  # noqa: F401 (fixtures and tests, collected here too)
    browser,
    site,
    test_checks_fold_and_unfold,
    test_every_other_page,
    test_page,
)


@pytest.fixture(scope="module", params=[test_browser.PHONE], ids=lambda w: f"{w}px")
def context(browser, site, request):  # noqa: F811
    yield from test_browser.open_context(browser, site, request.param)
