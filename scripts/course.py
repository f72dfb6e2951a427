"""Instructor CLI: the grading steps of a term, over nbgrader's own API.

    python scripts/course.py release                      # generate_assignment for every assignment
    python scripts/course.py collect --from FOLDER        # FOLDER/<student>/<assignment>/<assignment>.ipynb
    python scripts/course.py collect --zip LMS.zip        # <student>_<assignment>.ipynb files (zip_collect)
    python scripts/course.py autograde [ASSIGNMENT ...]   # every submitted student; reports the ungradable
    python scripts/course.py autograde --jobs 4           # four submissions at once (default: one per core)
    python scripts/course.py feedback [ASSIGNMENT ...]    # feedback/<student>/<assignment>/*.html
    python scripts/course.py export --csv grades.csv      # nbgrader's CSV exporter
    python scripts/course.py --db postgresql://grader@dbhost/gradclip autograde   # a shared gradebook

Every step works in a course directory (default: this repository; ``--course DIR`` for another one
holding ``solutions/`` and, usually, ``nbgrader_config.py``).  The steps are nbgrader's:
``NbGraderAPI.generate_assignment``, ``nbgrader zip_collect`` with a ``FileNameCollectorPlugin``
regular expression, ``NbGraderAPI.autograde``, ``NbGraderAPI.generate_feedback`` and
``CsvExportPlugin``.  Submitted files are only read, never modified.

The gradebook is nbgrader's ``CourseDirectory.db_url``: by default the SQLite file
``gradebook.db`` in the course directory.  Several graders share one PostgreSQL gradebook by
giving its SQLAlchemy URL, ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`` (driver: psycopg,
in the lock), either as ``--db URL`` or in the environment variable ``NBGRADER_DB_URL``, which
``nbgrader_config.py`` also reads, so that nbgrader's own commands and the formgrader started in
that environment use the same gradebook.  ``--db`` wins over the variable.  The database must
exist (``createdb``); nbgrader creates its tables on first use.

Every grading kernel runs in a bubblewrap sandbox (``grader/sandbox.py``): autograde stops before
grading anything when ``bwrap`` is missing or cannot create its namespaces, unless it is given
``--unsafe-no-sandbox`` (then its report ends by saying so).  ``--jobs N`` grades N submissions at
once, each in its own sandboxed kernel and worker process; the grades are those of ``--jobs 1``.
With the SQLite gradebook the workers take turns to open it (a lock file beside it), so two of
them never write at once; a PostgreSQL server handles concurrent graders itself.

Exit status: 0 when the step ran (autograde also exits 0 when some students' notebooks could not
be graded: they are listed in its report), 2 for bad input (unknown assignment, missing folder, a
zip with no matching file, a malformed ``--db`` URL), 1 for an infrastructure failure (nbgrader
itself failed: the gradebook, the release, the exporter; the database server cannot be reached or
refuses the connection).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Environment variable naming the gradebook's database URL (read by nbgrader_config.py too).
DB_ENV = "NBGRADER_DB_URL"
#: Seconds to wait for a database server before calling it unreachable.
DB_CONNECT_TIMEOUT = 10

#: Default LMS file-name pattern for ``collect --zip``: ``<student>_<assignment>.ipynb`` anywhere in
#: the archive (folders inside it are ignored).  ``{assignment}`` is replaced by each assignment's
#: name (regex-escaped); the pattern must define the named groups ``student_id`` and ``file_id``
#: (``file_id`` is the notebook name without ``.ipynb``), and may define ``timestamp``.
LMS_PATTERN = r"^(?:.*/)?(?P<student_id>[^/]+?)_(?P<file_id>{assignment})\.ipynb$"


class UsageError(Exception):
    """Bad input from the instructor (exit status 2)."""


class InfrastructureError(Exception):
    """nbgrader or the gradebook failed, not a student's notebook (exit status 1)."""


class DatabaseUnavailable(InfrastructureError):
    """The gradebook's database server cannot be reached or refuses us (exit status 1)."""


# --------------------------------------------------------------------------------------------
# nbgrader set-up


def load_config(course: Path, timeout: float | None = None, sandbox: bool = True):
    """The course's nbgrader configuration, rooted at ``course``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    cfg = Config()
    if (course / "nbgrader_config.py").exists():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
    cfg.CourseDirectory.root = str(course)
    # The same rule as nbgrader_config.py, for a course folder without that file.
    if os.environ.get(DB_ENV):
        cfg.CourseDirectory.db_url = os.environ[DB_ENV]
    if timeout is not None:
        cfg.Execute.timeout = int(timeout)
    if not sandbox:
        cfg.SandboxedKernelManager.enabled = False
    return cfg


def make_api(course: Path, timeout: float | None = None, sandbox: bool = True):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    cfg = load_config(course, timeout, sandbox)
    coursedir = CourseDirectory(config=cfg)
    check_gradebook(coursedir.db_url)
    api = NbGraderAPI(coursedir=coursedir, config=cfg)
    return api


def _safe_url(db_url: str) -> str:
    """``db_url`` with its password masked, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  (a URL SQLAlchemy cannot parse is shown as given)
        return db_url


_CHECKED: set[str] = set()


def check_gradebook(db_url: str) -> None:
    """Fail early and clearly when the gradebook's database cannot be used: a malformed URL or a
    missing driver (UsageError), an unreachable server or a refused login (InfrastructureError).
    A SQLite file is only checked for an existing folder (nbgrader creates the file)."""
    if db_url in _CHECKED:
        return
    from sqlalchemy import create_engine, exc, text
    from sqlalchemy.engine import make_url

    shown = _safe_url(db_url)
    try:
        url = make_url(db_url)
    except exc.ArgumentError:
        raise UsageError(
            f"gradebook URL {db_url!r} is not a database URL; expected e.g. "
            f"postgresql://USER@HOST:PORT/DATABASE or sqlite:////path/gradebook.db"
        ) from None
    if url.get_backend_name() == "sqlite":
        folder = Path(url.database or "").parent
        if url.database and url.database != ":memory:" and not folder.is_dir():
            raise UsageError(f"gradebook {shown}: folder {folder} does not exist")
        _CHECKED.add(db_url)
        return
    connect_args = {"connect_timeout": DB_CONNECT_TIMEOUT} if url.get_backend_name() == "postgresql" else {}
    try:
        engine = create_engine(url, connect_args=connect_args)
    except exc.NoSuchModuleError:
        raise UsageError(
            f"gradebook URL {shown}: unknown database kind {url.drivername!r}; "
            f"use postgresql://... or sqlite:///..."
        ) from None
    except ImportError as e:
        raise UsageError(
            f"gradebook URL {shown}: the database driver is not installed ({e}); "
            f"the course environment has psycopg: use postgresql://... "
            f"(or run `make setup` if that is what is missing)"
        ) from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except exc.DBAPIError as e:
        detail = str(e.orig).strip().splitlines()
        raise DatabaseUnavailable(
            f"cannot use the gradebook database {shown}: "
            f"{' / '.join(d.strip() for d in detail if d.strip()) or type(e.orig).__name__}"
        ) from None
    finally:
        engine.dispose()
    _CHECKED.add(db_url)


def source_assignments(course: Path) -> list[str]:
    src = course / "solutions"
    if not src.is_dir():
        raise UsageError(f"no instructor source folder {src} (is --course a course directory?)")
    return sorted(
        p.name for p in src.iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb"))
    )


def pick_assignments(course: Path, names: list[str] | None) -> list[str]:
    known = source_assignments(course)
    if not names:
        return known
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown assignment(s) {', '.join(unknown)}; the course has: {', '.join(known)}")
    return list(dict.fromkeys(names))


def released_notebooks(course: Path, assignment: str) -> list[str]:
    return sorted(p.name for p in (course / "notebooks" / assignment).glob("*.ipynb"))


def require_release(course: Path, assignment: str) -> None:
    if not released_notebooks(course, assignment):
        raise UsageError(
            f"{assignment} has no release in {course / 'notebooks' / assignment}: "
            f"run `course.py release` first"
        )


#: Known nbgrader failures (a pattern in its log) -> what they mean for the submission.
KNOWN_FAILURES = [
    (
        r"DeadKernelError|Kernel died",
        "the kernel died while running the notebook (os._exit, a "
        "signal or a crash in a cell); nbgrader grades nothing of it",
    ),
    (
        r"Cell with id '([^']+)' exists multiple times",
        "graded cell '{0}' appears more than once "
        "(cells duplicated); nbgrader 0.9.6 cannot grade the notebook",
    ),
    (r"No notebooks found", "no notebook of the release in the submission"),
    (r"NotJSONError|JSONDecodeError|Notebook does not appear to be JSON", "the notebook is not valid JSON"),
]


def _reason(result: dict) -> str:
    """Why nbgrader failed: a known failure from its log, else the last error line."""
    text = (result.get("log") or "") + "\n" + (result.get("error") or "")
    for pattern, meaning in KNOWN_FAILURES:
        m = re.search(pattern, text)
        if m:
            return meaning.format(*m.groups())
    for text in (result.get("error") or "", result.get("log") or ""):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        errors = [ln for ln in lines if re.match(r"^[\w.]*(Error|Exception|Exit)\b", ln) or "[ERROR]" in ln]
        if errors:
            return errors[-1][:300]
        if lines:
            return lines[-1][:300]
    return "unknown error"


# --------------------------------------------------------------------------------------------
# steps


def cmd_release(args) -> int:
    course = args.course
    names = pick_assignments(course, args.assignments)
    api = make_api(course)
    for name in names:
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise InfrastructureError(
                f"generate_assignment {name} failed: {_reason(result)}\n{result.get('error', '')}"
            )
        print(f"released {name}: {', '.join(released_notebooks(course, name))}")
    return 0


def _collect_folder(course: Path, folder: Path, names: list[str]) -> dict[str, list[str]]:
    """Copy FOLDER/<student>/<assignment>/*.ipynb into nbgrader's submitted/ tree (bytes unchanged)."""
    collected: dict[str, list[str]] = {}
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for name in names:
            src = student_dir / name
            if not src.is_dir():
                continue
            dest = course / "submitted" / student_dir.name / name
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            files = [f for f in sorted(src.iterdir()) if f.is_file() and not f.name.startswith(".")]
            for f in files:
                shutil.copy2(f, dest / f.name)
            collected.setdefault(name, []).append(student_dir.name)
    return collected


def _collect_zip(course: Path, archive: Path, names: list[str], pattern: str) -> dict[str, list[str]]:
    """nbgrader zip_collect, once per assignment, with a FileNameCollectorPlugin regex."""
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.namelist() if not m.endswith("/")]
    collected: dict[str, list[str]] = {}
    for name in names:
        regex = pattern.replace("{assignment}", re.escape(name))
        found = {m: re.match(regex, "/" + m) for m in members}
        matching = [m for m, match in found.items() if match]
        if not matching:
            continue
        require_release(course, name)
        downloaded = course / "downloaded" / name / "archive"
        if downloaded.parent.exists():
            shutil.rmtree(downloaded.parent)
        downloaded.mkdir(parents=True)
        shutil.copy2(archive, downloaded / archive.name)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "nbgrader",
                "zip_collect",
                name,
                "--force",
                "--strict",
                "--log-level=WARN",
                "--ZipCollectApp.collector_plugin=nbgrader.plugins.zipcollect.FileNameCollectorPlugin",
                f"--FileNameCollectorPlugin.named_regexp={regex}",
            ],
            cwd=course,
            env=_nbgrader_env(),
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise InfrastructureError(f"nbgrader zip_collect {name} failed:\n{proc.stdout}{proc.stderr}")
        students = sorted({match.group("student_id") for match in found.values() if match})
        missing = [s for s in students if not (course / "submitted" / s / name / f"{name}.ipynb").exists()]
        if missing:
            raise InfrastructureError(f"zip_collect {name} did not collect {missing}:\n{proc.stderr}")
        collected[name] = students
    regexes = [pattern.replace("{assignment}", re.escape(n)) for n in names]
    skipped = [m for m in members if not any(re.match(r, "/" + m) for r in regexes)]
    if skipped and collected:
        print(
            f"skipped {len(skipped)} file(s) of the zip that match no assignment's pattern: "
            + ", ".join(skipped)
        )
    return collected


def _nbgrader_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def cmd_collect(args) -> int:
    course = args.course
    names = pick_assignments(course, args.assignment and [args.assignment])
    if args.from_ is not None:
        folder = args.from_.resolve()
        if not folder.is_dir():
            raise UsageError(f"submission folder {folder} does not exist")
        collected = _collect_folder(course, folder, names)
        where = f"folder {folder}"
        hint = "expected <student>/<assignment>/<assignment>.ipynb inside it"
    else:
        archive = args.zip.resolve()
        if not archive.is_file():
            raise UsageError(f"zip file {archive} does not exist")
        if not zipfile.is_zipfile(archive):
            raise UsageError(f"{archive} is not a zip file")
        collected = _collect_zip(course, archive, names, args.regex)
        where = f"zip {archive}"
        hint = (
            f"file names must match {args.regex!r} ({{assignment}} = "
            f"{', '.join(names[:3])}{', ...' if len(names) > 3 else ''})"
        )
    if not collected:
        raise UsageError(f"no submission found in {where}: {hint}")
    for name, students in collected.items():
        print(f"collected {name}: {len(students)} student(s): {', '.join(students)}")
    return 0


def _notebook_problem(path: Path) -> str | None:
    """Why a submitted notebook cannot be read, or None."""
    import nbformat

    if not path.exists():
        return f"{path.name} is missing from the submission"
    if path.stat().st_size == 0:
        return f"{path.name} is an empty file"
    try:
        json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return f"{path.name} is not valid JSON ({exc})"
    try:
        nbformat.read(str(path), as_version=4)
    except Exception as exc:  # noqa: BLE001  (any reader error is the reason)
        return f"{path.name} is not a notebook ({type(exc).__name__}: {exc})"
    return None


def _score(api, assignment: str, student: str) -> tuple[float, float] | None:
    from nbgrader.api import MissingEntry

    with api.gradebook as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        return sub.score, sub.max_score


UNSAFE_WARNING = (
    "WARNING: graded WITHOUT the sandbox (--unsafe-no-sandbox): the submissions' code "
    "could read and change everything this user can (solutions, quiz keys, the "
    "gradebook, other students' files)"
)


def _submitted(course: Path, name: str, only: list[str] | None) -> list[str]:
    folder = course / "submitted"
    students = (
        sorted(p.parent.name for p in folder.glob(f"*/{name}") if p.is_dir()) if folder.is_dir() else []
    )
    return [s for s in students if s in only] if only else students


# -- one worker's job ---------------------------------------------------------------------------
_WORKER: dict = {}


def _worker_start(course: Path, timeout: float | None, sandbox: bool, db_env: str | None) -> None:
    """Set up a grading worker process: its own nbgrader API (and so its own kernels)."""
    if db_env is not None:
        os.environ[DB_ENV] = db_env
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    api = make_api(course, timeout, sandbox)
    _WORKER["api"] = api
    if api.coursedir.db_url.startswith("sqlite:"):
        _serialize_gradebook(api.coursedir.db_url)


def _serialize_gradebook(db_url: str) -> None:
    """Make this process hold an exclusive lock on ``<gradebook>.lock`` while any nbgrader
    Gradebook of it is open, so that parallel workers open the SQLite file one at a time (nbgrader
    opens it briefly before and after running a notebook, never while the kernel runs)."""
    import fcntl

    from nbgrader import api as nbapi
    from sqlalchemy.engine import make_url

    path = make_url(db_url).database
    lock = open(f"{path}.lock", "a")
    state = {"depth": 0}
    original_init, original_close = nbapi.Gradebook.__init__, nbapi.Gradebook.close

    def acquire():
        if state["depth"] == 0:
            fcntl.flock(lock, fcntl.LOCK_EX)
        state["depth"] += 1

    def release():
        state["depth"] -= 1
        if state["depth"] == 0:
            fcntl.flock(lock, fcntl.LOCK_UN)

    def init(self, *a, **k):
        acquire()
        self._course_locked = True
        try:
            original_init(self, *a, **k)
        except BaseException:
            self._course_locked = False
            release()
            raise

    def close(self):
        try:
            original_close(self)
        finally:
            if getattr(self, "_course_locked", False):
                self._course_locked = False
                release()

    def reset():
        # A Gradebook that nbgrader left open on an error path: let the others go on.
        if state["depth"]:
            state["depth"] = 0
            fcntl.flock(lock, fcntl.LOCK_UN)

    nbapi.Gradebook.__init__, nbapi.Gradebook.close = init, close
    _WORKER["reset_lock"] = reset


def _grade_one(name: str, student: str, course: Path, expected: list[str]) -> tuple[str, str, dict]:
    """Autograde one submission in this worker; the outcome for the report."""
    api = _WORKER["api"]
    problems = [p for nb in expected if (p := _notebook_problem(course / "submitted" / student / name / nb))]
    try:
        result = api.autograde(name, student, force=True, create=True)
    finally:
        _WORKER.get("reset_lock", lambda: None)()
    outcome = {"success": bool(result["success"]), "problems": problems}
    error = result.get("error") or ""
    if not result["success"] and "gradebook" in error.lower() and "OperationalError" in error:
        outcome["gradebook_error"] = error
    elif result["success"]:
        outcome["score"] = _score(api, name, student)
    else:
        outcome["why"] = "; ".join(problems) if problems else _reason(result)
    return name, student, outcome


def cmd_autograde(args) -> int:
    course = args.course
    names = pick_assignments(course, args.assignments)
    sandbox = not args.unsafe_no_sandbox
    if sandbox:
        from grader.sandbox import check_available

        problem = check_available()
        if problem:
            raise InfrastructureError(f"{problem}; nothing was graded")
    jobs = args.jobs or os.cpu_count() or 1
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    make_api(course, args.timeout, sandbox)  # checks the gradebook before any worker starts
    tasks = []
    for name in names:
        submitted = _submitted(course, name, args.student)
        if not submitted:
            print(f"{name}: no submissions")
            continue
        require_release(course, name)
        expected = released_notebooks(course, name)
        tasks += [(name, student, course, expected) for student in submitted]
    failures: list[tuple[str, str, str]] = []
    warnings_: list[tuple[str, str, str]] = []
    graded = 0

    def report(name: str, student: str, outcome: dict) -> None:
        nonlocal graded
        if "gradebook_error" in outcome:
            raise InfrastructureError(f"the gradebook failed:\n{outcome['gradebook_error']}")
        problems = outcome["problems"]
        if outcome["success"]:
            graded += 1
            score = outcome["score"]
            text = f"{score[0]:g}/{score[1]:g}" if score else "?"
            note = f"  (note: {'; '.join(problems)})" if problems else ""
            print(f"{name}  {student:<28} graded    {text}{note}", flush=True)
            if problems:
                warnings_.append((name, student, "; ".join(problems)))
        else:
            failures.append((name, student, outcome["why"]))
            print(f"{name}  {student:<28} NOT GRADED: {outcome['why']}", flush=True)

    db_env = os.environ.get(DB_ENV)
    if jobs == 1 or len(tasks) <= 1:
        _worker_start(course, args.timeout, sandbox, db_env)
        for task in tasks:
            report(*_grade_one(*task))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # Workers are started fresh ("spawn"), not forked from this process and its open
        # database connections; each keeps its nbgrader API for the submissions it is given.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(tasks)),
            mp_context=context,
            initializer=_worker_start,
            initargs=(course, args.timeout, sandbox, db_env),
        ) as pool:
            futures = [pool.submit(_grade_one, *task) for task in tasks]
            for future in as_completed(futures):
                report(*future.result())
    print(f"\nautograded {graded} submission(s); {len(failures)} could not be graded")
    if failures:
        print(
            "Could not be graded (fix or grade by hand in the formgrader; the submitted files are untouched):"
        )
        for name, student, why in sorted(failures):
            print(f"  - {student} / {name}: {why}")
    if warnings_:
        print("Graded with missing notebooks scored 0:")
        for name, student, why in sorted(warnings_):
            print(f"  - {student} / {name}: {why}")
    if not sandbox:
        print(UNSAFE_WARNING)
    return 0


def cmd_feedback(args) -> int:
    course = args.course
    names = pick_assignments(course, args.assignments)
    api = make_api(course)
    failures = []
    for name in names:
        # Only submissions nbgrader graded: a failed autograde leaves no notebook behind.
        students = sorted({p.parent.parent.name for p in (course / "autograded").glob(f"*/{name}/*.ipynb")})
        if not students:
            print(f"{name}: nothing autograded")
            continue
        for student in students:
            result = api.generate_feedback(name, student, force=True)
            if result["success"]:
                html = sorted((course / "feedback" / student / name).glob("*.html"))
                print(f"{name}  {student:<28} feedback  {', '.join(h.name for h in html)}")
            else:
                failures.append((name, student, _reason(result)))
                print(f"{name}  {student:<28} NO FEEDBACK: {_reason(result)}")
    if failures:
        raise InfrastructureError(
            "feedback failed for: " + ", ".join(f"{s}/{n} ({w})" for n, s, w in failures)
        )
    return 0


def cmd_export(args) -> int:
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.plugins.export import CsvExportPlugin

    course = args.course
    db_url = CourseDirectory(config=load_config(course)).db_url
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///") :]).exists():
        raise UsageError(f"no gradebook at {db_url[len('sqlite:///') :]}: run release and autograde first")
    check_gradebook(db_url)
    out = args.csv if args.csv.is_absolute() else Path.cwd() / args.csv
    out.parent.mkdir(parents=True, exist_ok=True)
    plugin = CsvExportPlugin(to=str(out))
    if args.assignments:
        plugin.assignment = pick_assignments(course, args.assignments)
    with Gradebook(db_url) as gb:
        plugin.export(gb)
    print(f"grades exported to {out}")
    # nbgrader's CSV shows a submission that could not be graded as a score of 0, like a real 0:
    # name those, so that nobody takes them for grades.
    ungraded = [
        (name, folder.parent.name)
        for name in (plugin.assignment or source_assignments(course))
        for folder in sorted((course / "submitted").glob(f"*/{name}"))
        if folder.is_dir() and not (course / "autograded" / folder.parent.name / name).is_dir()
    ]
    if ungraded:
        print(
            f"warning: {len(ungraded)} submission(s) have no autograded result and appear as 0 in "
            f"the CSV (grade them by hand, or fix them and autograde again):"
        )
        for name, student in ungraded:
            print(f"  {name}  {student}")
    return 0


# --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course.py",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Steps of a term: release -> collect -> autograde -> (formgrader) -> feedback -> export.",
    )
    parser.add_argument(
        "--course", type=Path, default=ROOT, help="course directory (default: this repository)"
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help=f"gradebook database URL, e.g. postgresql://USER@HOST:PORT/DATABASE "
        f"(default: ${DB_ENV} if set, else sqlite:///<course>/gradebook.db)",
    )
    sub = parser.add_subparsers(dest="step", required=True)

    p = sub.add_parser("release", help="generate_assignment for every (or the named) assignment")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("collect", help="copy submissions into submitted/ from a folder or an LMS zip")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--from",
        dest="from_",
        type=Path,
        metavar="FOLDER",
        help="folder of <student>/<assignment>/<assignment>.ipynb",
    )
    src.add_argument(
        "--zip",
        type=Path,
        metavar="LMS.zip",
        help="LMS download holding <student>_<assignment>.ipynb files (see --regex)",
    )
    p.add_argument("--assignment", help="collect only this assignment")
    p.add_argument(
        "--regex",
        default=LMS_PATTERN,
        help="FileNameCollectorPlugin pattern for --zip, matched against '/'+path in the "
        "zip; '{assignment}' is replaced by each assignment's name "
        "(default: %(default)s)",
    )
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("autograde", help="autograde every submitted student; report the ungradable")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="per-cell time limit in seconds (default: Execute.timeout in nbgrader_config.py)",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="grade N submissions at once, each in its own sandboxed kernel (default: the number of cores)",
    )
    p.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="grade in ordinary kernels when bubblewrap is not available: the "
        "submissions' code can then read and change all this user's files",
    )
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("feedback", help="generate feedback HTML for every autograded submission")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("export", help="export the gradebook with nbgrader's CSV exporter")
    p.add_argument("--csv", type=Path, default=Path("grades.csv"), help="output file (default: grades.csv)")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.course = args.course.resolve()
    if not args.course.is_dir():
        print(f"course.py: error: course directory {args.course} does not exist", file=sys.stderr)
        return 2
    # Tools nbgrader starts by name (alembic, jupyter) come from this environment.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("COURSE_UTILS_PROGRESS", "0")
    if args.db is not None:
        if not args.db.strip():
            print("course.py: error: --db needs a database URL", file=sys.stderr)
            return 2
        # Through the environment, so that nbgrader_config.py and the nbgrader commands this
        # script starts (zip_collect) see the same gradebook.
        os.environ[DB_ENV] = args.db
    # nbgrader's gradebook session warns about its own objects when called from the API; noise.
    warnings.filterwarnings("ignore", message=r".*not in session.*")
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"course.py {args.step}: error: {exc}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as exc:
        print(f"course.py {args.step}: error: {exc}", file=sys.stderr)
        return 1
    except InfrastructureError as exc:
        print(f"course.py {args.step}: nbgrader failed: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001
        # The gradebook's database failing in the middle of a step (server gone, connection
        # dropped): an infrastructure failure, reported without a traceback.
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(exc, SQLAlchemyError):
            raise
        print(
            f"course.py {args.step}: the gradebook database failed: "
            f"{str(getattr(exc, 'orig', None) or exc).strip().splitlines()[0]}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
