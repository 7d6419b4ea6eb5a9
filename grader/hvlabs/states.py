"""Typed states: a check's status and how a boot ended.

Each is a str subclass (`class Status(str, Enum)`), so it compares equal to its text
("PASS" == Status.PASS), serializes to JSON as that text, and prints as that text in
f-strings and format() on every Python version (3.12 changed Enum.__format__).
"""
from enum import Enum


class TextEnum(str, Enum):
    """A str Enum that is its value wherever it is printed or formatted."""

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Status(TextEnum):
    """A graded check's outcome."""
    PASS = "PASS"
    FAIL = "FAIL"
    SKIP = "SKIP"     # not gradeable on this emulator: counted neither way


class Ended(TextEnum):
    """How one boot ended."""
    EXITED = "exited"             # the machine powered off (or the emulator stopped by itself)
    TIMEOUT = "timeout"           # no power-off in time: stopped
    FLOOD = "flood"               # too much serial output: stopped
    UNSUPPORTED = "unsupported"   # this emulator cannot run the scenario: not started
    ERROR = "error"               # the run could not be prepared (ISO, files)
