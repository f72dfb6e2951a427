"""The instructor's Formgrader (nbgrader's /formgrader page of the course's Lab) lists the assignments."""

from __future__ import annotations

import pytest

from support import assignment_names

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_formgrader_lists_every_assignment(lab, browser):
    page = browser.new_page()
    try:
        page.goto(f"{lab['base']}/formgrader?token={lab['token']}", wait_until="domcontentloaded")
        names = assignment_names()
        # The assignments table is filled in by the page's script from nbgrader's API.
        page.wait_for_function(
            """(names) => names.every(n => document.body.innerText.includes(n))""", arg=names, timeout=60_000
        )
        assert "Manage Assignments" in page.inner_text("body")
        page.screenshot(path=str(_screenshots() / "formgrader.png"))
    finally:
        page.close()


def _screenshots():
    from _lab import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
