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


if __name__ == "__main__":
    unittest.main()
