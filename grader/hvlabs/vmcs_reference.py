"""The reference solution's VMCS, shipped as data for the HTML report (html_report.py):
grader/hvlabs/vmcs-reference.json, written by the maintainers' `make vmcs-reference`
(grader/vmcs_reference.py), which boots the reference stage of each scenario below with
vmcs_dump=1 on the command line: the lab 4 harness then dumps the VMCS it is about to
launch (kernel/harness/lab4.c, launch_ok()), the same point where a student's failed
launch dumps theirs.

Each field has a class that says whether a difference from the reference means
something:
  equal  must equal the reference: the harness sets the same scene for every
         solution (its filler pattern, its host MSRs), so any correct VMCS has
         the reference's value;
  build  depends on the build or on the run, shown and never compared: addresses of
         code, stacks, tables and pages (HOST_RIP, GUEST_RSP, *_GDTR_BASE, CR3, the
         bitmaps' addresses ...), and the VM-exit information fields (what the
         launch did, not what the student wrote);
  model  depends on the CPU model (controls adjusted to its capability MSRs, CR0/CR4
         and their fixed bits, fields a model lacks): compared only when the run's
         emulator and model are the reference's;
  unset  the reference never writes it (it keeps the harness's filler, a5 bytes): a
         solution may write it or not, so it is shown and not compared.

The student distribution (`make handout`) gets this file in its digest form
(digested()): each compared value (classes equal and model) replaced by its digest
(digest()), salted with the lab, scenario and field so that equal values of two fields
do not show as equal digests, and every other value dropped. compare() then compares
the student's value's digest, so the page tells which fields differ from the reference
without showing the reference's values. Like the keys of the questions (answers.py),
a digest hides a value from a reader, not from someone who tries candidate values.
"""
import hashlib
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "vmcs-reference.json"
SCHEMA = "hvlabs-vmcs-reference/1"
DIGEST_SCHEMA = "hvlabs-vmcs-reference-digests/1"     # digested()'s form of the same data
# The scenarios whose harness dumps the VMCS before its launch with vmcs_dump=1.
SCENARIOS = ((4, "vmx"), (4, "older"))

BUILD = frozenset({
    "HOST_RIP", "HOST_RSP", "GUEST_RIP", "GUEST_RSP", "HOST_CR3", "GUEST_CR3",
    "HOST_GDTR_BASE", "HOST_IDTR_BASE", "HOST_TR_BASE",
    "GUEST_GDTR_BASE", "GUEST_IDTR_BASE", "GUEST_TR_BASE",
    "IO_BITMAP_A", "IO_BITMAP_B", "MSR_BITMAP", "VM_EXIT_MSR_STORE_ADDR", "VM_EXIT_MSR_LOAD_ADDR",
    "VM_ENTRY_MSR_LOAD_ADDR", "VIRTUAL_APIC_PAGE_ADDR", "APIC_ACCESS_ADDR", "EPT_POINTER",
})
MODEL = frozenset({
    "PIN_BASED_VM_EXEC_CONTROL", "CPU_BASED_VM_EXEC_CONTROL", "SECONDARY_VM_EXEC_CONTROL",
    "VM_EXIT_CONTROLS", "VM_ENTRY_CONTROLS", "GUEST_CR0", "GUEST_CR4", "HOST_CR0", "HOST_CR4",
    "CR0_GUEST_HOST_MASK", "CR4_GUEST_HOST_MASK", "CR0_READ_SHADOW", "CR4_READ_SHADOW",
    "GUEST_IA32_EFER", "HOST_IA32_EFER", "GUEST_IA32_PAT", "HOST_IA32_PAT", "VIRTUAL_PROCESSOR_ID",
})
INFO_GROUP = "VM-exit information fields"
CLASS_TEXT = {"equal": "must equal the reference", "build": "build-dependent: shown, not compared",
              "model": "model-dependent: compared on the reference's model only",
              "unset": "the reference leaves it unwritten: shown, not compared"}
FILLERS = (0xa5a5, 0xa5a5a5a5, 0xa5a5a5a5a5a5a5a5)     # the lab 4 harness's fill_vmcs()


def field_class(group: str, name: str, reference=0) -> str:
    """equal, build, model or unset (the module's docstring) of field name in group,
    whose reference value is reference."""
    if name in BUILD or group == INFO_GROUP:
        return "build"
    if reference in FILLERS:
        return "unset"
    return "model" if name in MODEL else "equal"


def digest(lab: int, scenario: str, name: str, value) -> str:
    """The digest form of value (None: the CPU lacks the field) of field name in lab's
    scenario."""
    canon = "absent" if value is None else f"0x{value:x}"
    return hashlib.sha256(f"hvlabs/vmcs/lab{lab}/{scenario}/{name}/{canon}".encode()).hexdigest()[:24]


def load(path: Path = None) -> dict:
    """{(lab, scenario): {"lab", "scenario", "backend", "fields": [(group, name, value or
    None, note)]}} of the data in either form; for the digest form "digests" is True,
    each value is its digest (None: not compared, so not shipped), each note is empty and
    "classes" is {name: class}. {} if the data is missing or unreadable (the page then
    shows no reference column). path: DATA unless given."""
    try:
        data = json.loads((path or DATA).read_text())
    except (OSError, ValueError):
        return {}
    if data.get("schema") == SCHEMA:
        return {(s["lab"], s["scenario"]): {"lab": s["lab"], "scenario": s["scenario"], "backend": s["backend"],
                                            "fields": [tuple(f) for f in s["fields"]]}
                for s in data["scenarios"]}
    if data.get("schema") == DIGEST_SCHEMA:
        return {(s["lab"], s["scenario"]): {"lab": s["lab"], "scenario": s["scenario"], "backend": s["backend"],
                                            "digests": True,
                                            "fields": [(g, n, d, "") for g, n, _, d in s["fields"]],
                                            "classes": {n: c for _, n, c, _ in s["fields"]}}
                for s in data["scenarios"]}
    return {}


def digested(text: str) -> str:
    """The student distribution's form of the data file's text (SCHEMA): each field
    [group, name, class, digest of the value], the digest only for a compared class
    (equal, model), else null; notes dropped (they decode values)."""
    data = json.loads(text)
    if data.get("schema") != SCHEMA:
        raise ValueError(f"vmcs_reference: the data's schema is {data.get('schema')!r}, not {SCHEMA!r}")
    scenarios = []
    for s in data["scenarios"]:
        fields = []
        for group, name, value, _ in s["fields"]:
            cls = field_class(group, name, value)
            fields.append([group, name, cls,
                           digest(s["lab"], s["scenario"], name, value) if cls in ("equal", "model") else None])
        scenarios.append({"lab": s["lab"], "scenario": s["scenario"], "backend": s["backend"], "fields": fields})
    return json.dumps({"schema": DIGEST_SCHEMA, "note": "written by `make handout` from the course's "
                       "vmcs-reference.json: digests of the compared values; do not edit",
                       "scenarios": scenarios}, indent=1) + "\n"


def dumps(entries: list) -> str:
    """The data file's text for entries [{"lab", "scenario", "backend", "fields"}]."""
    return json.dumps({"schema": SCHEMA, "note": "written by `make vmcs-reference`; do not edit",
                       "scenarios": entries}, indent=1) + "\n"


def compare(fields: list, reference: dict, backend: str) -> dict:
    """For a student's dump fields [(group, name, value, note)] and a reference entry
    (load()'s values, either form): {name: (class, reference value (its digest in the
    digest form) or None, differs)}; differs is None for a field not compared, else
    whether it differs. Compared are the fields of class equal, and model when backend
    is the reference's; a field one of the two lacks ("not on this CPU") only on the
    same model."""
    ref = {name: value for _, name, value, _ in reference["fields"]}
    digests = reference.get("digests", False)
    out = {}
    for group, name, value, _ in fields:
        if name not in ref:
            continue
        cls = reference["classes"][name] if digests else field_class(group, name, ref[name])
        same_model = backend == reference["backend"]
        # in the digest form a compared field's None means the reference's CPU lacks it
        ref_lacks = ref[name] is None or (digests and ref[name] == digest(
            reference["lab"], reference["scenario"], name, None))
        compared = (cls == "equal" or (cls == "model" and same_model)) and \
            (same_model or (value is not None and not ref_lacks))
        mine = digest(reference["lab"], reference["scenario"], name, value) if digests else value
        out[name] = (cls, ref[name], mine != ref[name] if compared else None)
    return out
