"""Screenshots of the dashboard for docs/dashboard.md, taken from the running app, never drawn.

``python -m sim.dashboard.screenshot docs/`` starts ``crmsim dashboard`` on a free loopback port
(results in a temporary folder), drives headless Chromium through selenium (Debian's ``chromium``
and ``chromium-driver``; selenium is a dev dependency), presses Run, takes
``dashboard-run.png``, runs the odds (200 replicates of technology first and the four Ps by
default) and takes ``dashboard-odds.png``.
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


def _driver(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def take(
    out: Path, scenario: str, replicates: int, workers: int | None, seed: int = 3
) -> list[Path]:
    """Start the app, take the two screenshots, stop the app; returns the files written."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

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
            driver = _driver(Path(tmp) / "profile")
            wait = WebDriverWait(driver, 600, poll_frequency=0.5)
            driver.get(f"http://127.0.0.1:{port}/")
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".crm-run-button"))
            box = driver.find_element(By.CSS_SELECTOR, ".crm-seed input")
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(str(seed), Keys.ENTER)
            time.sleep(1)
            driver.find_element(By.CSS_SELECTOR, ".crm-run-button").click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".crm-figures"))
            time.sleep(2)
            written = [out / "dashboard-run.png"]
            driver.save_screenshot(str(written[0]))
            for tab in driver.find_elements(By.CSS_SELECTOR, ".v-tab"):
                if "odds" in tab.text.lower():
                    tab.click()
            # the tab slides in: wait until the button can take a click, not only until it exists
            wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".crm-odds-button"))).click()
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".crm-odds"))
            time.sleep(3)
            written.append(out / "dashboard-odds.png")
            driver.save_screenshot(str(written[1]))
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
