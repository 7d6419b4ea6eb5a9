#!/usr/bin/env python3
"""The course's own test suite (`make test`): everything a maintainer must not break.

  1. labs/ is exactly what `make skel` generates from solutions/
  2. the grader's unit tests
  3. the kernel's own tests (lab 0) on Bochs and on QEMU TCG
  4. every lab's reference solution gets full marks, and reports exactly the checks
     the grader's table lists
  5. every lab's untouched skeleton builds, boots, prints its TODOs and scores 0
  6. every broken solution in grader/tests/mutants.py fails exactly its checks
  7. the same stage run twice prints byte-identical serial output
  8. every Bochs CPU model in the backend's table behaves as the table says

Tests run in parallel, as many at a time as there are CPUs (--jobs), each reported in
one line when it ends; the stages they share are built first, once. At most one
emulator per CPU runs at a time, whichever test starts it, so that a busy suite cannot
slow a boot into its timeout. Ends with a line "N passed, M failed"; exits 1 if
anything failed, 2 on a usage error.

`--tier check` (`make check`) is the maintainers' fast tier, seconds instead of
minutes: skeleton drift, the unit tests, the mutant table's coverage of every check,
and one boot of each lab's reference on Bochs.

    selftest.py [--tier test|check] [--only SUBSTRING] [--jobs N] [--list]
"""
import argparse
import base64
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs.paths import BUILD, GRADER, ROOT  # noqa: E402
sys.path.insert(0, str(GRADER / "tests"))
from hvlabs import answers, batch, boot, classroom, emulators, grading, image, labs, protocol, report, screen, stage, vmcs_reference  # noqa: E402
from hvlabs.errors import UsageError, main_exit  # noqa: E402
from hvlabs.states import Status  # noqa: E402
import mutants  # noqa: E402
import skel  # noqa: E402

TESTS = []
TIERS = ("test", "check")
CPUS = os.cpu_count() or 1
SOL, PRIOR_SOL = "sol", "prior-sol"
ALL_SOL = tuple((n, SOL) for n in labs.STUDENT_LABS)


def register(fn, name: str = "", needs=(), tiers=("test",), cost: float = 1.0):
    """Adds fn to the suite. needs: the shared stages (lab, "sol" | "prior-sol") it boots,
    built once before the tests start; tiers: the tiers it belongs to; cost: a guess
    of its length, to start long tests first until a run has measured them."""
    if name:
        fn.__name__ = name
    fn.needs, fn.tiers, fn.cost = tuple(needs), tuple(tiers), cost
    TESTS.append(fn)
    return fn


def test(fn=None, **kw):
    """@test or @test(needs=..., tiers=..., cost=...)."""
    if fn is None:
        return lambda f: register(f, **kw)
    return register(fn, **kw)


class Failed(Exception):
    pass


class Skipped(Exception):
    """The test cannot run on this machine; it is reported, and counted neither way."""


def expect(cond, message):
    if not cond:
        raise Failed(message)


def failed_checks(report) -> set:
    return {f"{r.scenario}/{r.id}" for r in report.results if r.status != Status.PASS}


def explain(report) -> str:
    from hvlabs.report import console
    return "\n" + "\n".join("    " + l for l in console(report).splitlines())


# --- 1, 2: no emulator --------------------------------------------------------

@test(tiers=TIERS, cost=0.1)
def skeleton_matches_solutions():
    out = io.StringIO()
    code = skel.check(ROOT, out)
    expect(code == 0, out.getvalue().strip())


@test(tiers=TIERS, cost=5)
def vmcs_reference_is_current():
    """The reference's VMCS the HTML report shows (grader/hvlabs/vmcs-reference.json) is
    what the reference stage dumps today, in every compared field: else `make
    vmcs-reference` and commit it."""
    p = subprocess.run([sys.executable, str(GRADER / "vmcs_reference.py"), "--check"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    expect(p.returncode == 0, p.stdout[-3000:])


@test(tiers=TIERS, cost=2)
def grader_unit_tests():
    """grader/tests/test_*.py, as `python3 -m unittest` at the root finds them, in a
    process of their own (they print, and may change module state)."""
    p = subprocess.run([sys.executable, "-m", "unittest", "discover", "-s", str(GRADER / "tests"),
                        "-t", str(ROOT), "-p", "test_*.py"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ran = re.search(r"^Ran (\d+) tests? in", p.stdout, re.M)
    count = int(ran.group(1)) if ran else 0
    expect(p.returncode == 0 and count > 0, f"{count} ran:\n" + p.stdout[-3000:])
    return f"{count} unit tests"


# --- 3..5: the reference and the skeleton ------------------------------------------

@test(needs=[(0, SOL)], cost=10)
def kernel_selftest_bochs():
    reference_full_marks(0)


@test(needs=[(0, SOL)], cost=3)
def kernel_selftest_tcg():
    r = grading.grade_lab(0, sol=True, emu="tcg")
    expect(r.earned == r.possible, explain(r))


@test(needs=[(0, SOL)], cost=3)
def screen_mirrors_the_serial_port():
    """Lab 0's screen scenario on QEMU TCG with a VGA card: at power-off, the text screen
    (0xB8000) shows what a terminal shows after the serial bytes, scrolled past the end
    of the text buffer; so it does
    when the stage boots as `make usb` writes it (BIOS, GRUB, from a disk); and with
    vga=off on the command line (the kernel does not mirror) the comparison fails."""
    built = stage.directory(0, sol=True)
    line = grading.cmdline(0, "screen", "5c2ee400")
    shown = {}
    with tempfile.TemporaryDirectory() as d:
        disk = image.iso_with_cmdline(built / "hvlabs.iso", line, Path(d) / "usb.img")
        for how, elf, cmdline, img in (("PVH", built / "kernel.elf", line, None),
                                       ("disk", None, "", disk),
                                       ("vga=off", built / "kernel.elf", line + " vga=off", None)):
            try:
                shown[how] = screen.boot_and_read(elf, cmdline, Path(d) / how, disk=img)
            except TimeoutError as e:
                raise Failed(f"QEMU ({how}): {e}")
    serial, _ = shown["PVH"]
    expect("SUMMARY: lab0" in serial, "lab 0 did not finish:\n" + serial[-2000:])
    written = len(screen.expected_rows(serial, last=None))
    expect(written > screen.TEXT_BYTES // 2 // screen.COLS,
           f"{written} rows do not scroll past the text buffer's end: the test would prove less")
    for how in ("PVH", "disk"):
        out, rows = shown[how]
        expect(out == serial, f"{how}: other serial bytes than the PVH boot")
        wrong = screen.differences(rows, screen.expected_rows(out))
        expect(not wrong, f"{how}: the screen is not the serial output's last rows:\n" + "\n".join(wrong))
    serial_off, rows_off = shown["vga=off"]
    expect(serial_off.replace(" vga=off", "", 1) == serial,
           "vga=off changed the serial bytes beyond its own command line")
    expect(rows_off != screen.expected_rows(serial_off), "with vga=off the screen still matched: the test cannot fail")
    return f"{written} rows written, the last {screen.ROWS} on the screen (PVH and disk); vga=off caught"


@test(needs=[(0, SOL)], cost=1)
def kernel_boots_with_ram_above_4g():
    """A PC with 8 GiB has its largest RAM range above 4 GiB, outside the kernel's 1 GiB
    identity map: the kernel must take its pages below (lab 0's reference, QEMU TCG)."""
    with tempfile.TemporaryDirectory() as d:
        try:
            serial, _ = screen.boot_and_read(stage.directory(0, sol=True) / "kernel.elf",
                                             grading.cmdline(0, "default", "8a1b8a1b"), Path(d), memory="8G")
        except TimeoutError as e:
            raise Failed(f"QEMU: {e}")
    expect(re.search(r"^SUMMARY: lab0 \[8a1b8a1b\] \d+ passed, 0 failed$", serial, re.M), serial[-1500:])


def reference_full_marks(n):
    r = grading.grade_lab(n, sol=True, emu="bochs")
    expect(r.earned == r.possible and not any(x.id == "protocol" for x in r.results), explain(r))
    differ = [f"{x.scenario}/{x.id}: table says {x.what!r}, kernel says {x.said!r}"
              for x in r.results if x.said != x.what and x.scenario != labs.ANSWERS]
    expect(not differ, "check texts differ between grader/hvlabs/labs.py and the harness:\n  "
           + "\n  ".join(differ))
    return f"{r.earned}/{r.possible}"


def skeleton_scores_zero(n):
    """The untouched skeleton of lab n, on the reference labs before it."""
    r = grading.grade_lab(n, sol=False, prior_sol=True, emu="bochs")
    expect(r.build_ok, "the skeleton does not build:" + explain(r))
    expect(r.earned == 0, f"the skeleton earns {r.earned} points:" + explain(r))
    notes = "\n".join(r.notes)
    expect(f"TODO(lab{n})" in notes, "the skeleton did not print its TODO lines:" + explain(r))
    expect(all("not reported" not in x.why for x in r.results),
           "the skeleton did not report every check (crash or timeout?):" + explain(r))


for _n in labs.STUDENT_LABS:
    register(lambda n=_n: reference_full_marks(n), f"lab{_n}_reference_full_marks",
             needs=[(_n, SOL)], cost=15)
    register(lambda n=_n: skeleton_scores_zero(n), f"lab{_n}_skeleton_scores_zero",
             needs=[(_n, PRIOR_SOL)], cost=15)


def reference_boots(n):
    """One boot of lab n's reference, in its first graded scenario: every check passes,
    with the text the grader's table gives it."""
    s = labs.get(n).graded[0]
    serial, results = boot_reference(n, s.name)
    bad = [f"{r.id}: {r.why}" for r in results if r.status != Status.PASS]
    differ = [f"{r.id}: table says {r.what!r}, kernel says {r.said!r}" for r in results if r.said != r.what]
    expect(not bad and not differ, f"scenario {s.name}:\n  " + "\n  ".join(bad + differ)
           + "\n" + "\n".join(serial.splitlines()[-12:]))
    return f"scenario {s.name}: {len(results)} checks pass"


for _n in [0, *labs.STUDENT_LABS]:
    register(lambda n=_n: reference_boots(n), f"lab{_n}_reference_boots",
             needs=[(_n, SOL)], tiers=("check",), cost=5)


@test(needs=[(1, SOL)], cost=3)
def lab1_novmx_on_tcg():
    r = grading.grade_lab(1, sol=True, emu="tcg", only="novmx")
    expect(r.earned == r.possible, explain(r))


# --- 6: broken solutions ---------------------------------------------------------

@test(tiers=TIERS, cost=0.1)
def every_check_has_a_broken_solution():
    """Each graded check fails for at least one mutant: no check that cannot fail."""
    missing = []
    for n in labs.STUDENT_LABS:
        covered = set().union(*[m.fails for m in mutants.MUTANTS if m.lab == n])
        covered |= {f"{labs.ANSWERS}/{q.id}" for q in labs.get(n).questions}  # wrong_answers_fail
        missing += [f"lab{n} {s.name}/{c.id}" for s in labs.get(n).graded for c in s.checks
                    if f"{s.name}/{c.id}" not in covered]
    expect(not missing, "checks no mutant in grader/tests/mutants.py makes fail: " + ", ".join(missing))
    return f"{len(mutants.MUTANTS)} mutants cover every check"


def wrong_answer(kind: str, canon: str) -> str:
    """An answer of the kind that differs from the canonical one."""
    items = canon.split(",")
    if kind == "NUMBER":
        return str(int(canon) + 1)
    if kind == "NUMBERS":
        return ", ".join(items + [str(max(map(int, items)) + 1)])
    if kind == "CHOICE":
        return ", ".join(items[:-1]) if len(items) > 1 else chr(ord(items[0]) + 1)
    return ", ".join(items + ["none of these"])


def with_answer(model: str, qid: str, answer: str) -> str:
    """The answers file model with question qid's answer line replaced."""
    out, block = [], None
    for line in model.splitlines():
        m = answers.HEADER.match(line)
        block = m.group(1) if m else block
        out.append(f"answer: {answer}" if block == qid and answers.ANSWER.match(line) else line)
    return "\n".join(out) + "\n"


@test(tiers=TIERS, cost=0.1)
def wrong_answers_fail_their_question():
    """The broken solutions of the questions: for every graded question of every lab, the
    model answers with that one answer wrong fail exactly that question."""
    count = 0
    for n in labs.STUDENT_LABS:
        lab = labs.get(n)
        if not lab.questions:
            continue
        model = (ROOT / "solutions" / lab.dir / lab.answers_file).read_text()
        results, _ = answers.score(lab, model)
        expect(all(r.status == Status.PASS for r in results),
               f"lab {n}: the model answers do not pass (run make skel for the keys)")
        for q in lab.questions:
            if q.kind == "TEXT":
                continue
            canon = answers.canonical(q.kind, answers.parse(model)[1][lab.questions.index(q)].answer)
            results, _ = answers.score(lab, with_answer(model, q.id, wrong_answer(q.kind, canon)))
            failed = {r.id for r in results if r.status == Status.FAIL}
            expect(failed == {q.id}, f"lab {n}: a wrong answer to {q.id} fails {sorted(failed)}")
            count += 1
    return f"{count} wrong answers each fail their question"


def mutant_labs_dir(m: mutants.Mutant, workdir: Path) -> Path:
    """A copy of labs/ where m's lab is the reference with m's edits (earlier labs: reference)."""
    labs_dir = workdir / "labs"
    for n in (k for k in labs.STUDENT_LABS if k <= m.lab):
        d = labs.get(n).dir
        shutil.copytree(ROOT / "solutions" / d, labs_dir / d)
    path = labs_dir / labs.get(m.lab).dir / m.file
    text = path.read_text()
    for old, new in m.edits:
        expect(text.count(old) == 1, f"mutant {m.name}: {old!r} occurs {text.count(old)} times")
        text = text.replace(old, new)
    path.write_text(text)
    return labs_dir


def private_build(lab: int, workdir: Path) -> Path:
    """A build directory of its own for a stage built from a copy of labs/ (mutants run
    in parallel), started from the shared reference stage's objects."""
    build = workdir / "build"
    stage.seed(stage.directory(lab, sol=True), stage.directory(lab, build_dir=build))
    return build


def grade_mutant(m: mutants.Mutant, workdir: Path):
    """m's lab graded in workdir from a copy of labs/ where it is m: the earlier labs are
    the reference, built as PRIOR=sol; only the mutant's lab compiles (the reference's
    objects are there already)."""
    labs_dir = mutant_labs_dir(m, workdir)
    build = workdir / "build"
    answers_only = m.file == labs.get(m.lab).answers_file      # no build, no boot: the questions
    if not answers_only:
        stage.seed(stage.directory(m.lab, sol=True), stage.directory(m.lab, prior_sol=True, build_dir=build))
    return grading.grade_lab(m.lab, emu="bochs", labs_dir=str(labs_dir), timeout=m.timeout,
                             prior_sol=True, build_dir=build, only=labs.ANSWERS if answers_only else "")


def run_mutant(m: mutants.Mutant):
    with tempfile.TemporaryDirectory(prefix=f"hvlabs-mutant-{m.name}-") as d:
        start = time.monotonic()
        r = grade_mutant(m, Path(d))
        took = time.monotonic() - start
    got = failed_checks(r)
    expect(got == set(m.fails),
           f"failed {sorted(got)}, expected exactly {sorted(m.fails)}" + explain(r))
    reasons = " ".join(x.why for x in r.results if x.status == Status.FAIL) + " ".join(r.notes)
    expect(m.why in reasons, f"no failure explains itself with {m.why!r}" + explain(r))
    return f"{len(got)} checks fail as expected, graded in {took:.1f} s"


for _m in mutants.MUTANTS:
    _answers = _m.file == labs.get(_m.lab).answers_file
    register(lambda m=_m: run_mutant(m), f"mutant_lab{_m.lab}_{_m.name}",
             needs=[] if _answers else [(_m.lab, SOL)], cost=0.1 if _answers else 10)


@test(needs=[(1, SOL)])
def mutant_lab1_msrs_before_cpuid_faults_on_kvm():
    """The SDM's #GP(0) for a VMX MSR read without VMX, where an emulator really raises it:
    QEMU with KVM and `-cpu host,-vmx` (any host with /dev/kvm, nested VMX or not)."""
    if not emulators.kvm_present():
        raise Skipped("no usable /dev/kvm here")
    m = next(x for x in mutants.MUTANTS if x.name == "msrs_before_cpuid")
    with tempfile.TemporaryDirectory() as d:
        built = stage.build(1, labs_dir=str(mutant_labs_dir(m, Path(d))),
                            build_dir=private_build(1, Path(d)))
        expect(built.ok, built.log)
        r = boot.boot(emulators.make("kvm"), built.iso, Path(d) / "run",
                      grading.cmdline(1, "novmx", "0000cafe"), labs.get(1).scenario("novmx"))
    expect("FAIL: lab1/novmx [0000cafe]" in r.serial and "raised #GP(0)" in r.serial,
           f"no #GP(0) was reported ({r.ended}: {r.detail}):\n{r.serial[-600:]}")
    return f"#GP(0) caught and named, in {r.seconds:.1f} s"


# --- the student distribution ----------------------------------------------------

@test(cost=60)
def handout_grades_the_skeleton():
    """`make handout` leaves solutions out, and make grade/run work inside the export."""
    with tempfile.TemporaryDirectory() as d:
        dest = Path(d) / "handout"
        p = subprocess.run(["make", "-s", "-C", str(ROOT), "handout", f"HANDOUT={dest}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect(p.returncode == 0, p.stdout)
        expect(not (dest / "solutions").exists() and not (dest / "grader/tests/mutants.py").exists(),
               "the export contains solutions/ or the broken solutions")
        leaks = [str(f) for f in dest.rglob("*.c") if "END SOLUTION" in f.read_text()]
        expect(not leaks, f"solution regions in {leaks}")
        g = subprocess.run(["make", "-s", "-C", str(dest), "grade", "LAB=1", "EMU=bochs"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        full = labs.get(1).max_points
        expect(g.returncode != 0 and f"Score: 0/{full}" in g.stdout and "TODO(lab1)" in g.stdout
               and "For your instructor (answers-lab1.txt" in g.stdout,
               "make grade LAB=1 in the export:\n" + g.stdout[-1500:])
        r = subprocess.run(["make", "-s", "-C", str(dest), "run", "EMU=bochs"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect("your code (labs/)" in r.stdout and "TODO(lab" in r.stdout,
               "make run in the export:\n" + r.stdout[-1500:])
        t = subprocess.run(["make", "-s", "-C", str(dest), "test"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect(t.returncode == 2 and "for the course's maintainers" in t.stdout,
               "make test in the export: " + t.stdout[-500:])
        # The GitHub Classroom workflow: lab 1's step, run as GitHub Actions would, in a
        # workspace with the course's grader (course/) and the student's repository
        # (submission/), whose own grader is edited to give full marks: it changes nothing.
        flow = (dest / classroom.PATH).read_text()
        expect(all(f"LAB{n}_RESULTS" in flow for n in labs.STUDENT_LABS) and
               "runners: " + ",".join(f"lab{n}" for n in labs.STUDENT_LABS) in flow, flow)
        ws = Path(d) / "workspace"
        shutil.copytree(dest, ws / "course", symlinks=True)
        shutil.copytree(dest, ws / "submission", symlinks=True, ignore=shutil.ignore_patterns("build"))
        hacked = report.encode_classroom({"version": 1, "status": "pass", "max_score": full, "tests": [
            {"name": "hacked", "status": "pass", "score": full, "message": ""}]})
        (ws / "submission/grader/grade.py").write_text(
            f"import os\nopen(os.environ['GITHUB_OUTPUT'], 'a').write({hacked!r} + '\\n')\n")
        out = Path(d) / "github_output"
        c = subprocess.run(["bash", "-c", classroom.step_command(1)], cwd=ws, text=True,
                           env={**os.environ, "GITHUB_OUTPUT": str(out)},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        expect(c.returncode == 0 and out.read_text().startswith("result="), c.stdout[-800:])
        payload = json.loads(base64.b64decode(out.read_text().strip()[len("result="):]))
        names = [f"lab1/{s.name}/{k.id}" for s in labs.get(1).graded for k in s.checks
                 for _ in range(k.points)]
        expect(payload["max_score"] == full and payload["status"] == "fail" and
               [t["name"].split(":")[0] for t in payload["tests"]] == names and
               all(t["score"] == 0 and t["status"] in ("error", "fail") and t["message"]
                   for t in payload["tests"]) and
               sum(t["status"] == "error" for t in payload["tests"]) == sum(len(s.checks) for s in labs.get(1).graded),
               f"the classroom payload: {json.dumps(payload)[:800]}")
    return "make grade, make run, make test and the GitHub Classroom step behave there"


DOC_COMMAND = re.compile(r"`(make(?: [a-z][a-z-]*)?(?: [A-Z_]+=[^\s`]+)*)`")
# Targets whose command may end with status 1 (points missing, a lab or a Linux boot that stops early); make
# then exits 2 and says "Error 1", while a usage error of the grader says "Error 2".
DOC_MAY_FAIL = ("grade", "run", "debug", "linux")


def documented_commands(root: Path) -> list:
    """Every distinct `make ...` command that root's README.md and handouts show in backticks
    (placeholders such as CPU=... left out)."""
    text = "\n".join(p.read_text() for p in [root / "README.md", *sorted(root.glob("labs/*/README.md"))])
    return sorted({m.group(1) for m in DOC_COMMAND.finditer(text) if "..." not in m.group(1)})


@test(cost=150)
def distribution_commands_work_as_documented():
    """Every make command that the student distribution's README and handouts name runs
    inside an export: no unknown target, no usage error, no reference it does not have
    (make debug is fed the Bochs debugger's `c`). The export's VMCS reference holds
    digests, not lab 4's values."""
    with tempfile.TemporaryDirectory() as d:
        dest = Path(d) / "handout"
        p = subprocess.run(["make", "-s", "-C", str(ROOT), "handout", f"HANDOUT={dest}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect(p.returncode == 0, p.stdout)
        shipped = dest / vmcs_reference.DATA.relative_to(ROOT)
        expect(json.loads(shipped.read_text())["schema"] == vmcs_reference.DIGEST_SCHEMA and
               all(e.get("digests") for e in vmcs_reference.load(shipped).values()) and
               set(vmcs_reference.load(shipped)) == set(vmcs_reference.SCENARIOS),
               f"the export's {shipped.relative_to(dest)} is not the digest form of the reference's VMCS")
        commands = documented_commands(dest)

        def run(cmd):
            words = cmd.split()
            target = words[1] if len(words) > 1 and "=" not in words[1] else "all"
            r = subprocess.run(words + ["-s"], cwd=dest, env={**os.environ, "EMU": "bochs"},
                               text=True, timeout=600, input="c\nq\n" if target == "debug" else None,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            failed_as_allowed = target in DOC_MAY_FAIL and "] Error 1" in r.stdout and \
                "] Error 2" not in r.stdout
            if (r.returncode and not failed_as_allowed) or "solutions/" in r.stdout \
                    or "No rule to make target" in r.stdout:
                return [f"{cmd}: exit {r.returncode}\n      " + "\n      ".join(r.stdout.splitlines()[-4:])]
            return []

        # the commands without LAB= first, one after another (they build every stage or the
        # last); then those of one lab one after another (they share build/stageN-*,
        # build/run-labN-*), the labs side by side
        groups = {}
        for cmd in commands:
            lab = re.search(r"LAB=(\d+)", cmd)
            groups.setdefault(lab.group(1) if lab else "", []).append(cmd)
        bad = sum(map(run, groups.pop("", [])), [])
        with ThreadPoolExecutor(max_workers=2) as pool:
            for found in pool.map(lambda g: sum(map(run, g), []), groups.values()):
                bad += found
    expect(commands and not bad, f"{len(bad)} of {len(commands)} documented commands fail in the "
           "student distribution:\n  " + "\n  ".join(bad))
    return f"{len(commands)} documented commands"


@test(cost=60)
def batch_grades_a_class():
    """grade.py batch: a directory, a tar, a deleted student file, edited kernel and grader
    files, an empty submission, a hostile zip, a lab split into a helper file (the local grade
    and the batch grade agree); then a resume. No emulator is left behind."""
    import zipfile
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        shutil.copytree(ROOT / "solutions", d / "ref" / "labs")
        subprocess.run(["tar", "czf", str(d / "skel.tar.gz"), "-C", str(ROOT), "labs"], check=True)
        shutil.copytree(ROOT / "solutions", d / "hack" / "labs")
        (d / "hack/labs/01-detect/detect.c").unlink()
        (d / "hack/labs/01-detect/answers-lab1.txt").unlink()
        (d / "hack/kernel").mkdir()
        (d / "hack/kernel/main.c").write_text("/* edited */\n")
        # the reference, plus a harness that would pass everything and a grader that would
        # give points for nothing: it must get exactly the reference's grade
        shutil.copytree(ROOT / "solutions", d / "tamper" / "labs")
        (d / "tamper/kernel/harness").mkdir(parents=True)
        (d / "tamper/kernel/harness/harness.c").write_text(
            (ROOT / "kernel/harness/harness.c").read_text().replace('ok ? "PASS" : "FAIL"', '"PASS"'))
        (d / "tamper/grader/hvlabs").mkdir(parents=True)
        (d / "tamper/grader/hvlabs/labs.py").write_text("LABS = {}\n")
        (d / "empty").mkdir()
        # lab 1's code moved to a helper file, detect.c left with a comment only
        shutil.copytree(ROOT / "solutions", d / "multi" / "labs")
        lab1 = d / "multi/labs" / labs.get(1).dir
        (lab1 / "helper.c").write_text((lab1 / "detect.c").read_text())
        (lab1 / "detect.c").write_text("/* everything is in helper.c */\n")
        local = grading.grade_lab(1, emu="bochs", labs_dir=str(d / "multi/labs"),
                                  build_dir=d / "multi-build")
        with zipfile.ZipFile(d / "evil.zip", "w") as z:
            z.writestr("labs/01-detect/detect.c", "x")
            z.writestr("../outside", "boom")
        names = ("ref", "skel.tar.gz", "hack", "tamper", "empty", "evil.zip", "multi")
        temps_before = set(Path(tempfile.gettempdir()).glob("hvlabs-batch-*"))
        cmd = [sys.executable, str(GRADER / "grade.py"), "batch", *(str(d / s) for s in names),
               "--labs", "1", "--jobs", "2", "--emu", "bochs", "--out", str(d / "out"),
               "--csv", str(d / "grades.csv")]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect(p.returncode == 0, p.stdout)
        rows = {r.split(",")[0]: r.split(",")[1:] for r in (d / "grades.csv").read_text().splitlines()[1:]}
        full = str(labs.get(1).max_points)
        expect(rows["ref"][:3] == [full] * 3 and rows["skel"][0] == "0" and
               rows["hack"][0] == "0" and rows["tamper"][:3] == [full] * 3 and
               rows["empty"][0] == "0", f"unexpected grades: {rows}")
        answered = (d / "out" / batch.ANSWERS_FILE).read_text()
        expect("-- ref:" in answered and "-- skel:\n   (no answer)" in answered,
               f"the class's free-form answers: {answered[:600]}")
        expect("unsafe path" in rows["evil"][-1] and not (d.parent / "outside").exists(),
               f"the hostile archive: {rows['evil']}")
        expect(local.earned == labs.get(1).max_points and rows["multi"][:3] == [full] * 3,
               f"a lab split into a helper file: locally {local.earned}, in batch {rows['multi'][:3]}")
        hack = (d / "out/hack/report.txt").read_text()
        expect("kernel/main.c" in hack and "labs/01-detect/detect.c" in hack, hack[:400])
        tamper = (d / "out/tamper/report.txt").read_text()
        expect("kernel/harness/harness.c" in tamper and "grader/hvlabs/labs.py" in tamper, tamper[:600])
        index = (d / "out" / batch.OVERVIEW_HTML).read_text()
        expect(all(f'href="{n.split(".")[0]}/{batch.REPORT_HTML}"' in index and
                   (d / "out" / n.split(".")[0] / batch.REPORT_HTML).is_file() for n in names) and
               index.count('<tr class="distribution"') == sum(len(s.checks) for s in labs.get(1).graded),
               "the class overview does not link every submission's page or chart every check")
        empty = (d / "out/empty/report.txt").read_text()
        expect("none of the student files" in empty and "TODO(lab1)" in empty, empty[:600])
        again = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect(f"{len(names)} already graded" in again.stdout, again.stdout)
        left = subprocess.run(["pgrep", "-af", "hvlabs-batch-"], stdout=subprocess.PIPE, text=True).stdout
        expect(not left.strip(), f"emulators left running: {left}")
        leftover = set(Path(tempfile.gettempdir()).glob("hvlabs-batch-*")) - temps_before
        expect(not leftover, f"temporary directories left behind: {leftover}")
    return (f"{len(names)} submissions graded, tampering ignored, hostile archive refused, helper "
            "file graded alike, resume skips all")


# The broken solutions whose HTML reports html_report_in_chromium renders, per lab, and
# the VMCS fields their page must highlight (the entry checker's and a failed VM entry's).
HTML_MUTANTS = {4: "control_not_adjusted", 6: "hlt_rip_not_advanced"}
HTML_FLAGGED = {"control_not_adjusted": {"CPU_BASED_VM_EXEC_CONTROL", "VM_INSTRUCTION_ERROR"},
                "hlt_rip_not_advanced": set()}
# The fields whose value differs from the reference's VMCS (hvlabs/vmcs-reference.json).
HTML_DIFFERS = {"control_not_adjusted": {"CPU_BASED_VM_EXEC_CONTROL"}, "hlt_rip_not_advanced": set()}
FAIL_ROW = (0xff, 0xf4, 0xf4)          # a failed check's row (html_report.STYLE, tr.FAIL)


def chromium(page: Path, profile: Path, *args) -> subprocess.CompletedProcess:
    """Debian's chromium, headless, on the page (make deps installs it where solutions/ is)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    expect(exe, "no chromium: `make deps` installs Debian's chromium package")
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={profile}", *args, page.as_uri()], cwd=profile.parent,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)


@test(needs=[(4, SOL), (6, SOL)], cost=40)
def html_report_in_chromium():
    """grade.py --html of the reference and of a broken solution of labs 4 and 6, rendered
    by headless Chromium: its DOM has the score, every check (a failing one with its
    reason), the serial logs with their PASS/FAIL and `! ` lines marked, the VMCS fields
    the entry checker flagged highlighted, lab 4's broken VMCS next to the reference's
    with the differing field highlighted (none on the reference's page), and lab 6's timeline of every guest (a stuck
    HLT guest's longer), along the guests' instructions; its screenshot shows the failed checks'
    highlight (only the broken solution's)."""
    import htmlpage
    from hvlabs import html_report
    shots, hlt_exits = [], {}
    with tempfile.TemporaryDirectory(prefix="hvlabs-html-") as d:
        d = Path(d)
        for lab, name in HTML_MUTANTS.items():
            m = next(x for x in mutants.MUTANTS if x.lab == lab and x.name == name)
            booted = sum(len(s.checks) for s in labs.get(lab).graded if s.name != labs.ANSWERS)
            every = sum(len(s.checks) for s in labs.get(lab).graded)
            ref = d / f"lab{lab}-reference.html"
            p = subprocess.run([sys.executable, str(GRADER / "grade.py"), "--lab", str(lab), "--sol", "1",
                                "--emu", "bochs", "--html", str(ref)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            expect(p.returncode == 0 and f"The report as a web page: {ref}" in p.stdout, p.stdout[-2000:])
            broken = d / f"lab{lab}-{name}.html"
            r = grade_mutant(m, d / name)
            expect(failed_checks(r) == set(m.fails), f"mutant {name}: failed {sorted(failed_checks(r))}")
            html_report.write([r], broken)
            for page, report_ in ((ref, None), (broken, r)):
                p = chromium(page, d / "profile", "--dump-dom")
                expect(p.returncode == 0 and "</html>" in p.stdout, f"{page.name}: {p.stderr[-1500:]}")
                dom = htmlpage.Page(p.stdout)
                score = dom.tagged("span", id="score")
                expect(len(score) == 1, f"{page.name}: no score in the DOM")
                rows = dom.tagged("tr")
                checks = {a["data-check"]: a["class"] for a in rows if "data-check" in a}
                expect(len(checks) == every, f"{page.name}: {len(checks)} checks shown, not {every}")
                kinds = [a.get("data-kind") for a in dom.tagged("span") if a.get("data-kind")]
                if report_ is None:
                    expect(score[0]["data-earned"] == score[0]["data-possible"],
                           f"{page.name}: the reference shows {score[0]['data-earned']} points")
                    expect(set(checks.values()) == {"check PASS"} and "FAIL" not in kinds and
                           kinds.count("PASS") == booted,
                           f"{page.name}: checks {checks}, marked lines {kinds}")
                else:
                    expect(score[0]["data-earned"] == str(r.earned) and r.earned < r.possible,
                           f"{page.name}: score {score[0]}")
                    expect({c for c, k in checks.items() if k == "check FAIL"} == set(m.fails),
                           f"{page.name}: failed rows {checks}")
                    whys = [x.why for x in r.results if x.status == Status.FAIL]
                    expect(m.why in dom.all_text() and all(w in dom.all_text() for w in whys),
                           f"{page.name}: the failing checks' reasons are not on the page")
                    expect("FAIL" in kinds and "diag" in kinds, f"{page.name}: marked lines {kinds}")
                flagged = {a["data-field"] for a in rows if "flagged" in a.get("class", "")}
                expect(flagged == (HTML_FLAGGED[name] if report_ else set()),
                       f"{page.name}: highlighted VMCS fields {sorted(flagged)}")
                differs = {a["data-field"] for a in rows if "differs" in a.get("class", "")}
                expect(differs == (HTML_DIFFERS[name] if report_ else set()),
                       f"{page.name}: VMCS fields that differ from the reference's {sorted(differs)}")
                expect((lab == 4 and report_ is not None) == ("the reference's value" in dom.all_text()),
                       f"{page.name}: the reference's VMCS column is missing or out of place")
                guests = {g["data-guest"]: int(g["data-exits"]) for g in dom.tagged("g") if "data-guest" in g}
                if lab == 6:            # a timeline of every guest; the stuck HLT guest's is longer
                    expect("hlt" in guests, f"{page.name}: the timeline's guests {guests}")
                    axes = {a.get("data-axis") for a in dom.tagged("svg") if "timeline" in a.get("class", "")}
                    counted = [g for g in dom.tagged("g") if "data-guest" in g]
                    expect(axes == {"instructions"} and all(int(g.get("data-instructions", 0)) > 0
                                                           for g in counted),
                           f"{page.name}: the timeline's axis {axes}, not the guests' instructions")
                    hlt_exits[page.name] = guests["hlt"]
                else:
                    expect(not guests, f"{page.name}: a timeline in a lab without guests")
                shot = page.with_suffix(".png")
                p = chromium(page, d / "profile", f"--screenshot={shot}", "--window-size=1000,1400")
                expect(p.returncode == 0 and shot.is_file(), f"{page.name}: no screenshot: {p.stderr[-1500:]}")
                highlighted = htmlpage.png_colours(shot.read_bytes()).get(FAIL_ROW, 0)
                expect((highlighted > 2000) == (report_ is not None),
                       f"{shot.name}: {highlighted} pixels of a failed check's highlight")
                shots.append(f"{shot.name} {highlighted}")
    ref, broken = hlt_exits["lab6-reference.html"], hlt_exits["lab6-hlt_rip_not_advanced.html"]
    expect(broken > ref, f"the HLT guest's exits: reference {ref}, hlt_rip_not_advanced {broken}")
    return "rendered and screenshot: " + ", ".join(shots) + f"; HLT guest exits {ref} vs {broken}"


@test(cost=40)
def gradescope_autograder_in_a_simulated_layout():
    """make gradescope's zip, unpacked as Gradescope would, grading the reference and the skeleton."""
    import zipfile
    allowed = {"visible", "hidden", "after_due_date", "after_published"}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        p = subprocess.run(["make", "-s", "-C", str(ROOT), "gradescope", "LABS=1", f"BUILD={d}"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        expect(p.returncode == 0, p.stdout)
        scores = {}
        for who, src in (("reference", ROOT / "solutions"), ("skeleton", ROOT / "labs")):
            ag = d / who
            with zipfile.ZipFile(d / "hvlabs-autograder.zip") as z:
                z.extractall(ag / "source")
            shutil.copytree(src, ag / "submission" / "labs", ignore=shutil.ignore_patterns("*.md"))
            r = subprocess.run(["bash", str(ag / "source/run_autograder")], env={**os.environ,
                               "AUTOGRADER_ROOT": str(ag)}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            res = json.loads((ag / "results/results.json").read_text())
            tests = res["tests"]
            expect(tests and all(isinstance(t["name"], str) and t["status"] in ("passed", "failed")
                                 and 0 <= t["score"] <= t["max_score"] and t["visibility"] in allowed
                                 and isinstance(t["output"], str) for t in tests),
                   f"malformed tests in results.json: {tests[:2]}\n{r.stdout[-800:]}")
            expect(res["score"] == sum(t["score"] for t in tests) and res["visibility"] in allowed,
                   "the total score or visibility is wrong")
            expect(all(t["output"] for t in tests if t["status"] == "failed"),
                   "a failed test without an explanation")
            scores[who] = (res["score"], sum(t["max_score"] for t in tests))
    full = labs.get(1).max_points
    expect(scores["reference"] == (full, full) and scores["skeleton"] == (0, full), f"scores: {scores}")
    return f"reference {full}/{full}, skeleton 0/{full} in results.json"


# --- the VM-entry checker ------------------------------------------------------------

def boot_reference(n: int, scenario: str, nonce: str = "c0ffee00"):
    """Boots lab n's reference stage once in scenario; returns (serial, results)."""
    built = stage.build(n, sol=True)
    expect(built.ok, built.log)
    s = labs.get(n).scenario(scenario)
    with tempfile.TemporaryDirectory() as d:
        res = boot.boot(emulators.make("bochs"), built.iso, Path(d), grading.cmdline(n, scenario, nonce), s)
    from hvlabs import protocol
    return res.serial, protocol.score(n, s, nonce, res)


@test(needs=[(labs.STUDENT_LABS[-1], SOL)], cost=10)
def guest_transcripts_match_their_sources():
    """Each guest's source states its transcript under the reference (`make run`, nonce
    00000000); the demo must print exactly those lines, guest by guest."""
    import re
    serial, _ = boot_reference(labs.STUDENT_LABS[-1], "demo", "00000000")
    printed, current = {}, None
    for line in serial.splitlines():
        m = re.match(r'-- guest "(\w+)"', line)
        if m:
            current = printed.setdefault(m.group(1), [])
        elif current is not None and line.startswith("guest| "):
            current.append(line)
    stated = {}
    for src in sorted((ROOT / "kernel/guest").glob("*.c")):
        for m in re.finditer(r'Transcript of "(\w+)".*\n.*\n((?: \*   guest\| .*\n)+)', src.read_text()):
            stated[m.group(1)] = [l[len(" *   "):] for l in m.group(2).splitlines()]
    expect(printed and set(printed) == set(stated),
           f"guests in the demo {sorted(printed)} vs transcripts in kernel/guest {sorted(stated)}")
    wrong = [f"{g}: printed {printed[g]}, stated {stated[g]}" for g in printed if printed[g] != stated[g]]
    expect(not wrong, "\n".join(wrong))
    return f"{len(stated)} guests, {sum(map(len, stated.values()))} lines"


@test(needs=[(4, SOL)], cost=10)
def vmcs_check_agrees_with_bochs():
    """vmcs_check() against what VMLAUNCH really does, case by case (lab 4's hidden scenario)."""
    serial, results = boot_reference(4, "checker")
    bad = [f"{r.id}: {r.why}" for r in results if r.status != Status.PASS]
    disagree = [l for l in serial.splitlines() if l.startswith("CASE ") and "DISAGREE" in l]
    expect(not bad and not disagree, "\n  ".join(bad + disagree))
    figure = [l for l in serial.splitlines() if "agrees with the CPU on" in l]
    expect(figure, "no agreement figure printed")
    return figure[0].strip()


@test(needs=[(9, SOL)], cost=5)
def vmcs_check_agrees_with_bochs_in_real_mode():
    """vmcs_check()'s unrestricted-guest rules against what VMLAUNCH really does on a
    real-mode VMCS, case by case (lab 9's hidden scenario)."""
    serial, results = boot_reference(9, "checker")
    bad = [f"{r.id}: {r.why}" for r in results if r.status != Status.PASS]
    disagree = [l for l in serial.splitlines() if l.startswith("CASE ") and "DISAGREE" in l]
    expect(results and not bad and not disagree, "\n  ".join(bad + disagree) or "no results")
    figure = [l for l in serial.splitlines() if "agrees with the CPU on" in l]
    expect(figure, "no agreement figure printed")
    return figure[0].strip()


@test(needs=[(8, SOL)], cost=5)
def ept_explain_names_misconfigurations():
    """Planted EPT misconfigurations stop the guest and the kernel names the entry (lab 8's hidden scenario)."""
    serial, results = boot_reference(8, "explain")
    bad = [f"{r.id}: {r.why}" for r in results if r.status != Status.PASS]
    expect(results and not bad, "\n  ".join(bad) or "no results")
    return f"{len(results)} misconfigurations named"


@test(needs=[(5, SOL)], cost=5)
def vmcs_check_explains_launch_failures():
    """After each VM-entry failure lab 5 provokes, the kernel's checker names the broken rule."""
    serial, results = boot_reference(5, "vmx")
    lines = serial.splitlines()
    explained = [lines[i + 1] for i, l in enumerate(lines[:-1]) if l == "vmcs_check explains:"]
    tag = protocol.DIAG_TAG + "VMCS CHECK: "
    expect(len(explained) == 3 and all(l.startswith(tag) for l in explained),
           f"explanations: {explained}")
    return "; ".join(l[len(tag):].split(":")[0].strip() for l in explained)


# --- 7, 8: determinism and CPU models -------------------------------------------------

@test(needs=ALL_SOL, cost=60)
def serial_output_is_deterministic():
    """Every scenario of every lab's reference (the hidden ones too: the exit benchmark
    must print the same figures), booted twice: the same bytes."""
    backend = emulators.make("bochs")
    runs = []
    for n in labs.STUDENT_LABS:
        built = stage.build(n, sol=True)
        expect(built.ok, built.log)
        runs += [(n, s, built.iso) for s in labs.get(n).scenarios]

    def twice(run):
        n, s, iso = run
        with tempfile.TemporaryDirectory() as d:
            out = [boot.boot(backend, iso, Path(d) / str(i), grading.cmdline(n, s.name, "5eed5eed"), s)
                   for i in range(2)]
        return f"lab{n}/{s.name}", out[0].serial, out[1].serial

    with ThreadPoolExecutor(max_workers=CPUS) as pool:
        results = list(pool.map(twice, runs))
    differ = [name for name, a, b in results if not a or a != b]
    expect(not differ, "runs that printed different bytes (or nothing): " + ", ".join(differ))
    return f"{len(results)} scenarios, {sum(len(a) for _, a, _ in results)} bytes each time"


@test(needs=[(next(x for x in mutants.MUTANTS if x.name == "vmxoff_without_vmclear").lab, SOL)], cost=20)
def same_submission_same_grade_and_bytes():
    """A broken submission graded twice (same nonce): the same results and the same serial bytes."""
    m = next(x for x in mutants.MUTANTS if x.name == "vmxoff_without_vmclear")
    with tempfile.TemporaryDirectory() as d:
        labs_dir = mutant_labs_dir(m, Path(d))
        runs = []
        for i in range(2):
            keep = Path(d) / f"keep{i}"
            r = grading.grade_lab(m.lab, emu="bochs", labs_dir=str(labs_dir), nonce="0badc0de", keep=keep,
                                  build_dir=private_build(m.lab, Path(d)))
            serials = {p.relative_to(keep).as_posix(): p.read_bytes() for p in sorted(keep.rglob("serial.txt"))}
            runs.append(([(c.scenario, c.id, c.status, c.earned, c.why) for c in r.results], serials))
    expect(runs[0][1] and runs[0] == runs[1], "the two gradings differ:\n" +
           "\n".join(f"{a} | {b}" for a, b in zip(runs[0][0], runs[1][0]) if a != b))
    return f"{len(runs[0][0])} checks and {sum(map(len, runs[0][1].values()))} serial bytes, twice"


OTHER_MODELS = ("tigerlake", "corei7_skylake_x")


def model_sample() -> list:
    """(mutant, model): every other mutant of code (not answers, not hostile) on one of
    OTHER_MODELS in turn, so each model sees a quarter of them."""
    code = [m for m in mutants.MUTANTS if m.file != labs.get(m.lab).answers_file and not m.timeout
            and not m.why.startswith("did not build")]
    return [(m, OTHER_MODELS[(i // 2) % 2]) for i, m in enumerate(code) if i % 2 == 0]


@test(needs=ALL_SOL, cost=120)
def mutants_agree_on_other_models():
    """A sample of broken solutions graded with CPU=<another VMX model>: the same checks
    fail as on the scenarios' own models (checks CPU= cannot run there are SKIPs), except
    where a mutant names that model as one where the SDM lets the verdict differ."""
    def one(run):
        m, model = run
        with tempfile.TemporaryDirectory() as d:
            labs_dir = mutant_labs_dir(m, Path(d))
            build = Path(d) / "build"
            stage.seed(stage.directory(m.lab, sol=True), stage.directory(m.lab, prior_sol=True, build_dir=build))
            r = grading.grade_lab(m.lab, emu="bochs", cpu=model, labs_dir=str(labs_dir), prior_sol=True,
                                  build_dir=build, jobs=1)
        skipped = {f"{c.scenario}/{c.id}" for c in r.results if c.status == Status.SKIP}
        got = {f"{c.scenario}/{c.id}" for c in r.results if c.status == Status.FAIL}
        same = got == set(m.fails) - skipped
        return m, model, same == (model not in m.models), sorted(got)

    sample = model_sample()
    with ThreadPoolExecutor(max_workers=CPUS) as pool:
        results = list(pool.map(one, sample))
    bad = [f"{m.name} on {model}: failed {got}, on its own models {sorted(m.fails)}"
           + (" (marked as differing there, but it did not)" if model in m.models else "")
           for m, model, ok, got in results if not ok]
    expect(not bad, "verdicts that depend on the model:\n  " + "\n  ".join(bad))
    return f"{len(results)} mutants give their verdicts on {' and '.join(OTHER_MODELS)}"


@test(needs=[(1, SOL)], cost=20)
def bochs_models_match_the_table():
    built = stage.build(1, sol=True)
    expect(built.ok, built.log)

    def one(model):
        name = "vmx" if emulators.BOCHS_MODELS[model] else "novmx"
        with tempfile.TemporaryDirectory() as d:
            res = boot.boot(emulators.Bochs(model), built.iso, Path(d),
                            grading.cmdline(1, name, "0000cafe"), labs.get(1).scenario(name))
        summary = [l for l in res.serial.splitlines() if l.startswith("SUMMARY:")]
        ok = bool(summary) and summary[0].endswith(" 0 failed") and "ABORT" not in res.serial
        return model, ok, summary[0] if summary else protocol_reason(res)

    with ThreadPoolExecutor(max_workers=CPUS) as pool:
        results = list(pool.map(one, emulators.BOCHS_MODELS))
    bad = [f"{m}: {s}" for m, ok, s in results if not ok]
    expect(not bad, "models that do not behave as the table says:\n  " + "\n  ".join(bad))
    return f"{len(results)} models"


@test(needs=ALL_SOL, cost=90)
def labs_pass_on_three_more_models():
    """Every lab's reference on three other VMX models, one without EPT or unrestricted guest."""
    runs = [(model, n) for model in ("core2_penryn_t9600", "corei7_skylake_x", "tigerlake")
            for n in labs.STUDENT_LABS]

    def one(run):
        model, n = run
        r = grading.grade_lab(n, sol=True, emu="bochs", cpu=model)
        # scenarios without VMX are skipped on a VMX model, those that need EPT on a model
        # without it (lab 8 on core2_penryn_t9600); everything else must pass
        ept = {sc.name for sc in labs.get(n).scenarios if sc.needs_ept}
        if any(x.status == Status.FAIL for x in r.results) or \
                any(x.status == Status.SKIP and x.scenario != "novmx" and
                    not (x.scenario in ept and model in emulators.BOCHS_WITHOUT_EPT) for x in r.results):
            return f"lab {n} on {model}: {r.earned}/{r.possible}" + explain(r)
        return ""

    with ThreadPoolExecutor(max_workers=CPUS) as pool:
        bad = [b for b in pool.map(one, runs) if b]
    expect(not bad, "\n".join(bad))
    return f"{len(runs)} gradings"


def protocol_reason(res):
    return protocol.end_reason(res, res.serial.splitlines())


# --- runner ------------------------------------------------------------------------

TIMES = BUILD / "selftest-times.json"     # each test's last duration: long tests start first


def remember_builds(build):
    """stage.build that runs make once per stage directory and arguments, then returns the
    same result: the sources do not change while the suite runs, and an up-to-date make
    costs a few tenths of a second each of the hundred times tests ask for a stage."""
    done, lock = {}, threading.Lock()

    def once(lab, sol=False, prior_sol=False, labs_dir="labs", build_dir=BUILD, jobs=0):
        key = (lab, sol, prior_sol, str(labs_dir), str(build_dir))
        with lock:
            key_lock = done.setdefault(key, [threading.Lock(), None])
        with key_lock[0]:
            if key_lock[1] is None or not key_lock[1].ok:
                key_lock[1] = build(lab, sol=sol, prior_sol=prior_sol, labs_dir=labs_dir,
                                    build_dir=build_dir, jobs=jobs)
            return key_lock[1]
    return once


def prepare(chosen: list, jobs: int) -> str:
    """Builds every shared stage the chosen tests boot, once, before they start (tests
    then find them up to date and never build one directory at the same time): the
    largest reference stage first with make -j, the others started from its objects,
    in parallel."""
    needs = sorted({need for t in chosen for need in t.needs})
    if not needs:
        return ""
    start = time.monotonic()
    top = max(n for n, _ in needs)
    stage.build(top, sol=True, jobs=jobs)
    rest = [(n, v) for n, v in needs if (n, v) != (top, SOL)]
    for n, v in rest:
        stage.seed(stage.directory(top, sol=True), stage.directory(n, v == SOL, v == PRIOR_SOL))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda nv: stage.build(nv[0], sol=nv[1] == SOL, prior_sol=nv[1] == PRIOR_SOL), rest))
    # a stage that does not build is reported by the tests that need it
    return f"{len(needs)} stages built or up to date in {time.monotonic() - start:.1f} s"


def run_one(t) -> tuple:
    """(outcome, line, seconds): outcome one of ok, skip, FAIL, ERROR."""
    t0 = time.monotonic()
    try:
        info = t()
        took = time.monotonic() - t0
        return "ok", f"ok    {t.__name__} ({took:.1f} s){': ' + info if info else ''}", took
    except Skipped as e:
        return "skip", f"skip  {t.__name__}: {e}", time.monotonic() - t0
    except Failed as e:
        return "FAIL", f"FAIL  {t.__name__}: {e}", time.monotonic() - t0
    except Exception as e:  # a bug in the test or the grader: report it, keep going
        return "ERROR", f"ERROR {t.__name__}: {type(e).__name__}: {e}", time.monotonic() - t0


def load_times() -> dict:
    try:
        return json.loads(TIMES.read_text())
    except (OSError, ValueError):
        return {}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tier", choices=TIERS, default="test",
                    help="test: everything (make test); check: the fast tier (make check)")
    ap.add_argument("--only", default="", help="run the tests whose name contains this")
    ap.add_argument("--jobs", type=int, default=CPUS, help="tests at a time (default: one per CPU)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        raise UsageError("selftest: --jobs takes a number of tests at a time, 1 or more")
    chosen = [t for t in TESTS if args.tier in t.tiers and args.only in t.__name__]
    if args.list:
        print("\n".join(t.__name__ for t in chosen))
        return 0
    if not chosen:
        raise UsageError(f"selftest: no test of tier {args.tier} has {args.only!r} in its name (--list shows them)")

    start = time.monotonic()
    stage.build = remember_builds(stage.build)
    slots = tempfile.mkdtemp(prefix="hvlabs-selftest-slots-")
    os.environ[boot.SLOTS_ENV] = f"{slots}:{CPUS}"   # also for the grade.py, make, ... tests start
    print(f"make {args.tier}: {len(chosen)} tests, {args.jobs} at a time", flush=True)
    try:
        built = prepare(chosen, args.jobs)
        if built:
            print(f"make {args.tier}: {built}", flush=True)
        times = load_times()
        order = sorted(chosen, key=lambda t: -times.get(t.__name__, t.cost))
        counts = {"ok": 0, "skip": 0, "FAIL": 0, "ERROR": 0}
        lock = threading.Lock()
        pool = ThreadPoolExecutor(max_workers=args.jobs)
        try:
            pending = {pool.submit(run_one, t): t for t in order}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    t = pending.pop(f)
                    outcome, line, took = f.result()
                    with lock:
                        counts[outcome] += 1
                        times[t.__name__] = round(took, 1)
                        print(line, flush=True)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        try:
            TIMES.parent.mkdir(parents=True, exist_ok=True)
            TIMES.write_text(json.dumps(times, indent=0, sort_keys=True) + "\n")
        except OSError:
            pass
    finally:
        shutil.rmtree(slots, ignore_errors=True)
    passed, failed, skipped = counts["ok"], counts["FAIL"] + counts["ERROR"], counts["skip"]
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    print(f"make {args.tier}: {time.monotonic() - start:.0f} s ({cpu:.0f} s of CPU time)")
    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main_exit(main))
