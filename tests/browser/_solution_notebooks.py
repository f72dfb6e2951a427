"""Every instructor solution notebook, run in JupyterLab in Chromium; then its widgets, clicked.

A solution notebook is opened (on a copy) and run once per module (the ``solution`` fixture,
grouped by notebook); the tests then look at that page: no error output, every figure rendered
with a nonzero size, the explorers of lessons 03 and 06 are live controls whose figure and text
change when a slider is dragged or a button is chosen, and every lesson's practice question
answers a click on Check.
"""

from __future__ import annotations

import pytest

from _lab import error_outputs
from support import source_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SOLUTIONS = source_notebooks()
LESSONS = [p for p in SOLUTIONS if not p.parent.name.startswith("quiz_")]


def _has(notebook, text: str) -> bool:
    return text in notebook.read_text()


EXPLORERS = [p for p in LESSONS if _has(p, "course_utils.widgets import")]
PRACTICE = [p for p in LESSONS if _has(p, "practice_question(")]


def _ids(paths):
    return [p.stem for p in paths]


@pytest.fixture(scope="module", params=SOLUTIONS, ids=_ids(SOLUTIONS))
def solution(request, lab_page):
    """The solution notebook, run to the end in the page (Run All), left open for its tests."""
    notebook = request.param
    lab_page.open(lab_page.copy(notebook, "solutions"))
    try:
        lab_page.run_all(continue_after_errors=False)
        cells = lab_page.cells()
        lab_page.screenshot(f"solution-{notebook.stem}")
        yield {"notebook": notebook, "cells": cells, "page": lab_page}
    finally:
        lab_page.close()


def test_solution_runs_without_errors(solution):
    cells = solution["cells"]
    assert not error_outputs(cells), f"error outputs: {error_outputs(cells)}"
    missed = [
        c["index"]
        for c in cells
        if c["type"] == "code" and c["source"].strip() and c["execution_count"] is None
    ]
    assert not missed, f"cells that never ran: {missed}"


def test_every_figure_renders(solution):
    lab = solution["page"]
    expected = sum(
        1
        for c in solution["cells"]
        for o in c["outputs"]
        if "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
    )
    imgs = lab.page.locator(f"#{lab.panel_id()} .jp-OutputArea-output img")
    sizes = []
    for i in range(imgs.count()):
        img = imgs.nth(i)
        img.scroll_into_view_if_needed()
        sizes.append(
            img.evaluate(
                """(el) => { const r = el.getBoundingClientRect();
                         return [el.complete, el.naturalWidth, el.naturalHeight, r.width, r.height]; }"""
            )
        )
    assert len(sizes) >= expected, f"{expected} figures in the outputs, {len(sizes)} shown in the page"
    bad = [(i, s) for i, s in enumerate(sizes) if not (s[0] and min(s[1:]) > 0)]
    assert not bad, f"figures not rendered (complete, natural w/h, shown w/h): {bad}"


def _explorer_cells(solution) -> list[int]:
    return [
        c["index"]
        for c in solution["cells"]
        if c["type"] == "code" and "course_utils.widgets import" in c["source"]
    ]


def _state(widget) -> tuple[str, str]:
    """(src of the figure, text of the label) of an explorer as the page shows it."""
    return (
        widget.locator("img").first.get_attribute("src") or "",
        widget.locator(".widget-html").first.inner_text(),
    )


def _wait_changed(lab, widget, before, what: str) -> None:
    deadline = 30_000
    step = 250
    waited = 0
    while waited < deadline:
        if _state(widget) != before and _state(widget)[0]:
            return
        lab.page.wait_for_timeout(step)
        waited += step
    pytest.fail(f"{what}: neither the figure nor the text of the explorer changed in the page")


@pytest.mark.parametrize("solution", EXPLORERS, ids=_ids(EXPLORERS), indirect=True)
def test_explorer_widgets_are_live_and_respond(solution):
    lab = solution["page"]
    indices = _explorer_cells(solution)
    assert indices, "no explorer cell found"
    for index in indices:
        out = lab.cell(index).locator(".jp-OutputArea-output")
        widget = out.locator(".jupyter-widgets.widget-vbox").first
        text = out.first.inner_text()
        assert widget.count() == 1 and "VBox(" not in text, (
            f"cell {index}: the explorer shows as text, not as a live widget: {text[:200]!r}"
        )
        sliders = widget.locator(".widget-slider")
        assert sliders.count() >= 2, f"cell {index}: the explorer has no sliders in the page"
        widget.scroll_into_view_if_needed()
        img = widget.locator("img").first
        img.wait_for(state="visible")
        box = img.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"cell {index}: the explorer's figure is empty"

        # Drag the first slider's handle to the right, as a mouse would.
        before = _state(widget)
        handle = sliders.first.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        h = handle.bounding_box()
        track = sliders.first.locator(".noUi-target, .slider").first.bounding_box()
        lab.page.mouse.move(h["x"] + h["width"] / 2, h["y"] + h["height"] / 2)
        lab.page.mouse.down()
        lab.page.mouse.move(
            h["x"] + h["width"] / 2 + track["width"] * 0.25, h["y"] + h["height"] / 2, steps=8
        )
        lab.page.mouse.up()
        _wait_changed(lab, widget, before, f"cell {index}, dragging the first slider")

        # Choose another option of a toggle-button control when there is one (lesson 06).
        buttons = widget.locator(".widget-toggle-buttons button")
        if buttons.count():
            before = _state(widget)
            choice = buttons.filter(has_text="value").first
            choice.click()
            _wait_changed(lab, widget, before, f"cell {index}, choosing 'value'")


@pytest.mark.parametrize("solution", PRACTICE, ids=_ids(PRACTICE), indirect=True)
def test_practice_question_answers_a_click(solution):
    lab = solution["page"]
    indices = [
        c["index"] for c in solution["cells"] if c["type"] == "code" and "practice_question(" in c["source"]
    ]
    assert indices, "no practice question found"
    for index in indices:
        out = lab.cell(index).locator(".jp-OutputArea-output")
        boxes = out.locator(".jupyter-widgets.widget-vbox:has(.widget-radio-box)")
        expected = solution["cells"][index]["source"].count("practice_question(")
        assert boxes.count() >= max(1, expected), (
            f"cell {index}: {expected} practice questions, {boxes.count()} live widgets in the page: "
            f"{out.first.inner_text()[:200]!r}"
        )
        for k in range(boxes.count()):
            box = boxes.nth(k)
            radios = box.locator(".widget-radio-box input[type=radio]")
            assert radios.count() >= 2, f"cell {index}, question {k}: fewer than two options"
            box.scroll_into_view_if_needed()
            feedback = box.locator(".widget-html").last
            assert not feedback.inner_text().strip(), f"cell {index}, question {k}: feedback before a click"
            radios.first.check()
            box.locator("button", has_text="Check").click()
            lab.page.wait_for_function(
                """(el) => /^(Right|Not quite)/.test(el.innerText.trim())""",
                arg=feedback.element_handle(),
                timeout=30_000,
            )
            text = feedback.inner_text()
            assert ("Right: A." in text) or ("you picked A" in text), (
                f"cell {index}, question {k}: feedback {text!r}"
            )
