"""Unit tests of the Gradescope autograder's results.json against Gradescope's published
specification (keys, types, values), its zip, and the files a submission's root holds
(no emulator needed: grading is replaced where it would boot one)."""
import json
import os
import subprocess
import tempfile
import unittest
import zipfile
from pathlib import Path
from unittest import mock

import gradescope
from hvlabs import grading, labs, report
from hvlabs.protocol import CheckResult
from hvlabs.states import Status

FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "output_format": str,
       "visibility": str, "stdout_visibility": str, "tests": list}
TEST = {"score": (int, float), "max_score": (int, float), "status": str, "name": str,
        "output": str, "output_format": str, "visibility": str}


def check_results(tc: unittest.TestCase, res: dict) -> None:
    """res against Gradescope's autograder specification."""
    for k, v in res.items():
        tc.assertIn(k, TOP, f"unknown key {k}")
        tc.assertIsInstance(v, TOP[k], k)
    tc.assertIn("output_format", res)
    tc.assertIn(res["output_format"], FORMATS)
    tc.assertIn(res["visibility"], VISIBILITY)
    tc.assertTrue("score" in res or res["tests"])
    for t in res["tests"]:
        for k, v in t.items():
            tc.assertIn(k, TEST, f"unknown test key {k}")
            tc.assertIsInstance(v, TEST[k], k)
        tc.assertIn(t["status"], ("passed", "failed"))
        tc.assertIn(t["output_format"], FORMATS)
        tc.assertIn(t["visibility"], VISIBILITY)
        tc.assertTrue(0 <= t["score"] <= t["max_score"])
    text = json.dumps(res, ensure_ascii=False)
    tc.assertNotIn("\x1b", text)
    tc.assertNotIn(tempfile.gettempdir() + "/", text)


def fake_grade(seen: dict, build_ok: bool = True):
    def grade(n, labs_dir="", build_dir=None, **kw):
        files = {p.relative_to(labs_dir).as_posix(): p.read_text()
                 for p in Path(labs_dir).rglob("*.c")}
        seen[n] = files
        lab = labs.get(n)
        r = report.LabReport(n, lab.name, kw.get("source", ""), "bochs", build_ok=build_ok)
        if not build_ok:
            r.build_errors = [f"labs/{lab.dir}/{lab.files[0]}:1:1: error: boom"]
        for s in lab.graded:
            for c in s.checks:
                r.results.append(CheckResult(s.name, c.id, c.what, c.points, 0, Status.FAIL,
                                             "failed \x1b[31mred\x07", 1.0))
        r.notes = [f"  -- {s.name}: last lines on the serial port (bochs, 1.0 s) --\n  | \x1b[0mx"
                   for s in lab.graded]
        return r
    return grade


class GradescopeTest(unittest.TestCase):
    def run_autograder(self, files: dict, grade=None, labs_spec="1"):
        seen = {}
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.dict(os.environ, {"AUTOGRADER_ROOT": d}), \
                mock.patch.object(grading, "grade_lab", grade or fake_grade(seen)):
            for name, text in files.items():
                (Path(d) / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(d) / "submission" / name).write_text(text)
            (Path(d) / "submission").mkdir(exist_ok=True)
            code = gradescope.main(["run", "--labs", labs_spec])
            res = json.loads((Path(d) / "results/results.json").read_text())
        self.assertEqual(code, 0)
        check_results(self, res)
        return res, seen

    def test_an_internal_failure_still_writes_results(self):
        def broken(*a, **kw):
            raise RuntimeError("hvlabs: bochs is not installed (run `make deps`)")
        res, _ = self.run_autograder({}, grade=broken)
        self.assertEqual(res["score"], 0)
        self.assertIn("bochs is not installed", res["output"])

    def test_a_file_at_the_root_goes_to_its_lab(self):
        res, seen = self.run_autograder({"detect.c": "/* mine */\n", "helper.c": "int h;\n"})
        self.assertEqual(seen[1]["01-detect/detect.c"], "/* mine */\n")
        self.assertIn("detect.c -> labs/01-detect/detect.c", res["output"])
        self.assertIn("could not be placed", res["output"])
        self.assertIn("helper.c", res["output"])
        self.assertNotIn("skeleton: labs/01-detect", res["output"])

    def test_a_lab_folder_wins_over_a_root_file(self):
        _, seen = self.run_autograder({"detect.c": "/* root */\n",
                                       "labs/01-detect/detect.c": "/* folder */\n"})
        self.assertEqual(seen[1]["01-detect/detect.c"], "/* folder */\n")

    def test_outputs_are_text_cleaned_and_per_scenario(self):
        res, _ = self.run_autograder({})
        self.assertEqual(res["output_format"], "text")
        for t in res["tests"]:
            scenario = t["name"].split(") ", 1)[1].split("/")[0]
            self.assertIn(f"-- {scenario}:", t["output"])
            others = {s.name for s in labs.get(1).graded} - {scenario}
            self.assertFalse(any(f"-- {o}:" in t["output"] for o in others))
            self.assertIn("\\x07", t["output"])

    def test_compiler_output_once(self):
        seen = {}
        res, _ = self.run_autograder({}, grade=fake_grade(seen, build_ok=False))
        self.assertEqual(res["output"].count("error: boom"), 1)
        self.assertFalse(any("error: boom" in t["output"] for t in res["tests"]))

    def test_zip_modes_and_paths(self):
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "ag.zip"
            gradescope.build_zip(out, "1")
            with zipfile.ZipFile(out) as z:
                infos = {i.filename: i for i in z.infolist()}
                run = z.read("run_autograder").decode()
        for name in ("setup.sh", "run_autograder"):
            self.assertEqual(infos[name].external_attr >> 16, 0o100755, name)
        self.assertFalse([n for n in infos if n.startswith("/") or ".." in n.split("/")])
        # the shell's own fallback: results.json even when Python cannot start
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "source/hvlabs").mkdir(parents=True)
            (Path(d) / "run_autograder").write_text(run)
            subprocess.run(["bash", str(Path(d) / "run_autograder")], env={**os.environ, "AUTOGRADER_ROOT": d},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            res = json.loads((Path(d) / "results/results.json").read_text())
        check_results(self, res)
        self.assertIn("could not start", res["output"])


if __name__ == "__main__":
    unittest.main()
