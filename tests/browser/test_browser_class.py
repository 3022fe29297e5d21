"""A class in a real browser: a teacher and three students (issue 25). The teacher opens the class
and watches; students join by its link; an error shows in the teacher's view grouped with its
hint; a push is accepted; an exercise fails then passes, at the student's cell and in the
teacher's grid; a student follows the teacher's playground and takes a copy. Screenshots of the
teacher's view and a student's exercise go to docs/screenshots/."""

from __future__ import annotations

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, fail_on_csp_violations, get_code, run_code
from tests.classroom.support import LESSON
from tests.support import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


class People:
    """One Chromium; a context (a browser of its own: cookies, session) per person."""

    def __init__(self, browser, errors: list[str]):
        self.browser, self.errors = browser, errors

    async def person(self):
        context = await self.browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        await fail_on_csp_violations(page, self.errors)
        return page


@pytest.fixture
async def people():
    from playwright.async_api import async_playwright

    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield People(browser, errors)
        await browser.close()
    assert errors == [], f"a page raised or broke its CSP: {errors}"


async def open_class(teacher, site: str) -> str:
    await teacher.goto(site + "/class/new")
    await teacher.fill("#id_name", "Tensores y tipos")
    await teacher.fill("#id_seats", "5")
    await teacher.fill("#id_starting_code", LESSON)
    await teacher.click("button[type=submit]")
    await teacher.wait_for_url("**/teach")
    return teacher.url.split("/class/")[1].split("/")[0]


async def join(student, site: str, code: str, name: str) -> None:
    await student.goto(f"{site}/c/{code}")
    assert "Your teacher sees the code you run" in await student.inner_text("main")
    await student.fill("#id_name", name)
    await student.click("button[type=submit]")
    await student.wait_for_selector("#run:not([disabled])", timeout=30_000)


async def test_a_teacher_and_three_students_through_a_class(site, people):
    teacher = await people.person()
    code = await open_class(teacher, site)
    ana, bo, cy = [await people.person() for _ in range(3)]
    for student, name in ((ana, "Ana"), (bo, "Bo"), (cy, "Cy")):
        await join(student, site, code, name)
    assert "# %% exercise: Cast to float" in await get_code(ana) and "assert" not in await get_code(ana)
    roster = teacher.locator("#roster tbody tr")
    await roster.nth(2).wait_for(timeout=10_000)

    # An error, in the teacher's view within moments, grouped with its hint and line.
    await run_code(ana, "tf.constant(1) + tf.constant(1.5)")
    group = teacher.locator(".error-group")
    await group.wait_for(timeout=20_000)
    assert "tf.constant(1) + tf.constant(1.5)" in await group.inner_text() and "Ana" in await group.inner_text()
    assert "error" in await teacher.locator("#roster tr", has_text="Ana").inner_text()

    # A push, offered to each student and accepted by one.
    await teacher.fill("#push-code", "pushed = tf.ones((2, 2))")
    await teacher.click("#push")
    banner = bo.locator(".banner.push")
    await banner.wait_for(timeout=10_000)
    await banner.get_by_role("button", name="Insert as a new cell").click()
    assert (await get_code(bo)).endswith("# %%\npushed = tf.ones((2, 2))")
    await cy.locator(".banner.push").wait_for(timeout=10_000)  # offered, not taken: her code is hers
    assert "pushed" not in await get_code(cy)

    # An exercise: its check fails with its message, then passes; the teacher's grid follows.
    await run_code(cy, "t = tf.constant([1, 2, 3])")
    await cy.locator(".run.is-ok").first.wait_for(timeout=20_000)
    await run_code(cy, "# %% exercise: Cast to float\nt_float = t")
    failed = cy.locator(".verdict.is-fail")
    await failed.wait_for(timeout=20_000)
    assert "t_float must be float32" in await failed.inner_text()
    await run_code(cy, "# %% exercise: Cast to float\nt_float = tf.cast(t, tf.float32)")
    await cy.locator(".verdict.is-pass").wait_for(timeout=20_000)
    await cy.locator(".cm-result-pass").wait_for(timeout=5_000)  # at the exercise's cell
    SHOTS.mkdir(parents=True, exist_ok=True)
    await cy.screenshot(path=str(SHOTS / "class-exercise.png"))
    await teacher.locator("#roster tr", has_text="Cy").locator(".exercise-cell.is-pass").wait_for(timeout=10_000)
    await teacher.wait_for_timeout(300)
    await teacher.screenshot(path=str(SHOTS / "class-teacher.png"), full_page=True)

    # The teacher opens a student's session read-only: their runs as they see them.
    await teacher.locator("#roster tr", has_text="Ana").locator(".student-name").click()
    await teacher.locator("#student-runs .run").first.wait_for(timeout=10_000)
    assert "tf.constant(1.5)" in await teacher.inner_text("#student-runs")

    # Follow mode: a student watches the teacher's playground, then takes a copy.
    presenter = await teacher.context.new_page()
    await presenter.goto(f"{site}/class/{code}/present")
    await presenter.wait_for_selector("#run:not([disabled])", timeout=30_000)
    await ana.click("#follow")
    await ana.locator(".follow-panel").wait_for(timeout=10_000)
    await run_code(presenter, "shown = tf.range(5)\nshown * 2")
    followed = ana.locator(".follow-output .run.is-ok")
    await followed.first.wait_for(timeout=20_000)
    assert "0\t2\t4\t6\t8" in await followed.first.inner_text()  # the teacher's `shown * 2`
    await ana.locator(".follow-panel .CodeMirror", has_text="shown = tf.range(5)").wait_for(timeout=10_000)
    await ana.get_by_role("button", name="Take a copy").click()
    assert (await get_code(ana)).startswith("shown = tf.range(5)")
    assert await ana.locator(".follow-panel").count() == 0

    # The class closes: its students are told, and their code stays theirs.
    await teacher.click(".close-form button")
    await bo.get_by_text("The class has closed").wait_for(timeout=10_000)
    assert "pushed" in await get_code(bo)
