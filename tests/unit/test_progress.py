"""Tests for course_utils.progress."""

from __future__ import annotations

import pytest

from course_utils import progress_bar, progress_enabled


def test_disabled_under_pytest_returns_the_iterable() -> None:
    items = [1, 2, 3]
    assert progress_enabled() is False
    assert progress_bar(items) is items
    assert progress_bar(items, total=3, desc="x", enabled=False) is items


def test_environment_decides_when_enabled_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv("COURSE_UTILS_PROGRESS", raising=False)
    assert progress_enabled() is True
    monkeypatch.setenv("COURSE_UTILS_PROGRESS", "0")
    assert progress_enabled() is False
    assert progress_enabled(True) is True
    monkeypatch.setenv("COURSE_UTILS_PROGRESS", "1")
    assert progress_enabled() is True


def test_enabled_bar_is_a_quiet_tqdm(capfd: pytest.CaptureFixture[str]) -> None:
    bar = progress_bar(range(5), total=5, desc="steps", enabled=True)
    assert bar is not None and not isinstance(bar, range)
    assert bar.delay == 1.0 and bar.leave is False and bar.total == 5
    assert list(bar) == [0, 1, 2, 3, 4]
    bar.close()
    out, err = capfd.readouterr()
    assert out == "" and err == ""  # fast loops never show the bar


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"total": -1}, ValueError, "total"),
        ({"total": 2.5}, TypeError, "total"),
        ({"desc": 3}, TypeError, "desc"),
        ({"enabled": "yes"}, TypeError, "enabled"),
        ({"enabled": 1}, TypeError, "enabled"),
    ],
)
def test_bad_arguments(kwargs: dict, exc: type[Exception], name: str) -> None:
    with pytest.raises(TypeError, match="iterable") as info:
        progress_bar(5)
    assert "got" in str(info.value)
    with pytest.raises(exc, match=name) as info:
        progress_bar([1], **kwargs)
    assert "got" in str(info.value)
