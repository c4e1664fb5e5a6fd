"""`backprop-tui --serve` in a real browser: Debian's chromium, headless,
driven by selenium through /usr/bin/chromedriver (never a downloaded one).

textual-serve's page draws the terminal with xterm.js on a canvas, and keeps
its xterm `Terminal` in a local variable. So before the page's own script
runs, a hook on `Object.prototype` catches the object stored as
`this.terminal` by textual-serve's terminal class (the one whose element is
the `.textual-terminal` div) and keeps it as `window.__textualTerminal`.
The test then reads the screen from that terminal's buffer: the very text
xterm.js parsed from the app's output and draws.

The test presses the step key (space) in the page and checks that the
epoch shown goes from 0 to 1 and that the loss shown is the engine's own;
then it runs and pauses (r, r) and checks the epoch it paused at.
It is not skipped on Linux: without chromium it fails, saying what to
install (.ci/run installs it).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model import Config, Trainer
from tui.format import fixed

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="drives Debian's chromium and chromedriver: Linux only"
)

# Installed before any script of the page: keeps textual-serve's xterm Terminal reachable.
HOOK = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
    if (this.element && this.element.classList && this.element.classList.contains('textual-terminal')) {
      window.__textualTerminal = value;
    }
  },
});
"""

# The rows of the terminal as text, or null before the terminal exists.
READ_SCREEN = """
const term = window.__textualTerminal;
if (!term) { return null; }
const buffer = term.buffer.active;
const rows = [];
for (let i = 0; i < term.rows; i++) {
  const line = buffer.getLine(buffer.viewportY + i);
  rows.push(line ? line.translateToString(true) : '');
}
return rows;
"""

EPOCH = re.compile(r"(?:^|\s)epoch\s+(\d+)\s+loss\s+(\S+)")  # the stats line, beside the form if shown


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def stats_line(driver) -> tuple[int, str] | None:
    """(epoch, loss text) from the stats line the browser shows, if drawn yet."""
    rows = driver.execute_script(READ_SCREEN)
    for row in rows or ():
        match = EPOCH.search(row)
        if match:
            return int(match.group(1)), match.group(2)
    return None


def stop_server(server: subprocess.Popen) -> None:
    """The server and every app process it started (its own process group)."""
    if server.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def start_browser(profile: Path):
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.fail(
            f"{' and '.join(missing)} not found: install them with "
            "`apt-get install -y chromium chromium-driver` (.ci/run does this)"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: pip install -e '.[test]'")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,860",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    # An explicit driver path: selenium-manager is never asked to download anything.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(10)
    return driver


def test_space_steps_and_r_runs_and_pauses_in_the_browser(tmp_path):
    port = free_port()
    log = (tmp_path / "server.log").open("w+b")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    server = subprocess.Popen(
        [sys.executable, "-m", "tui", "--serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a process group: the app processes go with it
    )
    driver = None
    try:

        def listening() -> bool:
            if server.poll() is not None:
                log.seek(0)
                raise AssertionError(f"the server exited ({server.returncode}): {log.read().decode(errors='replace')}")
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, 30, f"the server on port {port}")

        driver = start_browser(tmp_path / "profile")
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": HOOK})
        # Offline and fast: the page's web font is not needed to read the terminal.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*fonts.googleapis.com*", "*fonts.gstatic.com*"]})
        log.seek(0)
        printed = re.search(rb"open (http://\S+)", log.read())  # the address with its token
        assert printed, "the server printed no address to open"
        driver.get(printed[1].decode())

        first = wait_until(lambda: stats_line(driver), 40, "the app's stats line in the browser")
        engine = Trainer.from_config(Config())  # the app's start: Config() defaults
        assert first == (0, fixed(engine.record.loss).strip()), first

        # Keys typed into xterm.js go through its hidden textarea to the app.
        driver.find_element("css selector", ".xterm-helper-textarea").send_keys(" ")
        after = wait_until(lambda: (s := stats_line(driver)) and s[0] != 0 and s, 20, "the epoch to change")
        engine.step()
        assert after == (1, fixed(engine.record.loss).strip()), after

        # r runs (in the app's child process, here too) and r pauses.
        keys = driver.find_element("css selector", ".xterm-helper-textarea")
        keys.send_keys("r")
        wait_until(lambda: (s := stats_line(driver)) and s[0] > 100, 20, "the run to get past epoch 100")
        keys.send_keys("r")
        wait_until(lambda: any("paused" in row for row in driver.execute_script(READ_SCREEN)), 20, "the pause")
        paused = stats_line(driver)
        time.sleep(0.5)
        assert stats_line(driver) == paused and paused[0] > 100
        engine.run(paused[0] - 1)
        assert paused[1] == fixed(engine.record.loss).strip()
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:  # noqa: BLE001 - a dead browser must not hide the real failure
                pass
        stop_server(server)
        log.close()
    assert server.returncode is not None
