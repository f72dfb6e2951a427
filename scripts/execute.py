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
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, str(path))


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
