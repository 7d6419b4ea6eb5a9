"""The labs as data: which scenarios each lab boots, and what each check is worth.

The table is kernel/harness/checks.def, which the kernel harness reads too (by
X-macro): a check's id, points and text are written once, there. This module
parses it into Lab, Scenario and Check records.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

DEF = Path(__file__).resolve().parent.parent.parent / "kernel" / "harness" / "checks.def"

from .errors import UsageError


@dataclass(frozen=True)
class Check:
    id: str
    points: int
    what: str
    kind: str = ""            # questions only: NUMBER, NUMBERS, CHOICE, WORDS or TEXT
    key: str = ""             # questions only: the model answer's digest (grader/hvlabs/answers.py)


ANSWERS = "answers"           # the scenario that holds a lab's questions: graded without a boot
KINDS = ("NUMBER", "NUMBERS", "CHOICE", "WORDS", "TEXT")


@dataclass(frozen=True)
class Scenario:
    name: str                 # passed to the kernel as scenario=<name>
    needs_vmx: bool           # True: a CPU with VMX; False: a CPU without
    needs_ept: bool = False   # a CPU with VMX and EPT (checks.def: .vmx = VMX_EPT)
    firmware: str = "latest"  # Bochs BIOS: "latest" (IA32_FEATURE_CONTROL locked, enabled) or "legacy"
    cpu: str = ""             # Bochs CPU model this scenario is about ("": the backend's default)
    checks: tuple = ()
    timeout: float = 20.0     # seconds of wall time before the run is killed
    megs: int = 64            # the emulated machine's RAM, MiB
    linux: bool = False       # boots the stage's ISO with Linux and the initramfs as modules
    hidden: bool = False      # a maintainers' scenario: run only when named (--scenario), never graded
    provoked: tuple = ()      # emulator-log or kernel lines the harness causes on purpose: not shown as hints


@dataclass(frozen=True)
class Lab:
    number: int
    name: str
    files: tuple              # the student files, relative to labs/NN-name/
    scenarios: tuple = field(default_factory=tuple)
    questions: tuple = ()     # answers-labN.txt's questions (Check records with a kind), in order

    @property
    def dir(self) -> str:
        return f"{self.number:02d}-{self.name}"

    def scenario(self, name: str) -> Scenario:
        for s in self.scenarios:
            if s.name == name:
                return s
        raise UsageError(f"hvlabs: lab {self.number} has no scenario '{name}' "
                         f"(it has: {', '.join(s.name for s in self.scenarios)})")

    @property
    def graded(self) -> tuple:
        """The scenarios a grade runs (all but the hidden ones)."""
        return tuple(s for s in self.scenarios if not s.hidden)

    @property
    def answers_file(self) -> str:
        return f"answers-lab{self.number}.txt"

    @property
    def max_points(self) -> int:
        return sum(c.points for s in self.graded for c in s.checks)



class DefError(Exception):
    """checks.def does not parse: a maintainer's mistake, named with its line."""


TOKEN = re.compile(r'\s+|/\*.*?\*/|//[^\n]*|"(?:[^"\\\n]|\\.)*"|-?\d+|[A-Za-z_]\w*|[(){},.=]', re.S)
VMX = {"VMX_REQUIRED": True, "VMX_ABSENT": False, "VMX_ANY": False, "VMX_EPT": True}


def tokens(text: str) -> list:
    """(kind, value, line) for each token: 'str', 'int', 'name' or the punctuation itself."""
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            line = text.count("\n", 0, pos) + 1
            raise DefError(f"{DEF.name}:{line}: unexpected {text[pos:pos + 20]!r}")
        tok, line = m.group(0), text.count("\n", 0, pos) + 1
        pos = m.end()
        if tok[0].isspace() or tok.startswith(("/*", "//")):
            continue
        if tok[0] == '"':
            value = re.sub(r"\\(.)", r"\1", tok[1:-1])
            if out and out[-1][0] == "str":          # adjacent literals are one string
                out[-1] = ("str", out[-1][1] + value, out[-1][2])
                continue
            out.append(("str", value, line))
        elif tok[0].isdigit() or tok[0] == "-":
            out.append(("int", int(tok), line))
        elif tok[0].isalpha() or tok[0] == "_":
            out.append(("name", tok, line))
        else:
            out.append((tok, tok, line))
    return out


def rows(text: str) -> list:
    """(kind, positional args, {attribute: value}, line) for each LAB/SCENARIO/CHECK/QUESTION row."""
    toks, i, out = tokens(text), 0, []

    def expect(kind):
        nonlocal i
        if i >= len(toks) or toks[i][0] != kind:
            got = toks[i][1] if i < len(toks) else "the end of the file"
            raise DefError(f"{DEF.name}:{toks[min(i, len(toks) - 1)][2]}: expected {kind}, got {got!r}")
        i += 1
        return toks[i - 1][1]

    def value():
        nonlocal i
        kind, v, _ = toks[i]
        if kind == "{":
            i += 1
            items = []
            while toks[i][0] != "}":
                items.append(value())
                if toks[i][0] == ",":
                    i += 1
            i += 1
            return tuple(items)
        if kind not in ("str", "int", "name"):
            expect("a value")
        i += 1
        return {"true": True, "false": False}.get(v, v) if kind == "name" else v

    while i < len(toks):
        kind, line = expect("name"), toks[i - 1][2]
        if kind not in ("LAB", "SCENARIO", "CHECK", "QUESTION"):
            raise DefError(f"{DEF.name}:{line}: unknown row {kind}")
        expect("(")
        args, attrs = [], {}
        while toks[i][0] != ")":
            if toks[i][0] == ".":
                i += 1
                key = expect("name")
                expect("=")
                attrs[key] = value()
            else:
                args.append(value())
            if toks[i][0] == ",":
                i += 1
        i += 1
        out.append((kind, args, attrs, line))
    return out


def load(path: Path = DEF) -> dict:
    """The LABS table from checks.def. A lab's graded questions (points > 0) become the
    checks of its scenario ANSWERS, which the grader scores without booting."""
    labs, scenarios, checks, questions = {}, {}, {}, {}
    for kind, args, attrs, line in rows(path.read_text()):
        if kind == "LAB":
            n, name = args
            labs[n] = (name, tuple(attrs.get("files", ())))
            questions[n] = []
        elif kind == "SCENARIO":
            n, name = args
            if n not in labs or (n, name) in scenarios or name == ANSWERS:
                raise DefError(f"{path.name}:{line}: scenario {name} of an unknown lab, twice, or reserved")
            scenarios[(n, name)] = dict(
                needs_vmx=VMX[attrs["vmx"]], needs_ept=attrs["vmx"] == "VMX_EPT",
                firmware=attrs.get("firmware", "latest"),
                cpu=attrs.get("cpu", ""), timeout=float(attrs.get("timeout", 20)),
                megs=int(attrs.get("megs", 64)), linux=attrs.get("linux", False),
                hidden=attrs.get("hidden", False), provoked=tuple(attrs.get("provoked", ())))
            checks[(n, name)] = []
        elif kind == "QUESTION":
            n, qid, points, qkind, what = args
            if n not in labs or any(q.id == qid for q in questions[n]):
                raise DefError(f"{path.name}:{line}: question {qid} of an unknown lab or twice")
            if qkind not in KINDS or (qkind == "TEXT") != (points == 0):
                raise DefError(f"{path.name}:{line}: question {qid}: kind one of {', '.join(KINDS)}; "
                               f"TEXT questions (for the instructor) and only they have 0 points")
            questions[n].append(Check(qid, points, what, qkind, attrs.get("key", "")))
        else:
            n, scenario, cid, points, what = args
            if (n, scenario) not in scenarios:
                raise DefError(f"{path.name}:{line}: check {cid} of an unknown scenario {scenario}")
            if any(c.id == cid for c in checks[(n, scenario)]):
                raise DefError(f"{path.name}:{line}: check {scenario}/{cid} twice")
            checks[(n, scenario)].append(Check(cid, points, what))
    out = {}
    for n, (name, files) in labs.items():
        graded = [Scenario(s, checks=tuple(checks[(m, s)]), **attrs)
                  for (m, s), attrs in scenarios.items() if m == n]
        scored = tuple(q for q in questions[n] if q.points)
        if scored:
            graded.append(Scenario(ANSWERS, needs_vmx=False, checks=scored))
        out[n] = Lab(n, name, files, tuple(graded), tuple(questions[n]))
    return out


LABS = load()

STUDENT_LABS = sorted(n for n in LABS if n > 0)


def get(number: int) -> Lab:
    try:
        return LABS[number]
    except KeyError:
        raise UsageError(f"hvlabs: there is no lab {number} (labs: {', '.join(map(str, STUDENT_LABS))})")
