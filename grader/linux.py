#!/usr/bin/env python3
"""The capstone's guest from Debian's packages: fetch them, then build the modules.

    linux.py fetch [--build DIR]    apt-get download linux-image-<current>-amd64 and
                                    busybox-static into DIR/linux/deb/ (if not there yet)
    linux.py build [--build DIR]    DIR/linux/vmlinux and DIR/linux/initramfs.cpio from them
                                    (fetching first when they are missing)

Nothing is installed on the system and nothing depends on one kernel version: the
kernel is whichever linux-image-*-amd64 Debian's linux-image-amd64 depends on today.
Only the two files the guest needs are taken out of the packages (dpkg-deb
--fsys-tarfile piped to tar, instead of dpkg-deb -x: the kernel package's 400 MB of
modules are never written).
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import linux_image, paths                          # noqa: E402
from hvlabs.errors import UsageError                           # noqa: E402

INIT = paths.ROOT / "kernel" / "guest" / "linux" / "init"


def run(cmd: list, cwd: Path = None, what: str = "") -> str:
    """Runs cmd, returns its stdout; a failure is a UsageError naming what was tried."""
    try:
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise UsageError(f"hvlabs: {cmd[0]} not found: the capstone needs Debian's apt and dpkg")
    if res.returncode != 0:
        raise UsageError(f"hvlabs: {what or ' '.join(cmd)} failed:\n{res.stderr.strip()}")
    return res.stdout


def kernel_package() -> str:
    """The versioned kernel package that Debian's linux-image-amd64 depends on."""
    out = run(["apt-cache", "depends", "linux-image-amd64"], what="asking apt for linux-image-amd64")
    m = re.search(r"Depends: (linux-image-[\w.+-]+-amd64)\b", out)
    if not m:
        raise UsageError("hvlabs: linux-image-amd64 depends on no linux-image-*-amd64 here "
                         "(is this Debian, with its package lists? try: apt-get update)")
    return m.group(1)


def fetch(build: Path) -> Path:
    """DIR/linux/deb/ with the kernel and busybox-static packages (downloaded if missing)."""
    deb = build / "linux" / "deb"
    deb.mkdir(parents=True, exist_ok=True)
    kernel = kernel_package()
    for package in (kernel, "busybox-static"):
        if not list(deb.glob(f"{package}_*.deb")):
            print(f"linux: downloading {package} (apt-get download)", flush=True)
            run(["apt-get", "download", package], cwd=deb, what=f"apt-get download {package}")
    return deb


def member(deb_file: Path, pattern: str) -> bytes:
    """The bytes of the one file of a .deb whose path matches the shell pattern."""
    listing = subprocess.run(f"dpkg-deb --fsys-tarfile '{deb_file}' | tar -t --wildcards '{pattern}'",
                             shell=True, capture_output=True, text=True)
    names = listing.stdout.split()
    if len(names) != 1:
        raise UsageError(f"hvlabs: {deb_file.name} has {len(names)} files matching {pattern}, not one")
    data = subprocess.run(f"dpkg-deb --fsys-tarfile '{deb_file}' | tar -xO '{names[0]}'",
                          shell=True, capture_output=True)
    if data.returncode != 0 or not data.stdout:
        raise UsageError(f"hvlabs: could not read {names[0]} from {deb_file.name}")
    return data.stdout


def build_modules(build: Path) -> tuple:
    """DIR/linux/vmlinux and DIR/linux/initramfs.cpio (rebuilt when an input is newer)."""
    deb = fetch(build)
    out = build / "linux"
    vmlinux, cpio = out / "vmlinux", out / "initramfs.cpio"
    kernel_deb = max(deb.glob("linux-image-*.deb"))
    busybox_deb = max(deb.glob("busybox-static_*.deb"))
    if not vmlinux.exists() or vmlinux.stat().st_mtime < kernel_deb.stat().st_mtime:
        elf = linux_image.vmlinux_from_bzimage(member(kernel_deb, "./boot/vmlinuz-*"))
        entry = linux_image.pvh_entry(elf)
        vmlinux.write_bytes(linux_image.slim_elf(elf))
        print(f"linux: vmlinux from {kernel_deb.name}: PVH entry {entry:#x}, "
              f"{vmlinux.stat().st_size >> 20} MiB")
    newest = max(busybox_deb.stat().st_mtime, INIT.stat().st_mtime)
    if not cpio.exists() or cpio.stat().st_mtime < newest:
        cpio.write_bytes(linux_image.initramfs(member(busybox_deb, "./bin/busybox"), INIT.read_text()))
        print(f"linux: initramfs.cpio from {busybox_deb.name}, {cpio.stat().st_size >> 10} KiB")
    return vmlinux, cpio


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=("fetch", "build"))
    ap.add_argument("--build", type=Path, default=paths.BUILD, help="the build directory (build/)")
    args = ap.parse_args(argv)
    try:
        if args.command == "fetch":
            fetch(args.build)
        else:
            build_modules(args.build)
    except UsageError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
