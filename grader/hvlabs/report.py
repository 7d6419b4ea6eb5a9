"""Grade reports: the console table students read, and JSON / JUnit XML / GitHub
Classroom payloads for machines."""
import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .states import Status


@dataclass
class LabReport:
    lab: int
    name: str
    source: str                    # where the student files came from
    backend: str
    results: list = field(default_factory=list)     # protocol.CheckResult
    build_ok: bool = True
    build_errors: list = field(default_factory=list)
    notes: list = field(default_factory=list)       # per-scenario tails and hints, for failures
    answers: list = field(default_factory=list)     # free-form answers: {"id", "what", "answer"}
    # Each scenario's run, for the HTML report (not in the JSON, whose keys are listed
    # in CONTRIBUTING.md): {"scenario", "serial", "ended", "detail", "backend", "seconds"}.
    runs: list = field(default_factory=list)

    @property
    def earned(self) -> int:
        return sum(r.earned for r in self.results)

    @property
    def possible(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def skipped(self) -> int:
        return sum(r.points for r in self.results if r.status == Status.SKIP)


# ANSI (ECMA-48) escape sequences: CSI (ESC [ parameters final), OSC (ESC ] text,
# ended by BEL or ESC \\), and the others (ESC, intermediate bytes, one final byte).
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~])")
# What no report may hold: C0 controls but tab and newline, DEL, C1 controls, lone
# surrogates, and the two non-characters XML 1.0 forbids.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _escape(m) -> str:
    c = ord(m.group(0))
    if 0xd800 <= c <= 0xdfff or c > 0xff:
        return "\ufffd"
    return f"\\x{c:02x}"


def clean_text(text: str) -> str:
    """text that came from a student's kernel (serial lines, reasons, notes, compiler
    output), made safe for every report: ANSI escapes removed, CR LF made LF, every
    other control character but tab and newline written as a visible \\xNN, lone
    surrogates and XML's non-characters replaced by U+FFFD. Text without such
    characters is returned unchanged, so clean reports stay byte-identical."""
    if not UNSAFE.search(text):
        return text
    text = ANSI.sub("", text).replace("\r\n", "\n")
    return UNSAFE.sub(_escape, text)


def clean(value):
    """value with clean_text applied to every string in it (dicts, lists, tuples)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


SHARED_REASONS = ("not reported:", "not checked:", "the stage did not build")
SHARED_AT = 5                  # as many checks failing for the very same reason: listed together


def console(report: LabReport) -> str:
    out = [f"== Lab {report.lab} \"{report.name}\" ({report.source}) on {report.backend}"]
    if not report.build_ok:
        out.append("The stage did not build, so every check fails. The compiler said:")
        out += [f"  {l}" for l in report.build_errors]
    width = max([len(f"{r.scenario}/{r.id}") for r in report.results] + [5])
    out.append(f"  {'check':<{width}}  result  points  time")
    for r in report.results:
        out.append(f"  {r.scenario + '/' + r.id:<{width}}  {r.status:<6}  "
                   f"{r.earned:>2}/{r.points:<3}  {r.seconds:4.1f}s")
    # Checks that failed for one shared reason (the run stopped, the stage did not build,
    # a prerequisite failed, or SHARED_AT checks with one reason) are listed together;
    # the others each with their own reason.
    failed = [r for r in report.results if r.status != Status.PASS]
    if failed:
        out.append("")
    shared, count = {}, {}
    for r in failed:
        count[(r.status, r.why)] = count.get((r.status, r.why), 0) + 1
    for r in failed:
        if r.status == Status.SKIP or r.why.startswith(SHARED_REASONS) or \
                (r.why and count[(r.status, r.why)] >= SHARED_AT):
            shared.setdefault((r.status, r.why), []).append(f"{r.scenario}/{r.id}")
    done = set()
    for r in failed:
        key = (r.status, r.why)
        if key in shared:
            if key not in done:
                done.add(key)
                out.append(f"  {r.status} {', '.join(shared[key])}:")
                out.append(f"       {r.why}")
            continue
        out.append(f"  {r.status} {r.scenario}/{r.id}: {r.what}")
        if r.why:
            out.append(f"       {r.why}")
    for note in report.notes:
        out.append("")
        out += note.splitlines()
    out += instructor_answers(report)
    skipped = f" ({report.skipped} points skipped: not gradeable on this emulator)" if report.skipped else ""
    out.append(f"Score: {report.earned}/{report.possible}{skipped}")
    return clean_text("\n".join(out))


def instructor_answers(report: LabReport) -> list:
    """The console lines of the free-form answers (not graded here; read by the instructor)."""
    if not report.answers:
        return []
    out = ["", f"  For your instructor (answers-lab{report.lab}.txt, not graded by make grade):"]
    for a in report.answers:
        out.append(f"    [{a['id']}] {a['what']}")
        lines = a["answer"].splitlines() or ["(no answer yet)"]
        out += [f"       | {l}" for l in lines[:40]]
        if len(lines) > 40:
            out.append(f"       | ... ({len(lines) - 40} more lines)")
    return out


SCHEMA = "hvlabs-grade/1"          # --json of grading: CONTRIBUTING.md, "Grades as JSON"
BATCH_SCHEMA = "hvlabs-batch/1"    # grade.py batch --json: one hvlabs-grade/1 per submission
CHECK_FIELDS = ("scenario", "id", "what", "points", "earned", "status", "why", "seconds")


def to_json(reports: list) -> dict:
    """The documented JSON of a grade (schema hvlabs-grade/1): no internal fields, no
    machine paths, kernel text cleaned."""
    return clean({
        "schema": SCHEMA,
        "score": sum(r.earned for r in reports),
        "max_score": sum(r.possible for r in reports),
        "labs": [{
            "lab": r.lab, "name": r.name, "source": r.source, "backend": r.backend,
            "score": r.earned, "max_score": r.possible, "skipped_points": r.skipped,
            "build_ok": r.build_ok, "build_errors": list(r.build_errors), "notes": list(r.notes),
            "answers": [dict(a) for a in r.answers],
            "checks": [{k: (str(v) if k == "status" else round(v, 3) if k == "seconds" else v)
                        for k, v in asdict(c).items() if k in CHECK_FIELDS} for c in r.results],
        } for r in reports],
    })


def write_json(reports: list, path: Path) -> None:
    path.write_text(json.dumps(to_json(reports), indent=2) + "\n")


def notes_of(report: LabReport, scenario: str) -> list:
    """The notes of one scenario's run (grading.note_for writes "  -- <scenario>: ..." headings)."""
    return [n for n in report.notes if n.lstrip().startswith(f"-- {scenario}:")]


def by_scenario(report: LabReport) -> dict:
    """{scenario: [its CheckResults]}, in the report's order."""
    out = {}
    for c in report.results:
        out.setdefault(c.scenario, []).append(c)
    return out


def write_junit(reports: list, path: Path) -> None:
    """JUnit XML, valid by the Jenkins xunit plugin's JUnit schema (junit-10.xsd): one
    <testsuite> per lab and scenario (one boot: its time is the suite's; a check has no
    time of its own), one <testcase> per check. A failure's text is the notes of its
    own scenario, or the compiler's output when the stage did not build; the points
    are <properties>. Text from the kernel goes through clean_text()."""
    suites = ET.Element("testsuites", name="hvlabs")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for r in reports:
        for scenario, checks in by_scenario(r).items():
            seconds = max(c.seconds for c in checks)
            failures = sum(c.status == Status.FAIL for c in checks)
            suite = ET.SubElement(suites, "testsuite", name=f"lab{r.lab}-{r.name}.{scenario}",
                                  tests=str(len(checks)), failures=str(failures), errors="0",
                                  skipped=str(sum(c.status == Status.SKIP for c in checks)),
                                  time=f"{seconds:.3f}")
            props = ET.SubElement(suite, "properties")
            for name, value in (("lab", r.lab), ("scenario", scenario), ("backend", r.backend),
                                ("source", r.source),
                                ("points", sum(c.earned for c in checks)),
                                ("max_points", sum(c.points for c in checks))):
                ET.SubElement(props, "property", name=name, value=clean_text(str(value)))
            for c in checks:
                ET.SubElement(props, "property", name=f"{c.id}.points", value=f"{c.earned}/{c.points}")
            if r.build_ok:
                detail = "\n".join(notes_of(r, scenario))
            else:
                detail = "\n".join(["The stage did not build. The compiler said:", *r.build_errors])
            for c in checks:
                case = ET.SubElement(suite, "testcase", classname=f"lab{r.lab}.{scenario}", name=c.id)
                if c.status == Status.FAIL:
                    ET.SubElement(case, "failure", type="build" if not r.build_ok else "check",
                                  message=clean_text(c.why or c.what)).text = clean_text(detail)
                elif c.status == Status.SKIP:
                    ET.SubElement(case, "skipped", message=clean_text(c.why))
            totals["tests"] += len(checks)
            totals["failures"] += failures
            totals["time"] += seconds
    for k, v in totals.items():
        suites.set(k, f"{v:.3f}" if k == "time" else str(v))
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


CLASSROOM_VERSION = 1


def _point_tests(name: str, points: int, passed: bool, message: str, seconds: float = 0.0) -> list:
    """One Classroom test per point of a check, each worth 1. The reporter's log computes
    a runner's points as passed tests / all tests x max_score and its recorded total as
    the sum of the tests' scores; with every test worth one point the two are equal.
    A failed check's first test has status "error", the one status whose message the
    reporter prints (in place of the test's name, so the message starts with the name);
    its other points are plain "fail"s with the same message."""
    tests = []
    for k in range(1, points + 1):
        status = "pass" if passed else ("error" if k == 1 else "fail")
        tests.append({
            "name": name + (f" [point {k}/{points}]" if points > 1 else ""),
            "status": status, "score": 1 if passed else 0,
            "message": "" if passed else f"{name}: {message}" if message else name,
            "line_no": 0, "filename": "", "test_code": "",
            "execution_time": f"{seconds:.1f}s",
        })
    return tests


def to_classroom(reports: list) -> dict:
    """The result a GitHub Classroom grading runner hands to autograding-grading-reporter:
    status, max_score and one test per point (see _point_tests), named after its check.
    A check worth no points (a protocol problem) has no test: it would change the
    reporter's passed/all ratio; the console report lists it."""
    tests = []
    for r in reports:
        for c in r.results:
            why = c.why or ("the stage did not build" if not r.build_ok else "")
            if not r.build_ok and r.build_errors:
                why += ": " + r.build_errors[0]
            tests += _point_tests(f"lab{r.lab}/{c.scenario}/{c.id}: {c.what}", c.points,
                                  c.status == Status.PASS, why, c.seconds)
    earned, possible = sum(r.earned for r in reports), sum(r.possible for r in reports)
    return clean({"version": CLASSROOM_VERSION, "status": "pass" if earned == possible else "fail",
                  "max_score": possible, "tests": tests})


def classroom_error(numbers: list, reason: str) -> dict:
    """The result of a runner whose grading could not run at all (no emulator, a crash):
    status "error", the labs' points as max_score and one failed test per point, the
    first saying why, so that the reporter still parses it and shows the reason."""
    from . import labs                                    # the table may be what failed
    try:
        points = sum(labs.get(n).max_points for n in numbers)
    except Exception:
        points = 0
    name = "grading lab " + ", ".join(map(str, numbers)) + " could not run"
    tests = _point_tests(name, max(points, 1), False, reason)
    for t in tests[1:]:
        t["message"] = ""                                 # the reason once, in the first
    return clean({"version": CLASSROOM_VERSION, "status": "error", "max_score": points, "tests": tests})


def encode_classroom(payload: dict) -> str:
    """The line a grading step appends to $GITHUB_OUTPUT: result=<base64 JSON>."""
    return "result=" + base64.b64encode(json.dumps(payload).encode()).decode()


def append_classroom_output(reports: list, path: Path, payload: dict = None) -> None:
    """Appends `result=<base64 JSON>` to path, a GitHub Actions step's $GITHUB_OUTPUT:
    the reports' result, or payload (classroom_error's) if given."""
    with open(path, "a") as f:
        f.write(encode_classroom(payload or to_classroom(reports)) + "\n")
