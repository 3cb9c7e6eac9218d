"""The dashboard in a real browser: headless Chromium driven by selenium against `crmsim dashboard`.

In page order: the client profile in plain words (every control with its parameter row's help),
the collapsed advanced group, a preset, a slider moved and Run, the export (a scenario file that
`crmsim validate` accepts and that reproduces the page's figures), a bad value's message; the phase
editor (a shipped ordering copied, a phase changed, the custom plan run and exported with the
copied ordering's own go-live); the odds with money beside every outcome, the chart downloads,
and the brief, printed to PDF on one page. Skipped, with the reason, only when Chromium,
chromedriver or selenium is missing (`.ci/run` installs Debian's `chromium` and `chromium-driver`).

Clicks wait until their target has stopped moving (:func:`_click`): a tab slides in and its rows
re-flow as their widgets render, and a click delivered meanwhile lands beside the button and does
nothing. That was the intermittent 240 s wait for the odds table (a probe clicking as soon as the
button showed lost 6 clicks in 12 on the old page; the page now switches tabs without the slide).
"""

from __future__ import annotations

import base64
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import warnings
import zipfile

import pytest

import sim
from sim.cli.main import main
from sim.dashboard.traits import PRESETS
from sim.model.params import PARAMS
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
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from sim.dashboard.screenshot import HEADLESS_FLAGS, free_port  # noqa: E402

CHROMIUM_FLAGS = (*HEADLESS_FLAGS, "--window-size=1500,1000")
START = ROOT / "scenarios/four_ps.toml"
SEED = 3  # the profile test's run (test_profile_in_plain_words_run_and_export)
CLIENT = PRESETS[0]  # the 120-person B2B sales organisation, poor data, weak sponsor


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`crmsim dashboard` on a free loopback port, one worker, 6 replicates by default."""
    tmp = tmp_path_factory.mktemp("dash")
    port = free_port()
    log = open(tmp / "server.log", "w")
    cmd = [sys.executable, "-m", "sim.cli.main", "dashboard", str(START), "--port", str(port)]
    cmd += ["--results", str(tmp / "results"), "--workers", "1", "--replicates", "6"]
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
    driver.get(server["url"])
    _wait(driver, lambda d: _css(d, ".crm-run-button"), what="the Run button")
    yield driver
    driver.quit()


def _wait(driver, test, seconds=90, what="the page"):
    """Wait for ``test``; an element re-rendered while it is read (stale) is read again."""
    try:
        return WebDriverWait(
            driver,
            seconds,
            poll_frequency=0.25,
            ignored_exceptions=(StaleElementReferenceException,),
        ).until(lambda d: test(d))
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


def _css(driver, selector, text=None):
    """The first element shown that matches ``selector`` (and holds ``text``), or None."""
    found = [
        e
        for e in driver.find_elements(By.CSS_SELECTOR, selector)
        if e.is_displayed() and (text is None or text in e.text)
    ]
    return found[0] if found else None


def _box(driver, el):
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.x, r.y, r.width, r.height];", el
    )


def _click(driver, selector, seconds=60, text=None):
    """Click the element once it is shown, enabled and still: the same box three polls running.

    A click goes to the point where the element was when WebDriver measured it; an element still
    sliding in or re-flowing is elsewhere by then, and the click does nothing.
    """
    seen = {"box": None, "still": 0}

    def attempt(d):
        el = _css(d, selector, text)
        if el is None or el.get_attribute("disabled"):
            seen["still"] = 0
            return False
        try:
            d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            box = _box(d, el)
            seen["still"] = seen["still"] + 1 if box == seen["box"] and box[2] > 0 else 0
            seen["box"] = box
            if seen["still"] < 3:
                return False
            el.click()
            return True
        except WebDriverException:  # stale or covered for a moment: measure again
            seen["still"] = 0
            return False

    _wait(driver, attempt, seconds, what=f"{selector} to take a click")


def _odds_started(driver):
    """A test that the server took the next click on Run the odds: its log says a comparison began
    or was read from the cache (after what it held now: an earlier comparison's line does not
    count), the button is disabled while it runs, or an error is shown. (Not the table: an
    earlier comparison's may still be on the page.)"""
    seen = len(driver.server_log.read_text(errors="replace"))

    def started(d) -> bool:
        button = _css(d, ".crm-odds-button")
        log = d.server_log.read_text(errors="replace")[seen:]
        return bool(
            re.search(r"crmsim dashboard: odds [0-9a-f]+: ", log)
            or (button is not None and button.get_attribute("disabled"))
            or _css(d, ".v-alert.error")
        )

    return started


def _odds_table(driver, text: str) -> str:
    """The odds table's text once it says ``text`` (the comparison just asked for, not one shown
    before it)."""
    return _wait(
        driver,
        lambda d: (e := _css(d, ".crm-odds")) is not None and text in e.text and e.text,
        seconds=240,
        what=f"the odds table with {text!r}",
    )


def _click_until(driver, selector, started, what, tries=3, seconds=30):
    """Click, and again (with a warning) if nothing shows in ``seconds`` that the page took it.

    With :func:`_click` waiting for a still target no click should be lost; the warning says so
    if one is, and a stalled server still fails the next wait, with its log.
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


def _choose(driver, selector, text):
    """Pick ``text`` from the Vuetify select inside ``selector`` (its menu opens at the page's
    root)."""
    _click(driver, f"{selector} .v-select__slot")
    xpath = f"//div[contains(@class, 'menuable__content__active')]//div[normalize-space()='{text}']"
    _wait(driver, lambda d: d.find_elements(By.XPATH, xpath), what=f"{text!r} in the menu")
    driver.find_element(By.XPATH, xpath).click()


def _download(driver, pattern, what, before=frozenset()):
    files = _wait(
        driver,
        lambda d: [
            p
            for p in d.downloads.glob(pattern)
            if p.name not in before and not p.name.endswith(".crdownload")
        ],
        seconds=30,
        what=what,
    )
    return files[0]


def _set_field(driver, selector, text):
    field = _wait(driver, lambda d: _css(d, f"{selector} input"), what=selector)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text, Keys.ENTER)


def test_profile_in_plain_words_run_and_export(server, browser):
    d = browser
    side = d.find_element(By.CSS_SELECTOR, ".crm-side").text
    for label in ("Sponsor strength", "Data maturity", "Change readiness", "Package fit"):
        assert label in side
    assert "How much authority, time and budget power the executive sponsor brings" in side
    assert "Network k" not in side  # the modeller's parameters wait in the collapsed group
    sponsor = d.find_element(By.CSS_SELECTOR, ".crm-profile-sponsor_strength")
    assert PARAMS["profile.sponsor_strength"].doc in sponsor.get_attribute("title")
    spread = d.find_element(By.CSS_SELECTOR, ".crm-trait .crm-profile-sponsor_strength_spread")
    assert spread.is_displayed() and "varies between organisations" in spread.text

    # The advanced group opens on a click and shows each parameter with its help text.
    assert _css(d, ".crm-org-network_k") is None
    header = d.find_element(
        By.XPATH, "//button[contains(@class, 'v-expansion-panel-header')][contains(., 'Advanced')]"
    )
    header.click()
    network = _wait(d, lambda d: _css(d, ".crm-org-network_k"), what="the advanced group")
    assert PARAMS["org.network_k"].doc in network.text

    # Seed 3 (the README's first run) goes live: at seed 1 the draw gives the organisation a
    # black-swan complexity, its programme is cancelled at the spending limit whatever the
    # slider says, and the figures cannot change.
    _set_field(d, ".crm-seed", str(SEED))
    _click(d, ".crm-run-button")
    first = _wait(d, lambda d: _css(d, ".crm-figures"), what="the run's figures").text
    assert "Final adoption" in first and "Met expectations · paid back" in first
    assert (
        "Planning, people, process, platform"
        in d.find_element(By.CSS_SELECTOR, ".crm-plan-description").text
    )  # what the plan's name means

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

    # The export downloads the settings as a scenario file that validates and reproduces the run.
    _tab(d, "Export")
    _click(d, ".crm-export-toml .v-btn")
    exported = _download(d, "*.toml", "the scenario download")
    assert main(["validate", str(exported)]) == 0
    scen = sim.load_scenario(exported)
    start = sim.load_scenario(START)
    changed = {k for k in start.values if scen.values[k] != start.values[k]}
    assert changed == {"org.complexity"}, changed  # sliders never nudge untouched values
    rerun = sim.run(scen, seed=SEED).summary
    assert f"{money(rerun['spend'])} / {money(rerun['budget'])}" in second
    exported.unlink()

    # A bad value from the page gets the command line's message, naming the page's settings and
    # the field by its label; meanwhile the last run's figures are marked as out of date.
    _tab(d, "One run")
    _set_field(d, ".crm-org-employees", "2")
    _wait(d, lambda d: _css(d, ".crm-stale"), what="the stale mark after a change")
    _click(d, ".crm-run-button")
    error = _wait(d, lambda d: _css(d, ".crm-error"), what="the error message").text
    assert "the page's settings (Four Ps), Size (key 'org.employees')" in error
    assert "[4, 1000000]" in error and str(server["tmp"]) not in error
    # Closed, the next error still shows: it once stayed hidden, and the last run's figures
    # looked current.
    _click(d, ".crm-error button")
    _wait(d, lambda d: _css(d, ".crm-error") is None, what="the error to close")
    _set_field(d, ".crm-org-employees", "3")
    _click(d, ".crm-run-button")
    error = _wait(d, lambda d: _css(d, ".crm-error"), what="the next error message").text
    assert "value 3" in error
    _set_field(d, ".crm-org-employees", str(start["org.employees"]))
    _click(d, ".crm-run-button")  # a run of the page's settings is current again
    _wait(d, lambda d: _css(d, ".crm-stale") is None, what="the stale mark to go")


def test_phase_editor_copies_an_ordering_with_its_own_golive(server, browser):
    d = browser
    _tab(d, "Phase editor")
    _choose(d, ".crm-copy-plan", "Start small")
    start_small = sim.load_scenario(ROOT / "scenarios/start_small.toml")
    _wait(
        d,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, ".crm-phase")) == len(start_small.phases),
        what="the copied phases",
    )
    _set_field(d, ".crm-phase-duration", "10")  # the first phase: planning, 8 -> 10 weeks
    _tab(d, "Export")
    _wait(d, lambda d: "Custom plan" in d.find_element(By.TAG_NAME, "body").text, what="custom")
    _click(d, ".crm-export-toml .v-btn")
    exported = _download(d, "custom.toml", "the custom plan's scenario")
    text = tomllib.loads(exported.read_text())
    phases = text["rollout"]["phases"]
    assert [p["workstream"] for p in phases] == [p.workstream for p in start_small.phases]
    assert phases[0]["duration"] == 10 and phases[1]["duration"] == start_small.phases[1].duration
    scen = sim.load_scenario(exported)
    assert scen["rollout.golive"] == "phased" and scen["rollout.vendor_pressure"] == 0.1
    _tab(d, "One run")
    _click(d, ".crm-run-button")
    _wait(
        d,
        lambda d: "Scenario file custom-" in d.find_element(By.TAG_NAME, "body").text,
        what="the custom plan's run",
    )


def test_a_long_comparison_can_be_cancelled(server, browser):
    """A consultant who asked for too many replicates stops them from the page (the Cancel button
    shows while a comparison runs); the page then says so, and Run the odds works again (the next
    test's comparison runs on the same server)."""
    d = browser
    _tab(d, "The odds")
    try:
        _set_field(d, ".crm-replicates", "5000")  # 10,000 runs on one worker: minutes
        started = _odds_started(d)
        _click_until(d, ".crm-odds-button", started, what="the long comparison to start")
        _click(d, ".crm-odds-cancel")
        note = _wait(d, lambda d: _css(d, ".crm-odds-cancelled"), seconds=60, what="the note")
        assert "Comparison cancelled" in note.text
        _wait(
            d,
            lambda d: not _css(d, ".crm-odds-button").get_attribute("disabled"),
            what="Run the odds enabled again",
        )
        assert not _css(d, ".crm-odds-cancel") and not _css(d, ".crm-odds")
        # the cancelled comparison's folder is gone: nothing half-written stays in the results
        odds = server["tmp"] / "results" / "odds"
        assert not [p for p in odds.iterdir() if p.is_dir() and "scenarios" not in p.name]
    finally:
        _set_field(d, ".crm-replicates", "2")
    # and a comparison runs again
    _click_until(d, ".crm-odds-button", _odds_started(d), what="the next comparison to start")
    _odds_table(d, "2 replicates per ordering")
    _set_field(d, ".crm-replicates", "6")


def test_odds_with_money_downloads_and_a_one_page_brief(server, browser):
    d = browser
    _choose(d, ".crm-preset", CLIENT.name)
    _wait(
        d,
        lambda d: "0.25 (weak)" in d.find_element(By.CSS_SELECTOR, ".crm-trait").text,
        what="the preset's sponsor strength",
    )
    _tab(d, "The odds")
    _click_until(d, ".crm-odds-button", _odds_started(d), what="the odds to start")
    odds = _odds_table(d, "6 replicates per ordering")
    assert "Met expectations" in odds and "Paid back (business case met)" in odds
    assert odds.index("Technology first") < odds.index("Four Ps")  # the charts' order
    assert "vendor pressure 0.8" in odds and "vendor pressure 0.2" in odds  # as their files say
    assert list((server["tmp"] / "results" / "odds").glob("*/summary.csv"))

    for fmt, magic in (("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<?xml")):
        _click(d, ".crm-download-outcome_mix .v-btn", text=fmt.upper())
        chart = _download(d, f"outcome_mix-*.{fmt}", f"the {fmt} chart")
        assert chart.read_bytes().startswith(magic)

    _click(d, ".crm-brief .v-btn", text="ZIP")
    handover = _download(d, "brief-*.zip", "the brief's ZIP")
    with zipfile.ZipFile(handover) as zf:
        names = sorted(n.split("/", 1)[1] for n in zf.namelist())
    # the posterior travels with the brief when its odds drew from it (the switch is on by default
    # wherever a calibration's posterior exists, as it does in the repository's results)
    drew = bool(d.find_elements(By.CSS_SELECTOR, ".crm-uncertainty"))
    expected = ["brief.html", "four_ps.toml"] + (["posterior.parquet"] if drew else [])
    assert names == expected + ["technology_first.toml"]
    _click(d, ".crm-brief .v-btn", text="(HTML)")
    brief = _download(d, "brief-*.html", "the brief")
    text = brief.read_text()
    assert "Technology first vs Four Ps: the odds of this CRM rollout" in text
    assert "120 employees) with a weak sponsor and poor data" in text
    assert str(server["tmp"]) not in text  # no path of the server's machine

    # Printed, the brief is one page, on A4 and on Letter (in a tab of its own).
    page = d.current_window_handle
    d.switch_to.new_window("tab")
    d.get(brief.as_uri())
    for paper in ({"preferCSSPageSize": True}, {"paperWidth": 8.5, "paperHeight": 11}):
        pdf = base64.b64decode(d.execute_cdp_cmd("Page.printToPDF", paper)["data"])
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert pages == 1, f"the brief prints on {pages} pages ({paper})"
    (server["tmp"] / "brief.pdf").write_bytes(pdf)
    d.close()
    d.switch_to.window(page)

    # Nothing was written outside the results folder (the server ran in tmp).
    written = {p.name for p in server["tmp"].iterdir()}
    assert written <= {"results", "downloads", "profile", "server.log", "brief.pdf"}, written
