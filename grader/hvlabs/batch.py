"""Grading a class: many submissions, in parallel, resumable, into CSV and JSON.

Each submission is graded in a temporary directory of its own (unpacked files,
build tree, emulator runs), against the course's kernel and harnesses; its report
(text and HTML) and result go to OUT/<name>/, the class's free-form answers, question by
question, to OUT/answers.txt, and an HTML overview of the class (scores, and per check
a chart of how many passed) to OUT/index.html. A submission whose OUT/<name>/result.json exists is not graded
again, so an interrupted batch resumes where it stopped.
"""
import csv
import json
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import grading, html_report, labs, report, stage, submission
from .errors import UsageError


def build_cache(labs_: list, prior_sol: bool, cache: Path) -> None:
    """Builds each stage once from the course's own labs/, so that every submission's
    build can start from these objects: kernel, harness and guests are the same for
    all of them, and only the student files need compiling."""
    for n in labs_:
        stage.build(n, prior_sol=prior_sol, build_dir=cache)


def seed_build(cache: Path, build_dir: Path) -> None:
    """Copies the cached objects (with their times, so make sees them up to date)."""
    for d in sorted(cache.glob("stage*")):
        if (d / "obj").is_dir():
            shutil.copytree(d / "obj", build_dir / d.name / "obj", dirs_exist_ok=True)


def parse_labs(text: str) -> list:
    """'1-5' or '1,3,4' -> [1, 2, 3, 4, 5] / [1, 3, 4]. A range keeps the labs that
    exist (labs may be numbered with gaps); a single number is kept, to be refused by name."""
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += ([int(lo)] if not hi else
                [n for n in range(int(lo), int(hi) + 1) if n in labs.LABS])
    return out


def grade_one(src: Path, labs_: list, out: Path, emu: str, prior_sol: bool,
              cache: Path = None) -> dict:
    """Grades one submission into out/<name>/ (starting from cache's objects, if given);
    returns its entry of the batch's JSON: name, error (why it was not graded, or ""),
    notes (missing and ignored files) and grade (hvlabs-grade/1, or None if not graded)."""
    name = src.name.split(".")[0]
    work = Path(tempfile.mkdtemp(prefix=f"hvlabs-batch-{name}-"))
    result = {"name": name, "error": "", "notes": [], "grade": None}
    text, reports, preface = [], [], []
    try:
        sub = submission.prepare(src, work, name)
        text += submission.describe(sub)
        if cache:
            seed_build(cache, work / "build")
        for n in labs_:
            r = grading.grade_lab(n, prior_sol=prior_sol, emu=emu, jobs=1,
                                  labs_dir=str(sub.labs_dir), build_dir=work / "build",
                                  source=f"submission {name}")
            text.append(report.console(r))
            reports.append(r)
        result["notes"] = preface = submission.describe(sub)
        result["grade"] = report.to_json(reports)
    except submission.SubmissionError as e:
        result["error"] = str(e)
        text.append(f"not graded: {e}")
        preface = [f"not graded: {e}"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    dest = out / name
    dest.mkdir(parents=True, exist_ok=True)
    html_report.write(reports, dest / REPORT_HTML, f"hvlabs grade: {name}", preface)
    (dest / "report.txt").write_text(report.clean_text("\n".join(text)) + "\n")
    (dest / "result.json").write_text(json.dumps(report.clean(result), indent=2) + "\n")   # last: marks it done
    return result


ANSWERS_FILE = "answers.txt"      # the class's free-form answers, question by question
REPORT_HTML = "report.html"       # OUT/<name>/: a submission's HTML report
OVERVIEW_HTML = "index.html"      # OUT/: the class overview, linking to them


def write_answers(results: list, labs_: list, path: Path) -> None:
    """path: every submission's free-form answers (answers-labN.txt's TEXT questions),
    grouped by lab and question, so an instructor reads one question across the class;
    nothing is written when the labs ask none."""
    out = []
    for n in labs_:
        for q in (q for q in labs.get(n).questions if q.kind == "TEXT"):
            out += [f"== lab {n} [{q.id}] {q.what}", ""]
            for r in results:
                lab = next((l for l in (r["grade"] or {"labs": []})["labs"] if l["lab"] == n), None)
                text = next((a["answer"] for a in (lab or {}).get("answers", []) if a["id"] == q.id), "")
                out.append(f"-- {r['name']}:")
                out += [f"   {l}" for l in (text.splitlines() or ["(no answer)"])]
            out.append("")
    if out:
        path.write_text(report.clean_text("\n".join(out)))


def score(entry: dict) -> int:
    return entry["grade"]["score"] if entry["grade"] else 0


def graded(out: Path, name: str) -> bool:
    """Whether out/<name>/result.json holds a finished entry of this schema (an older
    one is graded again)."""
    try:
        return "grade" in json.loads((out / name / "result.json").read_text())
    except (OSError, ValueError):
        return False


def run(sources: list, labs_: list, out: Path, jobs: int, emu: str = "bochs",
        prior_sol: bool = False, csv_path: Path = None, json_path: Path = None,
        quiet: bool = False) -> list:
    out.mkdir(parents=True, exist_ok=True)
    names = [s.name.split(".")[0] for s in sources]
    if len(set(names)) != len(names):
        raise UsageError("batch: two submissions have the same name")
    todo = [s for s in sources if not graded(out, s.name.split(".")[0])]
    if not quiet:
        print(f"batch: {len(sources)} submissions, {len(sources) - len(todo)} already graded, "
              f"labs {labs_}, {jobs} at a time", flush=True)
    done, lock, start = 0, threading.Lock(), time.monotonic()
    cache = Path(tempfile.mkdtemp(prefix="hvlabs-batch-cache-"))
    if todo:
        build_cache(labs_, prior_sol, cache)

    def one(src):
        nonlocal done
        r = grade_one(src, labs_, out, emu, prior_sol, cache)
        with lock:
            done += 1
            left = (time.monotonic() - start) / done * (len(todo) - done)
            status = r["error"] or f"{score(r)} points"
            if not quiet:
                print(f"[{done}/{len(todo)}] {r['name']}: {status} (ETA {left:.0f} s)", flush=True)
        return r

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            list(pool.map(one, todo))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    results = [json.loads((out / n / "result.json").read_text()) for n in names]
    if csv_path:
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["name"] + [f"lab{n}" for n in labs_] + ["total", "max", "error"])
            for r in results:
                by_lab = {l["lab"]: l["score"] for l in (r["grade"] or {"labs": []})["labs"]}
                scores = [by_lab.get(n, 0) for n in labs_]
                possible = sum(labs.get(n).max_points for n in labs_)
                w.writerow([r["name"]] + scores + [sum(scores), possible, r["error"]])
    write_answers(results, labs_, out / ANSWERS_FILE)
    (out / OVERVIEW_HTML).write_text(html_report.overview(results, labs_, REPORT_HTML), encoding="utf-8")
    if not quiet:
        print(f"batch: the class overview as a web page: {out / OVERVIEW_HTML}", flush=True)
    if json_path:
        json_path.write_text(json.dumps({"schema": report.BATCH_SCHEMA, "labs": labs_,
                                         "submissions": results}, indent=2) + "\n")
    return results
