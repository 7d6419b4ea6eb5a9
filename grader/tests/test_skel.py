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


if __name__ == "__main__":
    unittest.main()
