#!/usr/bin/env python3
"""Boot one stage and show its serial output live (`make run`), or under a debugger (`make debug`).

    run.py                     the whole hypervisor's demo: the reference, last stage (your code if there is no solutions/)
    run.py --lab 1             your code, stage 1
    run.py --lab 1 --sol 1     the reference, stage 1
    run.py --lab 1 --scenario novmx --emu tcg
    run.py --lab 1 --debug     Bochs' debugger (stops at `xchg bx,bx`), or QEMU waiting for gdb
    run.py --usb FILE          no boot: writes the stage's ISO, with the run's command line,
                               to FILE, for a USB stick (`make usb`; README, "On a real PC")
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import boot, emulators, grading, labs, protocol, stage  # noqa: E402
from hvlabs.image import Image, iso_with_cmdline  # noqa: E402
from hvlabs.errors import main_exit  # noqa: E402
from hvlabs.paths import BUILD, ROOT  # noqa: E402
from hvlabs.states import Ended, Status  # noqa: E402


def pick_scenario(lab: labs.Lab, backend, wanted: str, demo: bool) -> labs.Scenario:
    """The scenario named wanted, else the lab's demo if demo and it has one, else the
    first one this backend can run."""
    if wanted:
        return lab.scenario(wanted)
    if demo and any(s.name == "demo" for s in lab.scenarios):
        return lab.scenario("demo")
    for s in lab.graded:
        if not backend.unsupported(s):
            return s
    return lab.graded[0]


def debug(backend, iso: Path, workdir: Path, s: labs.Scenario, cmd_line: str, elf: Path) -> int:
    try:
        cmd = backend.command(Image(iso, cmd_line), workdir, s, debug=True)
    except emulators.Unsupported as e:
        print(f"hvlabs: cannot run scenario '{s.name}' here: {e}")
        return 1
    serial = workdir / "serial.txt"
    if backend.name == "bochs":
        print("Bochs debugger: `c` continues, and the CPU stops at every magic breakpoint\n"
              "(bochs_break() in kernel/arch/x86.h, the instruction `xchg bx, bx`).\n"
              "Useful: `r` registers, `sreg`, `creg`, `x /4gx ADDR`, `u /10` disassemble, `q` quit.\n"
              f"The serial output goes to {serial} (watch it with `tail -f` in another terminal).")
    else:
        print(f"QEMU is waiting for gdb on localhost:1234. In another terminal:\n"
              f"  gdb {elf} -ex 'target remote :1234' -ex 'break kmain' -ex continue\n"
              f"The serial output goes to {serial}.")
    subprocess.call(cmd, cwd=workdir)     # Bochs exits with 1 whatever happened
    if serial.exists():
        print("--- serial output ---")
        print(serial.read_text(errors="replace"), end="")
    return 0


def shown(path: Path) -> str:
    """path relative to the current directory when it lies inside it (as the handouts show it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lab", type=int)
    ap.add_argument("--sol", type=int, choices=(0, 1))
    ap.add_argument("--prior-sol", action="store_true")
    ap.add_argument("--emu", default="")
    ap.add_argument("--cpu", default="")
    ap.add_argument("--scenario", default="")
    ap.add_argument("--nonce", default="00000000")
    ap.add_argument("--timeout", type=float, default=0)
    ap.add_argument("--debug", action="store_true")
    ap.add_argument("--usb", type=Path, help="write the bootable image to this file instead of booting")
    args = ap.parse_args(argv)

    has_solutions = (ROOT / "solutions").is_dir()
    number = args.lab if args.lab is not None else labs.STUDENT_LABS[-1]
    sol = bool(args.sol) if args.sol is not None else (args.lab is None and has_solutions)
    lab = labs.get(number)
    stage.require_sources(number, sol, args.prior_sol)
    # A real PC has VMX, as Bochs does: --usb picks the scenario Bochs would run.
    backend = emulators.make("bochs" if args.usb else args.emu, args.cpu)
    s = pick_scenario(lab, backend, args.scenario, demo=args.lab is None)

    who = ("the reference solution (solutions/)" if sol else
           "your code (labs/) on the reference for the earlier labs" if args.prior_sol else
           "your code (labs/)")
    print(f"hvlabs: building stage {number} \"{lab.name}\" from {who}", flush=True)
    built = stage.build(number, sol=sol, prior_sol=args.prior_sol)
    if not built.ok:
        print(built.log, end="")
        print(f"hvlabs: stage {number} did not build; fix the errors above.")
        return 1

    cmd_line = grading.cmdline(number, s.name, args.nonce)
    if args.usb:
        args.usb.parent.mkdir(parents=True, exist_ok=True)
        iso_with_cmdline(built.iso, cmd_line, args.usb)
        print(f"hvlabs: {shown(args.usb)} boots stage {number} with: {cmd_line}\n"
              f"hvlabs: copy it to a USB stick (this erases the stick; check the device with lsblk):\n"
              f"    sudo dd if={shown(args.usb)} of=/dev/sdX bs=4M conv=fsync status=progress")
        return 0
    workdir = BUILD / f"run-lab{number}-{s.name}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    if args.debug:
        return debug(backend, built.iso, workdir, s, cmd_line, built.iso.parent / "kernel.elf")

    reason = backend.unsupported(s)
    if reason:
        print(f"hvlabs: cannot run scenario '{s.name}' of lab {number} here: {reason}")
        return 1
    print(f"hvlabs: booting on {backend.describe(s)}: {cmd_line}", flush=True)
    out = sys.stdout.buffer
    result = boot.boot(backend, built.iso, workdir, cmd_line, s, args.timeout,
                       on_output=lambda b: (out.write(b), out.flush()))
    if result.ended == Ended.UNSUPPORTED:
        print(f"hvlabs: cannot run scenario '{s.name}' here: {result.detail}")
        return 1
    if s.name == "demo":
        aborts = [l.split("] ", 1)[-1] for l in result.serial.splitlines() if l.startswith("ABORT: ")]
        ended = (f": it stopped early: {aborts[0]}" if aborts else "" if "SUMMARY: " in result.serial
                 else f": {protocol.end_reason(result, result.serial.splitlines())}")
        print(f"hvlabs: the demo of stage {number} ran in {result.seconds:.1f} s{ended}; "
              f"the run files are in {shown(workdir)}")
        return 0 if not ended else 1
    scored = protocol.score(number, s, args.nonce, result)
    passed = sum(r.status == Status.PASS for r in scored)
    if "SUMMARY: " not in result.serial:
        print(f"hvlabs: {protocol.end_reason(result, result.serial.splitlines())}")
    if passed < len(scored):
        for h in result.hints:
            print(f"hint from the emulator: {h}")
    print(f"hvlabs: lab {number}, scenario {s.name}: {passed}/{len(scored)} checks passed "
          f"in {result.seconds:.1f} s; the run files are in {shown(workdir)}")
    return 0 if passed == len(scored) else 1


if __name__ == "__main__":
    sys.exit(main_exit(main))
