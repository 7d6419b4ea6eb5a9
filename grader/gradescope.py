#!/usr/bin/env python3
"""Gradescope autograder for hvlabs.

    gradescope.py zip OUT.zip [--labs 1-7]     build the autograder (`make gradescope`)
    gradescope.py run [--labs 1-7]             inside Gradescope: grade /autograder/submission

The zip holds the course (everything git tracks: the kernel, the harnesses, the grader
and the reference, which only the autograder sees), `setup.sh` (installs the Debian
packages the course needs) and `run_autograder`. `run` grades the submission like
`grade.py batch` grades one (only the labs' student files are taken, and a lab's file
uploaded at the submission's top goes to its lab) and writes results.json in
Gradescope's format: one test per check with its score, max_score, status, output
(the reason and hints, output_format "text") and visibility. results.json is written
in every outcome: with the reason when grading could not run. AUTOGRADER_ROOT
replaces /autograder (for testing outside Gradescope).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import batch, grading, labs, report, submission  # noqa: E402
from hvlabs.errors import UsageError, main_exit  # noqa: E402
from hvlabs.paths import ROOT  # noqa: E402
from hvlabs.states import Status  # noqa: E402

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
set -euo pipefail
apt-get update -qq
cd /autograder/source/hvlabs && grader/deps.sh install
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission. gradescope.py always writes results.json;
# if it could not even start, this does, so that Gradescope shows a reason.
set -uo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$root/source/hvlabs" && python3 grader/gradescope.py run --labs {labs}
if [ ! -s "$root/results/results.json" ]; then
    mkdir -p "$root/results"
    printf '%s\\n' '{fallback}' > "$root/results/results.json"
fi
"""
FALLBACK = {"score": 0, "output_format": "text", "visibility": "visible", "tests": [],
            "output": "The autograder could not start (see the log of the autograder); nothing was graded."}
FORMAT = "text"            # outputs hold file names and kernel text: shown as plain text
MODE = 0o100755            # a regular file (S_IFREG), rwxr-xr-x: the zip's external attributes


def build_zip(out: Path, labs_spec: str) -> None:
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True,
                           stdout=subprocess.PIPE).stdout.decode().split("\0")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        run_script = RUN.format(labs=labs_spec, fallback=json.dumps(FALLBACK))
        for name, text in (("setup.sh", SETUP), ("run_autograder", run_script)):
            info = zipfile.ZipInfo(name)
            info.external_attr = MODE << 16
            z.writestr(info, text)
        for f in filter(None, files):
            z.write(ROOT / f, f"hvlabs/{f}")
    print(f"gradescope: {out} ({len(files) - 1} course files, labs {labs_spec})")


def test_entry(lab, r, notes: str) -> dict:
    """One Gradescope test for one check; notes: what the run of its scenario showed."""
    out = r.why if r.status != Status.PASS else ""
    if r.status != Status.PASS and notes:
        out = (out + "\n\n" + notes).strip()
    return {
        "name": f"lab {lab.number} ({lab.name}) {r.scenario}/{r.id}: {r.what}",
        "score": r.earned,
        "max_score": r.points,
        "status": "passed" if r.status == Status.PASS else "failed",
        "output": out,
        "output_format": FORMAT,
        "visibility": "visible",
    }


def run(labs_: list, root: Path) -> dict:
    """Grades root/submission; results.json's content (Gradescope's specification: score,
    output, output_format, visibility, tests)."""
    start = time.monotonic()
    result = {"tests": [], "output": "", "output_format": FORMAT, "visibility": "visible",
              "stdout_visibility": "hidden"}
    with tempfile.TemporaryDirectory(prefix="hvlabs-gradescope-") as work:
        work = Path(work)
        try:
            sub = submission.prepare(root / "submission", work, "submission", loose=True)
        except submission.SubmissionError as e:
            result["output"] = f"The submission could not be graded: {e}"
            result["score"] = 0
            return result
        output = submission.describe(sub)
        for n in labs_:
            lab = labs.get(n)
            r = grading.grade_lab(n, emu="bochs", labs_dir=str(sub.labs_dir),
                                  build_dir=work / "build", source="your submission")
            if not r.build_ok:        # once, above the tests, rather than in each of them
                output += [f"Lab {n} ({lab.name}) did not build. The compiler said:", *r.build_errors]
            output += report.instructor_answers(r)
            result["tests"] += [
                test_entry(lab, c, "" if not r.build_ok else "\n".join(report.notes_of(r, c.scenario)))
                for c in r.results]
        result["output"] = "\n".join(output)
    result["score"] = sum(t["score"] for t in result["tests"])
    result["execution_time"] = round(time.monotonic() - start, 1)
    return result


def failed(reason: str) -> dict:
    """results.json when grading could not run at all (a missing emulator, a crash)."""
    return {"score": 0, "tests": [], "output_format": FORMAT, "visibility": "visible",
            "stdout_visibility": "hidden",
            "output": f"The autograder could not grade this submission: {reason}\n"
                      "Nothing was graded; tell your instructor."}


def parse_labs(spec: str) -> list:
    """--labs as lab numbers, each one a lab the course has."""
    try:
        numbers = batch.parse_labs(spec)
    except ValueError:
        raise UsageError(f"gradescope: --labs takes lab numbers such as 1-7 or 1,3, not {spec!r}")
    for n in numbers:
        labs.get(n)
    return numbers


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    z = sub.add_parser("zip")
    z.add_argument("out", type=Path)
    z.add_argument("--labs", default=",".join(map(str, labs.STUDENT_LABS)))
    r = sub.add_parser("run")
    r.add_argument("--labs", default=",".join(map(str, labs.STUDENT_LABS)))
    args = ap.parse_args(argv)
    if args.cmd == "zip":
        parse_labs(args.labs)
        build_zip(args.out, args.labs)
        return 0
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    try:
        result = run(parse_labs(args.labs), root)
    except Exception as e:       # whatever happened, Gradescope gets a results.json that says it
        print(f"gradescope: grading could not run: {e!r}", file=sys.stderr)
        result = failed(str(e) or type(e).__name__)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(report.clean(result), indent=2) + "\n")
    print(f"gradescope: {result['score']} points, results in {root / 'results' / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main_exit(main))
