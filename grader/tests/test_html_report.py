"""Unit tests of the HTML grade report on made-up reports (no emulator, no browser):
hostile kernel text stays text, a failed build and SKIPs are shown, serial lines are
marked by kind, and the page loads nothing from anywhere."""
import re
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from hvlabs import html_report, report, vmcs_reference
from hvlabs.protocol import CheckResult
from hvlabs.states import Status

from .htmlpage import Page
from .test_report import EVERY_BYTE, unsafe_chars

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)"></pre><a href="http://e.example/">'


def lab_report(**kw) -> report.LabReport:
    r = report.LabReport(4, "vmcs", "labs/", "bochs (corei7_sandy_bridge_2600k)", **kw)
    return r


def hostile() -> report.LabReport:
    r = lab_report()
    r.results = [
        CheckResult("vmx", "setup", "check " + HOSTILE, 2, 2, Status.PASS, "", 1.0),
        CheckResult("vmx", "launch", "launches", 3, 0, Status.FAIL, "got " + HOSTILE + EVERY_BYTE, 1.0),
        CheckResult("ept", "ept", "EPT", 1, 0, Status.SKIP, "not gradeable on tcg", 0.0),
    ]
    r.notes = ["  -- vmx: what the kernel said --\n  | " + HOSTILE + "\x1b[31mred\x1b[0m"]
    r.answers = [{"id": "q4", "what": "why", "answer": HOSTILE}]
    r.runs = [{"scenario": "vmx", "ended": "exited", "detail": "", "backend": "bochs", "seconds": 1.0,
               "serial": "hvlabs kernel: lab=4\n"
                         "BEGIN: lab4 [00c0ffee] scenario=vmx\n"
                         "PASS: lab4/setup [00c0ffee] sets up\n"
                         "! VMLAUNCH failed " + HOSTILE + "\n"
                         "FAIL: lab4/launch [00c0ffee] launches -- " + HOSTILE + "\n"
                         "ABORT: lab4 [00c0ffee] cannot go on\n"
                         "SUMMARY: lab4 [00c0ffee] 1 passed, 1 failed\n" + EVERY_BYTE + "\n"},
              {"scenario": "ept", "ended": "timeout", "detail": "no power-off after 30 s <b>",
               "backend": "bochs", "seconds": 30.0, "serial": ""}]
    return r


class HtmlReportTest(unittest.TestCase):
    def test_hostile_kernel_text_stays_text(self):
        text = html_report.render([hostile()])
        page = Page(text)
        self.assertEqual(page.tagged("script"), [])
        self.assertEqual(page.tagged("img"), [])
        self.assertEqual(page.tagged("a", href="http://e.example/"), [])
        self.assertFalse(any(k.startswith("on") for _, a in page.elements for k in a))
        self.assertIn(HOSTILE, page.all_text())          # shown as the characters it is made of
        self.assertEqual(unsafe_chars(text), set())
        self.assertNotIn("\x1b", text)
        self.assertIn("red", page.all_text())

    def test_the_page_loads_nothing(self):
        text = html_report.render([hostile()])
        page = Page(text)
        csp = page.tagged("meta", **{"http-equiv": "Content-Security-Policy"})
        self.assertEqual(len(csp), 1)
        self.assertIn("default-src 'none'", csp[0]["content"])
        for tag, attrs in page.elements:
            for k in ("src", "href"):
                self.assertFalse(attrs.get(k, "#").split("#")[0], f"<{tag} {k}=...> loads something")

    def test_checks_scores_and_skips(self):
        page = Page(html_report.render([hostile()]))
        score = page.tagged("span", id="score")[0]
        self.assertEqual((score["data-earned"], score["data-possible"]), ("2", "6"))
        self.assertEqual(len(page.tagged("tr", **{"class": "check FAIL", "data-check": "vmx/launch"})), 1)
        self.assertEqual(len(page.tagged("tr", **{"class": "check SKIP", "data-check": "ept/ept"})), 1)
        self.assertIn("not gradeable on tcg", page.all_text())
        self.assertIn("1 points skipped", page.all_text())
        self.assertIn("no power-off after 30 s <b>", page.all_text())

    def test_serial_lines_are_marked(self):
        page = Page(html_report.render([hostile()]))
        kinds = [a.get("data-kind") for a in page.tagged("span") if a.get("data-kind")]
        self.assertEqual(kinds, ["BEGIN", "PASS", "diag", "FAIL", "ABORT", "SUMMARY"])
        runs = page.tagged("details", **{"class": "run"})
        self.assertEqual([r["data-scenario"] for r in runs], ["vmx", "ept"])
        self.assertIn("open", runs[0])                    # a scenario with a failed check: open
        self.assertNotIn("open", runs[1])

    def test_line_kind(self):
        self.assertEqual(html_report.line_kind("! unhandled VM exit"), "diag")
        self.assertEqual(html_report.line_kind("FAIL: lab6/rip [12345678] x -- y"), "FAIL")
        self.assertEqual(html_report.line_kind("guest| FAIL: lab6/rip"), "")
        self.assertEqual(html_report.line_kind("PASSED"), "")

    def test_failed_build(self):
        r = lab_report(build_ok=False, build_errors=["labs/04-vmcs/vmcs.c:3:1: error: <expected> ';'"])
        r.results = [CheckResult("vmx", "setup", "sets up", 2, 0, Status.FAIL, "the stage did not build")]
        page = Page(html_report.render([r]))
        self.assertEqual(len(page.tagged("pre", **{"class": "build-errors"})), 1)
        self.assertIn("error: <expected> ';'", page.all_text())
        self.assertIn("The stage did not build", page.all_text())
        self.assertEqual(page.tagged("details"), [])      # nothing booted: no serial logs

    def test_two_labs_have_a_table_of_contents(self):
        a, b = lab_report(), lab_report()
        b.lab, b.name = 6, "exits"
        page = Page(html_report.render([a, b]))
        self.assertEqual([x["href"] for x in page.tagged("a")], ["#lab4", "#lab6"])
        self.assertEqual([x["id"] for x in page.tagged("section")], ["lab4", "lab6"])


DUMP = """VMCS dump (current VMCS 0x18c000):
 Guest-state area
  GUEST_ES_SELECTOR              0x0000000000000010
  GUEST_INTR_STATUS              (not on this CPU)
 VM-execution control fields
  CPU_BASED_VM_EXEC_CONTROL      0x0000000000000080
 VM-exit information fields
  VM_INSTRUCTION_ERROR           0x0000000000000007 (VM entry with invalid control field(s))
  VM_EXIT_REASON                 0x0000000000000000
"""
CHECK = ('! VMCS CHECK: CPU_BASED_VM_EXEC_CONTROL is 0x80: VM entry needs bits 0x4006172 set (the '
         'allowed-0 settings in IA32_VMX_TRUE_PROCBASED_CTLS are 0x4006172) (SDM Vol. 3C, 27.2.1.1 '
         '"VM-Execution Control Fields")\n'
         '! VMCS CHECK: field 0x6c16 is 0x0: VM entry needs <a canonical address> (SDM Vol. 3C, 27.2.3 '
         '"Checks on Host Segment and Descriptor-Table Registers")\n')


class VmcsTest(unittest.TestCase):
    def test_dump_and_checks_parse(self):
        dumps = html_report.vmcs_dumps("noise\n" + DUMP + "guest| after\n" + DUMP.replace("0x18c000", "0x1"))
        self.assertEqual([d["current"] for d in dumps], ["0x18c000", "0x1"])
        self.assertEqual(dumps[0]["fields"], [
            ("Guest-state area", "GUEST_ES_SELECTOR", 0x10, ""),
            ("Guest-state area", "GUEST_INTR_STATUS", None, ""),
            ("VM-execution control fields", "CPU_BASED_VM_EXEC_CONTROL", 0x80, ""),
            ("VM-exit information fields", "VM_INSTRUCTION_ERROR", 7, "VM entry with invalid control field(s)"),
            ("VM-exit information fields", "VM_EXIT_REASON", 0, "")])
        checks = html_report.vmcs_checks(CHECK + "VMCS CHECK: untagged is 0x1: VM entry needs x (SDM Vol. 3C, 1 \"t\")\n")
        self.assertEqual([(c["field"], c["value"], c["rule"]) for c in checks], [
            ("CPU_BASED_VM_EXEC_CONTROL", 0x80, 'SDM Vol. 3C, 27.2.1.1 "VM-Execution Control Fields"'),
            ("0x6c16", 0, 'SDM Vol. 3C, 27.2.3 "Checks on Host Segment and Descriptor-Table Registers"')])

    def test_flagged_fields_are_highlighted_with_their_rule(self):
        r = hostile()
        r.results[1].scenario = "vmx"
        r.runs[0]["serial"] += CHECK + DUMP
        page = Page(html_report.render([r]))
        flagged = [a["data-field"] for a in page.tagged("tr") if "flagged" in a.get("class", "")]
        # the flagged table first, then the whole dump with the same fields marked
        self.assertEqual(flagged, ["CPU_BASED_VM_EXEC_CONTROL", "0x6c16", "VM_INSTRUCTION_ERROR",
                                   "CPU_BASED_VM_EXEC_CONTROL", "VM_INSTRUCTION_ERROR"])
        self.assertIn('27.2.1.1 "VM-Execution Control Fields"', page.all_text())
        self.assertIn("<a canonical address>", page.all_text())
        self.assertEqual(len(page.tagged("details", **{"class": "vmcs-run", "data-scenario": "vmx"})), 1)

    def test_no_vmcs_section_without_a_dump_or_a_failure(self):
        self.assertEqual(html_report.vmcs_html("PASS: lab4/x [1] y\n"), "")
        r = hostile()
        r.results = [x for x in r.results if x.status == Status.PASS]
        r.runs[0]["serial"] += DUMP                      # dumped, but nothing failed: not shown
        self.assertEqual(Page(html_report.render([r])).tagged("details", **{"class": "vmcs-run"}), [])
        self.assertEqual(html_report.vmcs_html(DUMP.replace("0x0000000000000007", "0x0000000000000000")), "")
        self.assertIn("VM_INSTRUCTION_ERROR", html_report.vmcs_html(DUMP))

    def test_the_student_distributions_page_says_which_fields_differ_not_the_values(self):
        """With the data in the form `make handout` ships (digests of the real reference's
        values): CPU_BASED_VM_EXEC_CONTROL 0x80 differs and is highlighted with its rule,
        GUEST_ES_SELECTOR 0x10 is the reference's, and no value of the reference that
        this VMCS does not hold itself is anywhere in the page."""
        full = vmcs_reference.load()[(4, "vmx")]
        with tempfile.TemporaryDirectory() as d:
            path = Path(d, "vmcs-reference.json")
            path.write_text(vmcs_reference.digested(vmcs_reference.DATA.read_text()))
            r = hostile()
            r.results[1].scenario = "vmx"
            r.runs[0]["serial"] += CHECK + DUMP
            r.runs[0]["backend"] = full["backend"]
            with mock.patch.object(vmcs_reference, "DATA", path):
                text = html_report.render([r])
        page = Page(text)
        rows = {(a["data-field"], "differs" in a["class"]) for a in page.tagged("tr") if "data-field" in a}
        self.assertIn(("CPU_BASED_VM_EXEC_CONTROL", True), rows)
        self.assertIn(("GUEST_ES_SELECTOR", False), rows)
        self.assertNotIn(("GUEST_ES_SELECTOR", True), rows)
        cpu = re.search(r'<tr class="vmcs-field[^"]*" data-field="CPU_BASED_VM_EXEC_CONTROL".*?</tr>', text).group(0)
        self.assertIn("differs from the reference", cpu)
        self.assertIn("27.2.1.1", cpu)
        es = re.search(r'<tr class="vmcs-field[^"]*" data-field="GUEST_ES_SELECTOR".*?</tr>', text).group(0)
        self.assertIn("as the reference", es)
        vmcs = text[text.index('<div class="vmcs">'):]
        vmcs = vmcs[:vmcs.index("</details>\n</div>")]
        mine = {v for _, _, v, _ in html_report.vmcs_dumps(DUMP)[0]["fields"]}
        for _, name, value, _ in full["fields"]:
            if value is not None and value not in mine:
                self.assertNotRegex(vmcs.lower(), rf"0x0*{value:x}(?![0-9a-f])", name)
                if value > 0xff:
                    self.assertNotRegex(vmcs, rf"(?<![0-9a-fA-F]){value}(?![0-9a-f])", name)


TRACES = ('exit trace of "hlt": 5 exits: 18 12*2 18*2\n'
          'exit trace of "hypercall" (VM 2): 600 exits: 18*511 30 ...\n'
          'guest| exit trace of "forged": 1 exits: 18\n')


class TimelineTest(unittest.TestCase):
    def test_traces_parse(self):
        got = html_report.exit_traces(TRACES)
        self.assertEqual(got, [
            {"guest": "hlt", "vm": 0, "exits": 5, "runs": [(18, 1, None), (12, 2, None), (18, 2, None)],
             "cut": False},
            {"guest": "hypercall", "vm": 2, "exits": 600, "runs": [(18, 511, None), (30, 1, None)], "cut": True}])

    def test_timeline_rows_and_segments(self):
        r = hostile()
        r.runs[0]["serial"] += TRACES
        page = Page(html_report.render([r]))
        rows = page.tagged("g", **{"class": "guest"})
        self.assertEqual([(g["data-guest"], g["data-exits"]) for g in rows], [("hlt", "5"), ("hypercall (VM 2)", "600")])
        segments = [(x["data-reason"], round(float(x["width"]))) for x in page.tagged("rect", **{"class": "exit"})]
        w = html_report.TIMELINE_WIDTH
        self.assertEqual(segments, [("18", w // 5), ("12", 2 * w // 5), ("18", 2 * w // 5),
                                    ("18", round(w * 511 / 512)), ("30", round(w / 512))])
        self.assertIn("EXIT_REASON_HLT (12)", page.all_text())       # the legend, named from exit_reasons.def
        self.assertIn("EXIT_REASON_HLT: exits 2-3", page.all_text())  # a segment's title
        self.assertNotIn("forged", [g["data-guest"] for g in rows])

    def test_the_axis_is_the_guests_instructions_on_bochs(self):
        ticked = 'exit trace of "hlt": 5 exits: 18:600 12*2:100 18*2:300\n'
        self.assertEqual(html_report.exit_traces(ticked)[0]["runs"], [(18, 1, 600), (12, 2, 100), (18, 2, 300)])
        r = hostile()
        r.runs[0]["serial"] += ticked
        page = Page(html_report.render([r]))
        svg = page.tagged("svg", **{"class": "timeline"})
        self.assertEqual(svg[0]["data-axis"], "instructions")
        self.assertEqual(page.tagged("g", **{"class": "guest"})[0]["data-instructions"], "1000")
        segments = [round(float(x["width"])) for x in page.tagged("rect", **{"class": "exit"})]
        w = html_report.TIMELINE_WIDTH
        self.assertEqual(segments, [round(w * .6), round(w * .1), round(w * .3)])
        self.assertIn("EXIT_REASON_HLT: exits 2-3, 100 guest instructions", page.all_text())
        r.runs[0]["backend"] = "qemu kvm"                # the TSC counts time there: by exits
        page = Page(html_report.render([r]))
        self.assertEqual(page.tagged("svg", **{"class": "timeline"})[0]["data-axis"], "exits")

    def test_no_timeline_without_traces(self):
        self.assertEqual(Page(html_report.render([hostile()])).tagged("svg"), [])


class BatchHtmlTest(unittest.TestCase):
    def test_batch_writes_a_page_per_submission_and_an_overview(self):
        import tempfile
        from pathlib import Path
        from unittest import mock
        from hvlabs import batch, grading, labs

        def fake_grade(n, **kw):
            r = report.LabReport(n, labs.get(n).name, kw.get("source", ""), "bochs")
            first = labs.get(n).graded[0]
            ok = "alice" in kw["labs_dir"]
            r.results = [CheckResult(first.name, c.id, c.what, c.points, c.points if ok else 0,
                                     Status.PASS if ok else Status.FAIL, "" if ok else "wrong <b>", 1.0)
                         for c in first.checks]
            return r
        names = ["alice", "eve<b>&", "bob.zip"]
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.object(batch, "build_cache"), mock.patch.object(grading, "grade_lab", fake_grade):
            d = Path(d)
            for name in names[:2]:
                (d / name / "labs/01-detect").mkdir(parents=True)
                (d / name / "labs/01-detect/detect.c").write_text("int x;\n")
            (d / "bob.zip").write_text("not an archive")
            batch.run([d / n for n in names], [1], d / "out", 1, quiet=True)
            pages = {n: Page((d / "out" / n.split(".")[0] / batch.REPORT_HTML).read_text()) for n in names}
            index = (d / "out" / batch.OVERVIEW_HTML).read_text()
        first = labs.get(1).graded[0]
        eve = pages["eve<b>&"]
        self.assertEqual(len(eve.tagged("tr", **{"class": "check FAIL"})), len(first.checks))
        self.assertIn("wrong <b>", eve.all_text())
        self.assertIn("not graded", pages["bob.zip"].all_text())
        overview = Page(index)
        self.assertEqual([a["href"] for a in overview.tagged("a")],
                         ["alice/report.html", "eve%3Cb%3E%26/report.html", "bob/report.html"])
        self.assertIn("eve<b>&", overview.all_text())
        rows = overview.tagged("tr", **{"class": "distribution"})
        self.assertEqual(len(rows), sum(len(s.checks) for s in labs.get(1).graded))
        row = rows[0]
        self.assertEqual((row["data-check"], row["data-pass"], row["data-fail"]),
                         (f"{first.name}/{first.checks[0].id}", "1", "1"))
        bars = overview.tagged("rect")
        self.assertEqual({b["class"] for b in bars}, {"PASS", "FAIL", "none"})
        self.assertEqual(overview.tagged("svg")[0]["width"], str(html_report.BAR_WIDTH))
        self.assertEqual(overview.tagged("script"), [])


if __name__ == "__main__":
    unittest.main()
