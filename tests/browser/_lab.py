"""Driving JupyterLab in Playwright: open a notebook, Run All, read outputs, screenshots.

The Lab is started with ``--LabApp.expose_app_in_browser=True`` so that the page carries
``window.jupyterapp`` (as JupyterLab's own Playwright framework, Galata, uses it): commands are
the ones the menus run (``notebook:run-all-cells``...), and the outputs are read from the
notebook model the page shows.
"""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

from support import ROOT

ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
RUN_DIR = ARTIFACTS / "browser-run"

RUN_TIMEOUT_S = 300


class LabPage:
    def __init__(self, page, base: str, token: str):
        self.page, self.base, self.token = page, base, token
        self.console: list[str] = []
        page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))

    # -- the app -----------------------------------------------------------------------------
    def load(self) -> None:
        self.page.goto(f"{self.base}/lab?token={self.token}", wait_until="domcontentloaded")
        self.page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000)
        self.page.evaluate("() => window.jupyterapp.restored")
        self.page.wait_for_selector("#jp-main-dock-panel", state="visible")

    def copy(self, notebook: Path, kind: str) -> str:
        """Copy ``notebook`` (under the repo) into the run folder; return its path for the Lab."""
        dest = RUN_DIR / kind / notebook.parent.name / notebook.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, dest)
        return dest.relative_to(ROOT).as_posix()

    def open(self, path: str) -> None:
        self.page.evaluate(
            """async (path) => {
                const app = window.jupyterapp;
                const panel = await app.commands.execute('docmanager:open',
                                                         {path, factory: 'Notebook', kernel: {name: 'gradclip'}});
                await panel.context.ready;
                await panel.sessionContext.ready;
                app.shell.activateById(panel.id);
                window.__panel = panel;
            }""",
            path,
        )
        self.wait_kernel_idle(120)
        kernel = self.page.evaluate("() => window.__panel.sessionContext.session.kernel.name")
        assert kernel == "gradclip", f"{path} opened with kernel {kernel!r}, not gradclip"

    def wait_kernel_idle(self, timeout_s: float) -> None:
        self.page.wait_for_function(
            """() => { const s = window.__panel.sessionContext.session;
                       return s && s.kernel && s.kernel.status === 'idle'; }""",
            timeout=timeout_s * 1000,
            polling=250,
        )

    def run_all(self, continue_after_errors: bool) -> int:
        """Run > Run All Cells, wait until the kernel is idle; returns the number of passes.

        JupyterLab stops a Run All at the first cell that raises (as it does for a student).
        With ``continue_after_errors`` the test then does what a student reading on would do:
        select the first code cell below the failed one and run it and all below, until every
        code cell has run.
        """
        passes = 0
        retries = 0
        start_at = 0
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while True:
            passes += 1
            self.page.evaluate(
                """async (start) => {
                    const panel = window.__panel, app = window.jupyterapp;
                    app.shell.activateById(panel.id);
                    if (start === 0) {
                        await app.commands.execute('notebook:run-all-cells');
                    } else {
                        panel.content.activeCellIndex = start;
                        await app.commands.execute('notebook:run-all-below');
                    }
                }""",
                start_at,
            )
            self.wait_kernel_idle(max(1.0, deadline - time.monotonic()))
            self.page.wait_for_function(
                """() => !Array.from(window.__panel.content.widgets).some(
                        c => c.model.type === 'code' && c.promptNode && c.promptNode.textContent.includes('*'))""",
                timeout=max(1.0, deadline - time.monotonic()) * 1000,
                polling=250,
            )
            pending = self.unexecuted_code_cells()
            if not pending or not continue_after_errors:
                return passes
            assert time.monotonic() < deadline, f"Run All did not finish in {RUN_TIMEOUT_S} s"
            if passes > 1 and pending[0] <= start_at:
                # The kernel drops requests that arrive while it is still aborting the queue of
                # the failed Run: give it a moment and run from the same cell again.
                retries += 1
                assert retries <= 3, f"cell {pending[0]} does not run: {pending}"
                self.page.wait_for_timeout(1000)
            else:
                retries = 0
            start_at = pending[0]

    def unexecuted_code_cells(self) -> list[int]:
        return self.page.evaluate(
            """() => { const cells = window.__panel.content.model.cells; const out = [];
                       for (let i = 0; i < cells.length; i++) {
                           const c = cells.get(i);
                           if (c.type === 'code' && c.sharedModel.getSource().trim() && c.executionCount == null) out.push(i);
                       }
                       return out; }"""
        )

    def cells(self) -> list[dict]:
        """Every cell as the page's model holds it: index, type, source, execution count, outputs."""
        return self.page.evaluate(
            """() => { const cells = window.__panel.content.model.cells; const out = [];
                       for (let i = 0; i < cells.length; i++) {
                           const c = cells.get(i);
                           out.push({index: i, type: c.type, source: c.sharedModel.getSource(),
                                     execution_count: c.type === 'code' ? c.executionCount : null,
                                     outputs: c.type === 'code' ? c.outputs.toJSON() : []});
                       }
                       return out; }"""
        )

    def cell(self, index: int):
        """The locator of the cell ``index`` in the page."""
        return self.page.locator(f"#{self.panel_id()} .jp-Notebook .jp-Cell").nth(index)

    def panel_id(self) -> str:
        return self.page.evaluate("() => window.__panel.id")

    def close(self) -> None:
        """Shut the kernel down and close the tab (no dialog: the copy is thrown away)."""
        self.page.evaluate(
            """async () => { const panel = window.__panel;
                             if (!panel) return;
                             try { await panel.sessionContext.shutdown(); } catch (e) {}
                             panel.dispose(); window.__panel = undefined; }"""
        )

    # -- what the page shows -----------------------------------------------------------------
    def screenshot(self, name: str) -> Path:
        """Save a screenshot of the notebook (scrolled to the top) and fail when it is blank."""
        from PIL import Image, ImageStat

        pid = self.panel_id()
        n_cells = self.page.locator(f"#{pid} .jp-Notebook .jp-Cell").count()
        assert n_cells > 0, f"{name}: the page shows no notebook cells"
        rendered = self.page.locator(
            f"#{pid} .jp-Notebook .jp-RenderedHTMLCommon, #{pid} .jp-Notebook .jp-InputArea-editor"
        ).count()
        assert rendered > 0, f"{name}: no cell of the notebook is rendered"
        self.page.evaluate(
            "() => window.__panel.content.scrollToItem ? window.__panel.content.scrollToItem(0) : null"
        )
        self.page.locator(f"#{pid} .jp-Notebook .jp-Cell").first.scroll_into_view_if_needed()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        # Judge blankness on the notebook area alone: the Lab's menus and side bar are never blank.
        png = self.page.locator(f"#{pid} .jp-Notebook").first.screenshot()
        image = Image.open(io.BytesIO(png)).convert("L")
        stddev = ImageStat.Stat(image).stddev[0]
        histogram = image.histogram()
        dominant = max(histogram) / sum(histogram)
        assert stddev > 8 and dominant < 0.97, (
            f"{name}: the notebook area of {path} is almost uniform (stddev {stddev:.1f}, "
            f"{dominant:.1%} of the pixels one shade): the page looks blank"
        )
        return path


def error_outputs(cells: list[dict]) -> list[tuple[int, str, str]]:
    """(cell index, ename, evalue) of every error output."""
    return [
        (c["index"], o.get("ename", ""), o.get("evalue", ""))
        for c in cells
        for o in c["outputs"]
        if o.get("output_type") == "error"
    ]
