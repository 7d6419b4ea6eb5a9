"""Unit tests of the one rule for what a student submits (no emulator needed)."""
import shutil
import tempfile
import unittest
from pathlib import Path

from hvlabs import labs, submission
from hvlabs.paths import ROOT

LAB1 = labs.get(1).dir


class SubmissionRuleTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir)
        self.top = self.dir / "sub"
        (self.top / "labs" / LAB1).mkdir(parents=True)

    def write(self, rel, text):
        p = self.top / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    def test_helper_files_are_taken_as_the_build_would(self):
        """A lab folder's .c and .h files are the submission, and nothing of the skeleton
        is added to a folder that has some (the Makefile compiles exactly those)."""
        self.write(f"labs/{LAB1}/helper.c", '#include "helper.h"\n')
        self.write(f"labs/{LAB1}/helper.h", "/* h */\n")
        self.write(f"labs/{LAB1}/notes.txt", "not source\n")
        sub = submission.prepare(self.top, self.dir / "work")
        got = sorted(p.name for p in (sub.labs_dir / LAB1).iterdir() if p.suffix != ".txt")
        self.assertEqual(got, ["helper.c", "helper.h"])
        self.assertNotIn(f"labs/{LAB1}/detect.c", sub.missing)
        self.assertIn(f"labs/{LAB1}/notes.txt", sub.ignored)

    def test_a_lab_without_files_is_the_skeleton(self):
        sub = submission.prepare(self.top, self.dir / "work")
        lab2 = labs.get(2)
        skel = (ROOT / "labs" / lab2.dir / lab2.files[0]).read_bytes()
        self.assertEqual((sub.labs_dir / lab2.dir / lab2.files[0]).read_bytes(), skel)
        self.assertIn(f"labs/{lab2.dir}/{lab2.files[0]}", sub.missing)

    def test_too_many_files_are_refused(self):
        for i in range(submission.MAX_FILES + 1):
            self.write(f"labs/{LAB1}/f{i}.c", "\n")
        with self.assertRaises(submission.SubmissionError):
            submission.prepare(self.top, self.dir / "work")

    def test_answers_are_taken_with_or_without_code(self):
        """answers-labN.txt counts whether or not its lab folder holds code, from the folder
        or (uploads) the top; a lab without it gets the course's blank copy."""
        lab, other = [l for l in labs.LABS.values() if l.questions][:2]
        self.write(f"labs/{lab.dir}/{lab.answers_file}", "[q1]\nanswer: mine\n")
        self.write(other.answers_file, "[q1]\nanswer: loose\n")
        sub = submission.prepare(self.top, self.dir / "work", loose=True)
        self.assertIn("mine", (sub.labs_dir / lab.dir / lab.answers_file).read_text())
        self.assertIn("loose", (sub.labs_dir / other.dir / other.answers_file).read_text())
        self.assertIn(f"{other.answers_file} -> labs/{other.dir}/{other.answers_file}", sub.placed)
        self.assertIn(f"labs/{lab.dir}/{lab.files[0]}", sub.missing)     # its code: the skeleton
        sub = submission.prepare(self.top, self.dir / "work2")
        blank = (ROOT / "labs" / other.dir / other.answers_file).read_text()
        self.assertEqual((sub.labs_dir / other.dir / other.answers_file).read_text(), blank)
        self.assertIn(f"labs/{other.dir}/{other.answers_file}", sub.unanswered)
        self.assertNotIn(f"labs/{other.dir}/{other.answers_file}", sub.missing)


if __name__ == "__main__":
    unittest.main()
