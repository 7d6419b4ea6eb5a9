"""The capstone's image builder on made-up inputs: no download, no Debian package."""
import lzma
import struct
import unittest

from hvlabs import linux_image as L


def elf64(segments, note=None) -> bytes:
    """A small ELF64: segments are (paddr, data, memsz); note is (owner, type, desc)."""
    phdrs, body = [], bytearray()
    count = len(segments) + (1 if note else 0)
    at = 64 + 56 * count
    for paddr, data, memsz in segments:
        phdrs.append(struct.pack("<IIQQQQQQ", L.PT_LOAD, 5, at + len(body), 0xFFFFFFFF80000000 + paddr,
                                 paddr, len(data), memsz, 0x1000))
        body += data
    if note:
        owner, ntype, desc = note
        name = owner.encode() + b"\0"
        blob = struct.pack("<III", len(name), len(desc), ntype) + name + b"\0" * (-len(name) % 4) + desc
        phdrs.append(struct.pack("<IIQQQQQQ", L.PT_NOTE, 4, at + len(body), 0, 0, len(blob), len(blob), 4))
        body += blob
    head = bytearray(64)
    head[:5] = b"\x7fELF\x02"
    struct.pack_into("<QQ", head, 0x20, 64, 0x1234)
    struct.pack_into("<HH", head, 0x36, 56, count)
    return bytes(head + b"".join(phdrs) + body)


def bzimage(payload: bytes, version: int = 0x20F, setup_sects: int = 2) -> bytes:
    """A bzImage shell: setup header and the payload where payload_offset says."""
    setup = bytearray((setup_sects + 1) * 512)
    setup[0x1F1] = setup_sects
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, version)
    struct.pack_into("<II", setup, 0x248, 0x40, len(payload))
    return bytes(setup) + b"\0" * 0x40 + payload + b"trailer"


class LinuxImageTest(unittest.TestCase):
    def test_xz_payload_is_the_elf(self):
        elf = elf64([(0x1000000, b"code", 4)], ("Xen", 18, struct.pack("<I", 0x1000850)))
        self.assertEqual(L.vmlinux_from_bzimage(bzimage(lzma.compress(elf))), elf)

    def test_refuses_what_is_not_a_usable_bzimage(self):
        elf = elf64([(0x1000000, b"code", 4)])
        with self.assertRaisesRegex(L.ImageError, "HdrS"):
            L.vmlinux_from_bzimage(b"\0" * 0x1000)
        with self.assertRaisesRegex(L.ImageError, "2.08"):
            L.vmlinux_from_bzimage(bzimage(lzma.compress(elf), version=0x206))
        with self.assertRaisesRegex(L.ImageError, "cannot read"):
            L.vmlinux_from_bzimage(bzimage(b"\x28\xb5\x2f\xfd" + b"\0" * 16))

    def test_pvh_entry_is_the_xen_note_18(self):
        elf = elf64([(0x1000000, b"x", 1)], ("Xen", 18, struct.pack("<I", 0x1000850)))
        self.assertEqual(L.pvh_entry(elf), 0x1000850)
        with self.assertRaisesRegex(L.ImageError, "CONFIG_PVH"):
            L.pvh_entry(elf64([(0x1000000, b"x", 1)], ("Xen", 17, b"\1\0\0\0")))

    def test_slim_elf_keeps_what_a_loader_reads(self):
        data = b"text" + b"\0" * 100
        elf = elf64([(0x1000000, data, 0x2000), (0x2000000, b"\0" * 64, 64)],
                    ("Xen", 18, struct.pack("<I", 0x1000000)))
        slim = L.slim_elf(elf)
        self.assertEqual(struct.unpack_from("<Q", slim, 0x28)[0], 0)   # e_shoff: no sections
        loads = [p for p in L.program_headers(slim) if p[0] == L.PT_LOAD]
        self.assertEqual([(p[3], p[4], p[5]) for p in loads],
                         [(0x1000000, 4, 0x2000), (0x2000000, 0, 64)])
        self.assertEqual(slim[loads[0][1]:loads[0][1] + 4], b"text")
        self.assertEqual(L.pvh_entry(slim), 0x1000000)

    def test_initramfs_is_newc(self):
        out = L.initramfs(b"\x7fELFbusybox", "#!/bin/sh\necho hi\n")
        self.assertEqual(len(out) % 512, 0)
        names, pos = [], 0
        while True:
            self.assertEqual(out[pos:pos + 6], b"070701")
            fields = [int(out[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
            size, namesize = fields[6], fields[11]
            name = out[pos + 110:pos + 110 + namesize - 1].decode()
            names.append(name)
            data_at = pos + 110 + namesize + (-(110 + namesize) % 4)
            if name == "TRAILER!!!":
                break
            if name == "init":
                self.assertEqual(out[data_at:data_at + size], b"#!/bin/sh\necho hi\n")
                self.assertEqual(fields[1] & 0o777, 0o755)
            if name == "dev/console":
                self.assertEqual((fields[9], fields[10]), (5, 1))
            pos = data_at + size + (-size % 4)
        self.assertEqual(names, ["dev", "dev/console", "proc", "sys", "bin", "bin/busybox",
                                 "bin/sh", "init", "TRAILER!!!"])


if __name__ == "__main__":
    unittest.main()
