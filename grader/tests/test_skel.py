"""Unit tests of the skeleton generator (grader/skel.py)."""
import tempfile
import unittest
from pathlib import Path

import skel

SOLUTION = """int f(int x)
{
\t/* BEGIN SOLUTION
\t * todo: double "x"
\t * stub: (void)x;
\t * stub: return -1;
\t */
\treturn 2 * x;
\t/* END SOLUTION */
}
"""


class SkelTest(unittest.TestCase):
    def test_region_becomes_stub(self):
        out = skel.generate(SOLUTION, 3, "f.c")
        self.assertIn('\ttodo(3, __func__, "double \\"x\\"");\n\t(void)x;\n\treturn -1;\n', out)
        self.assertNotIn("2 * x", out)
        self.assertNotIn("SOLUTION", out)

    def test_errors(self):
        for bad in ("/* BEGIN SOLUTION */\nx;\n", "/* END SOLUTION */\n",
                    "/* BEGIN SOLUTION\n * todo: t\n */\n/* BEGIN SOLUTION\n * todo: t */\n/* END SOLUTION */\n"):
            with self.assertRaises(skel.SkelError):
                skel.generate(bad, 1, "bad.c")

    def test_write_refuses_to_clobber_edits(self):
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            (root / "kernel/harness").mkdir(parents=True)
            (root / "kernel/harness/checks.def").write_text("LAB(1, x, .after = 0)\n")
            (root / "solutions/01-x").mkdir(parents=True)
            (root / "solutions/01-x/f.c").write_text(SOLUTION)
            self.assertEqual(skel.write(root, force=False), 0)
            self.assertEqual(skel.check(root), 0)
            student = root / "labs/01-x/f.c"
            student.write_text(student.read_text() + "/* my work */\n")
            self.assertEqual(skel.write(root, force=False), 1)
            self.assertIn("my work", student.read_text())
            self.assertEqual(skel.check(root), 1)
            self.assertEqual(skel.write(root, force=True), 0)
            self.assertNotIn("my work", student.read_text())

    def test_answers_file_and_keys(self):
        """The student's answers file has blank answers and no explanations; the keys of
        checks.def follow the model answers, and a stale key is drift."""
        with tempfile.TemporaryDirectory() as d:
            root = Path(d)
            table = root / "kernel/harness/checks.def"
            table.parent.mkdir(parents=True)
            table.write_text('LAB(1, x, .after = 0)\n'
                             'QUESTION(1, q1, 1, NUMBER, "the (revision)")\n'
                             'QUESTION(1, q2, 0, TEXT, "why")\n')
            (root / "solutions/01-x").mkdir(parents=True)
            model = root / "solutions/01-x/answers-lab1.txt"
            model.write_text("Lab 1\n\n[q1]\nWhich?\nanswer: 0x2b\nBecause bits 30:0.\n\n"
                             "[q2]\nWhy?\nanswer: since\nand so on\n")
            self.assertEqual(skel.write(root, force=False), 0)
            student = (root / "labs/01-x/answers-lab1.txt").read_text()
            self.assertNotIn("0x2b", student)
            self.assertNotIn("Because", student)
            self.assertNotIn("since", student)
            self.assertIn("[q1] graded by make grade, 1 point: one number", student)
            self.assertIn("Which?\nanswer: \n", student)
            self.assertRegex(table.read_text(), r'QUESTION\(1, q1, 1, NUMBER, "the \(revision\)", \.key = "[0-9a-f]{24}"\)')
            self.assertNotIn(".key", table.read_text().splitlines()[2])
            self.assertEqual(skel.check(root), 0)
            model.write_text(model.read_text().replace("0x2b", "0x2c"))
            self.assertEqual(skel.check(root), 1)
            self.assertEqual(skel.write(root, force=False), 0)
            self.assertEqual(skel.check(root), 0)
            model.write_text(model.read_text().replace("[q2]", "[q3]"))
            with self.assertRaises(skel.SkelError):
                skel.check(root)


if __name__ == "__main__":
    unittest.main()
