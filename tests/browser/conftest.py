"""The browser tests' fixtures: Chromium must be there, the real site (one per test module), a
browser whose pages fail the test on a CSP violation, and a page of the site ready to run."""

from __future__ import annotations

import os

import pytest

from bench.site import running_site
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, fail_on_csp_violations


@pytest.fixture(scope="session", autouse=True)
def chromium():
    """Every browser test needs Debian's Chromium: skipped without it, except in CI where it fails."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: the Makefile should have installed it", pytrace=False)
        pytest.skip("Chromium is not installed (make test installs it)")
    return CHROMIUM


@pytest.fixture(scope="module")
def site():
    """The real site (uvicorn, a fresh database, the embedded kernel host), one per test module.
    Every test's page is a new session and kernel, all from 127.0.0.1: bench's running_site lifts
    the per-address share of kernels."""
    with running_site(quiet=True) as base:
        yield base


@pytest.fixture
async def browser():
    """Chromium for one test; a CSP violation on any page it records fails the test."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        browser.csp_violations = []  # pages opened with fail_on_csp_violations(page, this list)
        yield browser
        await browser.close()
        assert browser.csp_violations == []


@pytest.fixture
def page_ready_ms() -> int:
    """How long a new page may take to connect and enable Run (a module whose fits load the
    machine overrides this fixture)."""
    return 30_000


@pytest.fixture
async def page(site, page_ready_ms):
    """The site's page in a new Chromium, connected and ready to run; an error it raises or a CSP
    violation fails the test."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800}, accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await fail_on_csp_violations(page, errors)
        await page.goto(site + "/")
        await page.wait_for_selector("#run:not([disabled])", timeout=page_ready_ms)
        yield page
        assert errors == [], f"the page raised: {errors}"
        await browser.close()
