"""The pinned environment: lock, conda file, installed packages and the Makefile's set-up."""

from __future__ import annotations

import importlib.metadata as md
import re
import subprocess
import sys
import tomllib

import yaml

from support import ROOT

import lock  # scripts/lock.py

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.\-]+)$")


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in lock.read_lock(ROOT / "requirements.lock"):
        m = PIN.match(line)
        assert m, f"requirements.lock line {line!r} is not an exact 'name==version' pin"
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_every_lock_line_is_an_exact_pin_and_torch_is_2_13_0():
    pins = lock_pins()
    assert pins["torch"] == "2.13.0"
    assert pins["nbgrader"] == "0.9.6"
    assert pins["nbval"].startswith("0.11")


def test_top_level_requirements_are_all_locked():
    pins = lock_pins()
    for line in (ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[=<>!~ ]", line, maxsplit=1)[0].lower()
            assert name in pins, f"{name} is in requirements.in but not in requirements.lock"


def test_environment_yml_agrees_with_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert f"python={lock.PYTHON_VERSION}" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    yml_pins = {}
    for item in pip_section:
        if item.startswith("-e"):
            continue
        m = PIN.match(item)
        assert m, f"environment.yml pip entry {item!r} is not an exact pin"
        yml_pins[m.group(1).lower()] = m.group(2)
    locked = lock_pins()
    missing = sorted(set(locked) - set(yml_pins))
    extra = sorted(set(yml_pins) - set(locked))
    differ = sorted(n for n in set(locked) & set(yml_pins) if locked[n] != yml_pins[n])
    assert not (missing or extra or differ), (
        f"environment.yml and requirements.lock disagree: missing {missing}, extra {extra}, "
        f"different versions {differ}; run `make lock`"
    )
    assert (ROOT / "environment.yml").read_text() == lock.render_yml(lock.read_lock()), (
        "environment.yml is not what `python scripts/lock.py --yml-only` writes"
    )


def test_python_version_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.12"
    assert sys.version_info[:2] == (3, 11)


def test_installed_packages_match_the_lock():
    wrong = []
    for name, version in lock_pins().items():
        try:
            installed = md.version(name)
        except md.PackageNotFoundError:
            wrong.append(f"{name} not installed")
            continue
        if installed.split("+", 1)[0] != version:
            wrong.append(f"{name} {installed} != {version}")
    assert not wrong, "the environment differs from requirements.lock: " + "; ".join(wrong)


def test_setup_is_up_to_date_so_a_second_run_installs_nothing():
    # `make -q` exits 0 only when the target needs no rebuilding, so `make lab` or `make test`
    # would install nothing; `make -n` shows no install command either.
    proc = subprocess.run(["make", "-q", ".venv/.installed"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, "the environment stamp is out of date: a second set-up would reinstall"
    dry = subprocess.run(["make", "-n", "setup"], cwd=ROOT, capture_output=True, text=True)
    assert "pip install" not in dry.stdout, f"a second set-up would reinstall:\n{dry.stdout}"


def test_course_kernel_is_registered():
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    assert "gradclip" in specs, f"kernel 'gradclip' not registered; found {sorted(specs)}"
