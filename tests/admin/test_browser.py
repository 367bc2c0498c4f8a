"""A real browser (headless Debian Chromium driven by Selenium) uses the admin site served on 127.0.0.1."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from app.auth import service as auth_service
from tests.factories import PASSWORD

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# The machine has no network: no first-run, sync, component or background fetches.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-sync",
    "--disable-component-update",
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_SECONDS = 15


def _require_chromium() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        reason = f"{', '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"The browser test must run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on a free 127.0.0.1 port, served from a background thread for the duration of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="admin-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path, monkeypatch):
    """Headless system Chromium with a fresh profile; Selenium Manager never goes online."""
    _require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(1400, 1000)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_an_admin_logs_in_searches_edits_a_ticket_and_logs_out(
    live_server, browser, admin, agent, make_ticket
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(browser, WAIT_SECONDS)
    target = make_ticket(title="Printer on fire", description="Smoke from tray 2", priority="LOW")
    make_ticket(title="VPN drops every hour", status="IN_PROGRESS", assigned_to=agent)
    make_ticket(title="Invoice shows the wrong VAT", category="billing", category_source="human")
    _, token = auth_service.issue_token(user=admin, name="browser-test")

    browser.get(f"{live_server}/admin/")
    wait.until(ec.url_contains("/admin/login/"))
    browser.find_element(By.ID, "username").send_keys("admin")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()

    wait.until(ec.presence_of_element_located((By.ID, "dashboard")))
    assert browser.execute_script("return typeof jQuery") == "function", "local assets loaded"
    assert "Open tickets" in browser.find_element(By.ID, "dashboard").text
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "admin-dashboard.png"))

    browser.find_element(By.LINK_TEXT, "Tickets").click()
    search = wait.until(ec.presence_of_element_located((By.NAME, "search")))
    search.send_keys("printer\n")
    wait.until(ec.url_contains("search=printer"))
    titles = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "td.col-title")]
    assert titles == ["Printer on fire"]
    browser.save_screenshot(str(ARTIFACTS / "admin-tickets-search.png"))

    browser.find_element(By.CSS_SELECTOR, f'a[href*="/admin/ticket/edit/?id={target.id}"]').click()
    priority = Select(wait.until(ec.presence_of_element_located((By.ID, "priority"))))
    assert priority.first_selected_option.get_attribute("value") == "LOW"
    priority.select_by_value("URGENT")
    browser.find_element(By.CSS_SELECTOR, 'input[type="submit"][value="Save"]').click()
    saved = (By.CSS_SELECTOR, ".alert")
    wait.until(ec.text_to_be_present_in_element(saved, "Record was successfully saved."))

    api = requests.Session()
    api.trust_env = False  # talk to 127.0.0.1 directly, never through a proxy from the environment
    headers = {"Authorization": f"Bearer {token}"}
    ticket = api.get(f"{live_server}/api/tickets/{target.id}/", headers=headers, timeout=10).json()
    assert ticket["priority"] == "URGENT"
    history = api.get(f"{live_server}/api/tickets/{target.id}/events/", headers=headers, timeout=10).json()
    assert [(e["kind"], e["from_value"], e["to_value"]) for e in history] == [("priority", "LOW", "URGENT")]

    browser.find_element(By.ID, "logout").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".alert"), "You have been logged out."))
    browser.get(f"{live_server}/admin/ticket/")
    wait.until(ec.url_contains("/admin/login/"))
