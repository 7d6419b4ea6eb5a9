"""The course website's sources (site/build.py), without pandoc or a browser: the reference
documents every function the labs' headers declare, the glossary's entries are well-formed
and cite the SDM, and the home page's points are checks.def's. `make site-check` checks the
built pages themselves."""
import importlib.util
import re
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("site_build", ROOT / "site" / "build.py")
build = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(build)


class Reference(unittest.TestCase):
    def test_every_student_function_has_an_entry(self):
        _, names = build.reference_md()
        for hdr, what in build.headers():
            functions = re.findall(r"\b(vmx?_\w+|vmcs_\w+|vm_\w+)\b", what.split(":", 1)[1])
            for f in functions:
                self.assertIn(f, names, f"{hdr}: {f} has no entry in the reference")

    def test_every_header_of_labs_h_is_read(self):
        self.assertEqual(len(build.headers()), len(re.findall(r'#include "', build.LABS_H.read_text())))

    def test_a_declaration_keeps_its_member_comments(self):
        intro, items = build.header_items("/* intro */\n/* about s */\nstruct s {\n\tint a; /* the a */\n};\n"
                                          "/* about f */\nint f(int x);\n#define N 3\n")
        self.assertEqual(intro, "intro")
        self.assertEqual([(c, build.declared_name(d)) for c, d in items],
                         [("about s", "s"), ("about f", "f"), ("", "N")])
        self.assertIn("/* the a */", items[0][1])


class Glossary(unittest.TestCase):
    def test_entries_are_unique_and_cite_the_sdm(self):
        md = (ROOT / "site" / "glossary.md").read_text()
        terms = build.glossary_terms(md)
        self.assertGreater(len(terms), 20)
        anchors = [a for _, a, _ in terms]
        self.assertEqual(len(anchors), len(set(anchors)), "an anchor twice")
        phrases = [p.lower() for t, _, al in terms for p in [t] + al]
        self.assertEqual(len(phrases), len(set(phrases)), "a term or alias twice")
        for body in re.split(r"^## .*$", md, flags=re.M)[1:]:
            self.assertRegex(body, r'SDM\s+Vol\.\s+3[A-D],\s+([0-9A-C][0-9.]*|Appendix\s+[A-C])\s+"', body[:80])


class Home(unittest.TestCase):
    def test_points_are_those_of_checks_def(self):
        labs = [(build.labtable.LABS[n], f"Lab {n}") for n in build.labtable.STUDENT_LABS]
        md = build.home_md(labs, [])
        for lab, _ in labs:
            self.assertRegex(md, rf"\| {lab.number} \| \[Lab {lab.number}\].*\| {lab.max_points} \|")
        self.assertIn(f"**{sum(l.max_points for l, _ in labs)}**", md)


if __name__ == "__main__":
    unittest.main()
