"""The grader's one exception for usage errors, and how the entry points report it.

Library code raises UsageError (an unknown lab, scenario, emulator or CPU model, a
reference that is not there, ...) instead of exiting; each command-line entry point
(grade.py, run.py, bench.py, gradescope.py, selftest.py, handout.py, skel.py) turns it
into its message, one line on stderr, and exit status 2. Exit status 1 keeps its
meaning: points are missing, or something failed.
"""
import sys

USAGE_STATUS = 2


class UsageError(Exception):
    """The command asked for something that does not exist or cannot be done here;
    the message (one line, starting with the tool's name) says what and what to do."""


def main_exit(main, argv=None) -> int:
    """Runs main(argv) and returns its exit status, USAGE_STATUS on a UsageError."""
    try:
        return main(argv)
    except UsageError as e:
        print(str(e).replace("\n", " "), file=sys.stderr)
        return USAGE_STATUS
