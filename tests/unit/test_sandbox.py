"""grader.sandbox: what a grading kernel's sandbox holds, and a real sandboxed kernel's limits."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import os
import sys
from pathlib import Path

import pytest

import grader.sandbox as sandbox
from grader.sandbox import SandboxedKernelManager, SandboxUnavailable, check_available

ROOT = Path(__file__).resolve().parents[2]


def _argv(tmp_path, **traits) -> list[str]:
    km = SandboxedKernelManager(kernel_name="python3", **traits)
    km._prepare_socket_folder()
    km._launch_args = {"cwd": str(tmp_path)}
    try:
        return km._bwrap_args(str(tmp_path)) + km._limit_args()
    finally:
        os.rmdir(km._sandbox_dir)


def _mounts(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv) if a == flag]


def test_the_sandbox_binds_the_environment_but_nothing_else_of_the_course(tmp_path):
    argv = _argv(tmp_path)
    readonly = _mounts(argv, "--ro-bind")
    assert os.path.realpath(sys.prefix) in readonly
    assert str(ROOT / "course_utils") in readonly
    for secret in (
        "solutions",
        "lessons",
        "quizzes",
        "grader",
        "tests",
        "gradebook.db",
        "submitted",
        "autograded",
        "feedback",
        "nbgrader_config.py",
    ):
        assert not any(
            p == str(ROOT / secret) or p.startswith(str(ROOT / secret) + "/")
            for p in readonly + _mounts(argv, "--bind")
        ), secret
    assert str(ROOT) not in readonly and "/" not in readonly and os.path.expanduser("~") not in readonly
    # Writable: only the socket folder; the working folder and /tmp are private tmpfs mounts.
    assert len(_mounts(argv, "--bind")) == 1
    assert set(_mounts(argv, "--tmpfs")) == {"/tmp", str(tmp_path)}
    for flag in ("--unshare-pid", "--unshare-net", "--die-with-parent", "--clearenv", "--new-session"):
        assert flag in argv


def test_the_grader_environment_stays_outside(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_DB_URL", "postgresql://grader:secret@db/gradclip")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    argv = _argv(tmp_path)
    passed = {argv[i + 1]: argv[i + 2] for i, a in enumerate(argv) if a == "--setenv"}
    assert "NBGRADER_DB_URL" not in passed and not any("secret" in v for v in passed.values())
    assert passed["OMP_NUM_THREADS"] == "1" and passed["HOME"] == "/tmp"


def test_limits_follow_the_settings(tmp_path):
    argv = _argv(tmp_path, memory_gb=2, max_processes=64, cpu_seconds=30, file_mb=16)
    limits = argv[argv.index("prlimit") :]
    assert f"--data={2 << 30}" in limits and "--cpu=30" in limits and f"--fsize={16 << 20}" in limits
    nproc = int(next(a for a in limits if a.startswith("--nproc=")).split("=")[1])
    assert nproc == 64 if os.geteuid() == 0 else nproc > 64
    if os.geteuid() == 0:
        setpriv = argv[argv.index("setpriv") : argv.index("prlimit")]
        assert "--no-new-privs" in setpriv and str(sandbox.SANDBOX_UID_BASE) <= setpriv[2]


def test_a_missing_bwrap_is_one_clear_line(monkeypatch):
    check_available.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    try:
        problem = check_available()
        assert "bubblewrap" in problem and "--unsafe-no-sandbox" in problem and "\n" not in problem
        km = SandboxedKernelManager(kernel_name="python3")
        # In a thread of its own: in a full run the browser tests' Playwright keeps an event loop
        # running in this thread, where asyncio.run() refuses to start.
        with ThreadPoolExecutor(1) as pool, pytest.raises(SandboxUnavailable, match="bubblewrap"):
            pool.submit(lambda: asyncio.run(km.start_kernel(cwd="/tmp"))).result()
    finally:
        check_available.cache_clear()


def test_without_the_sandbox_only_the_limits_wrap_the_kernel(tmp_path):
    km = SandboxedKernelManager(kernel_name="python3", enabled=False)
    km._launch_args = {"cwd": str(tmp_path)}
    km.connection_file = str(tmp_path / "k.json")
    cmd = km.format_kernel_cmd()
    assert cmd[0] == "prlimit" and "bwrap" not in " ".join(cmd)
