"""Under the Content-Security-Policy, headless Chromium still renders Swagger UI and the admin login."""

from __future__ import annotations

import pytest

from tests.admin.test_browser import WAIT_SECONDS, browser, live_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


def test_swagger_ui_and_admin_login_render_under_the_csp(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(browser, WAIT_SECONDS)
    browser.get(f"{live_server}/api/docs/")
    title = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
    assert "Ticket Intelligence API" in title.text
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock-tag")))
    assert browser.execute_script("return localStorage.getItem('authorized')") is None
    browser.get(f"{live_server}/admin/login/")
    wait.until(ec.presence_of_element_located((By.ID, "login-submit")))
    assert browser.execute_script("return typeof jQuery") == "function"
