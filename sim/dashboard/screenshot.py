"""Screenshots of the dashboard for docs/dashboard.md, taken from the running app, never drawn.

``python -m sim.dashboard.screenshot docs/`` starts ``crmsim dashboard`` on a free loopback port
(results in a temporary folder), drives headless Chromium through selenium (Debian's ``chromium``
and ``chromium-driver``; selenium is a dev dependency) as a consultant would for the issue's client
(the first preset: a 120-person B2B sales organisation with poor data and a weak sponsor): picks
the preset, presses Run and takes ``dashboard-run.png``; compares technology first, start small
and the four Ps (200 replicates each by default) and takes ``dashboard-odds.png``; downloads the
brief and takes ``dashboard-brief.png`` of it as printed (print media, A4 width at 96 dpi).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Headless Chromium on a closed network, as root (shared with the browser test,
#: tests/dashboard/test_dashboard_browser.py): without the background-networking flags Chromium
#: keeps trying hosts it cannot reach.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CHROMIUM_FLAGS = (*HEADLESS_FLAGS, "--hide-scrollbars", "--window-size=1600,1250")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _driver(profile: Path, downloads: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


def _still_click(driver, selector: str, text: str | None = None, timeout: float = 600) -> None:
    """Click the element once it is shown, enabled and has kept its box for three polls (a click
    on an element still sliding in or re-flowing lands beside it)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    last, still = None, 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [
            e
            for e in driver.find_elements(By.CSS_SELECTOR, selector)
            if e.is_displayed() and (text is None or text in e.text)
        ]
        try:
            if found and not found[0].get_attribute("disabled"):
                box = driver.execute_script(
                    "const r = arguments[0].getBoundingClientRect();"
                    "return [r.x, r.y, r.width, r.height];",
                    found[0],
                )
                still = still + 1 if box == last and box[2] > 0 else 0
                last = box
                if still >= 3:
                    found[0].click()
                    return
        except WebDriverException:
            still = 0
        time.sleep(0.2)
    raise TimeoutError(f"{selector} never took a click")


def _choose(driver, selector: str, text: str) -> None:
    """Pick ``text`` from the Vuetify select inside ``selector``."""
    from selenium.webdriver.common.by import By

    _still_click(driver, f"{selector} .v-select__slot")
    xpath = f"//div[contains(@class, 'menuable__content__active')]//div[normalize-space()='{text}']"
    for _ in range(100):
        if driver.find_elements(By.XPATH, xpath):
            driver.find_element(By.XPATH, xpath).click()
            return
        time.sleep(0.2)
    raise TimeoutError(f"{text!r} not in the menu of {selector}")


def _wait_for(driver, test, timeout: float = 900):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = test(driver)
        if found:
            return found
        time.sleep(0.5)
    raise TimeoutError("the page did not show what was awaited")


def brief_png(driver, brief: Path, out: Path) -> Path:
    """The brief as printed: print media, A4 width at 96 dpi (794 px), the whole page."""
    driver.get(brief.resolve().as_uri())
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    driver.set_window_size(794 + 16, 1200)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(794 + 16, height + 140)
    driver.save_screenshot(str(out))
    return out


def take(
    out: Path, scenario: str, replicates: int, workers: int | None, seed: int = 3
) -> list[Path]:
    """Start the app, take the three screenshots, stop the app; returns the files written."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from sim.dashboard.traits import PRESETS

    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="crmsim-shot-") as tmp:
        cmd = [sys.executable, "-m", "sim.cli.main", "dashboard", scenario, "--port", str(port)]
        cmd += ["--results", str(Path(tmp) / "results"), "--replicates", str(replicates)]
        if workers:
            cmd += ["--workers", str(workers)]
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        driver = None
        try:
            for _ in range(200):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.3)
            downloads = Path(tmp) / "downloads"
            driver = _driver(Path(tmp) / "profile", downloads)
            driver.get(f"http://127.0.0.1:{port}/")
            _wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".crm-run-button"))
            _choose(driver, ".crm-preset", PRESETS[0].name)
            box = driver.find_element(By.CSS_SELECTOR, ".crm-seed input")
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(str(seed), Keys.ENTER)
            time.sleep(1)
            _still_click(driver, ".crm-run-button")
            _wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".crm-figures"))
            time.sleep(2)
            written = [out / "dashboard-run.png"]
            driver.save_screenshot(str(written[0]))
            for tab in driver.find_elements(By.CSS_SELECTOR, ".v-tab"):
                if "odds" in tab.text.lower():
                    tab.click()
            _choose(driver, ".crm-chosen", "Start small")
            driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)  # close the menu
            _still_click(driver, ".crm-odds-button")
            table = _wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".crm-odds"))
            time.sleep(3)
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", table[0])
            time.sleep(1)
            written.append(out / "dashboard-odds.png")
            driver.save_screenshot(str(written[1]))
            _still_click(driver, ".crm-brief .v-btn", text="(HTML)")
            brief = _wait_for(
                driver,
                lambda d: [p for p in downloads.glob("brief-*.html")],
            )[0]
            written.append(brief_png(driver, brief, out / "dashboard-brief.png"))
            return written
        finally:
            if driver is not None:
                driver.quit()
            server.terminate()
            server.wait(10)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.dashboard.screenshot", description=__doc__)
    p.add_argument("out", nargs="?", default="docs", help="folder for the PNG files")
    p.add_argument("--scenario", default="four_ps", help="scenario file or shipped name")
    p.add_argument("--replicates", type=int, default=200)
    p.add_argument("--workers", type=int)
    args = p.parse_args(argv)
    for path in take(Path(args.out), args.scenario, args.replicates, args.workers):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
