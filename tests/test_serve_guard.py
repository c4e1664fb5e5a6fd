"""`--serve` accepts a websocket only from its own page, with its token, and caps the apps.

The rule tables test the checks as functions; the server tests start
`python -m tui --serve` on 127.0.0.1 and connect with a real websocket
client (aiohttp, installed with textual-serve), as a foreign web page would.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.serve import allowed_hosts, app_arguments, origin_refusal, token_refusal

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("textual_serve")

ROOT = Path(__file__).resolve().parents[1]
LOCAL = allowed_hosts("127.0.0.1", 8000)

ORIGINS = [
    # (Origin, Host, refused because)
    ("http://127.0.0.1:8000", "127.0.0.1:8000", None),
    ("http://localhost:8000", "localhost:8000", None),
    ("https://evil.example", "127.0.0.1:8000", "foreign Origin"),
    ("http://evil.example:8000", "127.0.0.1:8000", "foreign Origin"),
    ("http://127.0.0.1:9999", "127.0.0.1:8000", "foreign Origin"),
    ("null", "127.0.0.1:8000", "foreign Origin"),
    ("file://", "127.0.0.1:8000", "foreign Origin"),
    (None, "127.0.0.1:8000", "no Origin header"),
    ("", "127.0.0.1:8000", "no Origin header"),
    # DNS rebinding: evil.example resolves to 127.0.0.1, so Origin and Host agree, but the name is not ours.
    ("http://evil.example:8000", "evil.example:8000", "unknown Host"),
    ("http://127.0.0.1:8000:1", "127.0.0.1:8000", "foreign Origin"),
]


@pytest.mark.parametrize(("origin", "host", "reason"), ORIGINS)
def test_origin_rules(origin, host, reason):
    refusal = origin_refusal(origin, host, LOCAL)
    if reason is None:
        assert refusal is None
    else:
        assert refusal is not None and reason in refusal


def test_every_interface_checks_same_origin_only():
    assert allowed_hosts("0.0.0.0", 8000) is None
    assert origin_refusal("http://10.0.0.5:8000", "10.0.0.5:8000", None) is None
    assert "foreign Origin" in origin_refusal("http://evil.example", "10.0.0.5:8000", None)


@pytest.mark.parametrize(
    ("given", "token", "ok"),
    [("abc", "abc", True), ("abd", "abc", False), (None, "abc", False), ("", "abc", False), (None, None, True)],
)
def test_token_rules(given, token, ok):
    assert (token_refusal(given, token) is None) is ok


def test_server_options_are_not_passed_to_the_apps():
    argv = ["--serve", "--no-token", "--max-apps", "3", "--max-apps=4", "--port", "1", "--dataset", "moons"]
    assert app_arguments(argv) == ["--dataset", "moons"]


# ----------------------------------------------------------- a real server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, *options: str) -> None:
        self.port = free_port()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", "--serve", "--port", str(self.port), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        self.url = self._printed_url()

    def _printed_url(self) -> str:
        deadline = time.monotonic() + 60
        seen = b""
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            seen += line
            found = re.search(rb"open (http://\S+)", line)
            if found:
                self._wait_listening(deadline)
                return found[1].decode()
        raise AssertionError(f"the server printed no address: {seen.decode(errors='replace')}")

    def _wait_listening(self, deadline: float) -> None:
        """The address is printed as the server starts, a moment before it accepts connections."""
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)


@pytest.fixture
def served(request):
    server = Served(*getattr(request, "param", ()))
    yield server
    server.stop()


def ws_url(server: Served, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}?width=80&height=24"


async def connect(url: str, origin: str | None):
    """(status, first bytes received or the refusal text) for one websocket attempt."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=origin, timeout=aiohttp.ClientWSTimeout(ws_close=5)) as ws:
                message = await asyncio.wait_for(ws.receive(), timeout=60)
                data = message.data if isinstance(message.data, bytes) else str(message.data).encode()
                return 101, data
        except aiohttp.WSServerHandshakeError as e:
            return e.status, b""


def token_of(server: Served) -> str:
    return server.url.split("token=", 1)[1]


def test_foreign_origin_or_no_token_is_refused_and_own_page_with_token_works(served):
    token = token_of(served)
    own = f"http://127.0.0.1:{served.port}"
    assert asyncio.run(connect(ws_url(served, f"/ws/{token}"), "https://evil.example"))[0] == 403
    assert asyncio.run(connect(ws_url(served, "/ws"), own))[0] == 403
    assert asyncio.run(connect(ws_url(served, "/ws/wrong-token"), own))[0] == 403
    assert asyncio.run(connect(ws_url(served, f"/ws/{token}"), None))[0] == 403
    status, data = asyncio.run(connect(ws_url(served, f"/ws/{token}"), own))
    assert status == 101 and data  # the app started and drew something


def test_the_page_needs_the_token(served):
    async def get(url):
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()

    status, text = asyncio.run(get(f"http://127.0.0.1:{served.port}/"))
    assert status == 403 and "token" in text
    status, text = asyncio.run(get(served.url))
    assert status == 200 and f"/ws/{token_of(served)}" in text


@pytest.mark.parametrize("served", [("--no-token", "--max-apps", "1")], indirect=True)
def test_the_cap_refuses_with_a_reason(served):
    own = f"http://127.0.0.1:{served.port}"

    async def two():
        async with aiohttp.ClientSession() as session:
            first = await session.ws_connect(ws_url(served, "/ws"), origin=own)
            await asyncio.wait_for(first.receive(), timeout=60)  # the first app is running
            status, data = await connect(ws_url(served, "/ws"), own)
            await first.close()
            return status, data

    status, data = asyncio.run(two())
    assert status == 101 and b"the limit of --max-apps" in data
