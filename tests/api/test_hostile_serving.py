"""`ticketflow api` as it serves (uvicorn, its settings) under attack: forwarded headers
believed from the listed proxies only, the sign-in limits per client and per name from a
client, Secure cookies behind TLS, /metrics to loopback or with its token, and an access
log that holds no query string (issue: hostile input, second round)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.console.test_pages import csrf_of
from tests.support.cli import ticketflow, user_env
from tests.support.stack import free_port

PASSWORD = "correct horse battery"
MARKER = "Unmistakable-Customer-Words-8123"


@contextmanager
def serving(tmp_path: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """`ticketflow api` on a fresh database with agent alice (a password), with these
    TICKETFLOW_ settings; its URL and its log file."""
    data, named = tmp_path / "data", {f"TICKETFLOW_{k.upper()}": v for k, v in settings.items()}
    named["TICKETFLOW_TEMPORAL_ADDRESS"] = f"127.0.0.1:{free_port()}"  # none: not needed here
    ticketflow(data, "migrate", check=True, **named)
    ticketflow(data, "agent", "add", "alice", "--groups", "mail/first-line", check=True, **named)
    ticketflow(data, "agent", "password", "alice", stdin=PASSWORD + "\n", check=True, **named)
    env = user_env(data, **named)
    port, log = free_port(), tmp_path / "api.log"
    command = [sys.executable, "-m", "ticketflow.cli", "api", "--port", str(port)]
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                httpx.get(f"{url}/signin", timeout=2)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield url, log
    finally:
        proc.terminate()
        proc.wait(30)


def sign_in(url: str, name: str, password: str, headers: dict[str, str]) -> httpx.Response:
    # English pages, whose refusals the asserts read.
    headers = {"Accept-Language": "en", **headers}
    with httpx.Client(base_url=url) as browser:
        page = browser.get("/signin", headers=headers)
        form = {"csrf": csrf_of(page.text), "name": name, "password": password, "next": "/"}
        # A browser behind TLS sends its Secure cookies back; httpx, on plain HTTP here,
        # would not: they go back by hand.
        cookies = "; ".join(f"{k}={v}" for k, v in page.cookies.items())
        return browser.post("/signin", data=form, headers=headers | {"Cookie": cookies})


def test_without_a_trusted_proxy_a_rotating_forwarded_header_is_one_client(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as (url, log):
        for n in range(20):
            spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
            assert sign_in(url, f"guess{n}", "wrong password", spoofed).status_code == 401
        # The 21st failure from this client, whatever the header says: refused as guessing.
        locked = sign_in(url, "alice", PASSWORD, {"X-Forwarded-For": "203.0.113.77"})
        assert locked.status_code == 401 and "too many failed sign-ins" in locked.text
        # /metrics answers on loopback; no customer's words reach the access log.
        assert httpx.get(f"{url}/metrics").status_code == 200
        httpx.get(f"{url}/help/mail/suggest", params={"q": MARKER})
        httpx.get(f"{url}/api/v1/search", params={"q": MARKER}, headers={"Authorization": "x"})
        time.sleep(0.5)
        logged = log.read_text()
        assert "GET /help/{project}/suggest 200" in logged
        assert MARKER not in logged and "?q=" not in logged


def test_behind_a_trusted_proxy_each_client_is_its_own_and_tls_is_known(tmp_path: Path) -> None:
    with serving(tmp_path, trusted_proxies="127.0.0.1", metrics_token="m" * 32) as (url, _):
        # Five wrong passwords for alice from one client lock her out there, not elsewhere;
        # what the client itself puts in front of the proxy's entry changes nothing.
        for n in range(5):
            guesser = {"X-Forwarded-For": f"10.9.9.{n}, 198.51.100.9"}
            assert sign_in(url, "alice", "wrong password", guesser).status_code == 401
        refused = sign_in(url, "alice", PASSWORD, {"X-Forwarded-For": "198.51.100.9"})
        assert "too many failed sign-ins" in refused.text
        # Her own, over TLS at the proxy: signed in, with a Secure cookie.
        hers = {"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
        done = sign_in(url, "alice", PASSWORD, hers)
        assert done.status_code == 303
        assert "secure" in done.headers["set-cookie"].lower()
        # With a metrics token, /metrics asks for it, even on loopback.
        assert httpx.get(f"{url}/metrics").status_code == 401
        scraped = httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer " + "m" * 32})
        assert scraped.status_code == 200


def test_metrics_refuse_a_client_that_is_not_on_loopback(tmp_path: Path) -> None:
    with serving(tmp_path, trusted_proxies="127.0.0.1") as (url, _):
        # Through the proxy, the client is who it forwards for: not on loopback.
        forwarded = httpx.get(f"{url}/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
        assert forwarded.status_code == 403


@pytest.mark.parametrize("proxies", ["not-an-address", "10.0.0.0/99"])
def test_a_trusted_proxy_that_is_no_address_is_a_mistake(tmp_path: Path, proxies: str) -> None:
    done = ticketflow(tmp_path, "migrate", TICKETFLOW_TRUSTED_PROXIES=proxies)
    assert done.returncode == 2 and "TICKETFLOW_TRUSTED_PROXIES" in done.stderr
