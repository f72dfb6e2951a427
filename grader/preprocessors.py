"""Grader-side defences against tampering (nbgrader preprocessors).

``nbgrader_config.py`` puts :class:`GuardedExecute` in place of nbgrader's ``Execute``
preprocessor and :class:`HideHiddenTests` into the feedback.  ``GuardedExecute`` starts every
grading kernel in a sandbox (:mod:`grader.sandbox`: the submission cannot read the instructor's
files, touch other students' work or the gradebook, reach the network or stop the grader) and,
inside that kernel, closes these holes (each measured in ``tests/test_tampering.py``).  It changes
nothing for an honest submission.

* **Replaced functions.**  Before the first cell of the submission runs, the guard loads
  :mod:`grader.integrity` into the kernel, which records the functions the hidden tests rely on.
  Before and after every graded cell it checks that they, the notebook's builtins and modules,
  and the test helpers that locked cells defined (and the graded cell uses) are still genuine;
  a graded cell that ran with any of them replaced gets an error output (so scores 0) naming
  what was replaced.  No notebook needs code of its own for this.

* **Execution-control tags.**  nbclient skips a cell tagged ``skip-execution`` (its
  ``skip_cells_with_tag``), and nbgrader gives a test cell that ran without an error output its
  full points, so a student who tagged a test cell got its points without running it.  The tags
  nbclient reads (``skip-execution``, ``raises-exception`` and the configured skip tag) are
  removed from every cell before the notebook runs.
* **Traceback suppression inside the kernel.**  Student code runs in the kernel that runs the
  tests, so it could swallow a failing test's error before nbgrader sees it: replace
  ``get_ipython().showtraceback``, install a custom exception handler (``set_custom_exc``),
  an AST or input transformer that wraps every cell in ``try/except``, an event hook
  (``pre_run_cell``, ``post_execute``, ...) that patches these, or patch the kernel's
  ``do_execute`` so that its reply says ``ok``.  Before every code cell a silent guard puts IPython's and
  ipykernel's hooks back to what they were when the kernel started, and after every test cell it
  checks them again: a test cell during which any of them was altered gets an error output (so
  scores 0) naming what was altered.  (nbgrader itself already adds an error output when the
  kernel's reply says ``error`` but no error was shown.)

What is *not* caught: code that targets this guard itself (it lives in the kernel, which the
student's code controls) or re-patches from a background thread between the guard and the test
and undoes its patch before the check.  Such code is deliberate and obvious on review.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, Execute
from nbgrader.preprocessors.base import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_locked

from grader.sandbox import SandboxedKernelManager

#: Cell tags that make nbclient skip a cell or tolerate its error.
EXECUTION_CONTROL_TAGS = frozenset({"skip-execution", "raises-exception"})

#: Name of the guard object the kernel keeps in its ``builtins`` module (so that a submission that
#: shadows ``type``, ``list`` or ``__import__`` in its own namespace does not break the guard).
GUARD_NAME = "_course_grading_guard"

#: The guard's code.  It runs once, before the notebook's first code cell, in a namespace of its
#: own whose builtins are the real ones: it takes a snapshot of the hooks, and ``restore()`` puts
#: them back and returns the names of those it had to put back (empty for an honest notebook).
_GUARD_BODY = r'''
import builtins, sys, types

ip = get_ipython()
kernel = getattr(ip, "kernel", None)
shell_names = ("showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror",
               "run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code",
               "transform_cell", "transform_ast", "should_run_async", "CustomTB",
               "custom_exceptions", "_get_exc_info", "InteractiveTB", "SyntaxTB")
kernel_names = ("do_execute", "execute_request", "send_response")
missing = object()


def snap(obj, names):
    per_class = [(k, {n: k.__dict__.get(n, missing) for n in names}) for k in type(obj).__mro__]
    inst = {n: vars(obj).get(n, missing) for n in names} if hasattr(obj, "__dict__") else {}
    return obj, per_class, inst


def same(current, saved):
    return (type(current) is list and len(current) == len(saved)
            and all(a is b for a, b in zip(current, saved)))


snaps = [snap(ip, shell_names)] + ([snap(kernel, kernel_names)] if kernel is not None else [])
manager = ip.input_transformer_manager
lists = {
    "ast_transformers": (ip, "ast_transformers"),
    "input_transformers_post": (ip, "input_transformers_post"),
    "input_transformers_cleanup": (manager, "cleanup_transforms"),
    "line_transforms": (manager, "line_transforms"),
    "token_transformers": (manager, "token_transformers"),
}
lists = {label: (owner, attr, list(getattr(owner, attr))) for label, (owner, attr) in lists.items()}
events = {}


def accept_events():
    # After a locked cell (instructor code, source restored by nbgrader) its event hooks, e.g.
    # matplotlib's figure flushing, become part of the trusted state.
    for name in ("pre_execute", "pre_run_cell", "post_execute", "post_run_cell"):
        events[name] = list(ip.events.callbacks.get(name, []))
    return []


def restore():
    changed = []
    for obj, per_class, inst in snaps:
        for klass, saved in per_class:
            for name, value in saved.items():
                if klass.__dict__.get(name, missing) is value:
                    continue
                changed.append(klass.__name__ + "." + name)
                if value is missing:
                    delattr(klass, name)
                else:
                    setattr(klass, name, value)
        d = vars(obj)
        for name, value in inst.items():
            if d.get(name, missing) is value:
                continue
            changed.append(name)
            if value is missing:
                del d[name]
            else:
                d[name] = value
    for label, (owner, attr, saved) in lists.items():
        if not same(getattr(owner, attr), saved):
            changed.append(label)
            setattr(owner, attr, list(saved))
    for name, saved in events.items():
        if not same(ip.events.callbacks.get(name), saved):
            changed.append("events." + name)
            ip.events.callbacks[name] = list(saved)
    return changed


accept_events()

# The record of genuine functions (grader/integrity.py, sent as source), taken now, before any
# code of the submission has run.
integrity = types.ModuleType("_grading_integrity")
try:
    exec(compile(INTEGRITY_SOURCE, "<grading integrity>", "exec"), integrity.__dict__)
    integrity_error = None
except BaseException as exc:  # noqa: BLE001  (reported in every graded cell)
    integrity_error = type(exc).__name__ + ": " + str(exc)


def check(source):
    if integrity_error is not None:
        return ["the grader could not record the genuine functions (" + integrity_error + ")"]
    return integrity.tampered(ip.user_ns, source)


def trust(source):
    if integrity_error is not None:
        return []
    return integrity.trust_cell(ip.user_ns, source, ip.compile.get_code_name(source, source, 0))


guard = types.SimpleNamespace(restore=restore, accept_events=accept_events, check=check, trust=trust)
if not hasattr(builtins, GUARD_NAME):
    setattr(builtins, GUARD_NAME, guard)
'''

#: Sent (silently) before the notebook's first code cell, when its namespace is still pristine.
#: The source of grader/integrity.py, which the guard runs inside the kernel.
INTEGRITY_SOURCE = (Path(__file__).with_name("integrity.py")).read_text()
GUARD_SOURCE = (
    "(lambda b: b.exec({body!r}, {{'__builtins__': b, 'get_ipython': get_ipython, "
    "'GUARD_NAME': {name!r}, 'INTEGRITY_SOURCE': {integrity!r}}}))(__import__('builtins'))\n".format(
        body=_GUARD_BODY, name=GUARD_NAME, integrity=INTEGRITY_SOURCE
    )
)

#: Evaluated (as a user expression) before and after cells: the hooks that had to be restored.
GUARD_EXPRESSION = f"{GUARD_NAME}.restore()"
#: Evaluated after a locked cell that is not a test: its event hooks are trusted from then on.
ACCEPT_EXPRESSION = f"{GUARD_NAME}.accept_events()"


def strip_execution_control_tags(nb: NotebookNode, extra_tags=()) -> list[tuple[int, str]]:
    """Remove the tags that change how nbclient runs a cell from every cell of ``nb``.

    Returns ``(cell index, tag)`` for each tag removed."""
    tags_to_strip = EXECUTION_CONTROL_TAGS | {t for t in extra_tags if t}
    removed = []
    for index, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags")
        if not isinstance(tags, list):
            continue
        kept = [t for t in tags if t not in tags_to_strip]
        removed += [(index, t) for t in tags if t in tags_to_strip]
        if len(kept) != len(tags):
            cell.metadata["tags"] = kept
    return removed


def tamper_error_output(what: list[str]) -> NotebookNode:
    """The error output that makes nbgrader give a test cell 0 points (kernel hooks altered)."""
    names = ", ".join(sorted(set(what)))
    message = (
        "this test cell ran while the submission had altered the kernel's error "
        f"reporting ({names}); its result cannot be trusted, so it scores 0"
    )
    return NotebookNode(
        output_type="error",
        ename="GradingTamperError",
        evalue=message,
        traceback=[f"GradingTamperError: {message}"],
    )


def replaced_error_output(found: list[str]) -> NotebookNode:
    """The error output of a graded cell that ran while functions the tests use were replaced."""
    message = "the tests cannot trust their tools, so this test scores 0: " + "; ".join(dict.fromkeys(found))
    return NotebookNode(
        output_type="error",
        ename="GradingTamperError",
        evalue=message,
        traceback=[f"GradingTamperError: {message}"],
    )


def parse_guard_reply(reply, key: str = "guard") -> list[str] | None:
    """The list that the guard expression ``key`` returned in the kernel's reply (None: no answer)."""
    if not reply:
        return None
    content = reply.get("content", {})
    result = content.get("user_expressions", {}).get(key)
    if content.get("status") != "ok" or not result or result.get("status") != "ok":
        return None
    text = result.get("data", {}).get("text/plain", "")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return [str(v) for v in value] if isinstance(value, list) else None


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` in a sandboxed kernel, with the defences of this module's docstring."""

    def __init__(self, *args, **kwargs):
        # nbgrader's Execute passes AsyncKernelManager explicitly (over any configuration).
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    async def _run_guard(self, code: str, **expressions: str) -> dict[str, list[str] | None]:
        msg_id = self.kc.execute(code, silent=True, store_history=False, user_expressions=expressions)
        reply = await self.async_wait_for_reply(msg_id)
        return {key: parse_guard_reply(reply, key) for key in expressions}

    def preprocess(self, nb, resources=None, km=None):
        removed = strip_execution_control_tags(nb, [self.skip_cells_with_tag])
        for index, tag in removed:
            self.log.warning("Removed the execution-control tag %r from cell %d", tag, index)
        self._guard_installed = False
        return super().preprocess(nb, resources, km=km)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        runs = cell.cell_type == "code" and bool(cell.source.strip())
        graded, locked = runs and is_grade(cell), runs and is_locked(cell)
        source = f"{cell.source!r}" if runs else ""
        replaced: list[str] = []
        if runs:
            # The guard (and the record of genuine functions) is installed once, before the
            # notebook's first code cell runs: one that a submission removed later is not
            # reinstalled over what it altered.
            code = "" if getattr(self, "_guard_installed", False) else GUARD_SOURCE
            self._guard_installed = True
            expressions = {"guard": GUARD_EXPRESSION}
            if graded:
                expressions["check"] = f"{GUARD_NAME}.check({source})"
            before = await self._run_guard(code, **expressions)
            if before["guard"]:
                self.log.warning(
                    "Cell %d: restored kernel hooks altered by the submission: %s",
                    cell_index,
                    ", ".join(before["guard"]),
                )
            if graded:
                replaced += (
                    before["check"]
                    if before["check"] is not None
                    else ["the grader's integrity check (it gave no answer)"]
                )
        cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if graded:
            after = await self._run_guard(
                "",
                guard=GUARD_EXPRESSION,
                trust=f"{GUARD_NAME}.trust({source})",
                check=f"{GUARD_NAME}.check({source})",
            )
            restored = after["guard"]
            if restored is None:
                restored = ["the grading guard itself (it gave no answer)"]
            if restored:
                self.log.warning(
                    "Test cell %d ran with altered kernel hooks: %s", cell_index, ", ".join(restored)
                )
                cell.outputs.append(tamper_error_output(restored))
            for key in ("trust", "check"):
                replaced += (
                    after[key]
                    if after[key] is not None
                    else ["the grader's integrity check (it gave no answer)"]
                )
            if replaced:
                self.log.warning(
                    "Test cell %d ran with replaced functions: %s",
                    cell_index,
                    "; ".join(dict.fromkeys(replaced)),
                )
                cell.outputs.append(replaced_error_output(replaced))
        elif locked:
            await self._run_guard("", guard=ACCEPT_EXPRESSION, trust=f"{GUARD_NAME}.trust({source})")
        return cell

    # nbclient binds the synchronous wrapper to its own coroutine: rebind it to the one above.
    execute_cell = run_sync(async_execute_cell)


#: nbgrader's delimiters of hidden tests: the defaults of its ``ClearHiddenTests``, which every
#: notebook of the course uses; a line holding one starts or ends a hidden region.
HIDDEN_BEGIN = ClearHiddenTests.begin_test_delimeter.default_value
HIDDEN_END = ClearHiddenTests.end_test_delimeter.default_value
#: What a test cell's source shows in the feedback where its hidden tests were.
HIDDEN_PLACEHOLDER = "# (hidden tests ran here)"


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback: hidden tests show neither their source nor, through a traceback, their lines.

    nbgrader's feedback is the autograded notebook as HTML, and its test cells hold the hidden
    tests (autograde restores them from the gradebook); an IPython traceback also quotes the
    lines around the failing one. ``nbgrader_config.py`` adds this preprocessor to
    ``GenerateFeedback``. In every test cell (a graded cell, whose source autograde restored, so
    the student cannot have altered it):

    * each hidden region becomes the line ``# (hidden tests ran here)``;
    * each error output keeps only ``ename: evalue``: what failed and why, as the test's message
      says it; hidden tests' messages name no answer key.

    Other cells are left as they are: what a student wrote (even a line that looks like a
    delimiter) is never parsed, so a submission cannot break its own feedback. Output printed by
    hidden tests on purpose (a quiz question's explanation) stays.
    """

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int):
        if cell.cell_type != "code" or not is_grade(cell) or HIDDEN_BEGIN not in cell.source:
            return cell, resources
        lines, hidden = [], False
        for line in cell.source.split("\n"):
            if HIDDEN_BEGIN in line:
                hidden = True
                lines.append(HIDDEN_PLACEHOLDER)
            elif HIDDEN_END in line:
                hidden = False
            elif not hidden:
                lines.append(line)
        cell.source = "\n".join(lines)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources


#: The marker a lesson's markdown carries after a claim that a test checks
#: (``<!-- claim: 01-fd-bands -->``, tests/claims/README.md): a note for the course's authors.
_MARKER = r"<!-- claim: [A-Za-z0-9_.-]+ -->"
#: (pattern, replacement), in order: a line that is only a marker goes; a marker that ends a line,
#: or starts one, goes with the spaces beside it (the line's indentation stays); one inside a
#: line leaves a single space.
CLAIM_MARKER_RULES = [
    (re.compile(rf"^[ \t]*{_MARKER}[ \t]*(\n|$)", re.M), ""),
    (re.compile(rf"[ \t]*{_MARKER}[ \t]*$", re.M), ""),
    (re.compile(rf"^([ \t]*){_MARKER}[ \t]*", re.M), r"\1"),
    (re.compile(rf"[ \t]*{_MARKER}[ \t]*"), " "),
]


def strip_claim_markers(source: str) -> str:
    """``source`` without its claim markers (see CLAIM_MARKER_RULES)."""
    for pattern, replacement in CLAIM_MARKER_RULES:
        source = pattern.sub(replacement, source)
    return source


class StripClaimMarkers(NbGraderPreprocessor):
    """Drop the claim markers from the markdown of the student release (``generate_assignment``).

    They are HTML comments, hidden when a notebook is rendered but shown when a student edits the
    cell, and they name the course's test tooling; the instructor's solution notebook keeps them.
    Runs before nbgrader computes the locked cells' checksums, so the release is consistent.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "markdown" and "<!-- claim:" in cell.source:
            cell.source = strip_claim_markers(cell.source)
        return cell, resources
