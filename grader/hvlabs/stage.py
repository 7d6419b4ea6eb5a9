"""Building a stage: `make stage` for one lab, with the student files from labs/,
solutions/, or solutions/ for the earlier labs (PRIOR=sol). Compile errors come back
as text for the report, never as an exception."""
import fcntl
import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .paths import BUILD, ROOT


@dataclass
class Build:
    ok: bool
    iso: Path
    log: str
    seconds: float = 0.0


def variant(sol: bool, prior_sol: bool) -> str:
    return "sol" if sol else "prior-sol" if prior_sol else "labs"


def directory(lab: int, sol: bool = False, prior_sol: bool = False, build_dir: Path = BUILD) -> Path:
    """Where stage lab of this variant is built: build_dir/stage<lab>-<variant>."""
    return build_dir / f"stage{lab}-{variant(sol, prior_sol)}"


@contextmanager
def locked(out: Path):
    """Holds out's build lock (a file next to it): one make at a time per stage directory,
    across threads and processes, so that parallel callers never corrupt a build."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def require_sources(lab: int, sol: bool, prior_sol: bool) -> None:
    """Raises UsageError if stage lab's variant needs solutions/ and this tree has none."""
    if (sol or prior_sol) and lab > 0 and not (ROOT / "solutions").is_dir():
        raise UsageError("hvlabs: SOL=1 and PRIOR=sol take files from solutions/, which the "
                         "student distribution leaves out: there, fix the earlier lab the "
                         "message names first (your instructor's grader has the reference)")


def build(lab: int, sol: bool = False, prior_sol: bool = False, labs_dir: str = "labs",
          build_dir: Path = BUILD, jobs: int = 0) -> Build:
    """Runs make for stage lab; the ISO lands in build_dir/stage<lab>-<variant>/.
    jobs > 1: make -j jobs."""
    require_sources(lab, sol, prior_sol)
    out = directory(lab, sol, prior_sol, build_dir)
    cmd = ["make", "-s", "--no-print-directory", "-C", str(ROOT), "stage", f"LAB={lab}",
           f"SOL={1 if sol else 0}", f"PRIOR={'sol' if prior_sol else 'labs'}",
           f"LABS_DIR={labs_dir}", f"O={out}"] + ([f"-j{jobs}"] if jobs > 1 else [])
    start = time.monotonic()
    with locked(out):
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return Build(p.returncode == 0, out / "hvlabs.iso", p.stdout, time.monotonic() - start)


def seed(src: Path, dest: Path) -> bool:
    """Starts stage directory dest from src's objects, if dest has none yet: every stage
    compiles the same kernel with the same flags, so make then compiles only what
    differs (the step files) and links. The objects keep their times (make sees them
    up to date) and their dependency files are rewritten to name dest, so that a
    later change to a header still rebuilds them. Returns whether it copied anything."""
    if not (src / "obj").is_dir() or (dest / "obj").exists():
        return False
    tmp = dest / "obj.seeding"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src / "obj", tmp)
    # make names the objects by O as it was given: absolute (the grader) or relative to ROOT
    names = [str(src.resolve())]
    if src.resolve().is_relative_to(ROOT):
        names.append(str(src.resolve().relative_to(ROOT)))
    old = re.compile(r"(?:^|(?<=\s))(?:" + "|".join(map(re.escape, names)) + r")/obj/", re.M)
    new = f"{dest.resolve()}/obj/"
    for d in tmp.rglob("*.d"):
        stat = d.stat()
        d.write_text(old.sub(lambda _: new, d.read_text()))
        os.utime(d, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    tmp.rename(dest / "obj")
    return True


def error_excerpt(log: str, limit: int = 20) -> list:
    """The compiler's and linker's error lines first, then whatever else fits."""
    lines = log.splitlines()
    errors = [l for l in lines if "error" in l.lower() or "undefined reference" in l]
    return (errors or lines)[:limit]
