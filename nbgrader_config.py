"""nbgrader configuration for the gradient clipping course.

The instructor source (with solutions and hidden tests) lives in ``solutions/``; the student
release that ``make release`` generates from it lives in ``notebooks/``.
"""

import os

# Kernels started while grading inherit this: course_utils then shows no progress bars, which
# could otherwise write to stderr and cost a test cell its points.
os.environ.setdefault("COURSE_UTILS_PROGRESS", "0")

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "gradient-clipping"
# The gradebook: the SQLite file gradebook.db in this folder, unless NBGRADER_DB_URL names another
# database, e.g. postgresql://grader@dbhost:5432/gradclip, one gradebook shared by several graders
# (scripts/course.py --db URL sets it too).  Every nbgrader command, the formgrader and
# scripts/course.py started with the variable set use that database.
if os.environ.get("NBGRADER_DB_URL"):
    c.CourseDirectory.db_url = os.environ["NBGRADER_DB_URL"]
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# Only the notebooks of an assignment folder are copied into the release (nbgrader would copy
# every other file it finds there too), so nothing else in solutions/ can leak.
c.CourseDirectory.include = ["*.ipynb"]
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".*",
]

# A cell may run for at most this many seconds when grading; an infinite loop in a student's
# submission is interrupted after it and the remaining cells still run.
c.Execute.timeout = 60
# Every grading kernel runs in a bubblewrap sandbox (grader/sandbox.py): it sees the system and
# the course environment read-only and nothing else of this folder (no solutions, quiz keys,
# gradebook or other students' files), has no network, its own PIDs, and these limits:
#: Heap limit of a grading kernel, in GiB (the heaviest lesson peaks near 0.45 GB).
GRADING_MEMORY_GB = 4
c.SandboxedKernelManager.memory_gb = GRADING_MEMORY_GB
# Only for a machine without bubblewrap, and knowingly: `nbgrader autograde ...
# --SandboxedKernelManager.enabled=False` (course.py autograde --unsafe-no-sandbox) grades in an
# ordinary kernel that can read and change everything this user can.
# Clear the kernel's history file so that grading writes nothing under $HOME.
# A test cell that writes to stderr scores 0 in nbgrader (utils.determine_grade), and Python prints
# warnings to stderr: a correct answer whose library call warns (e.g. torch's UserWarning for
# torch.tensor(a_tensor)) would lose the points of every test cell that calls it.  The kernels
# that grade therefore ignore warnings; a test that checks for one uses warnings.catch_warnings.
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.exec_lines=import warnings; warnings.simplefilter('ignore')",
]

c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"


# Tampering defences (grader/preprocessors.py; measured by tests/test_tampering.py): the
# preprocessor that runs the notebook starts its kernel in the sandbox, drops the tags that make
# nbclient skip a cell (skip-execution), guards IPython's error reporting against the
# submission's own code, and checks before and after every graded cell that the functions the
# tests rely on are genuine.  The other preprocessors are nbgrader 0.9.6's defaults, in order.
# (grader imports nbgrader and jupyter_client only: no torch in every nbgrader command.)
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from grader.preprocessors import GuardedExecute, HideHiddenTests  # noqa: E402

c.Autograde.autograde_preprocessors = [
    GuardedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback (the autograded notebook as HTML) shows each failing test's message, but neither the
# hidden tests' source nor a traceback quoting it: HideHiddenTests in grader/preprocessors.py.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [
    GetGrades,
    HideHiddenTests,
    CSSHTMLHeaderPreprocessor,
]

# The student release drops the markers after claims that tests check (``<!-- claim: ... -->``,
# an authors' note): StripClaimMarkers, before nbgrader's own preprocessors compute checksums.
from nbgrader.preprocessors import (  # noqa: E402
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    SaveCells,
)

from grader.preprocessors import StripClaimMarkers  # noqa: E402

c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    ClearSolutions,
    ClearOutput,
    StripClaimMarkers,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
]
