#!/usr/bin/env python3
"""hvlabs grader: build a lab's stage, boot it in an emulator, and score the checks.

    grade.py                      every lab, your code from labs/
    grade.py --lab 1              one lab
    grade.py --lab 3 --prior-sol  lab 3 on top of the reference labs 1-2
    grade.py --lab 1 --sol 1      the reference solution
    grade.py --lab 1 --emu tcg --scenario novmx
    grade.py --lab 6 --html build/grade.html   also the report as one web page
    grade.py batch SUBMISSION... --labs 1-5 --jobs 2 --out grades/ --csv grades.csv --json grades.json
             (each SUBMISSION a directory, a git repository, or a tar/zip archive; HTML
             pages in OUT/<name>/report.html and the class overview in OUT/index.html)

Exit status: 0 with full marks, 1 when points are missing, 2 on a usage error.
"""
import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import batch, grading, html_report, labs, report, submission  # noqa: E402
from hvlabs.errors import UsageError, main_exit  # noqa: E402

# Options of grading one lab that mean nothing to batch: given with it, they are an error.
LAB_ONLY = ("lab", "sol", "cpu", "scenario", "nonce", "timeout", "junit", "classroom", "keep", "labs_dir",
            "submission", "html")


def parser() -> argparse.ArgumentParser:
    """grade.py [options]: grade labs (the default command); grade.py batch ...: grade a class."""
    ap = argparse.ArgumentParser(prog="grade.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lab", type=int, help="the lab to grade (default: all)")
    ap.add_argument("--sol", type=int, choices=(0, 1), default=0, help="1: grade solutions/")
    ap.add_argument("--prior-sol", action="store_true",
                    help="take labs before --lab from solutions/ (grade one lab on its own merits)")
    ap.add_argument("--emu", default="", help="bochs | kvm | tcg (default: kvm where usable, else bochs)")
    ap.add_argument("--cpu", default="", help="Bochs CPU model for every scenario")
    ap.add_argument("--scenario", default="", help="run only this scenario")
    ap.add_argument("--nonce", default="", help="fixed 8-hex-digit nonce (default: random)")
    ap.add_argument("--timeout", type=float, default=0, help="seconds per boot (default: the lab's)")
    ap.add_argument("--jobs", type=int, default=0, help="parallel boots (default: one per CPU)")
    ap.add_argument("--json", type=Path, help="also write the results as JSON")
    ap.add_argument("--junit", type=Path, help="also write the results as JUnit XML")
    ap.add_argument("--html", type=Path, help="also write the report as one self-contained HTML page "
                    "(checks, reasons, notes, serial logs)")
    ap.add_argument("--classroom", type=Path, metavar="GITHUB_OUTPUT",
                    help="append the GitHub Classroom result (result=<base64 JSON>) to this file, "
                         "and exit 0 whatever the score: the reporter step shows the points")
    ap.add_argument("--keep", type=Path, help="keep each run's files (serial, emulator log) here")
    ap.add_argument("--labs-dir", default="labs", help="where the student files are (default: labs)")
    ap.add_argument("--submission", type=Path,
                    help="grade the student files of this submission (a directory, git repository or "
                         "archive) by the one submission rule, labs/NN-name/*.c and *.h, against this "
                         "course's kernel and grader")
    ap.set_defaults(command=grade_main)

    commands = ap.add_subparsers(title="commands", metavar="{batch}",
                                 description="without a command, grade.py grades labs as above")
    b = commands.add_parser("batch", help="grade a class of submissions", description=batch.__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("submissions", nargs="+", type=Path,
                   help="a directory, a git repository, or a tar/zip archive each")
    b.add_argument("--labs", default=",".join(map(str, labs.STUDENT_LABS)), help="e.g. 1-5 or 1,3")
    b.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="submissions graded at a time (default: one per CPU)")
    b.add_argument("--out", type=Path, default=Path("build/batch"), help="per-submission reports")
    b.add_argument("--csv", type=Path, help="also write the grades as CSV")
    b.add_argument("--json", type=Path, help="also write the grades as JSON")
    b.add_argument("--emu", default="", help="bochs | kvm | tcg (default: kvm where usable, else bochs)")
    b.add_argument("--prior-sol", action="store_true",
                   help="take labs before each graded one from solutions/")
    b.set_defaults(command=batch_main)
    return ap


def parse_args(argv) -> argparse.Namespace:
    ap = parser()
    args = ap.parse_args(argv)
    if args.command is batch_main:
        defaults = parser().parse_args([])
        given = [f"--{k.replace('_', '-')}" for k in LAB_ONLY if getattr(args, k) != getattr(defaults, k)]
        if given:
            ap.error(f"{', '.join(given)}: options of grading one lab, not of batch")
    return args


def batch_main(args) -> int:
    missing = [str(s) for s in args.submissions if not s.exists()]
    if missing:
        raise UsageError(f"batch: no such submission: {', '.join(missing)}")
    try:
        numbers = batch.parse_labs(args.labs)
    except ValueError:
        raise UsageError(f"batch: --labs takes lab numbers such as 1-5 or 1,3, not {args.labs!r}")
    for n in numbers:
        labs.get(n)
    batch.run(args.submissions, numbers, args.out, args.jobs, args.emu,
              args.prior_sol, args.csv, args.json)
    return 0


def grade_main(args) -> int:
    if not args.classroom:
        return grade_labs(args)
    # A GitHub Classroom step always leaves a result for the reporter, which fails on
    # an empty one and then records nothing for any lab: a grade, or status "error"
    # with the reason when grading could not run.
    try:
        return grade_labs(args)
    except Exception as e:
        reason = str(e) or type(e).__name__
        print(f"hvlabs: grading could not run: {reason}", file=sys.stderr, flush=True)
        numbers = [args.lab] if args.lab is not None else list(labs.STUDENT_LABS)
        report.append_classroom_output([], args.classroom, report.classroom_error(numbers, reason))
        return 0


def grade_labs(args) -> int:
    if args.nonce and not (len(args.nonce) == 8 and all(c in "0123456789abcdef" for c in args.nonce)):
        raise UsageError("hvlabs: --nonce takes 8 lowercase hex digits")
    numbers = [args.lab] if args.lab is not None else labs.STUDENT_LABS
    for n in numbers:
        labs.get(n)
    with tempfile.TemporaryDirectory(prefix="hvlabs-submission-") as work:
        labs_dir, source = args.labs_dir, ""
        if args.submission:
            if not args.submission.exists():
                raise UsageError(f"hvlabs: no such submission: {args.submission}")
            try:
                sub = submission.prepare(args.submission, Path(work), "submission")
            except submission.SubmissionError as e:
                raise UsageError(f"hvlabs: the submission could not be graded: {e}")
            labs_dir, source = str(sub.labs_dir), "the submission"
            for line in submission.describe(sub):
                print(report.clean_text(line), flush=True)
        reports = []
        for n in numbers:
            r = grading.grade_lab(n, sol=bool(args.sol), prior_sol=args.prior_sol, emu=args.emu,
                                  cpu=args.cpu, only=args.scenario, nonce=args.nonce, jobs=args.jobs,
                                  keep=args.keep, labs_dir=labs_dir, timeout=args.timeout,
                                  source=source)
            print(report.console(r), flush=True)
            reports.append(r)
    if len(reports) > 1:
        print(f"Total: {sum(r.earned for r in reports)}/{sum(r.possible for r in reports)}")
    if args.json:
        report.write_json(reports, args.json)
    if args.junit:
        report.write_junit(reports, args.junit)
    if args.html:
        html_report.write(reports, args.html)
        print(f"The report as a web page: {args.html}")
    if args.classroom:
        report.append_classroom_output(reports, args.classroom)
        return 0
    return 0 if all(r.earned == r.possible for r in reports) else 1


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return args.command(args)


if __name__ == "__main__":
    sys.exit(main_exit(main))
