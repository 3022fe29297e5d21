"""What the browser tests share besides fixtures: Debian's Chromium and how it is started, the
check that fails a test on a Content-Security-Policy violation, and the editor's code."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A Content-Security-Policy violation fails the test: the page must work under its policy.
# Chromium logs each refusal; the event also catches what is reported without a log line.
CSP_WATCH = """document.addEventListener('securitypolicyviolation', (e) => console.error(
  'Content Security Policy violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));"""


async def fail_on_csp_violations(page, errors: list[str]) -> None:
    await page.add_init_script(CSP_WATCH)
    page.on("console", lambda message: "Content Security Policy" in message.text and errors.append(message.text))


# The editor's code through CodeMirror's own handle on its element: the page has no globals of its own.
SET_CODE = "code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)"
GET_CODE = "() => document.querySelector('.CodeMirror').CodeMirror.getValue()"


async def set_code(page, code: str) -> None:
    await page.evaluate(SET_CODE, code)


async def get_code(page) -> str:
    return await page.evaluate(GET_CODE)


async def run_code(page, code: str) -> None:
    await set_code(page, code)
    await page.focus("#code")
    await page.keyboard.press("Control+Enter")
