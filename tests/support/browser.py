"""The console in a real browser, for tests: Debian's Chromium driven by the playwright
package (fixtures `chromium` and `served`, registered in tests/conftest.py), signing in as
a person does, and screenshots where TICKETFLOW_SCREENSHOTS says (docs/console/ is made so)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright import async_api as playwright_api

from tests.support.stack import Stack, free_port

__all__ = ["playwright_api"]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE_BROWSER = bool(os.environ.get("CI") or os.environ.get("TICKETFLOW_TEST_REQUIRE_BROWSER"))
SHOTS = os.environ.get("TICKETFLOW_SCREENSHOTS")
PASSWORD = "correct horse battery"


def need_browser() -> str:
    if CHROMIUM is None:
        reason = "no chromium: apt-get install chromium (.ci/run installs it)"
        if REQUIRE_BROWSER:
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
async def served(stack: Stack) -> AsyncIterator[str]:
    """The stack's application on a real port (its lifespan already runs)."""
    async with serving_stack(stack) as base:
        yield base


@asynccontextmanager
async def serving_stack(stack: Stack) -> AsyncIterator[str]:
    """Any stack's application on a real port, for as long as the block runs."""
    port = free_port()
    app = stack.http._transport.app  # type: ignore[attr-defined]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def chromium() -> AsyncIterator[object]:
    path = need_browser()
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        await browser.close()


async def shot(page: object, name: str, full_page: bool = True) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=full_page)  # type: ignore[attr-defined]


# Every refusal of a script by the Content-Security-Policy the pages' consoles report.
CSP_REPORTS: list[str] = []


async def sign_in(browser: object, base: str, name: str, language: str = "en") -> object:
    """A Russian browser signed in as `name`, the console switched to `language`."""
    # A Russian browser: the console speaks Russian until the agent chooses otherwise.
    context = await browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = await context.new_page()

    def console_message(message: object) -> None:
        text = str(message.text)  # type: ignore[attr-defined]
        # Scripts only: a mail's inline styles are refused on purpose (its HTML is shown
        # as text with structure, never with its own styling or code).
        if "Content Security Policy" in text and "script-src" in text:
            CSP_REPORTS.append(text)

    page.on("console", console_message)
    await page.goto(f"{base}/")
    await page.get_by_label("Имя").fill(name)
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Войти").click()
    await page.wait_for_url(f"{base}/")
    if language == "en":
        await page.get_by_label("Язык").select_option("en")
        await playwright_api.expect(page.get_by_label("Language")).to_be_visible()
    return page


@pytest.fixture(scope="session")
def axe_script(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """axe-core's script, from the npm registry where it installs (TICKETFLOW_AXE_JS names
    one already on disk); None where it does not: the pages are then not checked by it."""
    given = os.environ.get("TICKETFLOW_AXE_JS")
    if given:
        return Path(given)
    npm = shutil.which("npm")
    if npm is None:
        return None
    where = tmp_path_factory.mktemp("axe")
    try:
        subprocess.run(
            [npm, "install", "--prefix", str(where), "axe-core@4", "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=180,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    script = where / "node_modules" / "axe-core" / "axe.min.js"
    return script if script.exists() else None


async def axe_violations(
    browser: object, base: str, cookies: list[dict[str, Any]], paths: list[str], script: Path
) -> dict[str, list[str]]:
    """axe-core's serious and critical findings on each page, by path (in a context that
    lets its injected script run: the console's own policy would refuse it)."""
    context = await browser.new_context(bypass_csp=True, locale="en-US")  # type: ignore[attr-defined]
    await context.add_cookies(cookies)
    page = await context.new_page()
    found: dict[str, list[str]] = {}
    for path in paths:
        await page.goto(f"{base}{path}")
        await page.add_script_tag(path=str(script))
        result = await page.evaluate("async () => (await axe.run()).violations")
        bad = [
            f"{v['id']}: {v['help']}" for v in result if v.get("impact") in ("serious", "critical")
        ]
        if bad:
            found[path] = bad
    await context.close()
    return found
