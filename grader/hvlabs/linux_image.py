"""Debian's Linux kernel and busybox as the capstone's guest (lab 11), built from packages.

Nothing is installed and nothing is committed: `apt-get download` fetches the two
packages into build/linux/deb/, and this module turns them into what the hypervisor
loads as multiboot2 modules:

    vmlinux        the ELF kernel taken out of Debian's bzImage, with only what a PVH
                   loader reads (ELF header, program headers, the PT_LOAD data, the notes)
    initramfs.cpio a newc archive: busybox, the course's /init, /dev/console

The formats, from their documentation (none of their code):
  - bzImage: the real-mode setup header, Linux's Documentation/arch/x86/boot.rst
    ("The Real-Mode Kernel Header"): setup_sects at 0x1F1, "HdrS" at 0x202, the boot
    protocol version at 0x206, payload_offset/payload_length at 0x248/0x24C (2.08+),
    relative to the protected-mode code, which starts at (setup_sects + 1) * 512.
  - The PVH entry: an ELF note of owner "Xen", type XEN_ELFNOTE_PHYS32_ENTRY (18),
    whose 4-byte value is the 32-bit physical entry point (Xen's public/elfnote.h;
    Linux's arch/x86/platform/pvh/head.S emits it).
  - newc cpio: magic "070701", thirteen 8-digit hex fields, the name (NUL-terminated),
    each padded to 4 bytes; the archive ends with "TRAILER!!!" (Linux's
    Documentation/driver-api/early-userspace/buffer-format.rst).
"""
import gzip
import lzma
import struct
from pathlib import Path

from .errors import UsageError

PT_LOAD, PT_NOTE = 1, 4
XEN_ELFNOTE_PHYS32_ENTRY = 18


class ImageError(UsageError):
    """A package's file is not what the capstone needs (named, with what to do)."""


def vmlinux_from_bzimage(bz: bytes) -> bytes:
    """The ELF kernel inside a bzImage. Refuses a file that is not a bzImage of boot
    protocol 2.08 or later, or a payload compressed in a way Python's standard library
    cannot read (zstd, lz4, lzo, bzip2 as the kernel uses it)."""
    if len(bz) < 0x250 or bz[0x202:0x206] != b"HdrS":
        raise ImageError("hvlabs: not a bzImage (no 'HdrS' setup header at 0x202)")
    version = struct.unpack_from("<H", bz, 0x206)[0]
    if version < 0x208:
        raise ImageError(f"hvlabs: bzImage boot protocol {version >> 8}.{version & 0xFF}: "
                         "2.08 or later is needed (it gives the payload's place)")
    setup_sects = bz[0x1F1] or 4
    offset, length = struct.unpack_from("<II", bz, 0x248)
    start = (setup_sects + 1) * 512 + offset
    payload = bz[start:start + length]
    if payload[:6] == b"\xfd7zXZ\x00":
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    elif payload[:2] == b"\x1f\x8b":
        out = gzip.decompress(payload)
    elif payload[:3] == b"\x5d\x00\x00":
        out = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE).decompress(payload)
    else:
        raise ImageError(f"hvlabs: the kernel's payload is compressed as {payload[:4].hex()}, "
                         "which Python's standard library cannot read (xz, gzip and lzma only)")
    if out[:4] != b"\x7fELF" or out[4] != 2:
        raise ImageError("hvlabs: the bzImage's payload is not a 64-bit ELF")
    return out


def program_headers(elf: bytes) -> list:
    """(type, offset, vaddr, paddr, filesz, memsz, flags, align) of each program header."""
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    out = []
    for i in range(phnum):
        t, flags, off, vaddr, paddr, filesz, memsz, align = struct.unpack_from(
            "<IIQQQQQQ", elf, phoff + i * phentsize)
        out.append((t, off, vaddr, paddr, filesz, memsz, flags, align))
    return out


def notes(elf: bytes) -> list:
    """(owner, type, description) of every note in the PT_NOTE segments."""
    out = []
    for t, off, _, _, filesz, _, _, _ in program_headers(elf):
        if t != PT_NOTE:
            continue
        pos, end = off, off + filesz
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0").decode("latin-1")
            desc_at = pos + 12 + (namesz + 3) // 4 * 4
            out.append((name, ntype, elf[desc_at:desc_at + descsz]))
            pos = desc_at + (descsz + 3) // 4 * 4
    return out


def pvh_entry(elf: bytes) -> int:
    """The kernel's 32-bit PVH entry point; ImageError if it has none."""
    for owner, ntype, desc in notes(elf):
        if owner == "Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY and len(desc) >= 4:
            return struct.unpack_from("<I", desc)[0]
    raise ImageError("hvlabs: this kernel has no PVH entry (no Xen note of type "
                     "XEN_ELFNOTE_PHYS32_ENTRY): it was built without CONFIG_PVH")


def slim_elf(elf: bytes) -> bytes:
    """The same ELF with only the header, the program headers and the bytes of the
    PT_LOAD and PT_NOTE segments (no sections), each segment's trailing zero bytes left
    to its memory size (a loader zero-fills memsz beyond filesz): what a loader reads, and
    35 MB instead of 63 for the emulated firmware to load. Offsets change, addresses do not."""
    phdrs = [p for p in program_headers(elf) if p[0] in (PT_LOAD, PT_NOTE)]
    header = bytearray(elf[:64])
    struct.pack_into("<QQ", header, 0x20, 64, 0)          # e_phoff, e_shoff
    struct.pack_into("<HHHH", header, 0x36, 56, len(phdrs), 0, 0)   # phentsize, phnum, shentsize, shnum
    struct.pack_into("<H", header, 0x3E, 0)                # e_shstrndx
    table, body = bytearray(), bytearray()
    at = 64 + 56 * len(phdrs)
    placed = {}
    for t, off, vaddr, paddr, filesz, memsz, flags, align in phdrs:
        if t == PT_LOAD:
            filesz = len(elf[off:off + filesz].rstrip(b"\0"))
        key = (off, filesz)
        if key not in placed:
            pad = (-(at + len(body))) % 16
            body += b"\0" * pad
            placed[key] = at + len(body)
            body += elf[off:off + filesz]
        table += struct.pack("<IIQQQQQQ", t, flags, placed[key], vaddr, paddr, filesz, memsz, align)
    return bytes(header + table + body)


def cpio_entry(name: str, mode: int, data: bytes = b"", ino: int = 0,
               rdev: tuple = (0, 0)) -> bytes:
    """One newc record: name, mode (type and permissions), data, owned by root."""
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0)
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = head + name.encode() + b"\0"
    out += b"\0" * ((-len(out)) % 4) + data
    return out + b"\0" * ((-len(out)) % 4)


def initramfs(busybox: bytes, init: str) -> bytes:
    """The capstone's initramfs: /bin/busybox, /init (the script), /dev/console, and the
    empty directories /init mounts on."""
    S_IFDIR, S_IFREG, S_IFCHR, S_IFLNK = 0o040000, 0o100000, 0o020000, 0o120000
    entries = [("dev", S_IFDIR | 0o755, b"", (0, 0)),
               ("dev/console", S_IFCHR | 0o600, b"", (5, 1)),
               ("proc", S_IFDIR | 0o755, b"", (0, 0)),
               ("sys", S_IFDIR | 0o755, b"", (0, 0)),
               ("bin", S_IFDIR | 0o755, b"", (0, 0)),
               ("bin/busybox", S_IFREG | 0o755, busybox, (0, 0)),
               ("bin/sh", S_IFLNK | 0o777, b"busybox", (0, 0)),
               ("init", S_IFREG | 0o755, init.encode(), (0, 0))]
    out = b"".join(cpio_entry(name, mode, data, ino, rdev)
                   for ino, (name, mode, data, rdev) in enumerate(entries, start=1))
    out += cpio_entry("TRAILER!!!", 0)
    return out + b"\0" * ((-len(out)) % 512)
