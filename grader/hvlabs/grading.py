"""Grading one lab: build its stage once, boot each scenario (in parallel), score the lines."""
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import answers, boot, emulators, labs, protocol, stage
from .paths import BUILD, ROOT
from .states import Ended, Status
from .report import LabReport


def new_nonce() -> str:
    return secrets.token_hex(4)


def cmdline(lab: int, scenario: str, nonce: str) -> str:
    return f"lab={lab} scenario={scenario} nonce={nonce}"


def once(lines: list) -> list:
    """Each distinct line once, in order of first appearance, with "(N times)" if repeated."""
    counts = {}
    for l in lines:
        counts[l] = counts.get(l, 0) + 1
    return [l + (f" ({n} times)" if n > 1 else "") for l, n in counts.items()]


def note_for(scenario: labs.Scenario, result: boot.BootResult, lines_failed: bool) -> str:
    """What the report shows of a run that went wrong: after a clean SUMMARY, the
    kernel's lines for the report (DIAG_TAG: TODOs, caught faults, failed VMX
    instructions; not what the harness provokes on purpose); otherwise the serial tail. The emulator's hints come last."""
    if not lines_failed or result.ended == Ended.UNSUPPORTED:
        return ""
    clean = result.ended == Ended.EXITED and "SUMMARY: " in result.serial
    if clean:
        lines = protocol.diagnostics(result.serial)
        lines = once([l for l in lines if not any(p in l for p in scenario.provoked)])[:10]
        title = "what the kernel said besides the results"
    else:
        lines = protocol.tail(result.serial)
        title = "last lines on the serial port"
    out = []
    if lines:
        out.append(f"  -- {scenario.name}: {title} ({result.backend}, {result.seconds:.1f} s) --")
        out += [f"  | {l}" for l in lines]
    elif not clean:
        out.append(f"  -- {scenario.name}: nothing on the serial port ({result.backend}) --")
    if result.hints:
        out.append(f"  -- {scenario.name}: hints from the emulator's log --")
        out += [f"  ! {h}" for h in result.hints]
    return "\n".join(out)


RIP = re.compile(r"at rip (0x[0-9a-f]+)")


def where(elf: Path, rip: str) -> str:
    """ "vmx_leave_root(), vmxoff.c:68" for an address in the kernel: the innermost inlined
    frame that lies in a lab's file, else the function the code was compiled into;
    "" if addr2line cannot tell."""
    try:
        out = subprocess.run(["addr2line", "-f", "-i", "-e", str(elf), rip], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, timeout=10).stdout.split("\n")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    frames = [(out[i], out[i + 1]) for i in range(0, len(out) - 1, 2)]   # innermost first
    if not frames or frames[-1][0] == "??":
        return ""
    # the innermost frame in a lab's file (not in an inlined kernel helper), else the function itself
    kernel = str(ROOT / "kernel") + "/"
    func, line = next((f for f in frames if not f[1].startswith(kernel)), frames[-1])
    return f"{func}(), {Path(line.split(' ')[0]).name}"


def locate(elf: Path, text: str) -> str:
    """text with "at rip 0x..." followed by where that is, e.g. "(in vmx_leave_root(), vmxoff.c:68)"."""
    def named(m):
        w = where(elf, m.group(1))
        return f"{m.group(0)} (in {w})" if w else m.group(0)
    return RIP.sub(named, text)


def relative_paths(lines: list, labs_dir: str, build_dir: Path) -> list:
    """lines with the machine's directories written as the course's relative ones:
    the student files' folder as labs/, the build directory as build/, the course's
    root dropped (a report names no temporary or machine path)."""
    roots = sorted({(str((ROOT / labs_dir).resolve()) + "/", "labs/"),
                    (str((ROOT / build_dir).resolve()) + "/", "build/"),
                    (str(ROOT) + "/", "")}, key=lambda r: -len(r[0]))
    out = []
    for line in lines:
        for old, new in roots:
            line = line.replace(old, new)
        out.append(line)
    return out


def grade_answers(lab: labs.Lab, report: LabReport, labs_dir: Path) -> None:
    """Scores answers-labN.txt in labs_dir into report: its graded questions as the
    checks of the scenario ANSWERS, its free-form answers for the instructor."""
    f = answers.path(lab, labs_dir)
    try:
        text = f.read_text(errors="replace") if f.is_file() else None
    except OSError:
        text = None
    results, free = answers.score(lab, text)
    report.results += results
    report.answers += [{"id": q.id, "what": q.what, "answer": a} for q, a in free]


def grade_lab(number: int, sol: bool = False, prior_sol: bool = False, emu: str = "",
              cpu: str = "", only: str = "", nonce: str = "", jobs: int = 0,
              keep: Path = None, labs_dir: str = "labs", timeout: float = 0,
              build_dir: Path = None, source: str = "") -> LabReport:
    lab = labs.get(number)
    backend = emulators.make(emu, cpu)
    source = source or ("solutions/" if sol else ("solutions/ for earlier labs, labs/ for this one"
                                                  if prior_sol and number > 1 else f"{labs_dir}/"))
    report = LabReport(number, lab.name, source, backend.name + (f" ({cpu})" if cpu else ""))
    scenarios = [lab.scenario(only)] if only else list(lab.graded)
    scenarios = [s for s in scenarios if s.name != labs.ANSWERS]
    if scenarios:
        boot_scenarios(lab, scenarios, report, backend, sol=sol, prior_sol=prior_sol,
                       labs_dir=labs_dir, build_dir=build_dir, nonce=nonce, jobs=jobs,
                       keep=keep, timeout=timeout)
    if lab.questions and only in ("", labs.ANSWERS):         # scored without a boot, last
        grade_answers(lab, report, ROOT / ("solutions" if sol else labs_dir))
    return report


def boot_scenarios(lab: labs.Lab, scenarios: list, report: LabReport, backend, *, sol: bool,
                   prior_sol: bool, labs_dir: str, build_dir: Path, nonce: str, jobs: int,
                   keep: Path, timeout: float) -> None:
    """Builds lab's stage and boots each of scenarios, adding their results to report."""
    number = lab.number
    built = stage.build(number, sol=sol, prior_sol=prior_sol, labs_dir=labs_dir,
                        build_dir=build_dir or BUILD)
    if not built.ok:
        report.build_ok = False
        report.build_errors = relative_paths(stage.error_excerpt(built.log), labs_dir,
                                             build_dir or BUILD)
        for s in scenarios:
            report.results += [protocol.CheckResult(s.name, c.id, c.what, c.points, 0, Status.FAIL,
                                                    "the stage did not build")
                               for c in s.checks]
        return

    nonce = nonce or new_nonce()
    root = Path(tempfile.mkdtemp(prefix=f"hvlabs-lab{number}-"))

    def run(s: labs.Scenario):
        result = boot.boot(backend, built.iso, root / s.name, cmdline(number, s.name, nonce),
                           s, timeout)
        return s, result

    used = []
    try:
        with ThreadPoolExecutor(max_workers=jobs or min(len(scenarios), os.cpu_count() or 1)) as pool:
            for s, result in pool.map(run, scenarios):
                scored = protocol.score(number, s, nonce, result)
                elf = built.iso.parent / "kernel.elf"
                for r in scored:
                    r.why = locate(elf, r.why)
                report.results += scored
                report.runs.append({"scenario": s.name, "serial": result.serial,
                                    "ended": str(result.ended), "detail": result.detail,
                                    "backend": result.backend, "seconds": result.seconds})
                note = note_for(s, result, any(r.status == Status.FAIL for r in scored))
                if note:
                    report.notes.append(locate(elf, note))
                if result.backend and result.backend not in used:
                    used.append(result.backend)
        report.backend = ", ".join(used) or report.backend
    finally:
        if keep:
            shutil.copytree(root, keep / f"lab{number}", dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)
