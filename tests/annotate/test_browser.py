"""A real browser labels a batch by keyboard; the sides are recorded; a restart keeps everything.

Debian's ``chromium`` and ``chromium-driver`` through Selenium, headless. The
test skips (with the reason) only when they are not installed; ``.ci/run``
installs them, so CI runs it.
"""

import sqlite3
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from ._browser import Browser, missing  # noqa: E402
from ._helpers import SCRIPT, ServerProcess, request, texts_of, write_pool  # noqa: E402

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))

#: Keys pressed, and the choice each means.
KEYS = [("1", "left"), ("ARROW_RIGHT", "right"), ("t", "tie"), ("2", "right"),
        ("ARROW_LEFT", "left"), ("s", "skip"), ("1", "left"), ("2", "right")]


def _wait(predicate, timeout=30.0, what="the page"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _shown(driver):
    """``(assignment, pair_id, prompt, left, right)`` as the page shows them."""
    body = driver.find_element("tag name", "body")
    return (body.get_attribute("data-assignment"), body.get_attribute("data-pair-id"),
            *(driver.find_element("id", name).text for name in ("prompt", "left", "right")))


def test_label_a_batch_by_keyboard_then_restart(tmp_path):
    from selenium.webdriver.common.keys import Keys

    pool = write_pool(str(tmp_path), n=20)
    db = tmp_path / "c.sqlite"
    server = ServerProcess("--pool", pool, "--db", db, "--port", 0, "--batch-size", 5,
                           "--refit-every", 3)
    browser = Browser()
    driver = browser.driver
    expected = {}  # assignment -> (pair_id, left side, choice)
    try:
        driver.get(server.base + "/?annotator=ana")
        shown = _wait(lambda: _shown(driver)[0] and _shown(driver), what="the first pair")
        for number, (key, choice) in enumerate(KEYS, start=1):
            assignment, pair_id, prompt, left, right = shown
            row = int(pair_id[1:])
            prompt_text, first, second = texts_of(row)
            assert prompt == prompt_text
            assert {left, right} == {first, second}  # the <script> shown as text, whole
            assert SCRIPT in left and SCRIPT in right
            expected[assignment] = (pair_id, "first" if left == first else "second", choice)
            driver.find_element("tag name", "body").send_keys(getattr(Keys, key, key))
            _wait(lambda: driver.find_element("tag name", "body").get_attribute(
                "data-answered") == str(number), what=f"answer {number}")
            shown = _wait(lambda: _shown(driver)[0] != assignment and _shown(driver),
                          what="the next pair")
        # u: undo the last answer; the page shows that pair again, with the same sides
        last_assignment = list(expected)[-1]
        driver.find_element("tag name", "body").send_keys("u")
        shown = _wait(lambda: _shown(driver)[0] == last_assignment and _shown(driver),
                      what="the undone pair")
        del expected[last_assignment]
        assert driver.execute_script("return window.__skpref_pwned === undefined")
        assert not driver.find_elements("css selector", "#left script, #right script, #left img")
        _wait(lambda: driver.find_element("id", "mine").text == str(len(expected)),
              what="the annotator's count")
        assert driver.find_element("id", "pool").text == "20"
    finally:
        browser.close()
        code, err = server.stop()
    assert code in (0, 143), err

    def recorded():
        with sqlite3.connect(db) as connection:
            return {
                assignment: (pair_id, left_side, choice)
                for assignment, pair_id, left_side, choice in connection.execute(
                    "SELECT assignment, pair_id, left_side, choice FROM answers WHERE "
                    "undone_at IS NULL AND annotator = 'ana'")
            }

    assert recorded() == expected  # every answer, with the side each response was shown on
    server = ServerProcess("--pool", pool, "--db", db, "--port", 0)
    try:
        status, state = request("GET", server.base + "/api/status?annotator=ana")
        assert status == 200 and state["mine"] == len(expected) == state["labeled"]
        status, pair = request("GET", server.base + "/api/next?annotator=ana")
        assert status == 200 and pair["pair_id"] not in {p for p, _, _ in expected.values()}
    finally:
        server.stop()
    assert recorded() == expected
