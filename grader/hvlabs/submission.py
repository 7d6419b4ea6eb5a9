"""A student's submission, unpacked safely and reduced to the student files of each lab.

What a student submits is one rule, the build's own: every C source and header
directly in a lab's folder, labs/NN-name/*.c and *.h (the Makefile compiles the .c
files there, for make run and make grade alike), and, apart from the build, each
lab's answers to its questions, labs/NN-name/answers-labN.txt. Grading builds the course as it is
(kernel/, grader/, the harnesses and guests) with only those files taken from the
submission; a lab folder the submission lacks, or holds no such file in, is the skeleton's;
everything else is ignored, and the report says which of those files differ from
the course. Where students upload files one by one (Gradescope), a file at the
submission's top whose name a lab's .files lists goes to that lab's folder.
"""
import shutil
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import labs
from .paths import ROOT
STUDENT_FILES = tuple(f"labs/{lab.dir}/{f}" for n, lab in sorted(labs.LABS.items()) if n > 0
                      for f in lab.files)  # the course's own student files (checks.def's .files)
ANSWER_FILES = tuple(f"labs/{lab.dir}/{lab.answers_file}" for n, lab in sorted(labs.LABS.items())
                     if lab.questions)    # the answers to each lab's questions (not built)
STUDENT_PATTERNS = ("*.c", "*.h")   # what a lab folder contributes to the build
MAX_FILE = 1 << 20            # bytes: a larger student file is refused
MAX_FILES = 16                # student files per lab folder: more is refused
MAX_IGNORED_LISTED = 20


class SubmissionError(Exception):
    """The submission cannot be graded at all; the message says why."""


@dataclass
class Submission:
    name: str
    labs_dir: Path                                  # a labs/ tree to build with
    missing: list = field(default_factory=list)     # student files absent: graded as the skeleton
    unanswered: list = field(default_factory=list)  # answers-labN.txt absent: the course's blank copy
    ignored: list = field(default_factory=list)     # other files that differ from the course
    placed: list = field(default_factory=list)      # loose files mapped to their lab: "x.c -> labs/.../x.c"
    unplaced: list = field(default_factory=list)    # loose .c/.h files that name no lab's file


def _safe_member(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts:
        raise SubmissionError(f"the archive holds an unsafe path: {name!r} (nothing was extracted)")
    return p


def _extract(entries: list, dest: Path) -> None:
    """entries: (name, kind, open) with kind "dir", "file" or "other" (links, devices:
    skipped; a submission is source files). Every name is checked before anything is written."""
    for name, _, _ in entries:
        _safe_member(name)
    for name, kind, opener in entries:
        out = dest / name
        if kind == "dir":
            out.mkdir(parents=True, exist_ok=True)
        elif kind == "file":
            out.parent.mkdir(parents=True, exist_ok=True)
            with opener() as f_in, open(out, "wb") as f_out:
                shutil.copyfileobj(f_in, f_out)


def _extract_tar(src: Path, dest: Path) -> None:
    with tarfile.open(src) as t:
        _extract([(m.name, "dir" if m.isdir() else "file" if m.isfile() else "other",
                   lambda m=m: t.extractfile(m)) for m in t.getmembers()], dest)


def _extract_zip(src: Path, dest: Path) -> None:
    with zipfile.ZipFile(src) as z:
        _extract([(i.filename, "dir" if i.is_dir() else "file", lambda i=i: z.open(i))
                  for i in z.infolist()], dest)


def unpack(src: Path, work: Path) -> Path:
    """The submission's top directory: src itself, a clone of a git repository, or an archive's contents."""
    if src.is_dir() and not (src / "HEAD").is_file():
        return src
    dest = work / "unpacked"
    dest.mkdir(parents=True)
    if src.is_dir():                                  # a bare git repository
        p = subprocess.run(["git", "clone", "-q", str(src), str(dest / "repo")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            raise SubmissionError(f"git clone failed: {p.stdout.strip()}")
        return dest / "repo"
    try:
        if zipfile.is_zipfile(src):
            _extract_zip(src, dest)
        elif tarfile.is_tarfile(src):
            _extract_tar(src, dest)
        else:
            raise SubmissionError("neither a directory, a git repository, a tar nor a zip archive")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as e:
        raise SubmissionError(f"the archive could not be read: {e}")
    entries = [e for e in dest.iterdir() if e.name != "__MACOSX"]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else dest


def _differs(path: Path, course: Path) -> bool:
    return not course.is_file() or path.stat().st_size != course.stat().st_size or \
        path.read_bytes() != course.read_bytes()


def student_files(top: Path) -> list:
    """The student files of the tree at top, by the one rule: labs/NN-name/*.c and *.h
    for each lab of the course, regular files only, as paths relative to top."""
    found = []
    for n, lab in sorted(labs.LABS.items()):
        folder = top / "labs" / lab.dir
        if n == 0 or not folder.is_dir():
            continue
        mine = sorted({p for pattern in STUDENT_PATTERNS for p in folder.glob(pattern)
                       if p.is_file() and not p.is_symlink()})
        if len(mine) > MAX_FILES:
            raise SubmissionError(f"labs/{lab.dir} holds {len(mine)} .c/.h files; at most {MAX_FILES}")
        found += [p.relative_to(top).as_posix() for p in mine]
    return found


def loose_files(top: Path, student: set) -> tuple:
    """Files at the submission's root that the one rule would have in a lab folder (an
    upload of detect.c alone, as web forms do): {their lab path: the file} for the
    names a lab's .files lists (checks.def) whose lab the submission has no folder
    for, and the other .c/.h files at the root, which cannot be placed."""
    owner = {PurePosixPath(rel).name: rel for rel in STUDENT_FILES + ANSWER_FILES}
    submitted_labs = {rel.split("/")[1] for rel in student if rel not in ANSWER_FILES}
    placed, unplaced = {}, []
    for p in sorted(top.iterdir()):
        if not p.is_file() or p.is_symlink() or p.suffix not in (".c", ".h", ".txt"):
            continue
        rel = owner.get(p.name)
        if rel in ANSWER_FILES and rel not in student:
            placed[rel] = p
        elif p.suffix == ".txt":
            continue
        elif rel and rel.split("/")[1] not in submitted_labs:
            placed[rel] = p
        else:
            unplaced.append(p.name)
    return placed, unplaced


def prepare(src: Path, work: Path, name: str = "", loose: bool = False) -> Submission:
    """Unpacks src under work and builds work/labs from its student files (the skeleton where
    one is missing). loose: also take a lab's files from the submission's root (loose_files)."""
    top = unpack(src, work)
    sub = Submission(name or src.name.split(".")[0], work / "labs")
    found = {rel: top / rel for rel in student_files(top)}
    found.update({rel: top / rel for rel in ANSWER_FILES
                  if (top / rel).is_file() and not (top / rel).is_symlink()})
    if loose:
        placed, sub.unplaced = loose_files(top, set(found))
        found.update(placed)
        sub.placed = [f"{p.name} -> {rel}" for rel, p in sorted(placed.items())]
    student = set(found)
    # A lab folder with none of its files is the skeleton's; one with some is graded as
    # the build would compile it: exactly those files. Answers are taken wherever given.
    submitted_labs = {rel.split("/")[1] for rel in student if rel not in ANSWER_FILES}
    skeleton = {rel for rel in STUDENT_FILES if rel.split("/")[1] not in submitted_labs}
    skeleton |= {rel for rel in ANSWER_FILES if rel not in student and (ROOT / rel).is_file()}
    for rel in sorted(student | skeleton):
        mine = found.get(rel)
        out = sub.labs_dir / rel.split("/", 1)[1]
        out.parent.mkdir(parents=True, exist_ok=True)
        if mine:
            if mine.stat().st_size > MAX_FILE:
                raise SubmissionError(f"{rel} is larger than {MAX_FILE // 1024} KiB")
            shutil.copyfile(mine, out)
        else:
            shutil.copyfile(ROOT / rel, out)
            (sub.unanswered if rel in ANSWER_FILES else sub.missing).append(rel)
    taken = {p.relative_to(top).as_posix() for p in found.values()}
    for path in sorted(top.rglob("*")):
        rel = path.relative_to(top).as_posix()
        if path.is_file() and not path.is_symlink() and rel not in taken and \
                rel not in sub.unplaced and \
                not rel.startswith((".git/", "build/")) and _differs(path, ROOT / rel):
            sub.ignored.append(rel)
    return sub


def describe(sub: Submission) -> list:
    """Lines for the report: what was graded as the skeleton, what was ignored."""
    out = []
    if sub.placed:
        out.append("taken from the submission's top folder as their lab's files: " + ", ".join(sub.placed))
    if sub.unplaced:
        out.append("not graded, they could not be placed in a lab (put them in labs/NN-name/): "
                   + ", ".join(sub.unplaced))
    if len(sub.missing) == len(STUDENT_FILES):
        out.append("empty: the submission holds none of the student files (labs/NN-name/*.c), "
                   "so it is graded as the untouched skeleton")
    elif sub.missing:
        out.append("missing, graded as the untouched skeleton: " + ", ".join(sub.missing))
    if sub.unanswered and len(sub.unanswered) < len(ANSWER_FILES):
        out.append("no answers to the questions of: " + ", ".join(sub.unanswered))
    if sub.ignored:
        shown = sub.ignored[:MAX_IGNORED_LISTED]
        more = len(sub.ignored) - len(shown)
        out.append("ignored (only the labs' student files are graded; these differ from the course): "
                   + ", ".join(shown) + (f" and {more} more" if more else ""))
    return out
