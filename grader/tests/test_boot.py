"""Unit tests of the command-line patching and the run loop's limits (no emulator needed)."""
import sys
import tempfile
import unittest
from pathlib import Path

from hvlabs import boot, labs
from hvlabs.image import iso_with_cmdline

SCENARIO = labs.Scenario("s", needs_vmx=False)


class FakeBackend:
    """Runs a shell command instead of an emulator; it writes serial.txt itself."""
    name = "fake"

    def __init__(self, script):
        self.script = script

    def describe(self, scenario):
        return "fake"

    def command(self, image, workdir, scenario, debug=False):
        return [sys.executable, "-c", self.script]

    def hints(self, workdir):
        return []


class BootTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.iso = self.dir / "x.iso"
        self.iso.write_bytes(b"head multiboot2 /boot/kernel.elf @HVLABS_CMDLINE_PLACEHOLDER____@ tail")

    def test_cmdline_patch_keeps_length(self):
        out = iso_with_cmdline(self.iso, "lab=1 nonce=ab", self.dir / "y.iso")
        data = out.read_bytes()
        self.assertEqual(len(data), len(self.iso.read_bytes()))
        self.assertIn(b"kernel.elf lab=1 nonce=ab ", data)

    def test_cmdline_patch_rejects_bad_input(self):
        with self.assertRaises(RuntimeError):
            iso_with_cmdline(self.iso, "x" * 100, self.dir / "y.iso")
        with self.assertRaises(RuntimeError):
            iso_with_cmdline(self.iso, "a;b", self.dir / "y.iso")

    def test_timeout_kills_the_run(self):
        r = boot.boot(FakeBackend("import time\nopen('serial.txt','w').write('hi\\n')\ntime.sleep(60)"),
                      self.iso, self.dir / "w", "lab=1", SCENARIO, timeout=1)
        self.assertEqual(r.ended, "timeout")
        self.assertEqual(r.serial, "hi\n")
        self.assertLess(r.seconds, 10)

    def test_flood_is_capped(self):
        r = boot.boot(FakeBackend("f=open('serial.txt','w')\nwhile True: f.write('x'*65536); f.flush()"),
                      self.iso, self.dir / "w", "lab=1", SCENARIO, timeout=30, cap=1 << 16)
        self.assertEqual(r.ended, "flood")
        self.assertEqual(len(r.serial), 1 << 16)


if __name__ == "__main__":
    unittest.main()
