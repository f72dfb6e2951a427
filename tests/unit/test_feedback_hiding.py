"""grader.preprocessors.HideHiddenTests: feedback says what failed without showing hidden tests."""

from __future__ import annotations

import nbformat

from grader.preprocessors import HIDDEN_PLACEHOLDER, HideHiddenTests

TEST_SOURCE = """from course_utils.checks import as_float
assert as_float(f(1), "f(1)") == 2.0, "f(1) must be 2"
### BEGIN HIDDEN TESTS
secret_input = 12345
assert f(secret_input) == 24690, "f is wrong for a large input"
### END HIDDEN TESTS
print("visible part passed")"""


def _cell(source, grade=True, outputs=()):
    meta = {
        "nbgrader": {
            "grade": grade,
            "grade_id": "test_f" if grade else "answer",
            "locked": grade,
            "points": 1 if grade else 0,
            "solution": not grade,
            "schema_version": 3,
        }
    }
    cell = nbformat.v4.new_code_cell(source, metadata=meta)
    cell.outputs = list(outputs)
    return cell


def _error(ename, evalue, traceback):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def _run(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb, _ = HideHiddenTests().preprocess(nb, {})
    return nb


def test_hidden_regions_of_test_cells_are_replaced_by_a_placeholder():
    nb = _run(_cell(TEST_SOURCE))
    source = nb.cells[0].source
    assert "secret_input" not in source and "24690" not in source and "HIDDEN TESTS" not in source
    assert HIDDEN_PLACEHOLDER in source
    assert source.startswith("from course_utils.checks import as_float")
    assert source.endswith('print("visible part passed")')


def test_errors_of_a_test_cell_keep_their_message_but_not_the_traceback():
    tb = [
        "\x1b[0;31mAssertionError\x1b[0m  Traceback",
        "----> 5 assert f(secret_input) == 24690",
        "AssertionError: f is wrong for a large input",
    ]
    stdout = nbformat.v4.new_output("stream", name="stdout", text="Question 1: an explanation\n")
    nb = _run(
        _cell(TEST_SOURCE, outputs=[stdout, _error("AssertionError", "f is wrong for a large input", tb)])
    )
    out = nb.cells[0].outputs
    assert out[0].text == "Question 1: an explanation\n"  # what hidden tests print on purpose stays
    assert out[1].ename == "AssertionError" and out[1].evalue == "f is wrong for a large input"
    assert out[1].traceback == ["AssertionError: f is wrong for a large input"]


def test_student_cells_are_never_parsed_even_with_a_delimiter_in_them():
    # A student's own (unbalanced) delimiter must not break the feedback or hide their code.
    source = "### BEGIN HIDDEN TESTS\ndef f(x):\n    return 2 * x"
    tb = ["Traceback", "----> 1 f()"]
    nb = _run(_cell(source, grade=False, outputs=[_error("TypeError", "f() missing 1 argument", tb)]))
    assert nb.cells[0].source == source
    assert nb.cells[0].outputs[0].traceback == tb


def test_test_cells_without_hidden_tests_keep_their_tracebacks():
    tb = ["Traceback", "----> 1 assert f(1) == 2"]
    nb = _run(_cell("assert f(1) == 2", outputs=[_error("AssertionError", "", tb)]))
    assert nb.cells[0].outputs[0].traceback == tb


def test_nbconvert_runs_it_when_registered_as_nbgrader_registers_it():
    # nbconvert skips a registered preprocessor whose `enabled` is False (its default).
    from nbconvert.exporters import NotebookExporter

    exporter = NotebookExporter()
    exporter.register_preprocessor(HideHiddenTests)
    nb, _ = exporter.from_notebook_node(nbformat.v4.new_notebook(cells=[_cell(TEST_SOURCE)]))
    assert "secret_input" not in nb and HIDDEN_PLACEHOLDER in nb
