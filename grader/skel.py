#!/usr/bin/env python3
"""Generate the student skeleton (labs/) from the reference solution (solutions/).

In solutions/NN-name/*.c, each region

        /* BEGIN SOLUTION
         * todo: what is missing, for the TODO line the stub prints
         * stub: one statement of the stub
         * stub: another statement
         */
        ...reference code...
        /* END SOLUTION */

becomes, in labs/NN-name/*.c,

        todo(N, __func__, "what is missing, ...");
        one statement of the stub
        another statement

Everything outside the regions (the exercise comments and hints) is kept.

solutions/NN-name/answers-labN.txt, the model answers to a lab's questions, becomes
labs/NN-name/answers-labN.txt with every answer blank (grader/hvlabs/answers.py), and
the digest of each graded model answer is written into its QUESTION row of
kernel/harness/checks.def as .key = "...".

  skel.py --check   exit 1 if the committed labs/ differs from what would be generated
  skel.py --write   regenerate labs/; refuses to overwrite a file edited since the last
                    generation (labs/.skel.sha256 records what was generated) unless --force
"""
import argparse
import hashlib
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import answers, labs  # noqa: E402
from hvlabs.errors import main_exit  # noqa: E402
from hvlabs.paths import ROOT  # noqa: E402

MANIFEST = "labs/.skel.sha256"
BEGIN = re.compile(r"^(?P<indent>\s*)/\* BEGIN SOLUTION(?P<rest>.*)$")
END = re.compile(r"^\s*/\* END SOLUTION \*/\s*$")
DIRECTIVE = re.compile(r"^\s*\*?\s*(?P<key>todo|stub):\s?(?P<value>.*?)\s*$")


class SkelError(Exception):
    pass


def lab_number(lab_dir: str) -> int:
    """'01-detect' -> 1."""
    m = re.match(r"(\d+)-", lab_dir)
    if not m:
        raise SkelError(f"{lab_dir}: a lab directory is named NN-name")
    return int(m.group(1))


def c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(source: str, lab: int, where: str) -> str:
    """The skeleton text for one solution file."""
    lines = source.splitlines(keepends=True)
    out = []
    i = 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        if not m:
            if END.match(lines[i]):
                raise SkelError(f"{where}:{i + 1}: END SOLUTION without BEGIN SOLUTION")
            out.append(lines[i])
            i += 1
            continue
        start = i
        indent = m.group("indent")
        header = [m.group("rest")]
        while "*/" not in header[-1]:
            i += 1
            if i == len(lines):
                raise SkelError(f"{where}:{start + 1}: unterminated BEGIN SOLUTION comment")
            header.append(lines[i])
        todo, stubs = None, []
        for h in header:
            d = DIRECTIVE.match(h.replace("*/", ""))
            if d and d.group("key") == "todo":
                todo = d.group("value")
            elif d:
                stubs.append(d.group("value"))
        if todo is None:
            raise SkelError(f"{where}:{start + 1}: BEGIN SOLUTION needs a 'todo:' line")
        i += 1
        while i < len(lines) and not END.match(lines[i]):
            if BEGIN.match(lines[i]):
                raise SkelError(f"{where}:{i + 1}: nested BEGIN SOLUTION")
            i += 1
        if i == len(lines):
            raise SkelError(f"{where}:{start + 1}: BEGIN SOLUTION without END SOLUTION")
        i += 1
        out.append(f"{indent}todo({lab}, __func__, {c_string(todo)});\n")
        out.extend(f"{indent}{s}\n" for s in stubs)
    return "".join(out)


QUESTION_ROW = re.compile(r"QUESTION\(\s*(\d+)\s*,\s*(\w+)\s*,")


def row_end(text: str, start: int) -> int:
    """The index of the ')' that closes the row opened at text[start:] (strings skipped)."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise SkelError("checks.def: a QUESTION row is not closed")


def keyed_table(table: str, keys: dict) -> str:
    """checks.def's text with each graded QUESTION row's .key set from keys {(lab, id): key};
    a row keys does not name loses its .key."""
    out, pos = [], 0
    for m in QUESTION_ROW.finditer(table):
        end = row_end(table, m.start())
        row = re.sub(r',\s*\.key\s*=\s*"[^"]*"', "", table[m.start():end])
        key = keys.get((int(m.group(1)), m.group(2)))
        out += [table[pos:m.start()], row + (f', .key = "{key}"' if key else "")]
        pos = end
    return "".join(out) + table[pos:]


def expected_files(root: Path) -> dict:
    """{'labs/01-detect/detect.c': text, ..., 'kernel/harness/checks.def': text} generated
    from solutions/ (checks.def: with the answer keys of solutions/*/answers-lab*.txt)."""
    result, keys = {}, {}
    for sol in sorted((root / "solutions").glob("[0-9][0-9]-*/*.c")):
        lab_dir = sol.parent.name
        rel = f"labs/{lab_dir}/{sol.name}"
        result[rel] = generate(sol.read_text(), lab_number(lab_dir), str(sol.relative_to(root)))
    table_path = root / "kernel" / "harness" / "checks.def"
    table = labs.load(table_path)
    for n, lab in sorted(table.items()):
        model = root / "solutions" / lab.dir / lab.answers_file
        where = str(model.relative_to(root))
        if not lab.questions:
            if model.exists():
                raise SkelError(f"{where}: checks.def has no QUESTION rows for lab {n}")
            continue
        if not model.exists():
            raise SkelError(f"{where}: missing (checks.def has QUESTION rows for lab {n})")
        try:
            text = model.read_text()
            result[f"labs/{lab.dir}/{lab.answers_file}"] = answers.student_copy(lab, text, where)
            keys.update({(n, q): k for q, k in answers.keys(lab, text, where).items()})
        except answers.AnswersError as e:
            raise SkelError(str(e))
    result["kernel/harness/checks.def"] = keyed_table(table_path.read_text(), keys)
    return result


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read_manifest(root: Path) -> dict:
    path = root / MANIFEST
    if not path.exists():
        return {}
    entries = {}
    for line in path.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        entries[name] = digest
    return entries


def check(root: Path, out=None) -> int:
    """Exit status 1 if labs/ differs from what write() would generate; says so on out
    (default: stdout)."""
    out = out or sys.stdout
    want = expected_files(root)
    problems = []
    for rel, text in want.items():
        path = root / rel
        if not path.exists():
            problems.append(f"{rel}: missing (run `make skel`)")
        elif path.read_text() != text:
            problems.append(f"{rel}: differs from what `make skel` generates from solutions/"
                            + (" (an answer key is stale)" if rel.endswith(".def") else ""))
    for path in sorted([*(root / "labs").glob("[0-9][0-9]-*/*.c"),
                        *(root / "labs").glob("[0-9][0-9]-*/answers-lab*.txt")]):
        rel = str(path.relative_to(root))
        if rel not in want:
            problems.append(f"{rel}: has no counterpart in solutions/")
    for p in problems:
        print(f"skel: {p}", file=out)
    if not problems:
        print(f"skel: labs/ matches solutions/ ({len(want)} files)", file=out)
    return 1 if problems else 0


def write(root: Path, force: bool) -> int:
    want = expected_files(root)
    manifest = read_manifest(root)
    edited = []
    for rel in want:
        path = root / rel
        if rel.startswith("labs/") and path.exists() and not force:
            current = sha256(path.read_text())
            if manifest.get(rel) != current:
                edited.append(rel)
    if edited:
        for rel in edited:
            print(f"skel: {rel} was edited since it was generated; not overwriting")
        print("skel: nothing written (FORCE_SKEL=1 overwrites, losing those edits)")
        return 1
    for rel, text in want.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"skel: wrote {rel}")
    (root / MANIFEST).write_text("".join(f"{sha256(t)}  {r}\n" for r, t in sorted(want.items())
                                         if r.startswith("labs/")))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--root", type=Path, default=ROOT)
    args = ap.parse_args(argv)
    try:
        return check(args.root) if args.check else write(args.root, args.force)
    except SkelError as e:
        print(f"skel: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main_exit(main))
