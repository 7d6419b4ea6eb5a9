#!/usr/bin/env python3
"""hvlabs benchmarks (`make bench`): figures, not pass/fail.

  - one boot of the lab-1 reference stage to its verdict, per backend (median of N)
  - the cost of a VM-exit round trip per kind of exit (CPUID, VMCALL, I/O, RDMSR), in
    guest TSC ticks over 1000 exits each (the lab-6 guest kernel/guest/guest_bench.c):
    under Bochs the TSC counts instructions, so the figure is emulated instructions
    per round trip and the same on every run; on KVM it is processor cycles
  - lab 8's costs in the same unit (the image guest's task_bench): an EPT violation on a
    write-protected page handled by the dirty log (mean of 32), a demand-paged page
    (violation, allocation and mapping: mean of 256), and a VMCALL of that guest (64)
  - lab 9's port I/O in the same unit (the real-mode guest's bench, 64 of each, in 64-bit
    mode, per iteration of a 4-instruction loop): a 4-byte IN that the I/O bitmaps pass
    to the machine, and one that exits to the hypervisor's emulated device
  - lab 10's VM switch: a VM entry and exit to a guest that exits at once, without
    (same_vmcs) and with (vm_switch) a VMPTRLD of the other VM's VMCS before it (mean of 256)
  - lab 12's saving: the whole run of its guest hypervisor L1, with and without VMCS
    shadowing, in the same unit (its VMREAD/VMWRITE exits: 12 against 30)
  - lab 11's Linux: one quiet boot of Debian's kernel to power-off under the reference
    (wall seconds of the whole Bochs run, GRUB loading the modules included; guest TSC
    ticks from VMLAUNCH to /init's first line and to the end; the VM exits by reason)
  - the wall time of grading each lab's reference (`make grade LAB=n SOL=1`, median of N;
    lab 11 once: one grade is one Linux boot)
  - batch throughput: lab-gradings per minute of `grade.py batch` on this machine
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import os  # noqa: E402
import shutil  # noqa: E402

from hvlabs import batch, boot, emulators, grading, labs, stage  # noqa: E402
from hvlabs.errors import main_exit  # noqa: E402
from hvlabs.paths import ROOT  # noqa: E402


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
    ap.add_argument("--submissions", type=int, default=6, help="class size for the batch figure")
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
    exit_round_trips()
    exit_round_trips(8, "EPT (lab 8)")
    exit_round_trips(9, "port I/O (lab 9)")
    exit_round_trips(10, "VM switch (lab 10)")
    exit_round_trips(12, "L1's run (lab 12)")
    linux_boot()
    for n in labs.STUDENT_LABS:
        med, lo, hi = median_seconds(lambda: grading.grade_lab(n, sol=True), 1 if n == 11 else args.runs)
        print(f"  grade lab {n} (reference, all scenarios, build included)           "
              f"{med:5.2f} s [{lo:.2f}-{hi:.2f}]")
    batch_throughput(args.submissions)
    return 0


def exit_round_trips(n: int = 6, what: str = "VM-exit round trip") -> None:
    """Lab n's reference's bench scenario, on Bochs and (where usable) KVM."""
    built = stage.build(n, sol=True)
    if not built.ok:
        raise SystemExit(built.log)
    s = labs.get(n).scenario("bench")
    runs = [("bochs", "emulated instructions")]
    if emulators.kvm_usable():
        runs.append(("kvm", "cycles"))
    for emu, unit in runs:
        backend = emulators.make(emu)
        with tempfile.TemporaryDirectory() as d:
            r = boot.boot(backend, built.iso, Path(d), grading.cmdline(n, "bench", "00000000"), s)
        figures = [line.split()[1:3] for line in r.serial.splitlines() if line.startswith("BENCH: ")]
        if not figures:
            raise SystemExit(f"bench: the exit benchmark printed no figures ({r.ended}: {r.detail})")
        for kind, ticks in figures:
            print(f"  {what}, {kind:<6} on {backend.describe(s):<38} {int(ticks):5d} {unit}"
                  f"{' (mean of 1000)' if n == 6 else ''}")


def linux_boot() -> None:
    """Lab 11's graded boot of the reference, once: its time, its ticks and its exits."""
    built = stage.build(11, sol=True)
    if not built.ok:
        raise SystemExit(built.log)
    s = labs.get(11).scenario("boot")
    backend = emulators.make("bochs")
    with tempfile.TemporaryDirectory() as d:
        start = time.monotonic()
        r = boot.boot(backend, built.iso, Path(d), grading.cmdline(11, "boot", "00000000"), s)
        wall = time.monotonic() - start
    lines = [l for l in r.serial.splitlines() if l.startswith("linux: ")]
    if not any("TSC ticks" in l for l in lines):
        raise SystemExit(f"bench: the Linux boot printed no figures ({r.ended}: {r.detail})")
    print(f"  Linux boot to power-off (lab 11, quiet) on {backend.describe(s):<25} {wall:5.1f} s wall")
    for line in lines:
        print(f"    {line}")


def batch_throughput(count: int) -> None:
    """count copies of the reference, every lab, graded as a class with one job per CPU."""
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="hvlabs-bench-batch-") as d:
        subs = []
        for i in range(count):
            sub = Path(d) / f"student{i:02d}"
            for n in labs.STUDENT_LABS:
                shutil.copytree(ROOT / "solutions" / labs.get(n).dir, sub / "labs" / labs.get(n).dir)
            subs.append(sub)
        start = time.monotonic()
        results = batch.run(subs, list(labs.STUDENT_LABS), Path(d) / "out", jobs, emu="bochs",
                            quiet=True)
        took = time.monotonic() - start
    full = sum(batch.score(r) == sum(labs.get(n).max_points for n in labs.STUDENT_LABS) for r in results)
    gradings = count * len(labs.STUDENT_LABS)
    print(f"  batch: {count} submissions x {len(labs.STUDENT_LABS)} labs, {jobs} jobs: "
          f"{gradings / took * 60:5.1f} lab-gradings per minute ({took:.0f} s; {full}/{count} full marks)")


if __name__ == "__main__":
    sys.exit(main_exit(main))
