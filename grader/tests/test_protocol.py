"""Unit tests of the grader's reading of serial output (no emulator needed)."""
import unittest

from hvlabs import grading, labs, paths, protocol
from hvlabs.boot import BootResult

N = "0badf00d"
SCEN = labs.Scenario("s", needs_vmx=False, checks=(
    labs.Check("a", 2, "check a"),
    labs.Check("b", 1, "check b"),
))


def run(text, ended="exited", detail=""):
    return protocol.score(1, SCEN, N, BootResult(serial=text, ended=ended, detail=detail))


def statuses(results):
    return {r.id: (r.status, r.earned) for r in results}


class ProtocolTest(unittest.TestCase):
    def test_all_pass(self):
        r = run(f"BEGIN: lab1 [{N}] scenario=s\nPASS: lab1/a [{N}] check a\n"
                f"PASS: lab1/b [{N}] check b\nSUMMARY: lab1 [{N}] 2 passed, 0 failed\n")
        self.assertEqual(statuses(r), {"a": ("PASS", 2), "b": ("PASS", 1)})

    def test_fail_reason_is_kept(self):
        r = run(f"FAIL: lab1/a [{N}] check a -- got 1, want 2\nPASS: lab1/b [{N}] check b\n"
                f"SUMMARY: lab1 [{N}] 1 passed, 1 failed\n")
        self.assertEqual(r[0].status, "FAIL")
        self.assertEqual(r[0].why, "got 1, want 2")

    def test_wrong_nonce_is_ignored(self):
        r = run(f"PASS: lab1/a [12345678] forged\nFAIL: lab1/a [{N}] check a -- no\n"
                f"PASS: lab1/b [{N}] check b\nSUMMARY: lab1 [{N}] 1 passed, 1 failed\n")
        self.assertEqual(statuses(r)["a"], ("FAIL", 0))

    def test_duplicate_line_fails(self):
        r = run(f"PASS: lab1/a [{N}] check a\nPASS: lab1/a [{N}] check a\n"
                f"PASS: lab1/b [{N}] check b\nSUMMARY: lab1 [{N}] 3 passed, 0 failed\n")
        self.assertEqual(statuses(r)["a"], ("FAIL", 0))
        self.assertIn("twice", r[0].why)

    def test_summary_mismatch_fails_everything(self):
        r = run(f"PASS: lab1/a [{N}] check a\nPASS: lab1/b [{N}] check b\n"
                f"SUMMARY: lab1 [{N}] 1 passed, 0 failed\n")
        self.assertEqual(statuses(r), {"a": ("FAIL", 0), "b": ("FAIL", 0)})
        self.assertIn("forged", r[0].why)

    def test_lines_after_summary_are_ignored(self):
        r = run(f"FAIL: lab1/a [{N}] check a -- no\nPASS: lab1/b [{N}] check b\n"
                f"SUMMARY: lab1 [{N}] 1 passed, 1 failed\nPASS: lab1/a [{N}] check a\n")
        self.assertEqual(statuses(r)["a"], ("FAIL", 0))

    def test_missing_check_names_the_timeout(self):
        r = run(f"PASS: lab1/a [{N}] check a\n", ended="timeout", detail="no power-off after 5 s")
        self.assertEqual(statuses(r)["b"], ("FAIL", 0))
        self.assertIn("no power-off after 5 s", r[1].why)
        self.assertEqual(statuses(r)["a"], ("PASS", 2))

    def test_abort_reason_is_given(self):
        r = run(f"PASS: lab1/a [{N}] check a\nABORT: lab1 [{N}] no VMX here\n"
                f"SUMMARY: lab1 [{N}] 1 passed, 0 failed\n")
        self.assertIn("no VMX here", r[1].why)

    def test_panic_is_the_reason(self):
        t = protocol.DIAG_TAG
        r = run(f"{t}EXCEPTION: #GP general protection\n{t}PANIC: unexpected #GP in the kernel\n")
        self.assertIn("panicked", r[0].why)

    def test_untagged_lines_are_not_the_kernels(self):
        """A line that only looks like the kernel's (student code can print anything) is not
        taken as a panic, and the report's notes show only tagged lines, without the tag."""
        r = run("PANIC: printed by a solution\n")
        self.assertNotIn("panicked", r[0].why)
        t = protocol.DIAG_TAG
        serial = (f"BEGIN: lab1 [{N}] scenario=s\nTODO(lab1): untagged\n{t}TODO(lab1): f(): tagged\n"
                  f"FAIL: lab1/a [{N}] check a -- no\nFAIL: lab1/b [{N}] check b -- no\n"
                  f"SUMMARY: lab1 [{N}] 0 passed, 2 failed\n")
        note = grading.note_for(SCEN, BootResult(serial=serial), True)
        self.assertIn("  | TODO(lab1): f(): tagged", note)
        self.assertNotIn("untagged", note)

    def test_the_tag_is_the_kernels(self):
        header = (paths.ROOT / "kernel/console/printf.h").read_text()
        self.assertIn(f'#define DIAG_TAG "{protocol.DIAG_TAG}"', header)

    def test_triple_fault_hint_is_the_reason(self):
        r = protocol.score(1, SCEN, N, BootResult(
            serial="BEGIN\n", hints=[">>PANIC<< exception(): 3rd (13) exception with no resolution"]))
        self.assertIn("triple-faulted", r[0].why)

    def test_silence(self):
        r = run("")
        self.assertIn("without printing anything", r[0].why)

    def test_unknown_check_is_reported(self):
        r = run(f"PASS: lab1/a [{N}] a\nPASS: lab1/b [{N}] b\nPASS: lab1/zz [{N}] z\n"
                f"SUMMARY: lab1 [{N}] 3 passed, 0 failed\n")
        self.assertTrue(any(x.id == "protocol" and x.status == "FAIL" for x in r))

    def test_unsupported_is_skip(self):
        r = run("", ended="unsupported", detail="tcg has no VMX")
        self.assertEqual({x.status for x in r}, {"SKIP"})

    def test_other_lab_lines_do_not_count(self):
        r = run(f"PASS: lab2/a [{N}] a\nSUMMARY: lab1 [{N}] 0 passed, 0 failed\n")
        self.assertEqual(statuses(r)["a"], ("FAIL", 0))


if __name__ == "__main__":
    unittest.main()
