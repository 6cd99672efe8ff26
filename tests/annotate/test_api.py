"""The JSON API over real HTTP, against a ``skpref annotate`` process on 127.0.0.1."""

import http.client
import subprocess
import sys

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from skpref.annotate._serve import resolve_token  # noqa: E402
from skpref.campaign import read_labels, read_pool  # noqa: E402

from ._helpers import ROOT, ServerProcess, request, write_pool, write_texts  # noqa: E402

TOKEN = "test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("api")
    pool = write_pool(str(directory), n=40, with_texts=False)
    texts = write_texts(str(directory), n=40)
    process = ServerProcess("--pool", pool, "--texts", texts, "--db", directory / "c.sqlite",
                            "--port", 0, "--refit-every", 3, "--batch-size", 5)
    yield process, directory, pool
    process.stop()


def test_next_answer_and_the_errors_are_4xx(server):
    process, directory, pool = server
    base = process.base
    status, pair = request("GET", base + "/api/next?annotator=ana")
    assert status == 200 and set(pair) == {"assignment", "pair_id", "prompt", "left", "right"}
    assert "<script>" in pair["left"]  # texts are sent as they are; the page shows them as text
    status, body = request("POST", base + "/api/answer",
                           {"assignment": pair["assignment"], "choice": "tie"})
    assert (status, body["ok"]) == (200, True) and body["labeled"] >= 1
    cases = [
        ({"assignment": pair["assignment"], "choice": "tie"}, 409),  # a second answer
        ({"assignment": "unknown-assignment", "choice": "left"}, 404),
        ({"assignment": pair["assignment"], "choice": "maybe"}, 400),
        ({"assignment": pair["assignment"]}, 400),
        ({"assignment": pair["assignment"], "choice": "left", "extra": 1}, 400),
        ([pair["assignment"]], 400),
        ("just a string", 400),
    ]
    for body, expected in cases:
        status, answer = request("POST", base + "/api/answer", body)
        assert status == expected, (body, status, answer)
        assert isinstance(answer["error"], str) and answer["error"]
    for raw, kind, expected in [
        (b"{not json", "application/json", 400), (b"\xff\xfe", "application/json", 400),
        (b'{"assignment": "x", "choice": "left"}', "text/plain", 415),
        (b'{"assignment": "x", "choice": "left"}', "application/x-www-form-urlencoded", 415),
        (b"x" * 100_000, "application/json", 413),
    ]:
        status, answer = request("POST", base + "/api/answer", raw=raw,
                                 headers={"Content-Type": kind})
        assert status == expected and answer["error"]
    for url, expected in [("/api/next", 400), ("/api/next?annotator=", 400),
                          ("/api/next?annotator=a&annotator=b", 400), ("/nowhere", 404),
                          ("/api/next?annotator=%00", 400)]:
        status, answer = request("GET", base + url)
        assert status == expected and answer["error"]
    status, _ = request("POST", base + "/api/next?annotator=x", {})
    assert status == 405


def test_a_chunked_oversized_body_is_refused(server):
    process, _, _ = server
    host, port = process.base.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/api/answer")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    chunk = b"a" * 8192
    try:
        for _ in range(4):
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
    except OSError:  # the server may close early: what matters is its answer
        pass
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def test_the_host_header_must_be_the_loopback_without_a_token(server):
    process, _, _ = server
    status, body = request("GET", process.base + "/api/status", headers={"Host": "evil.example"})
    assert status == 421 and "127.0.0.1" in body["error"]


def test_status_and_undo(server):
    process, _, _ = server
    base = process.base
    status, pair = request("GET", base + "/api/next?annotator=undoer")
    request("POST", base + "/api/answer", {"assignment": pair["assignment"], "choice": "left"})
    status, again = request("POST", base + "/api/undo", {"annotator": "undoer"})
    assert status == 200 and again == pair
    status, body = request("POST", base + "/api/undo", {"annotator": "undoer"})
    assert status == 409
    status, state = request("GET", base + "/api/status?annotator=undoer")
    assert status == 200 and state["pool"] == 40 and state["mine"] == 0
    assert {"labeled", "skipped", "accuracy", "accuracy_stderr", "refitting"} <= set(state)


def test_security_headers(server):
    process, _, _ = server
    host, port = process.base.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    for path in ("/", "/static/annotate.js", "/api/status"):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        policy = response.getheader("Content-Security-Policy")
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert response.getheader("X-Content-Type-Options") == "nosniff"
    connection.close()


def test_everything_answered_gives_204_and_export_matches(tmp_path):
    pool = write_pool(str(tmp_path), n=6)
    process = ServerProcess("--pool", pool, "--db", tmp_path / "c.sqlite", "--port", 0)
    acknowledged = {}
    try:
        for k in range(6):
            status, pair = request("GET", process.base + f"/api/next?annotator=a{k % 2}")
            assert status == 200
            choice = ("left", "right", "tie", "skip")[k % 4]
            status, _ = request("POST", process.base + "/api/answer",
                                {"assignment": pair["assignment"], "choice": choice})
            assert status == 200
            first_left = pair["left"].startswith("FIRST-")
            acknowledged[pair["pair_id"]] = {
                "left": "first" if first_left else "second",
                "right": "second" if first_left else "first", "tie": "tie", "skip": "skip",
            }[choice]
        status, body = request("GET", process.base + "/api/next?annotator=a0")
        assert status == 204 and body is None
    finally:
        code, err = process.stop()
    assert code in (0, 143), err
    out = tmp_path / "labels.csv"
    done = subprocess.run([sys.executable, "-m", "skpref", "export", "--db", tmp_path / "c.sqlite",
                           "--out", out], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    labels = read_labels(str(out), read_pool(pool))
    exported = dict(zip(labels.pair_ids, labels.answers.tolist()))
    exported.update({pair_id: "skip" for pair_id in labels.skipped_ids})
    assert exported == acknowledged


def test_a_token_is_checked_on_every_request(tmp_path):
    pool = write_pool(str(tmp_path), n=5)
    process = ServerProcess("--pool", pool, "--db", tmp_path / "c.sqlite", "--port", 0,
                            "--token", TOKEN)
    try:
        assert process.url.endswith(f"?token={TOKEN}")
        for path in ("/", "/static/annotate.js", "/api/status", "/api/next?annotator=a"):
            status, _ = request("GET", process.base + path)
            assert status == 401
            status, _ = request("GET", process.base + path,
                                headers={"Authorization": "Bearer wrong-token-0123456789"})
            assert status == 401
        status, _ = request("GET", process.base + "/api/status",
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200
        status, _ = request("GET", process.base + f"/api/status?token={TOKEN}")
        assert status == 200
        host, port = process.base.split("//")[1].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request("GET", f"/?token={TOKEN}")
        response = connection.getresponse()
        response.read()
        cookie = response.getheader("Set-Cookie")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        connection.request("GET", "/api/status", headers={"Cookie": cookie.split(";")[0]})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        connection.close()
        # With a token, the Host header need not be the loopback (a proxy may name the host).
        status, _ = request("GET", process.base + "/api/status",
                            headers={"Host": "annotate.example",
                                     "Authorization": f"Bearer {TOKEN}"})
        assert status == 200
    finally:
        process.stop()


def test_a_host_other_than_the_loopback_gets_a_token():
    assert resolve_token("127.0.0.1", None) is None
    assert resolve_token("::1", None) is None
    assert resolve_token("localhost", None) is None
    for host in ("0.0.0.0", "192.168.1.5", "::", "example.org"):
        token = resolve_token(host, None)
        assert token is not None and len(token) >= 32
    assert resolve_token("0.0.0.0", TOKEN) == TOKEN
