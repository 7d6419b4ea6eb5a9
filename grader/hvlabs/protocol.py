"""Reads a run's serial output by the run protocol (CONTRIBUTING.md) and scores its checks.

    BEGIN: lab1 [nonce] scenario=vmx
    PASS: lab1/<check> [nonce] <what>
    FAIL: lab1/<check> [nonce] <what> -- <why>
    ABORT: lab1 [nonce] <why the remaining checks cannot run>
    SUMMARY: lab1 [nonce] N passed, M failed

Only lines carrying this run's nonce count; everything after SUMMARY is ignored. A
check that is missing, reported twice, or not in the lab's table fails, and so does
every check if the PASS/FAIL lines do not add up to the SUMMARY (forged output).
"""
import re
from dataclasses import dataclass

from .boot import BootResult
from .labs import Scenario
from .paths import ROOT
from .states import Ended, Status

RESULT = re.compile(r"^(PASS|FAIL): lab(\d+)/([a-z0-9_]+) \[([0-9a-f]+)\] (.*?)(?: -- (.*))?$")
ABORT = re.compile(r"^ABORT: lab(\d+) \[([0-9a-f]+)\] (.*)$")
SUMMARY = re.compile(r"^SUMMARY: lab(\d+) \[([0-9a-f]+)\] (\d+) passed, (\d+) failed$")


def _diag_tag() -> str:
    """The tag of the kernel's lines for the grade report: DIAG_TAG in kernel/console/printf.h."""
    m = re.search(r'#define DIAG_TAG "([^"]*)"', (ROOT / "kernel/console/printf.h").read_text())
    return m.group(1)


DIAG_TAG = _diag_tag()
PANIC = re.compile(r"^(PANIC|EXCEPTION): (.*)$")
TAIL_LINES = 12


@dataclass
class CheckResult:
    scenario: str
    id: str
    what: str
    points: int
    earned: int
    status: Status
    why: str = ""
    seconds: float = 0.0
    said: str = ""            # the check's text as the kernel printed it (make test compares)


def untagged(line: str) -> str:
    """line without DIAG_TAG, if it has it."""
    return line[len(DIAG_TAG):] if line.startswith(DIAG_TAG) else line


def diagnostics(serial: str) -> list:
    """The kernel's lines for the grade report (those with DIAG_TAG), without the tag."""
    return [l[len(DIAG_TAG):] for l in serial.splitlines() if l.startswith(DIAG_TAG)]


def tail(serial: str, n: int = TAIL_LINES) -> list:
    """The last n non-empty lines, tags removed."""
    lines = [untagged(l) for l in serial.splitlines() if l.strip()]
    return lines[-n:]


def end_reason(boot: BootResult, serial_lines: list) -> str:
    """Why the run stopped before reporting everything, in one sentence."""
    if boot.ended != Ended.EXITED:
        return boot.detail
    diags = [untagged(l) for l in serial_lines if l.startswith(DIAG_TAG)]
    for line in diags:
        m = PANIC.match(line)
        if m and m.group(1) == "PANIC":
            return f"the kernel panicked: {m.group(2)}"
    for line in diags:
        m = PANIC.match(line)
        if m:
            return f"an exception the harness did not expect: {m.group(2)}"
    if any("3rd" in h and "no resolution" in h or "triple fault" in h.lower() for h in boot.hints):
        return ("the machine triple-faulted: an exception happened while the CPU could not deliver "
                "exceptions (a broken IDT, GDT or stack?)")
    if not serial_lines:
        return "the machine stopped without printing anything (a crash in early boot, or a triple fault)"
    return "the machine stopped without a SUMMARY line (a triple fault or a reset?)"


PREREQ_ABORT = "this lab builds on lab "
PRIOR_HINT = ", or grade this lab on the reference labs with PRIOR=sol"


def with_prior_hint(abort):
    """The harness's ABORT reason, with the way to grade on the reference labs added
    where there is a reference (the course repository, not the student distribution)."""
    if abort and abort.startswith(PREREQ_ABORT) and (ROOT / "solutions").is_dir():
        return abort + PRIOR_HINT
    return abort


def score(lab: int, scenario: Scenario, nonce: str, boot: BootResult) -> list:
    """One CheckResult per check of scenario."""
    spec = {c.id: c for c in scenario.checks}
    if boot.ended == Ended.UNSUPPORTED:
        return [CheckResult(scenario.name, c.id, c.what, c.points, 0, Status.SKIP, boot.detail)
                for c in scenario.checks]

    lines = boot.serial.splitlines()
    reported, problems = {}, []
    abort, summary, result_lines = None, None, 0
    for line in lines:
        line = line.rstrip("\r")
        m = RESULT.match(line)
        if m and int(m.group(2)) == lab and m.group(4) == nonce:
            status, cid, what, why = Status(m.group(1)), m.group(3), m.group(5), m.group(6) or ""
            result_lines += 1
            if cid not in spec:
                problems.append(f"the kernel reported a check '{cid}' that lab {lab} does not have")
            elif cid in reported:
                reported[cid] = (Status.FAIL, "reported twice (forged output?)", what)
            else:
                reported[cid] = (status, why, what)
            continue
        m = ABORT.match(line)
        if m and int(m.group(1)) == lab and m.group(2) == nonce:
            abort = m.group(3)
            continue
        m = SUMMARY.match(line)
        if m and int(m.group(1)) == lab and m.group(2) == nonce:
            summary = (int(m.group(3)), int(m.group(4)))
            break

    forged = None
    if summary is not None:
        if sum(summary) != result_lines:
            forged = (f"the SUMMARY counts {sum(summary)} checks but {result_lines} result lines "
                      "were printed: the output was forged or corrupted")

    missing_why = with_prior_hint(abort) or (None if summary else end_reason(boot, lines))
    results = []
    for c in scenario.checks:
        said = c.what
        if forged:
            status, why = Status.FAIL, forged
        elif c.id in reported:
            status, why, said = reported[c.id]
        else:
            status, why = Status.FAIL, f"not reported: {missing_why or 'the harness skipped it'}"
        results.append(CheckResult(scenario.name, c.id, c.what, c.points,
                                   c.points if status == Status.PASS else 0, status, why, boot.seconds,
                                   said))
    for p in problems:
        results.append(CheckResult(scenario.name, "protocol", p, 0, 0, Status.FAIL, p, boot.seconds))
    return results
