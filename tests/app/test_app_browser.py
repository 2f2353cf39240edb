"""The classroom app in a real browser: headless Chromium (Debian's) driven by Selenium.

What a class needs: every student gets their own run (two browser sessions are independent),
a step shows at once (click to updated quarter label, measured inside the browser), the charts
are drawn (Vega-Lite, from the installed assets: no internet), sliders carry registry labels,
and the server stops when `ftzsim app` is told to.
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
_MISSING = "Debian chromium/chromium-driver not installed (scripts/test.sh installs them)"
pytestmark = pytest.mark.skipif(not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)), reason=_MISSING)
#: Click-to-screen budget of one step for the classroom scenario (issue 16), and how many
#: clicks its median is taken over.
STEP_BUDGET_S, CLICKS = 0.2, 7


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, **popen) -> subprocess.Popen:
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    return subprocess.Popen([sys.executable, "-m", "ftzsim", "app", "--port", str(port), "--no-open"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **popen)  # fmt: skip


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("app did not start: " + proc.stdout.read().decode()[-2000:])


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = start_app(port, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    wait_up(url, proc)
    yield url
    os.killpg(proc.pid, 15)
    proc.wait(timeout=20)


def new_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    flags += ["--disable-dev-shm-usage", "--window-size=1400,1800", f"--user-data-dir={tempfile.mkdtemp()}"]
    for a in flags:
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.set_script_timeout(30)
    return drv


@pytest.fixture(scope="module")
def browser():
    drv = new_browser()
    yield drv
    drv.quit()


def quarter_label(browser) -> str:
    """The page's quarter label, read inside the page (no stale elements while it re-renders)."""
    return browser.execute_script("const e = document.querySelector('.ftz-quarter'); return e ? e.textContent : '';")


def wait_for(cond, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.2)
    return None


def open_app(browser, url):
    browser.get(url)
    assert wait_for(lambda: "Quarter 0 of 20" in quarter_label(browser)), quarter_label(browser)


def band_label(browser) -> str:
    """The uncertainty band's caption ('' while the ensemble is still running)."""
    return browser.execute_script(
        "const e = document.querySelector('.ftz-band-caption'); return e ? e.textContent : '';"
    )


def wait_for_band(browser, timeout=90) -> str:
    """The band's caption once its ensemble has run (a step is then timed without the
    ensemble's thread competing for the interpreter)."""
    text = wait_for(lambda: band_label(browser), timeout)
    assert text, "the uncertainty band did not appear"
    return text


#: Click Step and resolve with the milliseconds until the quarter label shows ``want``
#: (a MutationObserver inside the page: no WebDriver round trips in the measurement).
CLICK_STEP = """
const want = arguments[0], done = arguments[arguments.length - 1];
const btn = [...document.querySelectorAll('button')].find(b => b.textContent.trim().toUpperCase() === 'STEP');
if (!btn) { done(-2); return; }
const seen = () => { const e = document.querySelector('.ftz-quarter'); return e && e.textContent.includes(want); };
const t0 = performance.now();
const obs = new MutationObserver(() => { if (seen()) { obs.disconnect(); done(performance.now() - t0); } });
obs.observe(document.body, {subtree: true, childList: true, characterData: true});
btn.click();
setTimeout(() => { obs.disconnect(); done(-1); }, 20000);
"""


def step(browser, to: int) -> float:
    ms = browser.execute_async_script(CLICK_STEP, f"Quarter {to} of")
    assert ms >= 0, f"step to quarter {to} did not show (code {ms}); label: {quarter_label(browser)}"
    return ms / 1000


def test_app_shows_charts_and_registry_labels_and_steps(server, browser):
    from ftzsim.app import SLIDERS, slider_label

    open_app(browser, server)
    body = browser.find_element("tag name", "body").text
    for name in ("data_openness", "bass_q"):
        assert slider_label(name) in body  # registry words and unit, not the raw name
    assert "data_openness" not in body
    sliders = browser.find_elements("css selector", ".ftz-lever .v-slider")
    assert len(sliders) == len(SLIDERS)
    for k in (1, 2, 3):
        step(browser, k)
    # five charts drawn by the browser (Vega-Lite renders an SVG or canvas in each)
    drawn = wait_for(lambda: browser.execute_script(
        "return [...document.querySelectorAll('.vega-embed')].filter(e => e.querySelector('svg, canvas')).length"
    ) >= 5)  # fmt: skip
    assert drawn, "charts were not drawn (are the offline Vega assets served?)"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "app.png"))
    assert "Traceback" not in browser.find_element("tag name", "body").text


def test_two_sessions_are_independent(server, browser):
    """Student A steps; student B, opening the page afterwards, starts at quarter 0, and B's
    steps do not move A."""
    open_app(browser, server)
    step(browser, 1)
    step(browser, 2)
    other = new_browser()
    try:
        open_app(other, server)  # a fresh session: not at A's quarter 2
        step(other, 1)
        assert "Quarter 1 of 20" in quarter_label(other)
        time.sleep(0.5)
        assert "Quarter 2 of 20" in quarter_label(browser)  # A did not move
        step(browser, 3)
        time.sleep(0.5)
        assert "Quarter 1 of 20" in quarter_label(other)  # B did not move either
    finally:
        other.quit()


def test_a_step_shows_within_0_2_seconds(server, browser):
    """Median over several clicks of the time from click to the updated quarter label, in the
    browser. Tolerance: the median must be within the 0.2 s budget (single clicks may be slower
    on a busy machine; the median is what a class sees)."""
    open_app(browser, server)
    wait_for_band(browser)
    times = [step(browser, k) for k in range(1, CLICKS + 1)]
    assert statistics.median(times) <= STEP_BUDGET_S, times


def lever_value(browser, index: int) -> float | None:
    v = browser.execute_script(
        "const s = document.querySelectorAll('.ftz-lever')[arguments[0]];"
        "const r = s && s.querySelector('[role=slider]'); return r ? r.getAttribute('aria-valuenow') : null;",
        index,
    )
    return None if v is None else float(v)


def click_slider(browser, index: int, right: float) -> None:
    """Click the ``index``-th lever's slider ``right`` x its width right of its centre (Selenium
    offsets from the centre); retried, as the page may re-render between finding and clicking."""
    from selenium.webdriver import ActionChains

    for _ in range(5):
        try:
            track = browser.find_elements("css selector", ".ftz-lever .v-slider")[index]
            offset = int(track.size["width"] * right)
            ActionChains(browser).move_to_element_with_offset(track, offset, 0).click().perform()
            return
        except Exception:
            time.sleep(0.3)


def test_moving_a_slider_restarts_and_switching_scenario_resets_the_sliders(server, browser):
    from ftzsim.app import SLIDERS, slider_defaults

    open_app(browser, server)
    step(browser, 1)
    step(browser, 2)
    i = SLIDERS.index("rule_alignment.depa")  # classroom 0.0, data_corridor 0.1
    assert lever_value(browser, i) == slider_defaults("classroom")["rule_alignment.depa"] == 0.0
    click_slider(browser, i, 0.3)  # 30% of the width right of the centre: about 0.8
    assert wait_for(lambda: (lever_value(browser, i) or 0) > 0.5, 20), lever_value(browser, i)
    assert wait_for(lambda: "Quarter 0 of 20" in quarter_label(browser), 20)  # a new lever: start again
    for _ in range(5):
        try:
            browser.find_elements("css selector", ".v-select")[0].click()
            item = wait_for(lambda: [e for e in browser.find_elements("css selector", ".v-list-item")
                                     if e.text.strip() == "data_corridor" and e.is_displayed()], 10)  # fmt: skip
            item[0].click()
            break
        except Exception:
            time.sleep(0.3)
    assert wait_for(lambda: "data_corridor: Quarter 0" in quarter_label(browser), 60), quarter_label(browser)
    want = slider_defaults("data_corridor")["rule_alignment.depa"]
    assert wait_for(lambda: lever_value(browser, i) == want, 20), (lever_value(browser, i), want)


def choose(browser, select_index: int, item_text: str) -> None:
    """Pick ``item_text`` in the page's ``select_index``-th drop-down (retried: the page may
    re-render between finding the menu and clicking it)."""
    for _ in range(5):
        try:
            browser.find_elements("css selector", ".v-select")[select_index].click()
            item = wait_for(lambda: [e for e in browser.find_elements("css selector", ".v-list-item")
                                     if e.text.strip() == item_text and e.is_displayed()], 10)  # fmt: skip
            item[0].click()
            return
        except Exception:
            time.sleep(0.3)


def test_uncertainty_band_is_on_by_default_and_says_what_varies(server, browser):
    """The classroom scenario has a posterior: the band appears without any click, drawn, and
    its caption says parameters (posterior draws) and seeds; no slider touched, every pair
    differs by exactly zero (a slider snapping its value onto its grid is not a move);
    switched to seed only, the caption says so."""
    from ftzsim.app import BAND_RUNS, SLIDERS

    open_app(browser, server)
    text = wait_for_band(browser)
    assert "calibrated parameters (posterior draws) and seeds" in text, text
    assert f"5-95% of {BAND_RUNS} what-if/reference pairs" in text, text
    assert "exactly zero" in text, text  # risk_tolerance 5.0 is off its slider's grid: still no move
    click_slider(browser, SLIDERS.index("data_openness"), 0.3)  # about 0.8: a real move
    moved = wait_for(lambda: (t := band_label(browser)) and "exactly zero" not in t and "posterior" in t, 90)
    assert moved, band_label(browser)
    drawn = wait_for(lambda: browser.execute_script(
        "return [...document.querySelectorAll('.vega-embed')].filter(e => e.querySelector('svg, canvas')).length"
    ) >= 6)  # fmt: skip
    assert drawn, "the band chart was not drawn"
    choose(browser, 2, "seeds")  # scenario, compare with, uncertainty band
    assert wait_for(lambda: "seed only" in band_label(browser), 90), band_label(browser)
    assert "posterior" not in band_label(browser)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "app_band.png"))


def test_sigterm_to_ftzsim_app_stops_the_server():
    """`ftzsim app` is the server (it execs it): SIGTERM to that one process frees the port."""
    port = free_port()
    proc = start_app(port)
    wait_up(f"http://127.0.0.1:{port}/", proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "something still listens on the app's port"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.rsplit(":", 1)
            if state == "0A" and int(p, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(addr)
                if len(raw) == 4:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_app_listens_on_loopback_only_by_default(server):
    """`ftzsim app` without --host serves this machine only: every listening socket on its
    port is bound to 127.0.0.1 (or ::1), none to 0.0.0.0 or an external interface."""
    port = int(server.rsplit(":", 1)[1].strip("/"))
    addrs = listening_addresses(port)
    assert addrs and addrs <= {"127.0.0.1", "::1"}, addrs
