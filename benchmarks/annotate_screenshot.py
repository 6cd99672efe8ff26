"""The screenshot of the labeling page in the user guide (``docs/_static/annotate.png``).

Serves the bundled example pairs (:func:`skpref.embed.example_pairs`) with
``skpref annotate`` on 127.0.0.1, over a pool of seeded random feature rows
(the screenshot shows the page, not a model), answers twelve pairs through
the API so that the progress and the cross-validated accuracy show, then
opens the page in headless Debian Chromium (Selenium) and saves a PNG.

Usage::

    python benchmarks/annotate_screenshot.py [--out docs/_static/annotate.png]
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.request

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT]

from skpref.embed import example_pairs, read_text  # noqa: E402
from tests.annotate._browser import Browser, missing  # noqa: E402
from tests.annotate._helpers import ServerProcess  # noqa: E402


def call(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "_static", "annotate.png"))
    args = parser.parse_args(argv)
    reason = missing()
    if reason:
        raise SystemExit(f"cannot take the screenshot: {reason}")
    directory = tempfile.mkdtemp(prefix="skpref-screenshot-")
    pairs = read_text(example_pairs())
    pool = os.path.join(directory, "pool.npz")
    np.savez(pool, ids=np.array(pairs.ids),
             X=np.random.default_rng(0).normal(size=(len(pairs), 8)))
    server = ServerProcess("--pool", pool, "--texts", example_pairs(), "--db",
                           os.path.join(directory, "c.sqlite"), "--port", 0, "--refit-every", 4)
    try:
        for k in range(12):
            pair = call(server.base + "/api/next?annotator=sam")
            call(server.base + "/api/answer",
                 {"assignment": pair["assignment"], "choice": ("left", "right", "tie")[k % 3]})
        time.sleep(2.0)  # let the background refit after these answers finish
        browser = Browser(width=1200, height=760)
        try:
            browser.driver.get(server.base + "/?annotator=ana")
            deadline = time.monotonic() + 30
            while not browser.driver.find_element("id", "left").text:
                if time.monotonic() > deadline:
                    raise SystemExit("the page showed no pair")
                time.sleep(0.1)
            time.sleep(1.0)  # the status line
            browser.driver.save_screenshot(args.out)
        finally:
            browser.close()
    finally:
        server.stop()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
