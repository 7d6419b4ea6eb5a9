#!/usr/bin/env python3
"""hvlabs benchmarks (`make bench`): figures, not pass/fail.

  - one boot of the lab-1 reference stage to its verdict, per backend (median of N)
  - the wall time of grading each lab's reference (`make grade LAB=n SOL=1`, median of N)
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import boot, emulators, grading, labs, stage  # noqa: E402


def median_seconds(fn, runs: int) -> tuple:
    times = []
    for _ in range(runs):
        t = time.monotonic()
        fn()
        times.append(time.monotonic() - t)
    return statistics.median(times), min(times), max(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    built = stage.build(1, sol=True)
    if not built.ok:
        print(built.log)
        return 1
    print(f"hvlabs bench ({args.runs} runs each; median [min-max])")
    scenarios = {s.name: s for s in labs.get(1).scenarios}
    backends = [("bochs", "vmx"), ("tcg", "novmx")]
    if emulators.kvm_usable():
        backends.insert(0, ("kvm", "vmx"))
    for emu, name in backends:
        backend, s = emulators.make(emu), scenarios[name]
        with tempfile.TemporaryDirectory() as d:
            def one():
                r = boot.boot(backend, built.iso, Path(d), grading.cmdline(1, name, "00000000"), s)
                if "SUMMARY:" not in r.serial:
                    raise SystemExit(f"bench: {emu} boot did not reach its SUMMARY: {r.detail}")
            med, lo, hi = median_seconds(one, args.runs)
        print(f"  boot to verdict, lab 1 {name:<6} on {backend.describe(s):<38} "
              f"{med:5.2f} s [{lo:.2f}-{hi:.2f}]")
    for n in labs.STUDENT_LABS:
        med, lo, hi = median_seconds(lambda: grading.grade_lab(n, sol=True), args.runs)
        print(f"  grade lab {n} (reference, all scenarios, build included)           "
              f"{med:5.2f} s [{lo:.2f}-{hi:.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
