"""The escape corpus: build it, grade it with scripts/course.py, and read what each escape achieved.

``tests/escapes/<assignment>/<name>.py`` are sample submissions (the answer-file format of
``tests/submissions``) that give the correct answer and then, in the same exercise cell, try to
escape from grading (see each file's header).  ``expected_scores.csv`` beside them is the score
each test cell of each one gets in the sandbox.  Each is graded in a throw-away course copy
together with two honest students with the correct answers, ``aaa_victim`` and ``zzz_honest``.

``tests/test_escapes.py`` grades the whole corpus at once in the sandbox (``--jobs 2``) and checks
that every escape fails.  As a script this module measures the README's before/after figures:

    python tests/escapes/run.py                # both runs below, then the Markdown table
    python tests/escapes/run.py --unsafe-only  # only the unsafe run
    python tests/escapes/run.py --sandbox-only # only the sandboxed run

* **Before** (``--unsafe-no-sandbox``): each escape in a course copy of its own (with the two
  honest students), graded one student at a time (``--jobs 1``: in the order of the names, the
  order course.py grades in), so that what one escape does (kill the grader, say) does not hide
  what another does.  The escapes really act, as the user running this: the unsafe run writes
  files outside its course copy (removed afterwards, by their marker name), starts processes
  that it kills afterwards (by pid, after checking their marker), leaves out the two lines of
  ``kill_grader`` marked ``[not in the unsafe run]`` (as root they would kill every process on
  the machine) and switches on the lines marked ``[unsafe run only]``, which keep the escapes that
  write to the course folders of the processes they see to their own (other grading runs on the
  same machine are not hit).  The escapes still read what they find anywhere.
* **After**: the corpus exactly as the test grades it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if __name__ == "__main__":
    # As a script: the test helpers and scripts on the path, and the test session's isolated
    # Jupyter/IPython folders (the root conftest.py sets them up when imported).
    sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]
    import conftest  # noqa: F401,E402

from support import make_course_copy, nbgrader_meta, read_nb  # noqa: E402
from test_autograde import build_submission  # noqa: E402

A = "01_gradients"
CORPUS = HERE / A
COURSE_PY = ROOT / "scripts" / "course.py"
VICTIM = "aaa_victim"
HONEST = (VICTIM, "zzz_honest")
#: Per-cell time limit when grading the corpus (seconds).
CELL_TIMEOUT = 20
#: Lines of a sample ending with this are replaced by ``pass`` in the unsafe run.
UNSAFE_SKIP = "# [not in the unsafe run]"
#: Lines of a sample starting with this (a comment) are switched on in the unsafe run.
UNSAFE_ONLY = "# [unsafe run only] "
#: How long one course.py step may take at most before it is stopped (seconds): far above the
#: few minutes it takes; only a hung run reaches it.
RUN_LIMIT = 1800
#: After grading, processes that are being torn down may take a moment to vanish from /proc.
GRACE = 20


def escape_names() -> list[str]:
    """The escape samples (student ids = file names)."""
    return sorted(p.stem for p in CORPUS.glob("*.py"))


def expected_scores() -> dict[str, dict[str, float]]:
    with open(CORPUS / "expected_scores.csv", newline="") as f:
        return {row.pop("student"): {k: float(v) for k, v in row.items()} for row in csv.DictReader(f)}


def correct_scores() -> dict[str, float]:
    """The scores of lesson 01's ``correct`` sample (tests/submissions): full marks."""
    with open(ROOT / "tests" / "submissions" / A / "expected_scores.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["student"] == "correct")
    row.pop("student")
    return {k: float(v) for k, v in row.items()}


def render(text: str, port: int, marker: str, unsafe: bool = False) -> str:
    """A sample's text with the server's port and the run's marker written in."""
    text = text.replace("@ESCAPE_PORT@", str(port)).replace("@ESCAPE_MARKER@", marker)
    if unsafe:
        out = []
        for line in text.splitlines(keepends=True):
            indent = line[: len(line) - len(line.lstrip())]
            if line.rstrip().endswith(UNSAFE_SKIP):
                line = f"{indent}pass  # left out of the unsafe run\n"
            elif line.lstrip().startswith(UNSAFE_ONLY):
                line = indent + line.lstrip()[len(UNSAFE_ONLY) :]
            out.append(line)
        text = "".join(out)
    return text


# --------------------------------------------------------------------------------------------
# the server the network escape tries to reach


class Listener:
    """A TCP and a UDP socket on 127.0.0.1:<port> and an abstract Unix socket
    ``@escape-<marker>``, recording everything that reaches them (in a thread)."""

    def __init__(self, marker: str):
        self.events: list[str] = []
        for _ in range(20):  # a port free for both TCP and UDP
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.bind(("127.0.0.1", 0))
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                udp.bind(("127.0.0.1", tcp.getsockname()[1]))
                break
            except OSError:
                tcp.close()
                udp.close()
        else:
            raise RuntimeError("no port free for both TCP and UDP")
        self.port = tcp.getsockname()[1]
        tcp.listen(16)
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(f"\0escape-{marker}")
        unix.listen(16)
        self._sockets = (tcp, udp, unix)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        tcp, udp, unix = self._sockets
        sel = selectors.DefaultSelector()
        for s in self._sockets:
            sel.register(s, selectors.EVENT_READ)
        while not self._stop.is_set():
            for key, _ in sel.select(timeout=0.2):
                s = key.fileobj
                if s is udp:
                    data, peer = udp.recvfrom(4096)
                    self.events.append(f"UDP datagram from {peer[0]}: {data[:60]!r}")
                else:
                    conn, _ = s.accept()
                    conn.settimeout(2)
                    try:
                        data = conn.recv(4096)
                    except OSError:
                        data = b""
                    conn.close()
                    kind = "TCP" if s is tcp else "abstract Unix socket"
                    self.events.append(f"{kind} connection: {data[:60]!r}")
        sel.close()

    def stop(self) -> list[str]:
        self._stop.set()
        self._thread.join(timeout=10)
        for s in self._sockets:
            s.close()
        return list(self.events)


# --------------------------------------------------------------------------------------------
# processes


def processes() -> list[dict]:
    """Every process in /proc: pid, ppid, uid, state, start time, command line (bytes)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            uid = os.stat(f"/proc/{entry}").st_uid
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2 :].split()
        out.append(
            dict(
                pid=int(entry),
                state=fields[0].decode(),
                ppid=int(fields[1]),
                start=int(fields[19]),
                uid=uid,
                cmdline=cmdline,
            )
        )
    return out


def alive(procs: list[dict]) -> list[dict]:
    return [p for p in procs if p["state"] not in ("Z", "X")]


class Monitor:
    """Records, while the grader runs, every process descended from it (pid -> start time and
    command line) and the grading workers (its direct children)."""

    def __init__(self, root_pid: int):
        self.root = root_pid
        self.seen: dict[int, dict] = {}
        self.workers: set[int] = set()
        #: The most processes descended from the grader at one time.
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Monitor":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            procs = processes()
            children: dict[int, list[dict]] = {}
            for p in procs:
                children.setdefault(p["ppid"], []).append(p)
            stack, count = [self.root], 0
            while stack:
                for child in children.get(stack.pop(), []):
                    count += 1
                    if child["pid"] not in self.seen:
                        self.seen[child["pid"]] = child
                    if child["ppid"] == self.root:
                        self.workers.add(child["pid"])
                    stack.append(child["pid"])
            self.peak = max(self.peak, count)
            self._stop.wait(0.3)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def sandbox_uids(self) -> set[int]:
        """The uids this run's sandboxed kernels ran as (grader.sandbox: one per grading process)."""
        from grader.sandbox import SANDBOX_UID_BASE, SANDBOX_UID_SPAN

        uids = {SANDBOX_UID_BASE + pid % SANDBOX_UID_SPAN for pid in self.workers | {self.root}}
        uids |= {
            p["uid"]
            for p in self.seen.values()
            if SANDBOX_UID_BASE <= p["uid"] < SANDBOX_UID_BASE + SANDBOX_UID_SPAN
        }
        return uids


def leftovers(marker: str, uids: set[int], seen: dict[int, dict], grace: float = GRACE) -> list[dict]:
    """Live processes whose command line holds ``marker``, that run as one of ``uids``, or that
    were seen descended from the grader (``seen``: same pid and start time); what is being torn
    down when grading ends gets up to ``grace`` seconds to vanish first."""

    def find():
        return [
            p
            for p in alive(processes())
            if marker.encode() in p["cmdline"]
            or p["uid"] in uids
            or (p["pid"] in seen and seen[p["pid"]]["start"] == p["start"])
        ]

    deadline = time.monotonic() + grace
    found = find()
    while found and time.monotonic() < deadline:
        time.sleep(0.5)
        found = find()
    return found


def kill_leftovers(marker: str, monitor: Monitor | None) -> list[str]:
    """Kill (by pid) what a run left behind: processes carrying ``marker`` and descendants of
    the grader that are still alive (same pid and start time as seen during the run)."""
    killed = []
    seen = monitor.seen if monitor else {}
    for p in alive(processes()):
        if p["pid"] == os.getpid():
            continue
        mine = marker.encode() in p["cmdline"]
        orphan = p["pid"] in seen and seen[p["pid"]]["start"] == p["start"]
        if mine or orphan:
            try:
                os.kill(p["pid"], signal.SIGKILL)
                killed.append(f"{p['pid']} {p['cmdline'][:80]!r}")
            except OSError:
                pass
    return killed


# --------------------------------------------------------------------------------------------
# building and grading a corpus


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(course: Path, *args: str, log: Path, monitor: bool = False) -> dict:
    """Run ``course.py --course COURSE ARGS`` in a session of its own, output to ``log`` (a
    file, not a pipe: a process that outlives it cannot hold up the wait)."""
    cmd = [sys.executable, str(COURSE_PY), "--course", str(course), *args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        mon = Monitor(proc.pid).start() if monitor else None
        try:
            rc = proc.wait(timeout=RUN_LIMIT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
        finally:
            if mon:
                mon.stop()
    return dict(rc=rc, output=log.read_text(errors="replace"), monitor=mon)


def prepare(dest: Path, escapes: list[str], port: int, marker: str, unsafe: bool = False) -> Path:
    """A course copy in ``dest`` (with the quiz bank, which read_secrets looks for), lesson 01
    released, and the submissions of ``escapes`` and the honest students in submitted/."""
    course = make_course_copy(dest)
    shutil.copytree(ROOT / "quizzes", course / "quizzes")
    proc = cli(course, "release", A, log=dest.parent / f"{dest.name}-release.log")
    if proc["rc"] != 0:
        raise RuntimeError(f"course.py release failed:\n{proc['output']}")
    release_nb = course / "notebooks" / A / f"{A}.ipynb"
    correct = (ROOT / "tests" / "submissions" / A / "correct.py").read_text()
    for student in HONEST:
        build_submission(release_nb, correct, course / "submitted" / student / A / f"{A}.ipynb")
    for name in escapes:
        text = render((CORPUS / f"{name}.py").read_text(), port, marker, unsafe)
        build_submission(release_nb, text, course / "submitted" / name / A / f"{A}.ipynb")
    return course


def grade(dest: Path, escapes: list[str], *, sandbox: bool, jobs: int) -> dict:
    """Build the corpus in ``dest``, autograde it and generate feedback; the evidence."""
    marker = f"escape-{uuid.uuid4().hex[:12]}"
    listener = Listener(marker)
    monitor = None
    try:
        course = prepare(dest, escapes, listener.port, marker, unsafe=not sandbox)
        before = tree(course)
        sources = {
            s: "\n".join(c.source for c in read_nb(course / "submitted" / s / A / f"{A}.ipynb").cells)
            for s in [*escapes, *HONEST]
        }
        args = ["autograde", A, "--timeout", str(CELL_TIMEOUT), "--jobs", str(jobs)]
        if not sandbox:
            args.append("--unsafe-no-sandbox")
        autograde = cli(course, *args, log=dest.parent / f"{dest.name}-autograde.log", monitor=True)
        monitor = autograde["monitor"]
        feedback = cli(course, "feedback", A, log=dest.parent / f"{dest.name}-feedback.log")
        connections = listener.stop()
        found = leftovers(marker, monitor.sandbox_uids() if sandbox else set(), monitor.seen)
        evidence = collect(course, [*escapes, *HONEST], before, sources, marker)
        evidence.update(
            autograde=autograde,
            feedback=feedback,
            connections=connections,
            leftovers=[f"pid {p['pid']} uid {p['uid']}: {p['cmdline'][:100]!r}" for p in found],
            sandbox_uids=sorted(monitor.sandbox_uids()),
            peak=monitor.peak,
            course=course,
            marker=marker,
        )
        return evidence
    finally:
        listener.stop()
        killed = kill_leftovers(marker, monitor)
        for path in outside_marker_files(dest, marker):
            path.unlink(missing_ok=True)
        if killed:
            print(f"[killed {len(killed)} leftover process(es) of the run]", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# reading the evidence


def quiz_secret_lines() -> set[str]:
    """Lines of the quiz bank that no student receives before grading (explanations, keys):
    the lines of 40 or more characters that appear in no released notebook's cells."""
    released = "\n".join(
        c.source for p in sorted((ROOT / "notebooks").glob("*/*.ipynb")) for c in read_nb(p).cells
    )
    lines = set()
    for path in sorted((ROOT / "quizzes" / "bank").glob("*.yaml")):
        for line in path.read_text().splitlines():
            s = line.strip()
            if len(s) >= 40 and not s.startswith("#") and s not in released:
                lines.add(s)
    return lines


def solution_secret_lines() -> set[str]:
    """Distinctive lines of solution code and hidden tests, as tests/test_leaks.py takes them."""
    from test_leaks import secret_lines

    return secret_lines()


def html_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(errors="replace")))


def output_text(cell) -> str:
    """A cell's outputs as text (stream pieces joined as printed: a line may span two)."""
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        elif o.get("output_type") == "error":
            parts.append("\n".join([o.get("ename", ""), o.get("evalue", ""), *o.get("traceback", [])]) + "\n")
        else:
            parts += [f"{v}\n" for v in o.get("data", {}).values()]
    return "".join(parts)


def student_outputs(course: Path, student: str) -> str | None:
    """What the student's own (non-graded) cells printed in the autograded notebook."""
    path = course / "autograded" / student / A / f"{A}.ipynb"
    if not path.exists():
        return None
    cells = [c for c in read_nb(path).cells if c.cell_type == "code"]
    if not any(c.get("execution_count") for c in cells):
        return None  # nbgrader copied the submission there but did not finish running it
    return "\n".join(output_text(c) for c in cells if not nbgrader_meta(c).get("grade"))


def leaks(text: str, own: str, secrets: dict[str, set[str]]) -> list[str]:
    """Which kinds of secret ``text`` shows (lines the student wrote themselves do not count)."""
    kinds = [
        kind for kind, lines in secrets.items() if any(line in text and line not in own for line in lines)
    ]
    if "SQLite format 3" in text:
        kinds.append("gradebook file")
    return kinds


def outside_marker_files(dest: Path, marker: str) -> list[Path]:
    """Files named after ``marker`` outside the course copy in ``dest``, where write_course_root
    tries to write: the folders above the copy, /tmp, /root, $HOME."""
    folders = {*dest.resolve().parents, Path("/tmp"), Path("/root"), Path.home()}
    return sorted(f / f"ESCAPED-{marker}.txt" for f in folders if (f / f"ESCAPED-{marker}.txt").exists())


def allowed_new_files(students: list[str]) -> set[str]:
    """What nbgrader itself adds to the course folder when it grades and gives feedback."""
    allowed = {"gradebook.db.lock"}
    for s in students:
        allowed |= {f"autograded/{s}/{A}/{A}.ipynb", f"feedback/{s}/{A}/{A}.html"}
    return allowed


def gradebook(course: Path, students: list[str]) -> dict:
    """Per student: cell scores (None: no submission); scores above their maximum; triggers."""
    import sqlite3

    from nbgrader.api import Gradebook, MissingEntry

    scores, over = {}, []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in students:
            try:
                sub = gb.find_submission(A, student)
            except MissingEntry:
                scores[student] = None
                continue
            cells = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.score is not None and g.score > g.max_score:
                        over.append(f"{student} {g.name}: {g.score:g} > {g.max_score:g}")
                    if g.max_score > 0 and g.cell_type == "code":
                        cells[g.name] = g.score
            cells["total"] = sub.score
            scores[student] = cells
    con = sqlite3.connect(f"file:{course / 'gradebook.db'}?mode=ro", uri=True)
    triggers = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    rows = {}  # student -> (grades, comments) in the gradebook
    for student in students:
        counts = []
        for table in ("grade", "comment"):
            counts.append(
                con.execute(
                    f"SELECT COUNT(*) FROM {table} t JOIN submitted_notebook n ON t.notebook_id = n.id "
                    f"JOIN submitted_assignment a ON n.assignment_id = a.id WHERE a.student_id = ?",
                    (student,),
                ).fetchone()[0]
            )
        rows[student] = tuple(counts)
    con.close()
    return dict(scores=scores, over_max=over, triggers=triggers, rows=rows)


def collect(
    course: Path, students: list[str], before: dict[str, str], sources: dict[str, str], marker: str
) -> dict:
    """The evidence of a graded corpus: files changed or added in the course folder (``before``:
    its tree before grading) and outside it, the secrets each student's feedback and own output
    show (``sources``: the text each student handed in), and the gradebook."""
    after = tree(course)
    changed = sorted(p for p, d in before.items() if after.get(p) != d and p != "gradebook.db")
    new = sorted(set(after) - set(before) - allowed_new_files(students))
    secrets = {"solution code / hidden tests": solution_secret_lines(), "quiz key": quiz_secret_lines()}
    shown, outputs = {}, {}
    for s in students:
        own = sources.get(s, "")
        outputs[s] = student_outputs(course, s)
        kinds = leaks(outputs[s] or "", own, secrets)
        page = course / "feedback" / s / A / f"{A}.html"
        if page.exists():
            kinds += [k for k in leaks(html_text(page), own, secrets) if k not in kinds]
        shown[s] = kinds
    book = gradebook(course, students)
    return dict(
        changed=changed,
        new=new,
        outside=[str(p) for p in outside_marker_files(course, marker)],
        leaks=shown,
        outputs=outputs,
        **book,
    )


# --------------------------------------------------------------------------------------------
# the before/after table


def _score(e: dict, student: str) -> str:
    """A student's total in a run: "not graded" when nbgrader left no autograded notebook."""
    cells = e["scores"].get(student)
    if cells is None or e["outputs"].get(student) is None:
        return "not graded"
    return f"{cells['total']:g}/{correct_scores()['total']:g}"


def _escape_line(outputs: str | None, name: str) -> str:
    key = name.removeprefix("aa_")
    m = re.search(rf"^escape {re.escape(key)}: done, (.*)$", outputs or "", re.MULTILINE)
    return m.group(1) if m else ""


def effects(e: dict, name: str) -> list[str]:
    """What an escape achieved, from the evidence of a run (nothing: it failed)."""
    out = []
    for student, kinds in e["leaks"].items():
        if kinds:
            out.append(f"{student}'s feedback shows the {', '.join(kinds)}")
    submitted = [p for p in e["changed"] if p.startswith("submitted/")]
    others = [p for p in e["changed"] if not p.startswith("submitted/")]
    if submitted:
        out.append("overwrote " + ", ".join(submitted))
    if others or e["new"]:
        out.append(
            f"wrote or changed {len(others) + len(e['new'])} file(s) in the course folder ("
            + ", ".join((others + e["new"])[:4])
            + (", ..." if len(others) + len(e["new"]) > 4 else "")
            + ")"
        )
    if e["outside"]:
        out.append(f"wrote {len(e['outside'])} file(s) outside it ({', '.join(e['outside'])})")
    for student in HONEST:
        if e["scores"].get(student) != correct_scores() or e["outputs"].get(student) is None:
            out.append(f"{student}: {_score(e, student)}")
    if e["over_max"]:
        out.append(f"{len(e['over_max'])} grade(s) above their maximum")
    graded_rows = {s: r for s, r in e.get("rows", {}).items() if e["outputs"].get(s) is not None}
    if graded_rows:
        ref = max(graded_rows.values())
        short = [s for s, r in graded_rows.items() if r != ref]
        if short:
            out.append(f"gradebook rows deleted ({', '.join(short)})")
    if e["triggers"]:
        out.append(f"triggers left in the gradebook: {', '.join(e['triggers'])}")
    rc = e["autograde"]["rc"]
    if rc != 0:
        ungraded = [s for s in e["outputs"] if e["outputs"][s] is None]
        out.append(f"course.py autograde exited {rc}; not graded: {', '.join(ungraded) or 'none'}")
    forged = [ln for ln in e["autograde"]["output"].splitlines() if f"forged {e['marker']}" in ln]
    if forged:
        out.append(f"{len(forged)} forged line(s) in the grading report")
    if e["connections"]:
        kinds = sorted({c.split(" from ")[0].split(":")[0] for c in e["connections"]})
        out.append(f"the server received {len(e['connections'])} ({', '.join(kinds)})")
    if e["leftovers"]:
        out.append(f"{len(e['leftovers'])} process(es) alive after grading")
    return out


def table(before: dict[str, dict], after: dict | None) -> str:
    """The Markdown before/after table (``before``: escape -> evidence of its own unsafe run;
    ``after``: the evidence of the sandboxed run of the whole corpus)."""
    rows = ["| Escape | Without the sandbox (`--unsafe-no-sandbox`) | With the sandbox |", "|---|---|---|"]
    for name in escape_names():
        cells = []
        for e in (before.get(name), after):
            if e is None or name not in e["outputs"]:
                cells.append("(not run)")
                continue
            what = effects(e, name) if e is not after else _after_effects(e, name)
            line = _escape_line(e["outputs"].get(name), name)
            text = "; ".join(what) if what else "**nothing**"
            text += f". Own score {_score(e, name)}" + (f"; it reported: {line}" if line else "")
            if name == "fork_bomb":
                text += f"; at most {e['peak']} processes under the grader at once"
            cells.append(text.replace("|", "\\|"))
        rows.append(f"| `{name}` | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def _after_effects(e: dict, name: str) -> list[str]:
    """In the sandboxed run all escapes share one course: what shows for this one (its own leak),
    and what anything in the run achieved (files, grades, connections, processes)."""
    own = {**e, "leaks": {name: e["leaks"].get(name, [])}}
    return effects(own, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--unsafe-only", action="store_true")
    mode.add_argument("--sandbox-only", action="store_true")
    parser.add_argument("--only", action="append", metavar="ESCAPE", help="only these escapes")
    parser.add_argument("--keep", action="store_true", help="keep the course copies")
    args = parser.parse_args(argv)
    names = args.only or escape_names()
    work = Path(tempfile.mkdtemp(prefix="escape-corpus-"))
    print(f"course copies in {work}", flush=True)
    before: dict[str, dict] = {}
    after = None
    try:
        if not args.sandbox_only:
            for name in names:
                t = time.monotonic()
                before[name] = grade(work / f"unsafe-{name}", [name], sandbox=False, jobs=1)
                print(
                    f"unsafe {name} ({time.monotonic() - t:.0f} s): "
                    + ("; ".join(effects(before[name], name)) or "nothing"),
                    flush=True,
                )
        if not args.unsafe_only:
            t = time.monotonic()
            after = grade(work / "sandboxed", names, sandbox=True, jobs=2)
            print(
                f"sandboxed ({time.monotonic() - t:.0f} s): autograde exit {after['autograde']['rc']}",
                flush=True,
            )
            for name in names:
                print(
                    f"  {name}: {after['scores'].get(name)}  {_escape_line(after['outputs'].get(name), name)}"
                )
            for student in HONEST:
                print(f"  {student}: {after['scores'].get(student)}")
        print()
        print(table(before, after))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
