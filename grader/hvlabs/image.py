"""A stage's boot image with one run's command line, in the form each backend boots:
the GRUB ISO with the line written into grub.cfg (Bochs, real machines), or the
kernel ELF with the line beside it (QEMU's -kernel, through the kernel's PVH entry)."""
import re
from dataclasses import dataclass
from pathlib import Path

PLACEHOLDER = re.compile(rb"@HVLABS_CMDLINE_PLACEHOLDER_*@")
CMDLINE_CHARS = re.compile(r"[A-Za-z0-9_=. -]*")


@dataclass(frozen=True)
class Image:
    iso: Path                 # build/stageN-variant/hvlabs.iso; kernel.elf lies beside it
    cmdline: str              # e.g. "lab=1 scenario=vmx nonce=3f2a9c01"

    @property
    def elf(self) -> Path:
        return self.iso.parent / "kernel.elf"

    def iso_for_run(self, dest: Path) -> Path:
        """A copy of the ISO at dest that boots with this command line."""
        return iso_with_cmdline(self.iso, self.cmdline, dest)


def iso_with_cmdline(iso: Path, cmdline: str, dest: Path) -> Path:
    """Copies iso to dest with cmdline written over grub.cfg's placeholder (same length)."""
    data = iso.read_bytes()
    matches = list(PLACEHOLDER.finditer(data))
    if len(matches) != 1:
        raise RuntimeError(f"{iso}: expected one command-line placeholder, found {len(matches)}")
    m = matches[0]
    raw = cmdline.encode()
    if len(raw) > m.end() - m.start() or not CMDLINE_CHARS.fullmatch(cmdline):
        raise RuntimeError(f"command line too long or with characters GRUB would interpret: {cmdline!r}")
    dest.write_bytes(data[:m.start()] + raw.ljust(m.end() - m.start()) + data[m.end():])
    return dest
