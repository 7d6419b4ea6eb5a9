#!/usr/bin/env python3
"""Export the course as students receive it (`make handout`).

The export holds every file git tracks except what would give the labs away or
only serves maintainers: solutions/, the broken solutions and the test suites
(grader/tests/, grader/selftest.py, grader/bench.py), the
skeleton generator's files, the reference's VMCS values (they would give lab 4 away: the
export's grader/hvlabs/vmcs-reference.json is written here from the course's in its digest
form, hvlabs.vmcs_reference.digested(), so a student's HTML report says which fields
differ from the reference's VMCS but not its values), CI and the
maintainers' guide; its README.md is the
students' own (grader/README-students.md). Everything a student runs — make run, make
grade, make debug, make slides, make site — works there on their own files in labs/. It gets
a GitHub Classroom workflow (.github/workflows/classroom.yml, see
grader/hvlabs/classroom.py), so it can serve as an assignment's template repository.

    handout.py DEST        DEST must not exist yet
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import classroom, vmcs_reference  # noqa: E402
from hvlabs.errors import UsageError, main_exit  # noqa: E402
from hvlabs.paths import ROOT  # noqa: E402

STUDENT_README = "grader/README-students.md"   # the export's README.md
VMCS_REFERENCE = "grader/hvlabs/vmcs-reference.json"  # left out, written in its digest form
LEFT_OUT = ("solutions/", ".ci/", "grader/tests/", "grader/__init__.py", "grader/selftest.py",
            "grader/bench.py", "grader/skel.py", "grader/vmcs_reference.py",
            VMCS_REFERENCE, "grader/handout.py", "grader/gradescope.py",
            "CONTRIBUTING.md", "README.md", STUDENT_README,
            "labs/.skel.sha256")


class LeakError(Exception):
    """The export would give solutions away; nothing was exported."""


def tracked_files() -> list:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    return [f for f in out.split("\0") if f]


def export(dest: Path) -> list:
    """Copies the student distribution to dest; returns the files copied."""
    if dest.exists():
        raise UsageError(f"handout: {dest} exists; remove it or name another directory")
    files = [f for f in tracked_files() if not f.startswith(LEFT_OUT)]
    for f in files:
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, dest / f)
    shutil.copy2(ROOT / STUDENT_README, dest / "README.md")
    files.append("README.md")
    (dest / VMCS_REFERENCE).write_text(vmcs_reference.digested((ROOT / VMCS_REFERENCE).read_text()))
    files.append(VMCS_REFERENCE)
    (dest / classroom.PATH).parent.mkdir(parents=True, exist_ok=True)
    # The course's grader the workflow checks out: HVLABS_COURSE_REPO=owner/name and
    # HVLABS_COURSE_REF=tag-or-commit (make handout passes them on), else left to fill in.
    (dest / classroom.PATH).write_text(classroom.workflow(os.environ.get(classroom.COURSE_REPO_ENV, ""),
                                                          os.environ.get(classroom.COURSE_REF_ENV, "")))
    files.append(classroom.PATH)
    leaks = [f for f in files if f.endswith((".c", ".h", ".asm"))
             and "BEGIN SOLUTION" in (dest / f).read_text(errors="replace")]
    if leaks:
        shutil.rmtree(dest)
        raise LeakError(f"handout: solution regions found in {', '.join(leaks)}: nothing exported")
    return files


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        raise UsageError("handout: usage: handout.py DEST")
    dest = Path(argv[0]).resolve()
    try:
        files = export(dest)
    except LeakError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"handout: {len(files)} files in {dest} (no solutions/, no maintainers' tests)")
    return 0


if __name__ == "__main__":
    sys.exit(main_exit(main))
