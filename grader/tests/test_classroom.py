"""Unit tests of the GitHub Classroom payloads and workflow, read by a model of
classroom-resources/autograding-grading-reporter@v1 (no emulator needed).

The reporter decodes each runner's `<RUNNER>_RESULTS` (base64 JSON; an empty or broken
one makes it fail and record nothing), prints each test and, for status "error" only,
its message; its log gives each runner passed tests / all tests x max_score, and the
grade it records is the sum of every test's score."""
import base64
import json
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import grade
from hvlabs import classroom, emulators, labs, report
from hvlabs.protocol import CheckResult
from hvlabs.states import Status


def decode(line: str) -> dict:
    """What the reporter does with a runner's result (main.js: Buffer.from(base64), JSON.parse)."""
    assert line.startswith("result="), line
    return json.loads(base64.b64decode(line[len("result="):]).decode("utf-8"))


def log_points(result: dict) -> float:
    """The reporter's log: passed tests / all tests x max_score."""
    tests = result["tests"]
    return sum(t["status"] == "pass" for t in tests) / len(tests) * (result["max_score"] or 0)


def recorded_points(result: dict) -> int:
    """The reporter's recorded grade: the sum of the tests' scores."""
    return sum(t["score"] for t in result["tests"])


def shown_messages(result: dict) -> list:
    """The messages the reporter prints: those of tests with status "error"."""
    return [t["message"] for t in result["tests"] if t["status"] == "error"]


def lab_report(outcomes: dict, build_ok: bool = True) -> report.LabReport:
    """Lab 1's report with the given {check id: passed} over its real checks and weights."""
    r = report.LabReport(1, "detect", "labs/", "bochs", build_ok=build_ok,
                         build_errors=[] if build_ok else ["labs/01-detect/detect.c:1:1: error: boom"])
    for s in labs.get(1).graded:
        for c in s.checks:
            ok = outcomes.get(c.id, False)
            r.results.append(CheckResult(s.name, c.id, c.what, c.points, c.points if ok else 0,
                                         Status.PASS if ok else Status.FAIL,
                                         "" if ok else f"{c.id} went wrong \x1b[31m", 1.0))
    return r


CHECKS = [c for s in labs.get(1).graded for c in s.checks]


class ReporterModelTest(unittest.TestCase):
    def agree(self, result: dict, earned: int, possible: int):
        self.assertEqual(result["max_score"], possible)
        self.assertEqual(recorded_points(result), earned)
        self.assertAlmostEqual(log_points(result), earned, places=9)
        self.assertEqual(f"{log_points(result):.2f}", f"{earned:.2f}")

    def test_partial(self):
        # unequal weights, some passed: the case where the log said 13.54/16 and Classroom 13/16
        weights = sorted({c.points for c in CHECKS})
        self.assertGreater(len(weights), 1, "lab 1 should have checks of unequal weight")
        passed = {c.id: c.points != weights[0] for c in CHECKS}
        r = lab_report(passed)
        result = decode(report.encode_classroom(report.to_classroom([r])))
        self.assertEqual(result["status"], "fail")
        self.agree(result, r.earned, r.possible)
        self.assertTrue(0 < r.earned < r.possible)
        for c in r.results:                      # every failing check's name and reason are shown
            if c.status == Status.FAIL:
                shown = f"lab1/{c.scenario}/{c.id}: {c.what}: {c.id} went wrong"
                self.assertTrue(any(m.startswith(shown) for m in shown_messages(result)), shown)
        self.assertNotIn("\x1b", json.dumps(result, ensure_ascii=False))

    def test_failing(self):
        r = lab_report({}, build_ok=False)
        result = report.to_classroom([r])
        self.agree(result, 0, r.possible)
        self.assertTrue(all("error: boom" in m for m in shown_messages(result)))
        self.assertEqual(len(shown_messages(result)), len(CHECKS))   # once per check

    def test_full(self):
        r = lab_report({c.id: True for c in CHECKS})
        result = report.to_classroom([r])
        self.assertEqual(result["status"], "pass")
        self.agree(result, r.possible, r.possible)

    def test_crashed(self):
        result = decode(report.encode_classroom(report.classroom_error([1], "bochs is not installed")))
        self.assertEqual(result["status"], "error")
        self.agree(result, 0, labs.get(1).max_points)
        self.assertIn("bochs is not installed", shown_messages(result)[0])
        self.assertTrue(shown_messages(result)[0].startswith("grading lab 1 could not run"))

    def test_every_lab_weights(self):
        for n in labs.STUDENT_LABS:
            lab = labs.get(n)
            r = report.LabReport(n, lab.name, "labs/", "bochs")
            r.results = [CheckResult(s.name, c.id, c.what, c.points, c.points * (i % 2), 
                                     Status.PASS if i % 2 else Status.FAIL, "why", 1.0)
                         for s in lab.graded for i, c in enumerate(s.checks)]
            self.agree(report.to_classroom([r]), r.earned, r.possible)

    def test_grade_py_writes_an_error_result_without_an_emulator(self):
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.object(emulators.shutil, "which", return_value=None):
            out = Path(d) / "github_output"
            code = grade.main(["--lab", "1", "--emu", "bochs", "--classroom", str(out)])
            result = decode(out.read_text().strip())
        self.assertEqual(code, 0)
        self.assertEqual(result["status"], "error")
        self.assertIn("bochs is not installed", shown_messages(result)[0])
        self.agree(result, 0, labs.get(1).max_points)


class WorkflowTest(unittest.TestCase):
    def setUp(self):
        self.flow = classroom.workflow("teacher/hvlabs-template", "v1.0")

    def test_job_and_triggers_as_classroom_generates_them(self):
        self.assertIn("\njobs:\n  run-autograding-tests:\n    runs-on: ubuntu-latest\n", self.flow)
        self.assertIn("\nname: Autograding Tests\non:\n  push:\n  repository_dispatch:\n", self.flow)
        self.assertNotIn("on: [", self.flow)     # actionlint rejects the list form with repository_dispatch

    def test_every_lab_step_runs_always_and_reports(self):
        for n in labs.STUDENT_LABS:
            step = re.search(rf"      - name: Lab {n} .*?\n(?=      - )", self.flow, re.S)
            self.assertIsNotNone(step, n)
            self.assertIn("        if: always()\n", step.group(0))
            self.assertIn(f"LAB{n}_RESULTS: ${{{{ steps.lab{n}.outputs.result }}}}", self.flow)
        self.assertIn("runners: " + ",".join(f"lab{n}" for n in labs.STUDENT_LABS), self.flow)

    def test_grades_with_the_course_grader_at_a_fixed_ref(self):
        self.assertIn('HVLABS_COURSE_REPO: "teacher/hvlabs-template"', self.flow)
        self.assertIn('HVLABS_COURSE_REF: "v1.0"', self.flow)
        self.assertIn("repository: ${{ env.HVLABS_COURSE_REPO }}", self.flow)
        self.assertIn("ref: ${{ env.HVLABS_COURSE_REF }}", self.flow)
        self.assertIn("cd course && python3 grader/grade.py --lab 1 --emu bochs --submission ../submission",
                      self.flow)
        self.assertNotIn("run: python3 grader/", self.flow)   # never the student's own copy

    def test_a_step_whose_grader_cannot_start_still_leaves_a_result(self):
        with tempfile.TemporaryDirectory() as d:         # no course/ checked out
            out = Path(d) / "github_output"
            p = subprocess.run(["bash", "-c", classroom.step_command(1)], cwd=d,
                               env={**os.environ, "GITHUB_OUTPUT": str(out)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.assertEqual(p.returncode, 0, p.stdout)
            result = decode(out.read_text().strip().splitlines()[-1])
        self.assertEqual(result["status"], "error")
        self.assertEqual(log_points(result), 0)
        self.assertEqual(result["max_score"], labs.get(1).max_points)
        self.assertIn("did not run", shown_messages(result)[0])


if __name__ == "__main__":
    unittest.main()
