"""The dashboard in a real browser: headless Chromium driven by selenium against `crmsim dashboard`.

The page loads; moving a slider and pressing Run changes the figures shown; the odds run and show
their table; the export button downloads a scenario file that `crmsim validate` accepts and that
reproduces the figures on the page. Skipped, with the reason, only when Chromium, chromedriver or
selenium is missing (`.ci/run` installs Debian's `chromium` and `chromium-driver`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import warnings

import pytest

import sim
from sim.cli.main import main
from sim.report.style import money
from tests.common import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401

    HAVE_SELENIUM = True
except ImportError:  # pragma: no cover - selenium is a dev dependency
    HAVE_SELENIUM = False

if CHROMIUM is None or DRIVER is None or not HAVE_SELENIUM:
    pytest.skip(
        "headless Chromium, chromedriver or selenium missing "
        "(Debian: apt-get install -y chromium chromium-driver; pip install selenium)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from sim.dashboard.screenshot import HEADLESS_FLAGS, free_port  # noqa: E402

CHROMIUM_FLAGS = (*HEADLESS_FLAGS, "--window-size=1500,1000")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`crmsim dashboard` on a free loopback port, one worker, 6 replicates by default."""
    tmp = tmp_path_factory.mktemp("dash")
    port = free_port()
    log = open(tmp / "server.log", "w")
    cmd = [
        sys.executable,
        "-m",
        "sim.cli.main",
        "dashboard",
        str(ROOT / "scenarios/four_ps.toml"),
        "--port",
        str(port),
        "--results",
        str(tmp / "results"),
        "--workers",
        "1",
        "--replicates",
        "6",
    ]
    proc = subprocess.Popen(cmd, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail("the dashboard exited: " + (tmp / "server.log").read_text()[-2000:])
        time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the dashboard did not start listening in 60 s")
    yield {"url": f"http://127.0.0.1:{port}/", "tmp": tmp, "log": tmp / "server.log"}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    downloads = server["tmp"] / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={server['tmp'] / 'profile'}")
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads
    driver.server_log = server["log"]
    yield driver
    driver.quit()


def _wait(driver, test, seconds=90, what="the page"):
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.25).until(lambda d: test(d))
    except Exception:  # noqa: BLE001 - say what was awaited, with the page text and the server's
        body = driver.find_element(By.TAG_NAME, "body").text[-1500:]
        buttons = [
            f"{b.text!r} disabled={b.get_attribute('disabled')}"
            for b in driver.find_elements(By.CSS_SELECTOR, ".v-btn")
            if b.is_displayed() and b.text
        ]
        log = getattr(driver, "server_log", None)
        tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
        pytest.fail(
            f"waited {seconds} s for {what}; the page says:\n{body}\n--- buttons shown: "
            f"{buttons}\n--- the server's log ends:\n{tail}"
        )


def _css(driver, selector):
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0] if found and found[0].is_displayed() else None


def _click(driver, selector, seconds=60):
    """Click the element once it is shown and takes clicks (the page re-renders as it works)."""

    def attempt(d):
        el = _css(d, selector)
        if el is None:
            return False
        try:
            d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            el.click()
            return True
        except WebDriverException:  # stale or covered for a moment: try again
            return False

    _wait(driver, attempt, seconds, what=f"{selector} to take a click")


def _odds_started(d) -> bool:
    """The server took the click: its log says a comparison began, the button is disabled while
    it runs, or the table (or an error) is shown."""
    button = _css(d, ".crm-odds-button")
    return bool(
        re.search(r"crmsim dashboard: odds [0-9a-f]+: ", d.server_log.read_text(errors="replace"))
        or (button is not None and button.get_attribute("disabled"))
        or _css(d, ".crm-odds")
        or _css(d, ".v-alert.error")
    )


def _click_until(driver, selector, started, what, tries=3, seconds=30):
    """Click, and click again if nothing shows that the page took the click within ``seconds``.

    A click that Chromium delivers while the page is still moving (a tab's slide-in transition,
    slower on a loaded machine) can land beside the button and do nothing, and the test then
    waited for a result that was never asked for. Clicking again cannot hide a stalled server:
    the next wait still fails, with the server's log.
    """
    for i in range(tries):
        _click(driver, selector)
        try:
            WebDriverWait(driver, seconds, poll_frequency=0.25).until(started)
            return
        except TimeoutException:
            warnings.warn(
                f"no sign that the page took click {i + 1} on {selector} in {seconds} s",
                stacklevel=2,
            )
    _wait(driver, started, 1, what=what)


def _tab(driver, label):
    for tab in driver.find_elements(By.CSS_SELECTOR, ".v-tab"):
        if label.lower() in tab.text.lower():
            tab.click()
            return
    pytest.fail(f"no tab named {label!r}")


def test_slider_run_odds_and_export(server, browser):
    d = browser
    d.get(server["url"])
    _wait(d, lambda d: _css(d, ".crm-run-button"), what="the Run button")
    assert "Client profile" in d.find_element(By.TAG_NAME, "body").text

    _click(d, ".crm-run-button")
    first = _wait(d, lambda d: _css(d, ".crm-figures"), what="the run's figures").text
    assert "Final adoption" in first and "Spend / budget" in first

    # Move the complexity slider well to the right: platforms get harder to build.
    slider = d.find_element(By.CSS_SELECTOR, ".crm-org-complexity .v-slider")
    label_before = d.find_element(By.CSS_SELECTOR, ".crm-org-complexity").text
    ActionChains(d).move_to_element_with_offset(
        slider, slider.size["width"] // 4, 0
    ).click().perform()
    _wait(
        d,
        lambda d: d.find_element(By.CSS_SELECTOR, ".crm-org-complexity").text != label_before,
        what="the slider's value to change",
    )
    _click(d, ".crm-run-button")
    second = _wait(
        d,
        lambda d: (el := _css(d, ".crm-figures")) is not None and el.text != first and el.text,
        what="new figures after moving the slider",
    )
    assert second != first

    # The export downloads the settings as a scenario file that validates and reproduces the run.
    _tab(d, "Export")
    _wait(d, lambda d: _css(d, ".crm-export-toml button, .crm-export-toml .v-btn"), what="export")
    _click(d, ".crm-export-toml .v-btn")
    files = _wait(
        d,
        lambda d: [p for p in d.downloads.glob("*.toml")],
        seconds=30,
        what="the scenario download",
    )
    exported = files[0]
    assert main(["validate", str(exported)]) == 0
    scen = sim.load_scenario(exported)
    start = sim.load_scenario(ROOT / "scenarios/four_ps.toml")
    assert scen["org.complexity"] != start["org.complexity"]
    changed = {k for k in start.values if scen.values[k] != start.values[k]}
    assert changed == {"org.complexity"}, changed  # sliders never nudge untouched values
    rerun = sim.run(scen, seed=1).summary
    assert f"{money(rerun['spend'])} / {money(rerun['budget'])}" in second

    # The odds: two orderings on common seeds, a progress bar, then the table with intervals.
    _tab(d, "The odds")
    _click_until(d, ".crm-odds-button", _odds_started, what="the odds to start")
    odds = _wait(d, lambda d: _css(d, ".crm-odds"), seconds=240, what="the odds table").text
    assert "6 replicates per ordering" in odds
    assert "Technology first" in odds and "Four Ps" in odds
    assert list((server["tmp"] / "results" / "odds").glob("*/summary.csv"))
    # A bad value from the page gets the command line's message, on the page.
    _tab(d, "One run")
    _wait(d, lambda d: _css(d, ".crm-run-button"), what="the Run button again")
    field = d.find_element(By.CSS_SELECTOR, ".crm-org-employees input")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys("2", Keys.ENTER)
    _click(d, ".crm-run-button")
    error = _wait(d, lambda d: _css(d, ".crm-error"), what="the error message").text
    assert "org.employees" in error and "[4, 1000000]" in error

    # Nothing was written outside the results folder (the server ran in tmp).
    written = {p.name for p in server["tmp"].iterdir()}
    assert written <= {"results", "downloads", "profile", "server.log"}, written
    assert os.path.getsize(server["log"]) >= 0
