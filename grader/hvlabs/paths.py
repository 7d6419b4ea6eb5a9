"""Where the course is: the one place that finds its root from this file's location.

    ROOT      the course repository (or the student distribution): Makefile, kernel/, labs/, ...
    GRADER    ROOT/grader, the directory of grade.py and of this package
    BUILD     ROOT/build, where stages are built by default
"""
from pathlib import Path

GRADER = Path(__file__).resolve().parent.parent
ROOT = GRADER.parent
BUILD = ROOT / "build"
