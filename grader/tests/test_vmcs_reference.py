"""The reference column of the HTML report's VMCS view (hvlabs/vmcs_reference.py,
html_report.vmcs_html()), on made-up dumps, in both forms of the data (the course's
values, the student distribution's digests), and the shipped data's shape."""
import json
import re
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hvlabs import html_report, vmcs_reference  # noqa: E402
from hvlabs.paths import ROOT  # noqa: E402

MODEL = "bochs (corei7_sandy_bridge_2600k)"
REFERENCE = {"backend": MODEL, "fields": [
    ("Guest-state area", "GUEST_CS_SELECTOR", 0x8, ""),
    ("Guest-state area", "GUEST_RIP", 0x1103c0, ""),
    ("Guest-state area", "GUEST_IA32_PAT", 0x7040600070406, ""),
    ("Host-state area", "HOST_RIP", 0x1105c3, ""),
    ("VM-execution control fields", "CPU_BASED_VM_EXEC_CONTROL", 0x40061f2, ""),
    ("VM-execution control fields", "TSC_OFFSET", 0xa5a5a5a5a5a5a5a5, ""),
    ("VM-exit information fields", "VM_INSTRUCTION_ERROR", 0, "none"),
]}


def dump(**values) -> str:
    """A vmcs_dump() text of REFERENCE's fields, with values changed (None: not on this CPU)."""
    out, group = ["VMCS dump (current VMCS 0x21f000):"], None
    for g, name, value, note in REFERENCE["fields"]:
        if g != group:
            out.append(f" {g}")
            group = g
        value = values.get(name, value)
        out.append(f"  {name:<30} " + ("(not on this CPU)" if value is None else f"0x{value:016x}")
                   + (f" ({note})" if note and value is not None else ""))
    return "\n".join(out) + "\n"


def differing(page: str) -> set:
    return set(re.findall(r'<tr class="vmcs-field[^"]*differs" data-field="(\w+)"', page))


class Classes(unittest.TestCase):
    def test_classes(self):
        self.assertEqual(vmcs_reference.field_class("Host-state area", "HOST_RIP", 1), "build")
        self.assertEqual(vmcs_reference.field_class("Guest-state area", "GUEST_GDTR_BASE", 1), "build")
        self.assertEqual(vmcs_reference.field_class("VM-exit information fields", "VM_EXIT_REASON", 1), "build")
        self.assertEqual(vmcs_reference.field_class("VM-execution control fields", "VM_ENTRY_CONTROLS", 1), "model")
        self.assertEqual(vmcs_reference.field_class("Guest-state area", "VMCS_LINK_POINTER", ~0 & (2**64 - 1)),
                         "equal")
        self.assertEqual(vmcs_reference.field_class("VM-execution control fields", "TSC_OFFSET",
                                                    0xa5a5a5a5a5a5a5a5), "unset")

    def test_every_classified_name_is_a_field(self):
        names = set(re.findall(r"^VMCS_FIELD\((\w+),", (ROOT / "kernel/vmx/vmcs_fields.def").read_text(), re.M))
        self.assertLessEqual(vmcs_reference.BUILD | vmcs_reference.MODEL, names)


class Column(unittest.TestCase):
    def page(self, serial, backend=MODEL):
        return html_report.vmcs_html(serial, REFERENCE, backend)

    def test_the_reference_itself_differs_nowhere(self):
        self.assertEqual(vmcs_reference.compare(REFERENCE["fields"], REFERENCE, MODEL),
                         {n: (c, v, False if c in ("equal", "model") else None)
                          for g, n, v, _ in REFERENCE["fields"] for c in [vmcs_reference.field_class(g, n, v)]})
        self.assertEqual(self.page(dump()), "")     # nothing flagged, nothing differs: no section

    def test_a_wrong_field_is_highlighted_with_the_rule(self):
        check = ('! VMCS CHECK: CPU_BASED_VM_EXEC_CONTROL is 0x80: VM entry needs bits 0x4006172 set '
                 '(SDM Vol. 3C, 27.2.1.1 "VM-Execution Control Fields")\n')
        page = self.page(check + dump(CPU_BASED_VM_EXEC_CONTROL=0x80, VM_INSTRUCTION_ERROR=7))
        self.assertEqual(differing(page), {"CPU_BASED_VM_EXEC_CONTROL"})
        self.assertIn("the reference's value", page)
        self.assertIn("0x40061f2", page)
        self.assertIn("27.2.1.1", page)
        self.assertIn("1 field(s) differ", page)

    def test_build_dependent_and_unset_fields_are_not_compared(self):
        page = self.page(dump(HOST_RIP=0x200000, GUEST_RIP=0x200100, TSC_OFFSET=0, VM_INSTRUCTION_ERROR=7))
        self.assertEqual(differing(page), set())
        self.assertIn('data-field="HOST_RIP" data-class="build"', page)
        self.assertIn('data-field="TSC_OFFSET" data-class="unset"', page)

    def test_model_dependent_fields_only_on_the_same_model(self):
        wrong = dump(CPU_BASED_VM_EXEC_CONTROL=0x80, GUEST_CS_SELECTOR=0x10, VM_INSTRUCTION_ERROR=7)
        self.assertEqual(differing(self.page(wrong)), {"CPU_BASED_VM_EXEC_CONTROL", "GUEST_CS_SELECTOR"})
        other = self.page(wrong, "bochs (corei7_haswell_4770)")
        self.assertEqual(differing(other), {"GUEST_CS_SELECTOR"})
        self.assertIn("shown, not compared", other)

    def test_a_field_one_model_lacks(self):
        lacks = dump(GUEST_IA32_PAT=None, VM_INSTRUCTION_ERROR=7)
        self.assertEqual(differing(self.page(lacks, "bochs (core2_penryn_t9600)")), set())
        self.assertEqual(differing(self.page(lacks)), {"GUEST_IA32_PAT"})

    def test_no_reference_no_column(self):
        page = html_report.vmcs_html(dump(VM_INSTRUCTION_ERROR=7))
        self.assertNotIn("reference", page)


def digested(reference: dict, lab: int = 4, scenario: str = "vmx") -> dict:
    """reference in the student distribution's form, as vmcs_reference.load() reads it."""
    text = vmcs_reference.dumps([{"lab": lab, "scenario": scenario, "backend": reference["backend"],
                                  "fields": [list(f) for f in reference["fields"]]}])
    with tempfile.TemporaryDirectory() as d:
        path = Path(d, "vmcs-reference.json")
        path.write_text(vmcs_reference.digested(text))
        return vmcs_reference.load(path)[(lab, scenario)]


class DigestColumn(unittest.TestCase):
    """The student distribution's page: which fields differ, never the reference's values."""
    REF = digested(REFERENCE)

    def page(self, serial, backend=MODEL):
        return html_report.vmcs_html(serial, self.REF, backend)

    def assertNoReferenceValue(self, page):
        for _, name, value, _ in REFERENCE["fields"]:
            self.assertNotRegex(page.lower(), rf">0x{value:x}(?![0-9a-f])", name)
            if value > 0xff:
                self.assertNotIn(f"{value:x}", page.lower(), name)
                self.assertNotIn(str(value), page, name)

    def test_the_reference_itself_differs_nowhere(self):
        got = vmcs_reference.compare(REFERENCE["fields"], self.REF, MODEL)
        self.assertEqual({n: d for n, (_, _, d) in got.items()},
                         {"GUEST_CS_SELECTOR": False, "GUEST_IA32_PAT": False, "CPU_BASED_VM_EXEC_CONTROL": False,
                          "GUEST_RIP": None, "HOST_RIP": None, "TSC_OFFSET": None, "VM_INSTRUCTION_ERROR": None})
        self.assertEqual(self.page(dump()), "")

    def test_a_wrong_field_is_highlighted_with_the_rule_and_no_value(self):
        check = ('! VMCS CHECK: CPU_BASED_VM_EXEC_CONTROL is 0x80: VM entry needs bits 0x4006172 set '
                 '(SDM Vol. 3C, 27.2.1.1 "VM-Execution Control Fields")\n')
        # every field of this VMCS differs from the reference's, so none of the
        # reference's values can be on the page unless the page shows them
        page = self.page(check + dump(CPU_BASED_VM_EXEC_CONTROL=0x80, VM_INSTRUCTION_ERROR=7,
                                      GUEST_CS_SELECTOR=0x10, GUEST_IA32_PAT=0x6,
                                      HOST_RIP=0x200000, GUEST_RIP=0x200100, TSC_OFFSET=0x1))
        self.assertEqual(differing(page), {"CPU_BASED_VM_EXEC_CONTROL", "GUEST_CS_SELECTOR", "GUEST_IA32_PAT"})
        self.assertIn("27.2.1.1", page)
        self.assertIn("3 field(s) differ", page)
        self.assertIn("differs from the reference", page)
        self.assertNotIn("as the reference<", page)
        self.assertNotIn("the reference's value<", page)
        self.assertNoReferenceValue(page)

    def test_a_matching_field_is_not_highlighted(self):
        page = self.page(dump(GUEST_CS_SELECTOR=0x10, VM_INSTRUCTION_ERROR=7))
        self.assertEqual(differing(page), {"GUEST_CS_SELECTOR"})
        row = re.search(r'<tr class="vmcs-field[^"]*" data-field="GUEST_IA32_PAT".*?</tr>', page).group(0)
        self.assertIn("as the reference", row)
        self.assertNotIn("differs", row)
        row = re.search(r'<tr class="vmcs-field[^"]*" data-field="GUEST_CS_SELECTOR".*?</tr>', page).group(0)
        self.assertIn("differs from the reference", row)
        self.assertNotIn("0x8<", row)

    def test_model_dependent_fields_only_on_the_same_model(self):
        wrong = dump(CPU_BASED_VM_EXEC_CONTROL=0x80, GUEST_CS_SELECTOR=0x10, VM_INSTRUCTION_ERROR=7)
        self.assertEqual(differing(self.page(wrong)), {"CPU_BASED_VM_EXEC_CONTROL", "GUEST_CS_SELECTOR"})
        self.assertEqual(differing(self.page(wrong, "bochs (corei7_haswell_4770)")), {"GUEST_CS_SELECTOR"})

    def test_a_field_one_model_lacks(self):
        lacks = dump(GUEST_IA32_PAT=None, VM_INSTRUCTION_ERROR=7)
        self.assertEqual(differing(self.page(lacks, "bochs (core2_penryn_t9600)")), set())
        self.assertEqual(differing(self.page(lacks)), {"GUEST_IA32_PAT"})


class Data(unittest.TestCase):
    def test_the_shipped_data_has_each_scenario(self):
        data = vmcs_reference.load()
        self.assertEqual(set(data), set(vmcs_reference.SCENARIOS))
        names = set(re.findall(r"^VMCS_FIELD\((\w+),", (ROOT / "kernel/vmx/vmcs_fields.def").read_text(), re.M))
        for entry in data.values():
            self.assertEqual({f[1] for f in entry["fields"]}, names)
            self.assertFalse(any(d for _, _, d in vmcs_reference.compare(entry["fields"], entry,
                                                                          entry["backend"]).values()))

    def test_the_student_distributions_form_holds_no_compared_value(self):
        """handout.py's transform of the real data: digests only, each field's class kept,
        no compared value left (as a number, or in hex or decimal in the text), and
        the reference's own VMCS compares equal to its digests."""
        text = vmcs_reference.digested(vmcs_reference.DATA.read_text())
        data = json.loads(text)
        self.assertEqual(data["schema"], vmcs_reference.DIGEST_SCHEMA)
        full = vmcs_reference.load()
        for s in data["scenarios"]:
            ref = full[(s["lab"], s["scenario"])]
            classes = {n: vmcs_reference.field_class(g, n, v) for g, n, v, _ in ref["fields"]}
            self.assertEqual({n: c for _, n, c, _ in s["fields"]}, classes)
            for _, name, cls, d in s["fields"]:
                self.assertTrue(re.fullmatch(r"[0-9a-f]{24}", d) if cls in ("equal", "model") else d is None,
                                f"{s['scenario']}/{name}: {d!r}")
            bare = re.sub(r'"[0-9a-f]{24}"', '""', text)      # a digest may hold any hex by chance
            for _, name, value, _ in ref["fields"]:
                if classes[name] in ("equal", "model") and value is not None and value > 0xff:
                    self.assertNotIn(f"{value:x}", bare, name)
                    self.assertNotIn(str(value), bare, name)
        with tempfile.TemporaryDirectory() as d:
            path = Path(d, "vmcs-reference.json")
            path.write_text(text)
            digests = vmcs_reference.load(path)
        self.assertEqual(set(digests), set(full))
        for key, entry in digests.items():
            backend = entry["backend"]
            got = vmcs_reference.compare(full[key]["fields"], entry, backend)
            self.assertFalse(any(d for _, _, d in got.values()), key)
            self.assertEqual({n for n, (_, _, d) in got.items() if d is False},
                             {n for n, (c, _, d) in vmcs_reference.compare(full[key]["fields"], full[key],
                                                                          backend).items() if d is False})


if __name__ == "__main__":
    unittest.main()
