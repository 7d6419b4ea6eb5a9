"""The grader. Its scripts (grade.py, run.py, ...) run as programs, not as this package;
this file only lets `python3 -m unittest` at the course's root find grader/tests."""
