"""Headless Chromium (Debian's) driven by Playwright against pytest-django's live server.

A plugin of the root conftest, so every test folder shares one browser per run (Playwright's
sync API allows one per thread)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by test
    # set-up here are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username: str, password: str = "correct-horse-battery") -> None:  # noqa: S107
    """Sign in through the real pages; staff then type the code their authenticator shows now."""
    from accounts.models import User
    from accounts.two_factor import two_factor_required
    from tests.two_factor import authenticator_for, current_code

    user = User.objects.filter(username=username).first()
    device = authenticator_for(user) if user is not None and two_factor_required(user) else None
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if device is not None and "/accounts/two-factor/" in page.url:
        page.fill("#id_code", current_code(device))
        with page.expect_navigation():
            page.click("main button[type=submit]")  # the header's "Sign out" is a button too
