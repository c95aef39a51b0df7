"""Take the README's screenshots of the web page from a running API server.

    flywheel serve &                       # or any server holding the bundled cases
    python docs/make_screenshots.py http://127.0.0.1:8000

Writes docs/screenshot-flywheel.png (Hangzhou's flywheel) and docs/screenshot-compare.png (the
comparison of cities), with Debian's Chromium (``/usr/bin/chromium``, or ``--chromium PATH``)
driven by Playwright; nothing is downloaded.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

DOCS = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _ready(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    # the sticky masthead would cover part of a section's picture (CSSOM, allowed by the CSP)
    page.evaluate("document.querySelector('.masthead').style.position = 'static'")
    page.wait_for_timeout(300)  # let fonts settle before the picture is taken


def take(base: str, chromium: str, out: Path = DOCS) -> list[Path]:
    """Both screenshots from the server at ``base``; returns the files written."""
    base = base.rstrip("/")
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
        _ready(page, f"{base}/?case=hangzhou&lang=en")
        target = out / "screenshot-flywheel.png"
        page.locator("#flywheel").screenshot(path=str(target))
        written.append(target)
        target = out / "screenshot-compare.png"
        page.locator("#compare").screenshot(path=str(target))
        written.append(target)
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the API's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args()
    for path in take(args.base, args.chromium, args.out):
        print(path)


if __name__ == "__main__":
    main()
