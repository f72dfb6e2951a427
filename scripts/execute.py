"""Execute notebooks in place so that their stored outputs are the ones nbval compares against.

    python scripts/execute.py solutions             # every notebook under solutions/
    python scripts/execute.py solutions/01_gradients/01_gradients.ipynb

Runs each notebook top to bottom in its own folder with the course kernel, one CPU thread and
progress bars off (as under `make test`), and without timing metadata, so re-running an unchanged
notebook leaves the file unchanged.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "COURSE_UTILS_PROGRESS": "0"}


def execute(path: Path, timeout: int = 300) -> None:
    nb = nbformat.read(str(path), as_version=4)
    os.environ.update(ENV)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    client.execute()
    normalize(nb, path.stem)
    nbformat.write(nb, str(path))


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def normalize(nb, name: str) -> None:
    """Drop what changes from run to run although the outputs do not: timing metadata, the widget
    state, and the random model id of each widget output (replaced by one made from the
    notebook's name, the cell's id and the output's place)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for k, output in enumerate(cell.get("outputs", [])):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and "model_id" in view:
                view["model_id"] = uuid.uuid5(uuid.NAMESPACE_URL, f"gradclip/{name}/{cell.get('id')}/{k}").hex
    nb.metadata.pop("widgets", None)


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or [Path("solutions")]
    paths = []
    for t in targets:
        paths += sorted(t.rglob("*.ipynb")) if t.is_dir() else [t]
    for p in paths:
        if ".ipynb_checkpoints" in p.parts:
            continue
        print(f"executing {p}", flush=True)
        execute(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
