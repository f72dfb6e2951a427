"""Check that your course environment works (`make test` runs this).

It checks Python 3.11, PyTorch 2.13.0 on the CPU, the course_utils helpers and the Jupyter kernel
"Python 3 (gradient clipping course)", then runs lesson 01 from the top up to its first exercise.
That exercise raises NotImplementedError until you write it, so the run must stop there (in the
cell that first calls it), and nothing before it may fail.  Your notebook file is not changed.

Exit status 0 when everything works; otherwise it says what is wrong.
"""

from __future__ import annotations

import ast
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LESSON = HERE / "notebooks" / "01_gradients" / "01_gradients.ipynb"
KERNEL = "gradclip"
TORCH = "2.13.0"
STUB = "raise NotImplementedError()"


class Failed(Exception):
    pass


def ok(message: str) -> None:
    print(f"ok    {message}", flush=True)


def check_python() -> None:
    if sys.version_info[:2] != (3, 11):
        raise Failed(
            f"this environment runs Python {sys.version.split()[0]}; the course needs 3.11 "
            "(delete .venv and run `make setup PYTHON=/path/to/python3.11`)"
        )
    ok(f"Python {sys.version.split()[0]}")


def check_torch() -> None:
    import torch

    if torch.__version__.split("+")[0] != TORCH:
        raise Failed(
            f"PyTorch {torch.__version__} is installed; the course needs {TORCH} "
            "(delete .venv and run `make setup` again)"
        )
    x = torch.arange(4.0, device="cpu", requires_grad=True)
    (x * x).sum().backward()
    if x.grad.tolist() != [0.0, 2.0, 4.0, 6.0]:
        raise Failed(f"PyTorch computed a wrong gradient on the CPU: {x.grad.tolist()}")
    ok(f"PyTorch {torch.__version__} computes gradients on the CPU")


def check_course_utils() -> None:
    import course_utils

    where = Path(course_utils.__file__).resolve().parent
    if where != HERE / "course_utils":
        raise Failed(
            f"course_utils is imported from {where}, not from this folder's course_utils/ "
            "(delete .venv and run `make setup` again)"
        )
    ok(f"course_utils {course_utils.__version__} imported from course_utils/")


def check_kernel() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        raise Failed(
            f"the Jupyter kernel '{KERNEL}' is not installed (delete .venv/.installed and run `make setup`)"
        ) from None
    python = Path(spec.argv[0])
    if python.resolve() != Path(sys.executable).resolve():
        raise Failed(
            f"the Jupyter kernel '{KERNEL}' found first ({spec.resource_dir}) runs {python}, not "
            f"this folder's {sys.executable}: remove that other kernel "
            f"(`jupyter kernelspec remove {KERNEL}`), then run `make setup` again"
        )
    ok(f"Jupyter kernel '{KERNEL}' \"{spec.display_name}\" runs .venv's Python")


def _exercise_cells(nb) -> list[int]:
    return [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


def check_lesson_01() -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = nbformat.read(LESSON, as_version=4)
    exercises = _exercise_cells(nb)
    if not exercises:
        raise Failed(f"{LESSON.relative_to(HERE)} holds no exercise cell: is it the notebook you received?")
    first = exercises[0]
    stop = exercises[1] if len(exercises) > 1 else len(nb.cells)
    exercise = nb.cells[first]
    name = exercise.metadata["nbgrader"].get("grade_id", "?")
    if STUB not in exercise.source:
        stop = first  # already written: run only what comes before it
    try:  # the functions the exercise asks for: the stub raises when one of them is called
        functions = [n.name for n in ast.parse(exercise.source).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError:
        functions = []
    client = NotebookClient(
        nb, kernel_name=KERNEL, timeout=120, resources={"metadata": {"path": str(LESSON.parent)}}
    )
    ran = 0
    with tempfile.TemporaryFile("w+") as kernel_log:
        try:
            with client.setup_kernel(stderr=kernel_log):
                for index in range(stop):
                    cell = nb.cells[index]
                    if cell.cell_type != "code":
                        continue
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        raise Failed(f"lesson 01, cell {index + 1} ran for more than 120 s") from None
                    except CellExecutionError as err:
                        _stopped_at_the_stub(err, index, first, name, functions)
                        ok(
                            f"lesson 01 ran {ran} code cells without an error up to its first exercise "
                            f"'{name}' (cell {first + 1}); cell {index + 1} calls it and gets "
                            "NotImplementedError, as it should until you write it"
                        )
                        return
                    ran += 1
        except Failed:
            raise
        except Exception as err:  # the kernel did not start or died: say why
            kernel_log.seek(0)
            raise Failed(
                f"lesson 01 could not run: {type(err).__name__}: {err}\n{kernel_log.read()}"
            ) from None
    if stop == first:
        ok(
            f"lesson 01 runs without an error up to your first exercise (cell {first + 1}, '{name}'), "
            "which you have already written, so the check stops before it"
        )
    else:
        raise Failed(
            f"lesson 01 ran past its first exercise (cell {first + 1}, '{name}') without the "
            f"NotImplementedError its `{STUB}` raises"
        )


def _stopped_at_the_stub(err, index: int, first: int, name: str, functions: list[str]) -> None:
    """Fail unless ``err`` is the NotImplementedError of the first exercise's stub."""
    if index < first:
        raise Failed(
            f"lesson 01, cell {index + 1} (before your first exercise) failed with {err.ename}: {err.evalue}"
        )
    if err.ename != "NotImplementedError":
        raise Failed(f"lesson 01, cell {index + 1} failed with {err.ename}: {err.evalue}")
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", err.traceback)
    if index > first and functions and not any(f"in {f}(" in traceback for f in functions):
        raise Failed(
            f"lesson 01, cell {index + 1} raised NotImplementedError, but not from your first "
            f"exercise '{name}' (cell {first + 1})"
        )


def main() -> int:
    print(f"Checking the course environment in {HERE}")
    try:
        for check in (check_python, check_torch, check_course_utils, check_kernel, check_lesson_01):
            check()
    except Failed as failure:
        print(f"FAIL  {failure}", flush=True)
        return 1
    except ImportError as err:
        print(
            f"FAIL  {err.name or err} is not installed in .venv (delete .venv and run `make setup` again)",
            flush=True,
        )
        return 1
    print("Everything works. Start the lessons with `make lab`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
