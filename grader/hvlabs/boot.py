"""Boot one stage once: give it its command line, run the emulator with a timeout
and an output cap, and always come back with the serial output and how the run ended.
"""
import fcntl
import os
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import emulators
from .image import Image
from .states import Ended

OUTPUT_CAP = 256 << 10        # bytes of serial output before a run is stopped as a flood
POLL_SECONDS = 0.02           # how often the serial file and the process are looked at
# "DIR:N": at most N emulators run at a time among all the processes that share DIR
# (make test sets it to one per CPU, so that parallel tests cannot slow a boot into its
# timeout); unset: no limit.
SLOTS_ENV = "HVLABS_EMULATOR_SLOTS"


@dataclass
class BootResult:
    serial: str = ""
    ended: Ended = Ended.EXITED
    detail: str = ""          # a sentence for the student when ended != exited
    seconds: float = 0.0
    hints: list = field(default_factory=list)
    backend: str = ""


def kill_group(proc: subprocess.Popen) -> None:
    """Ends the emulator and everything it started (it runs in its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


@contextmanager
def emulator_slot():
    """Waits for one of the N emulator slots SLOTS_ENV names (a lock file each) and
    holds it; without SLOTS_ENV, returns at once."""
    spec = os.environ.get(SLOTS_ENV, "")
    if not spec:
        yield
        return
    directory, _, count = spec.rpartition(":")
    Path(directory).mkdir(parents=True, exist_ok=True)
    while True:
        for i in range(max(1, int(count))):
            f = open(Path(directory) / f"slot{i}", "a")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                continue
            try:
                yield
            finally:
                f.close()
            return
        time.sleep(POLL_SECONDS)


def boot(backend, iso: Path, workdir: Path, cmdline: str, scenario, timeout: float = 0,
         cap: int = OUTPUT_CAP, on_output=None) -> BootResult:
    """Runs the stage whose ISO is iso once in workdir, with cmdline, on the machine
    scenario (a labs.Scenario) asks for.
    on_output(bytes), if given, sees the serial output as it comes."""
    timeout = (timeout or scenario.timeout) + getattr(backend, "boot_allowance", 0.0)
    if getattr(scenario, "linux", False):      # the capstone's ISO, with Linux as modules
        iso = iso.with_name("hvlabs-linux.iso")
    workdir.mkdir(parents=True, exist_ok=True)
    result = BootResult()
    try:
        result.backend = backend.describe(scenario)
        cmd = backend.command(Image(iso, cmdline), workdir, scenario)
    except emulators.Unsupported as e:
        result.ended, result.detail = Ended.UNSUPPORTED, str(e)
        return result
    except (OSError, RuntimeError) as e:
        result.ended, result.detail = Ended.ERROR, str(e)
        return result

    with emulator_slot():
        _run(cmd, workdir, result, timeout, cap, on_output)
    result.hints = [h for h in backend.hints(workdir)
                    if not any(p in h for p in getattr(scenario, "provoked", ()))]
    return result


def _run(cmd: list, workdir: Path, result: BootResult, timeout: float, cap: int, on_output) -> None:
    """Runs the emulator command cmd to its end, a timeout or a flood; fills in result."""
    serial = workdir / "serial.txt"
    serial.unlink(missing_ok=True)
    start = time.monotonic()
    with open(workdir / "emulator.out", "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=workdir, start_new_session=True)
    seen = 0
    try:
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                done = True
            except subprocess.TimeoutExpired:
                done = False
            size = serial.stat().st_size if serial.exists() else 0
            if on_output and size > seen:
                with open(serial, "rb") as f:
                    f.seek(seen)
                    on_output(f.read(min(size, cap) - seen))
                seen = min(size, cap)
            if done:
                break
            if size > cap:
                result.ended = Ended.FLOOD
                result.detail = f"the serial output passed {cap // 1024} KiB and the run was stopped"
                break
            if time.monotonic() - start > timeout:
                result.ended = Ended.TIMEOUT
                result.detail = f"no power-off after {timeout:.0f} s: the run was stopped (an endless loop?)"
                break
    finally:
        kill_group(proc)
    result.seconds = time.monotonic() - start
    if serial.exists():
        with open(serial, "rb") as f:
            result.serial = f.read(cap).decode("utf-8", errors="replace")
