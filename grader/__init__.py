"""grader: the instructors' grading machinery, kept out of what students receive.

* :mod:`grader.sandbox`: every grading kernel runs in a bubblewrap sandbox;
* :mod:`grader.preprocessors`: nbgrader preprocessors that ``nbgrader_config.py`` installs
  (``GuardedExecute`` in place of ``Execute``, ``HideHiddenTests`` in the feedback);
* :mod:`grader.integrity`: the check, run by the grader inside the kernel, that the functions the
  hidden tests rely on are genuine.

``course_utils`` (what students import) imports nothing from here, and the student pack holds
none of it.
"""
