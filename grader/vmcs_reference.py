#!/usr/bin/env python3
"""The reference's VMCS for the HTML report (maintainers; needs solutions/).

    vmcs_reference.py --write    boots each scenario of hvlabs.vmcs_reference.SCENARIOS on
                                 the reference stage with vmcs_dump=1 and writes
                                 grader/hvlabs/vmcs-reference.json
    vmcs_reference.py --check    boots them again and fails (exit 1) when a compared
                                 field (classes equal and model) or the list of fields
                                 drifted from the data: run --write and commit it

Build-dependent fields (addresses) may drift without failing --check: the report never
compares them, and they change with any change of the kernel's layout.
"""
import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvlabs import boot, emulators, grading, html_report, labs, stage, vmcs_reference  # noqa: E402
from hvlabs.errors import UsageError, main_exit  # noqa: E402
from hvlabs.paths import ROOT  # noqa: E402


def reference_dumps() -> list:
    """Boots each scenario's reference stage with vmcs_dump=1; its entries for the data file."""
    entries, built = [], {}
    backend = emulators.make("bochs", "")
    with tempfile.TemporaryDirectory(prefix="hvlabs-vmcsref-") as tmp:
        for lab, name in vmcs_reference.SCENARIOS:
            if lab not in built:
                built[lab] = stage.build(lab, sol=True)
                if not built[lab].ok:
                    raise SystemExit(f"vmcs_reference: the reference stage of lab {lab} did not build:\n{built[lab].log}")
            scenario = labs.get(lab).scenario(name)
            result = boot.boot(backend, built[lab].iso, Path(tmp, f"lab{lab}-{name}"),
                               grading.cmdline(lab, name, "00000000") + " vmcs_dump=1", scenario)
            found = html_report.vmcs_dumps(result.serial)
            if not found or "FAIL:" in result.serial or "ABORT:" in result.serial:
                raise SystemExit(f"vmcs_reference: lab {lab} scenario {name}: the reference run "
                                 f"failed or dumped no VMCS ({result.ended}):\n{result.serial[-2000:]}")
            entries.append({"lab": lab, "scenario": name, "backend": result.backend,
                            "fields": [list(f) for f in found[0]["fields"]]})
    return entries


def drift(stored: dict, entries: list) -> list:
    """What differs between the stored data and fresh entries, in compared fields only."""
    out = []
    for e in entries:
        ref = stored.get((e["lab"], e["scenario"]))
        if ref is None:
            out.append(f"lab {e['lab']} scenario {e['scenario']}: not in the data")
            continue
        fields = [tuple(f) for f in e["fields"]]
        if [f[1] for f in fields] != [f[1] for f in ref["fields"]]:
            out.append(f"lab {e['lab']} scenario {e['scenario']}: the list of fields changed")
        if e["backend"] != ref["backend"]:
            out.append(f"lab {e['lab']} scenario {e['scenario']}: ran on {e['backend']}, "
                       f"the data is from {ref['backend']}")
        for name, (cls, value, differs) in vmcs_reference.compare(fields, ref, e["backend"]).items():
            if differs:
                now = next(f[2] for f in fields if f[1] == name)
                out.append(f"lab {e['lab']} scenario {e['scenario']}: {name} ({cls}) is "
                           f"{now if now is None else hex(now)}, the data says "
                           f"{value if value is None else hex(value)}")
    if len(stored) != len(entries):
        out.append("the data has other scenarios than vmcs_reference.SCENARIOS")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    if not (ROOT / "solutions").is_dir():
        raise UsageError("vmcs_reference: needs solutions/ (a maintainers' command)")
    entries = reference_dumps()
    if args.write:
        vmcs_reference.DATA.write_text(vmcs_reference.dumps(entries))
        print(f"vmcs_reference: wrote {vmcs_reference.DATA.relative_to(ROOT)}")
        return 0
    problems = drift(vmcs_reference.load(), entries)
    for p in problems:
        print(f"vmcs_reference: {p}")
    if problems:
        print("vmcs_reference: the reference's VMCS drifted from the data: run `make vmcs-reference` and commit it")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main_exit(main))
