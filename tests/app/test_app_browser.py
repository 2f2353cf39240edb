"""The Solara app in a real browser: headless Chromium (Debian's) driven by Selenium."""

from __future__ import annotations

import os
import socket
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    proc = subprocess.Popen([sys.executable, "-m", "ftzsim", "app", "--port", str(port), "--no-open"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("app did not start: " + proc.stdout.read().decode()[-2000:])
    yield url
    os.killpg(proc.pid, 15)
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    flags += ["--disable-dev-shm-usage", "--window-size=1400,1800", f"--user-data-dir={tempfile.mkdtemp()}"]
    for a in flags:
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    yield drv
    drv.quit()


def fresh(read, tries: int = 20):
    """``read()`` again while the page re-renders (plots update, Reset rebuilds the controls):
    an element can go stale between finding and reading it, which is not a failure of the app.
    Returns the first truthy result, or the last result."""
    from selenium.common.exceptions import StaleElementReferenceException

    got = None
    for _ in range(tries):
        try:
            got = read()
            if got:
                return got
        except StaleElementReferenceException:
            pass
        time.sleep(0.25)
    return got


def images(browser) -> list[str]:
    """The page's image sources."""
    return fresh(lambda: [i.get_attribute("src") or "" for i in browser.find_elements("css selector", "img")]) or []


def wait_for(cond, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.5)
    return None


def test_app_shows_network_and_plots_and_steps(server, browser):
    def button(label):  # found afresh each time: the page re-renders after changes
        found = fresh(
            lambda: [b for b in browser.find_elements("tag name", "button") if b.text.strip().upper() == label]
        )
        assert found, f"no {label} button"
        return found[0]

    from ftzsim.app import SLIDERS

    browser.get(server)
    assert wait_for(lambda: "STEP" in browser.find_element("tag name", "body").text.upper()), "no Step button"
    assert wait_for(lambda: len(images(browser)) >= 4), images(browser)  # network + three series plots
    body = browser.find_element("tag name", "body").text
    assert "data_openness" in body and "scenario" in body  # sliders generated from the registry
    before = images(browser)
    from selenium.webdriver import ActionChains

    sliders = [e for e in browser.find_elements("css selector", ".v-slider") if e.is_displayed()]
    assert len(sliders) >= 3 + len(SLIDERS), len(sliders)  # controls, seed, and one per registry slider

    def slider_value():  # the page re-renders on changes: find the element afresh each time
        try:
            live = [e for e in browser.find_elements("css selector", ".v-slider") if e.is_displayed()][3]
            return live.find_element("css selector", "[role=slider]").get_attribute("aria-valuenow")
        except Exception:
            return None

    value_before = slider_value()
    for _ in range(3):  # the page may re-render between finding the slider and clicking it
        try:
            target = [e for e in browser.find_elements("css selector", ".v-slider") if e.is_displayed()][3]
            ActionChains(browser).move_to_element_with_offset(
                target, int(target.size["width"] * 0.4), 0
            ).click().perform()
            break
        except Exception:
            time.sleep(0.5)
    assert wait_for(lambda: (v := slider_value()) is not None and v != value_before), "slider did not move"
    time.sleep(1.0)
    button("RESET").click()  # rebuild the model with the moved slider (Mesa's Reset path)
    time.sleep(1.5)
    before = images(browser)

    for _ in range(3):
        button("STEP").click()
        time.sleep(1.0)
    after = wait_for(lambda: images(browser) if images(browser) != before else None, timeout=60)
    assert after, "plots did not change after stepping"
    assert wait_for(lambda: "Time: 3" in browser.find_element("tag name", "body").text), "model did not step 3 times"
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "app.png"))
    assert "Traceback" not in browser.find_element("tag name", "body").text  # Reset did not fail
    assert (ARTIFACTS / "app.png").stat().st_size > 20_000


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
