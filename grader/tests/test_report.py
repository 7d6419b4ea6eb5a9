"""Unit tests of the grade reports: the one sanitizer for a kernel's text and each
consumer's format (no emulator needed)."""
import json
import re
import unittest
import xml.etree.ElementTree as ET

from hvlabs import report
from hvlabs.protocol import CheckResult
from hvlabs.states import Status

# Every byte value, decoded as the grader decodes serial output (boot.py).
EVERY_BYTE = bytes(range(256)).decode("utf-8", errors="replace")
ALLOWED_CONTROLS = {"\n", "\t"}


def unsafe_chars(text: str) -> set:
    """The characters of text that no report may hold."""
    return {c for c in text if (ord(c) < 0x20 and c not in ALLOWED_CONTROLS) or 0x7f <= ord(c) <= 0x9f
            or 0xd800 <= ord(c) <= 0xdfff or c in "\ufffe\uffff"}


def hostile_report() -> report.LabReport:
    """A lab report whose every kernel-supplied text holds every byte value and ANSI colours."""
    r = report.LabReport(1, "detect", "labs/", "bochs")
    r.results = [
        CheckResult("vmx", "a", "check a", 2, 2, Status.PASS, "", 1.5),
        CheckResult("vmx", "b", "check b", 3, 0, Status.FAIL, "got \x1b[31mred\x1b[0m " + EVERY_BYTE, 1.5),
        CheckResult("novmx", "c", "check c", 1, 0, Status.FAIL, "not reported: " + EVERY_BYTE, 0.5),
    ]
    r.notes = ["  -- vmx: last lines on the serial port (bochs, 1.5 s) --\n  | " + EVERY_BYTE,
               "  -- novmx: last lines on the serial port (bochs, 0.5 s) --\n  | \x1b]0;title\x07x"]
    return r


class CleanTextTest(unittest.TestCase):
    def test_every_byte_value(self):
        out = report.clean_text(EVERY_BYTE)
        self.assertEqual(unsafe_chars(out), set())
        self.assertNotIn("\x1b", out)
        for c in range(0x20, 0x7f):                 # printable ASCII stays as it is
            self.assertIn(chr(c), out)
        self.assertIn("\\x00", out)                  # controls are shown, not dropped
        self.assertIn("\\x1b", out)
        self.assertIn("\ufffd", out)                 # the decoder's replacement character stays
        self.assertIn("\n", out)
        self.assertIn("\t", out)
        out.encode("utf-8")                          # no lone surrogate: encodes strictly
        ET.fromstring(ET.tostring(ET.Element("x", a=out)))   # XML holds it, as attribute ...
        e = ET.Element("x")
        e.text = out
        self.assertEqual(ET.fromstring(ET.tostring(e, encoding="unicode")).text, out)  # ... and text

    def test_ansi_escapes_are_removed(self):
        self.assertEqual(report.clean_text("\x1b[1;31mred\x1b[0m \x1b]0;t\x07ok\x1bc"), "red ok")

    def test_lone_surrogates_and_non_characters(self):
        self.assertEqual(report.clean_text("a\udc80b\ufffe\uffffc"), "a\ufffdb\ufffd\ufffdc")

    def test_clean_text_is_unchanged(self):
        for text in ("", "Score: 3/5", "  | \u00e9t\u00e9\ttab\n  ! hint", "a \\x1b b"):
            self.assertIs(report.clean_text(text), text)

    def test_crlf_becomes_lf(self):
        self.assertEqual(report.clean_text("a\r\nb\rc\x01"), "a\nb\\x0dc\\x01")

    def test_clean_walks_containers(self):
        self.assertEqual(report.clean({"k\x01": ["\x1b[0mv", ("\x02",), 3]}),
                         {"k\\x01": ["v", ["\\x02"], 3]})


class SanitizedEverywhereTest(unittest.TestCase):
    """Every report path passes a kernel's text through the sanitizer."""

    def test_console(self):
        self.assertEqual(unsafe_chars(report.console(hostile_report())), set())

    def test_json(self):
        text = json.dumps(report.to_json([hostile_report()]), ensure_ascii=False)
        self.assertEqual(unsafe_chars(json.loads(text).__repr__()), set())
        self.assertNotIn("\\u001b", json.dumps(report.to_json([hostile_report()])))

    def test_classroom(self):
        self.assertNotIn("\\u001b", json.dumps(report.to_classroom([hostile_report()])))

    def test_junit_is_well_formed(self):
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "junit.xml"
            report.write_junit([hostile_report()], path)
            ET.parse(path)                       # raises on control characters in PCDATA
            self.assertEqual(unsafe_chars(path.read_text()), set())


def build_failure_report() -> report.LabReport:
    r = report.LabReport(2, "enable", "labs/", "bochs", build_ok=False,
                         build_errors=["enable.c:3:1: error: expected ';' before '}' token"])
    r.results = [CheckResult(s, c, c, 1, 0, Status.FAIL, "the stage did not build")
                 for s, c in (("vmx", "x"), ("vmx", "y"), ("novmx", "z"))]
    return r


def junit(reports) -> ET.Element:
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "junit.xml"
        report.write_junit(reports, path)
        return ET.parse(path).getroot()


class JUnitTest(unittest.TestCase):
    """write_junit() against the attributes the Jenkins xunit plugin's JUnit schema
    (junit-10.xsd) requires, and what each consumer needs to find in it."""
    REQUIRED = {"name", "tests", "failures", "errors"}
    TIME = re.compile(r"^[0-9]+(\.[0-9]*)?$")

    def test_required_attributes(self):
        root = junit([hostile_report(), build_failure_report()])
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 4)            # one per lab and scenario
        for s in suites:
            self.assertLessEqual(self.REQUIRED | {"skipped", "time"}, set(s.attrib), s.attrib)
            self.assertRegex(s.get("time"), self.TIME)
            for k in ("tests", "failures", "errors", "skipped"):
                self.assertRegex(s.get(k), r"^[0-9]+$")
            cases = s.findall("testcase")
            self.assertEqual(int(s.get("tests")), len(cases))
            self.assertEqual(int(s.get("failures")), sum(c.find("failure") is not None for c in cases))
            self.assertEqual(int(s.get("skipped")), sum(c.find("skipped") is not None for c in cases))
            for c in cases:
                self.assertIn("name", c.attrib)
                self.assertIsNone(c.get("time"), "a check has no boot time of its own")
            for p in s.iter("property"):
                self.assertEqual(set(p.attrib), {"name", "value"})
        self.assertEqual(int(root.get("tests")), 6)

    def test_suite_time_is_the_boot_time_once(self):
        root = junit([hostile_report()])
        times = {s.get("name"): float(s.get("time")) for s in root.findall("testsuite")}
        self.assertEqual(times, {"lab1-detect.vmx": 1.5, "lab1-detect.novmx": 0.5})
        self.assertEqual(float(root.get("time")), 2.0)

    def test_points_are_properties(self):
        root = junit([hostile_report()])
        props = {s.get("name"): {p.get("name"): p.get("value") for p in s.iter("property")}
                 for s in root.findall("testsuite")}
        self.assertEqual((props["lab1-detect.vmx"]["points"], props["lab1-detect.vmx"]["max_points"]),
                         ("2", "5"))
        self.assertEqual(props["lab1-detect.vmx"]["b.points"], "0/3")
        self.assertEqual(props["lab1-detect.novmx"]["max_points"], "1")

    def test_notes_of_the_checks_own_scenario_only(self):
        root = junit([hostile_report()])
        text = {c.get("name"): c.find("failure").text for c in root.iter("testcase")
                if c.find("failure") is not None}
        self.assertIn("-- vmx:", text["b"])
        self.assertNotIn("-- novmx:", text["b"])
        self.assertIn("-- novmx:", text["c"])
        self.assertNotIn("-- vmx:", text["c"])

    def test_build_failure_carries_the_compiler_output(self):
        root = junit([build_failure_report()])
        for f in root.iter("failure"):
            self.assertIn("expected ';' before '}' token", f.text)
            self.assertEqual(f.get("type"), "build")


def junitparser_python():
    """An interpreter that has junitparser (Debian's python3-junitparser installs it for
    /usr/bin/python3), or None."""
    import shutil
    import subprocess
    import sys
    for exe in dict.fromkeys([sys.executable, "/usr/bin/python3", shutil.which("python3")]):
        if exe and subprocess.run([exe, "-c", "import junitparser"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode == 0:
            return exe
    return None


class JUnitConsumersTest(unittest.TestCase):
    """The JUnit file read by real consumers, where they are installed (CI installs them:
    grader/deps.sh's maintainers' packages)."""

    def write(self, d):
        from pathlib import Path
        path = Path(d) / "junit.xml"
        report.write_junit([hostile_report(), build_failure_report()], path)
        return path

    def test_xmllint(self):
        import os
        import shutil
        import subprocess
        import tempfile
        if not shutil.which("xmllint"):
            self.skipTest("xmllint is not installed (Debian: libxml2-utils)")
        with tempfile.TemporaryDirectory() as d:
            path = self.write(d)
            p = subprocess.run(["xmllint", "--noout", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            self.assertEqual(p.returncode, 0, p.stdout)
            xsd = os.environ.get("HVLABS_JUNIT_XSD")   # e.g. the xunit plugin's junit-10.xsd
            if xsd:
                p = subprocess.run(["xmllint", "--noout", "--schema", xsd, str(path)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                self.assertEqual(p.returncode, 0, p.stdout)

    def test_junitparser(self):
        import subprocess
        import tempfile
        exe = junitparser_python()
        if not exe:
            self.skipTest("junitparser is not installed (Debian: python3-junitparser)")
        script = ("import json, sys\n"
                  "from junitparser import JUnitXml, Failure, Skipped\n"
                  "xml = JUnitXml.fromfile(sys.argv[1])\n"
                  "out = []\n"
                  "for s in xml:\n"
                  "    cases = list(s)\n"
                  "    out.append([s.name, s.tests, s.failures, s.errors, s.skipped, s.time,\n"
                  "                sum(any(isinstance(r, Failure) for r in c.result) for c in cases),\n"
                  "                {p.name: p.value for p in s.properties()}])\n"
                  "print(json.dumps(out))\n")
        with tempfile.TemporaryDirectory() as d:
            path = self.write(d)
            p = subprocess.run([exe, "-c", script, str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            self.assertEqual(p.returncode, 0, p.stdout)
            suites = json.loads(p.stdout)
        self.assertEqual([s[0] for s in suites], ["lab1-detect.vmx", "lab1-detect.novmx",
                                                  "lab2-enable.vmx", "lab2-enable.novmx"])
        for name, tests, failures, errors, skipped, time, failed, props in suites:
            self.assertEqual(failures, failed, name)
            self.assertEqual(errors, 0)
            self.assertIsInstance(time, float)
            self.assertIn("max_points", props)
        self.assertEqual(suites[0][1:6], [2, 1, 0, 0, 1.5])


def documented_schema() -> dict:
    """The tables of CONTRIBUTING.md's "Grades as JSON" section: {table: {key: type}}."""
    from hvlabs.paths import ROOT
    text = (ROOT / "CONTRIBUTING.md").read_text()
    section = text.split("## Grades as JSON", 1)[1].split("\n## ", 1)[0]
    tables, current = {}, None
    for line in section.splitlines():
        m = re.match(r"^(`?[a-z0-9/-]+`?)(?: \(.*\))?:$", line)
        if m:
            current = tables.setdefault(m.group(1).strip("`"), {})
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is None or len(cells) != 3 or cells[0] in ("key", "---"):
            continue
        keys = [k.strip().strip("`") for k in cells[0].split(",")]
        types = [t.strip() for t in cells[1].split(",")]
        for i, k in enumerate(keys):
            current[k] = types[i] if len(types) == len(keys) else cells[1]
    return tables


class JsonSchemaTest(unittest.TestCase):
    """--json against its documented schema (CONTRIBUTING.md, "Grades as JSON")."""

    def setUp(self):
        self.schema = documented_schema()

    def check(self, value, kind, where="$"):
        simple = {"string": str, "bool": bool}
        if kind.endswith(" or null"):
            if value is not None:
                self.check(value, kind[:-len(" or null")], where)
        elif kind.startswith("list of "):
            self.assertIsInstance(value, list, where)
            for i, v in enumerate(value):
                self.check(v, kind[len("list of "):], f"{where}[{i}]")
        elif kind in ("int", "number"):
            self.assertNotIsInstance(value, bool, where)
            self.assertIsInstance(value, int if kind == "int" else (int, float), where)
        elif kind in simple:
            self.assertIsInstance(value, simple[kind], where)
        else:
            table = self.schema[kind.strip("`")]
            self.assertIsInstance(value, dict, where)
            self.assertEqual(set(value), set(table), f"{where}: the keys differ from the documented ones")
            for k, t in table.items():
                self.check(value[k], t, f"{where}.{k}")

    def assert_no_machine_path(self, doc):
        import tempfile
        from hvlabs.paths import ROOT
        text = json.dumps(doc)
        for path in (str(ROOT), tempfile.gettempdir() + "/"):
            self.assertNotIn(path, text)

    def test_the_section_documents_every_table(self):
        self.assertLessEqual({"hvlabs-grade/1", "lab", "check", "hvlabs-batch/1", "entry"}, set(self.schema))
        self.assertEqual(self.schema["check"]["status"], "string")

    def test_grade(self):
        doc = report.to_json([hostile_report(), build_failure_report()])
        self.assertEqual(doc["schema"], report.SCHEMA)
        self.check(json.loads(json.dumps(doc)), "hvlabs-grade/1")
        self.assertEqual((doc["score"], doc["max_score"]), (2, 9))
        self.assertEqual({c["status"] for l in doc["labs"] for c in l["checks"]}, {"PASS", "FAIL"})
        self.assert_no_machine_path(doc)

    def test_batch_wraps_the_grade(self):
        import tempfile
        from pathlib import Path
        from unittest import mock
        from hvlabs import batch, grading, labs

        def fake_grade(n, **kw):
            r = report.LabReport(n, labs.get(n).name, kw.get("source", ""), "bochs")
            r.results = [CheckResult("vmx", "a", "check a", 2, 2, Status.PASS, "", 1.0)]
            return r
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.object(batch, "build_cache"), mock.patch.object(grading, "grade_lab", fake_grade):
            d = Path(d)
            (d / "alice/labs/01-detect").mkdir(parents=True)
            (d / "alice/labs/01-detect/detect.c").write_text("int x;\n")
            (d / "bob.zip").write_text("not an archive")
            batch.run([d / "alice", d / "bob.zip"], [1, 2], d / "out", 1, quiet=True,
                      json_path=d / "grades.json", csv_path=d / "grades.csv")
            doc = json.loads((d / "grades.json").read_text())
            entry = json.loads((d / "out/alice/result.json").read_text())
            csv_rows = (d / "grades.csv").read_text().splitlines()
        self.assertEqual(doc["schema"], report.BATCH_SCHEMA)
        self.check(doc, "hvlabs-batch/1")
        self.check(entry, "entry")
        alice, bob = doc["submissions"]
        self.assertEqual(alice, entry)
        self.assertEqual((alice["grade"]["schema"], alice["grade"]["score"]), (report.SCHEMA, 4))
        self.assertTrue(bob["error"] and bob["grade"] is None)
        self.assertEqual(csv_rows[1], f"alice,2,2,4,{labs.get(1).max_points + labs.get(2).max_points},")
        self.assert_no_machine_path(doc)

    def test_compiler_output_names_no_machine_path(self):
        import tempfile
        from pathlib import Path
        from hvlabs import grading
        from hvlabs.paths import ROOT
        work = Path(tempfile.gettempdir()) / "hvlabs-x"
        lines = grading.relative_paths(
            [f"{work}/labs/01-detect/detect.c:3:1: error: boom",
             f"ld: {work}/build/stage1-labs/obj/kernel/main.o: undefined reference",
             f"{ROOT}/kernel/main.c:1: error: x"], str(work / "labs"), work / "build")
        self.assertEqual(lines, ["labs/01-detect/detect.c:3:1: error: boom",
                                 "ld: build/stage1-labs/obj/kernel/main.o: undefined reference",
                                 "kernel/main.c:1: error: x"])


if __name__ == "__main__":
    unittest.main()
