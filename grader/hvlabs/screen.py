"""The VGA text screen the kernel mirrors its console to, as QEMU shows it.

`boot_and_read()` boots a stage's kernel in QEMU (TCG, a standard VGA card, no exit
port) and, once the kernel has asked to power off (the SHUTDOWN event on QEMU's
machine protocol, QMP, with -no-shutdown keeping the machine for inspection), reads
the 32 KiB text buffer at 0xB8000 with the monitor's pmemsave and the CRTC's start
address (the cell shown top left: the kernel scrolls by moving it) through its ports. `expected_rows()` is
what a terminal of that size shows after the same serial bytes, by the rules of
kernel/console/vga.c; the two must be equal.
"""
import json
import queue
import subprocess
import threading
import time
from pathlib import Path

from .boot import emulator_slot, kill_group

COLS, ROWS, TAB = 80, 25, 8
TEXT_BUFFER, TEXT_BYTES = 0xB8000, 0x8000
CRTC_INDEX, CRTC_DATA, START_HI, START_LO = 0x3D4, 0x3D5, 0x0C, 0x0D


def expected_rows(serial: str, last: int = ROWS) -> list:
    """The `last` rows (each COLS characters; None: every row ever written) a COLS x
    ROWS terminal shows after serial, starting on a clear screen: '\\n' new row, '\\r' column 0, '\\t' to the next
    multiple of TAB, a character after the last column wraps, the bottom row scrolls."""
    rows, row, col = [[" "] * COLS], 0, 0

    def newline():
        nonlocal row, col
        col = 0
        rows.append([" "] * COLS)
        row += 1

    def put(ch):
        nonlocal col
        if col == COLS:
            newline()
        rows[row][col] = ch
        col += 1

    for ch in serial:
        if ch == "\n":
            newline()
        elif ch == "\r":
            col = 0
        elif ch == "\t":
            put(" ")
            while col % TAB and col < COLS:
                put(" ")
        else:
            put(ch)
    if last is None:
        return ["".join(r) for r in rows]
    shown = rows[-last:]
    shown += [[" "] * COLS] * (last - len(shown))
    return ["".join(r) for r in shown]


def rows_of(dump: bytes, start: int = 0) -> list:
    """The ROWS rows a text-mode buffer (character, attribute pairs) shows from cell start."""
    chars = dump[start * 2:(start + COLS * ROWS) * 2:2]
    return [chars[r * COLS:(r + 1) * COLS].decode("latin-1") for r in range(ROWS)]


def differences(shown: list, expected: list) -> list:
    """A line per row that differs, for a test's message."""
    return [f"row {i:2}: screen {s.rstrip()!r}\n        serial {e.rstrip()!r}"
            for i, (s, e) in enumerate(zip(shown, expected)) if s != e]


class Qmp:
    """QEMU's machine protocol on the process's stdin/stdout, one JSON object a line."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(json.loads(line) if line.strip().startswith("{") else {})
        self.lines.put(None)

    def wait_for(self, pred, deadline: float) -> dict:
        """The first message pred accepts; raises TimeoutError at deadline or at QEMU's exit."""
        while True:
            left = deadline - time.monotonic()
            try:
                msg = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                msg = None
            if msg is None:
                raise TimeoutError("QEMU exited or the run outlasted its deadline")
            if pred(msg):
                return msg

    def execute(self, command: str, deadline: float, **arguments) -> dict:
        self.proc.stdin.write(json.dumps({"execute": command, "arguments": arguments}) + "\n")
        self.proc.stdin.flush()
        reply = self.wait_for(lambda m: "return" in m or "error" in m, deadline)
        if "error" in reply:
            raise RuntimeError(f"QMP {command}: {reply['error']}")
        return reply["return"]


def boot_and_read(elf: Path, cmdline: str, workdir: Path, timeout: float = 60, disk: Path = None,
                  memory: str = "128") -> tuple:
    """Boots elf with cmdline (QEMU's PVH entry), or else the raw disk image disk (the
    USB stick's image: BIOS, GRUB, its own command line), in QEMU TCG with a VGA card;
    returns (serial text, screen rows) as they are when the kernel powers off. Raises
    TimeoutError if it never does. memory: the RAM, as QEMU's -m takes it."""
    workdir.mkdir(parents=True, exist_ok=True)
    serial, dump = workdir / "serial.txt", workdir / "screen.bin"
    kernel = (["-drive", f"file={Path(disk).resolve()},format=raw,if=ide,snapshot=on"] if disk else
              ["-kernel", str(Path(elf).resolve()), "-append", cmdline])
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "qemu64", "-m", memory, *kernel,
           "-display", "none", "-vga", "std", "-monitor", "none", "-no-reboot", "-no-shutdown",
           "-serial", f"file:{serial}", "-qmp", "stdio"]
    with emulator_slot():
        proc = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            qmp = Qmp(proc)
            qmp.wait_for(lambda m: "QMP" in m, deadline)
            qmp.execute("qmp_capabilities", deadline)
            qmp.wait_for(lambda m: m.get("event") == "SHUTDOWN", deadline)
            hmp = lambda line: qmp.execute("human-monitor-command", deadline, **{"command-line": line})
            hmp(f'pmemsave {TEXT_BUFFER:#x} {TEXT_BYTES} "{dump}"')
            start = 0
            for index in (START_HI, START_LO):
                hmp(f"o /b {CRTC_INDEX:#x} {index:#x}")
                start = start << 8 | int(hmp(f"i /b {CRTC_DATA:#x}").split("=")[1], 16)
        finally:
            kill_group(proc)
    return serial.read_text(errors="replace"), rows_of(dump.read_bytes(), start)
