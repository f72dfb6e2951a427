"""course_utils.checks.require_names: cells that use an exercise's results while it is a stub."""

from __future__ import annotations

import pytest

from course_utils.checks import require_names


def test_passes_silently_when_every_name_is_set(capsys):
    assert require_names({"model0": 1, "clipped0": 2}, "model0", "clipped0", made_by="the cell above") is None
    assert capsys.readouterr() == ("", "")


def test_missing_results_are_not_implemented_and_the_message_names_them_and_their_cell():
    with pytest.raises(
        NotImplementedError, match=r"^clipped0 is not set yet: it comes from train_capstone\(0\)"
    ):
        require_names({"model0": 1}, "model0", "clipped0", made_by="train_capstone(0)")
    with pytest.raises(
        NotImplementedError, match=r"^sweep_acc, sweep_rate are not set yet: they come from the sweep"
    ):
        require_names({}, "sweep_acc", "sweep_rate", made_by="the sweep")


def test_a_notebook_cell_gets_notimplementederror_not_nameerror():
    namespace = {"require_names": require_names}
    with pytest.raises(NotImplementedError):
        exec('require_names(globals(), "clipped0", made_by="the cell above")\nprint(clipped0)', namespace)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([], "x"), {"made_by": "y"}, "namespace must be a mapping"),
        (({},), {"made_by": "y"}, "at least one variable name"),
        (({}, "not a name"), {"made_by": "y"}, "each name must be a variable name"),
        (({}, 3), {"made_by": "y"}, "each name must be a variable name"),
        (({}, "x"), {"made_by": " "}, "made_by must say which cell"),
    ],
)
def test_bad_arguments_are_a_clear_type_error(args, kwargs, message):
    with pytest.raises(TypeError, match=message):
        require_names(*args, **kwargs)
