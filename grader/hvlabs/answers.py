"""Questions to answer: labs/NN-name/answers-labN.txt, read and scored without a boot.

The file is a list of blocks, each a line "[id]" (the id of a QUESTION row of
checks.def, in the table's order), the question's lines, and a line "answer: ...".
How the answer line is read is the row's KIND (labs.KINDS): a NUMBER, NUMBERS, CHOICE
letters or WORDS answer is made canonical and its digest compared with the row's .key;
a TEXT answer (which may go on over the following lines) is not scored but listed in
the report for the instructor.

The model answers are solutions/NN-name/answers-labN.txt, where the lines after each
answer explain it. `make skel` derives the student's copy from it (answers blanked,
explanations dropped, each [id] line saying how it is graded) and writes each key into
checks.def. A key hides the model answer from a casual reader of the student
distribution; it is no secret from someone who tries every choice (a guess costs the
same), so a graded question is worth a point or two, not a lab.
"""
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .labs import ANSWERS, Check, Lab
from .protocol import CheckResult
from .states import Status

HEADER = re.compile(r"^\[([a-z0-9_]+)\]")
ANSWER = re.compile(r"^answer:[ \t]*(.*?)\s*$")
HOW = {
    "NUMBER": "one number (decimal, or hex written 0x...)",
    "NUMBERS": "numbers separated by commas, in any order (decimal, or hex written 0x...)",
    "CHOICE": "the letter of each right option, separated by commas (e.g. a, c)",
    "WORDS": "names separated by commas, in any order and case",
}


class AnswersError(Exception):
    """The model answers file does not fit the table: a maintainer's mistake."""


class Unreadable(Exception):
    """A student's answer is not of the kind its question asks for: the message says why."""


@dataclass
class Block:
    id: str
    header: str                                     # the "[id] ..." line as written
    question: list = field(default_factory=list)    # the lines between header and answer
    answer: str = ""                                # the rest of the "answer:" line
    more: list = field(default_factory=list)        # the lines after it (explanation, free text)
    has_answer_line: bool = False


def parse(text: str) -> tuple:
    """(intro lines, [Block]) of an answers file."""
    intro, blocks = [], []
    for line in text.splitlines():
        m = HEADER.match(line)
        if m:
            blocks.append(Block(m.group(1), line))
        elif not blocks:
            intro.append(line)
        elif not blocks[-1].has_answer_line and ANSWER.match(line):
            blocks[-1].has_answer_line = True
            blocks[-1].answer = ANSWER.match(line).group(1)
        elif blocks[-1].has_answer_line:
            blocks[-1].more.append(line)
        else:
            blocks[-1].question.append(line)
    return intro, blocks


def _number(token: str) -> int:
    t = token.strip().lower().replace("_", "")
    if re.fullmatch(r"-?0x[0-9a-f]+", t):
        return int(t, 16)
    if re.fullmatch(r"-?\d+", t):
        return int(t, 10)
    raise Unreadable(f"{token.strip()!r} is not a number (write hex as 0x...)")


def _items(answer: str, sep: str = r"[,\s]+") -> list:
    """The non-empty items of answer split at sep (commas or blanks; WORDS: commas only)."""
    return [t for t in re.split(sep, answer.strip()) if t]


def canonical(kind: str, answer: str) -> str:
    """The answer in one spelling per meaning: "43" for "0x2b"; "1,3" for "3, 0x1";
    "a,c" for "c) A"; "cr3-load exiting" for " CR3-load  Exiting". Raises Unreadable."""
    if not answer.strip():
        raise Unreadable("no answer yet")
    if kind == "NUMBER":
        if len(answer.split()) != 1:
            raise Unreadable(f"{answer!r}: one number, nothing else, on the answer line")
        return str(_number(answer))
    items = _items(answer, "," if kind == "WORDS" else r"[,\s]+")
    if kind == "NUMBERS":
        return ",".join(str(n) for n in sorted({_number(t) for t in items}))
    if kind == "CHOICE":
        letters = set()
        for t in items:
            m = re.fullmatch(r"\(?([a-zA-Z])\)?", t)
            if not m:
                raise Unreadable(f"{t!r} is not an option letter (answer like: a, c)")
            letters.add(m.group(1).lower())
        return ",".join(sorted(letters))
    if kind == "WORDS":
        return ",".join(sorted({" ".join(t.lower().split()) for t in items}))
    raise AnswersError(f"no way to read a {kind} answer")


def digest(lab: int, qid: str, canon: str) -> str:
    """The key of checks.def for the canonical answer canon of lab's question qid."""
    return hashlib.sha256(f"hvlabs/lab{lab}/{qid}/{canon}".encode()).hexdigest()[:24]


def _matched(lab: Lab, text: str, where: str) -> list:
    """The blocks of text, which must be exactly the lab's questions, in order."""
    _, blocks = parse(text)
    want, got = [q.id for q in lab.questions], [b.id for b in blocks]
    if want != got:
        raise AnswersError(f"{where}: its questions are [{', '.join(got)}]; checks.def lists "
                           f"[{', '.join(want)}] for lab {lab.number}")
    for b in blocks:
        if not b.has_answer_line:
            raise AnswersError(f"{where}: [{b.id}] has no 'answer:' line")
    return blocks


def keys(lab: Lab, model: str, where: str) -> dict:
    """{question id: key} of the model answers file's text (graded questions only)."""
    out = {}
    for q, b in zip(lab.questions, _matched(lab, model, where)):
        if q.kind != "TEXT":
            try:
                out[q.id] = digest(lab.number, q.id, canonical(q.kind, b.answer))
            except Unreadable as e:
                raise AnswersError(f"{where}: [{q.id}]: the model answer: {e}")
    return out


def header(q: Check) -> str:
    """The [id] line of the student's copy: how the question is graded."""
    if q.kind == "TEXT":
        return f"[{q.id}] for your instructor, not graded by make grade; answer in your own words " \
               f"(the lines below the answer line count too)"
    return f"[{q.id}] graded by make grade, {q.points} point{'s' if q.points > 1 else ''}: {HOW[q.kind]}"


def student_copy(lab: Lab, model: str, where: str) -> str:
    """The student's answers file derived from the model one: each header saying how
    it is graded, each answer blank, each explanation gone."""
    intro, _ = parse(model)
    out = list(intro)
    for q, b in zip(lab.questions, _matched(lab, model, where)):
        out += [header(q), *b.question, "answer: ", ""]
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def path(lab: Lab, labs_dir: Path) -> Path:
    return labs_dir / lab.dir / lab.answers_file


def score(lab: Lab, text) -> tuple:
    """([CheckResult] of the graded questions, [(question, answer text)] of the TEXT ones)
    for the student's answers file text (None: the file is missing)."""
    results, free = [], []
    blocks = {}
    if text is not None:
        for b in parse(text)[1]:
            blocks.setdefault(b.id, b)
    for q in lab.questions:
        b = blocks.get(q.id)
        if q.kind == "TEXT":
            answer = "" if b is None else "\n".join([b.answer, *b.more]).strip()
            free.append((q, answer))
            continue
        if text is None:
            why = f"labs/{lab.dir}/{lab.answers_file} is missing"
        elif b is None or not b.has_answer_line:
            why = f"no [{q.id}] block with an 'answer:' line in {lab.answers_file}"
        else:
            try:
                ok = digest(lab.number, q.id, canonical(q.kind, b.answer)) == q.key
                why = "" if ok else f"the answer {b.answer!r} is not the expected one"
            except Unreadable as e:
                why = str(e)
        passed = not why
        results.append(CheckResult(ANSWERS, q.id, q.what, q.points, q.points if passed else 0,
                                   Status.PASS if passed else Status.FAIL, why))
    return results, free

