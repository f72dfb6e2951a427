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
    ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*",
]

# A cell may run for at most this many seconds when grading; an infinite loop in a student's
# submission is interrupted after it and the remaining cells still run.
c.Execute.timeout = 60
#: Heap limit of a grading kernel, in GiB (see Execute.extra_arguments below).
GRADING_MEMORY_GB = 4
# Clear the kernel's history file so that grading writes nothing under $HOME.
# A test cell that writes to stderr scores 0 in nbgrader (utils.determine_grade), and Python prints
# warnings to stderr: a correct answer whose library call warns (e.g. torch's UserWarning for
# torch.tensor(a_tensor)) would lose the points of every test cell that calls it.  The kernels
# that grade therefore ignore warnings; a test that checks for one uses warnings.catch_warnings.
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.exec_lines=import warnings; warnings.simplefilter('ignore')",
    # A submission that fills the memory gets MemoryError (or torch's "can't allocate memory")
    # in its own cells instead of taking the machine down: the grading kernel may use at most
    # GRADING_MEMORY_GB of heap (the heaviest lesson peaks near 0.45 GB). Linux and macOS only.
    f"--IPKernelApp.exec_lines=import resource; resource.setrlimit(resource.RLIMIT_DATA, "
    f"({GRADING_MEMORY_GB} << 30, {GRADING_MEMORY_GB} << 30))",
]

c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"


def _load_grading_module():
    """course_utils/grading.py, loaded by path: importing the course_utils package would import
    torch into every nbgrader command (find_spec locates the package without running it)."""
    import importlib.util
    import sys
    name = "course_utils_grading"
    if name not in sys.modules:
        package = importlib.util.find_spec("course_utils")
        path = os.path.join(list(package.submodule_search_locations)[0], "grading.py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# Tampering defences (course_utils/grading.py; measured by tests/test_tampering.py): the
# preprocessor that runs the notebook drops the tags that make nbclient skip a cell
# (skip-execution) and guards IPython's error reporting against the submission's own code.
# The other preprocessors are nbgrader 0.9.6's defaults, in the same order.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades,
)

c.Autograde.autograde_preprocessors = [
    _load_grading_module().GuardedExecute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Feedback (the autograded notebook as HTML) shows each failing test's message, but neither the
# hidden tests' source nor a traceback quoting it: HideHiddenTests in course_utils/grading.py.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import GetGrades  # noqa: E402

c.GenerateFeedback.preprocessors = [
    GetGrades,
    _load_grading_module().HideHiddenTests,
    CSSHTMLHeaderPreprocessor,
]
