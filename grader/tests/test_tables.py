"""The kernel's VMX tables (kernel/vmx/*.def): each row agrees with itself and the SDM's encoding rules."""
import re
import unittest

from hvlabs.paths import ROOT

VMX = ROOT / "kernel" / "vmx"
ROW = re.compile(r"^(\w+)\((.*)\)\s*$")

# SDM Vol. 3C, 25.11.2 "VMREAD, VMWRITE, and Encodings of VMCS Fields": bits 14:13 width,
# bits 11:10 type, bit 0 access type (0: full), bit 12 and bits 31:15 reserved (0).
WIDTH = {0: "16", 1: "64", 2: "32", 3: "NAT"}
TYPE = {0: {"EXEC", "EXIT", "ENTRY"}, 1: {"INFO"}, 2: {"GUEST"}, 3: {"HOST"}}


def rows(name, macro):
    out = []
    for line in (VMX / name).read_text().splitlines():
        m = ROW.match(line.strip())
        if m and m.group(1) == macro:
            out.append([a.strip() for a in m.group(2).split(",", 3)])
    return out


class VmcsFieldsTest(unittest.TestCase):
    def test_rows_follow_the_encoding_rules(self):
        fields = rows("vmcs_fields.def", "VMCS_FIELD")
        self.assertGreater(len(fields), 100)
        for name, enc, width, group in fields:
            e = int(enc, 16)
            with self.subTest(field=name):
                self.assertEqual(WIDTH[(e >> 13) & 3], width, "width disagrees with bits 14:13")
                self.assertIn(group, TYPE[(e >> 10) & 3], "group disagrees with bits 11:10")
                self.assertEqual(e & 1, 0, "access type must be full (bit 0 = 0)")
                self.assertEqual(e & ~0x6FFF, 0, "reserved bits set")
        self.assertEqual(len({f[0] for f in fields}), len(fields), "duplicate name")
        self.assertEqual(len({f[1] for f in fields}), len(fields), "duplicate encoding")


class ErrorAndExitTablesTest(unittest.TestCase):
    def test_unique_numbers_and_names(self):
        for name, macro in (("vmx_errors.def", "VMX_ERROR"), ("exit_reasons.def", "EXIT_REASON")):
            table = rows(name, macro)
            with self.subTest(table=name):
                self.assertGreater(len(table), 20)
                numbers = [int(r[0]) for r in table]
                self.assertEqual(numbers, sorted(set(numbers)), "numbers must be unique and ascending")
                self.assertEqual(len({r[1] for r in table}), len(table))

    def test_known_rows(self):
        errors = {int(r[0]): r[1] for r in rows("vmx_errors.def", "VMX_ERROR")}
        self.assertEqual(errors[15], "VMXERR_VMXON_IN_VMX_ROOT_OPERATION")
        self.assertEqual(errors[8], "VMXERR_ENTRY_INVALID_HOST_STATE_FIELD")
        exits = {int(r[0]): r[1] for r in rows("exit_reasons.def", "EXIT_REASON")}
        self.assertEqual(exits[10], "EXIT_REASON_CPUID")
        self.assertEqual(exits[33], "EXIT_REASON_INVALID_STATE")
        self.assertEqual(exits[48], "EXIT_REASON_EPT_VIOLATION")


if __name__ == "__main__":
    unittest.main()
