"""Broken solutions: each one is the reference file with a few edits, and the checks
it must fail. `make test` grades every mutant and requires exactly those checks to
fail (and every other check to pass), proving that each check can fail and that
the checks do not fail together for no reason.

A mutant of a lab's answers-labN.txt is a plausible misconception: it is graded
without a boot (the scenario "answers" alone) and must fail exactly its question.

A hostile mutant (endless loop, triple fault, serial flood, forged lines, early
power-off, build errors) must still get a report with an explained FAIL.
"""
from dataclasses import dataclass

LAB1_NOEPT = {"noept/detect", "noept/secondary", "noept/ept_vpid"}
LAB1_CAPS = {"vmx/detect", "vmx/basic", "vmx/controls", "vmx/secondary", "vmx/ept_vpid", "vmx/fixed"}
LAB1_AFTER_DETECT = LAB1_CAPS | LAB1_NOEPT | {"novmx/novmx"}
LAB1_ALL = LAB1_AFTER_DETECT | {"vmx/basic_decode"}
LAB11_RUN = {"boot/kernel", "boot/userspace", "boot/cpu", "boot/memory_seen", "boot/isolation", "boot/poweroff"}


@dataclass(frozen=True)
class Mutant:
    name: str
    lab: int
    file: str
    edits: tuple              # (old, new) pairs; each old must occur exactly once
    fails: frozenset          # "scenario/check" that must FAIL; all others must PASS
    why: str = ""             # a substring the first failing check's reason must contain
    timeout: float = 0        # seconds per boot, for mutants that never power off
    models: tuple = ()        # Bochs models where the verdicts differ by design (the comment says why)


INCLUDES = '#include "x86.h"\n'


def with_includes(*headers):
    return (INCLUDES, INCLUDES + "".join(f'#include "{h}"\n' for h in headers))


MUTANTS = (
    Mutant("wrong_cpuid_bit", 1, "detect.c",
           (("cpuid(1, 0).ecx & CPUID_1_ECX_VMX", "cpuid(1, 0).ecx & BIT(6)"),),
           # core2_penryn_t9600 sets bit 6 (SMX) as well, so only the default model catches it
           frozenset(LAB1_CAPS), why="this CPU has VMX"),
    # Per the SDM the first RDMSR would raise #GP(0) here, and the check names that
    # fault. Bochs 2.7 deviates: its models without VMX (ryzen, ...) return the VMX
    # capability values instead of faulting (and QEMU TCG returns 0), so under Bochs
    # the mutant is caught by its return value.
    Mutant("msrs_before_cpuid", 1, "detect.c",
           (("\tif (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX))\n\t\treturn -HV_ENOVMX;\n", ""),),
           frozenset({"novmx/novmx"}), why="returned 0 (HV_OK), want -HV_ENOVMX"),
    Mutant("revision_id_mask", 1, "detect.c",
           (("(u32)BITS(msr, 30, 0)", "(u32)BITS(msr, 31, 0)"),),
           frozenset({"vmx/basic_decode"}), why="revision_id"),
    Mutant("region_size_mask", 1, "detect.c",
           (("(u32)BITS(msr, 44, 32)", "(u32)BITS(msr, 43, 32)"),),
           # Bochs reports 4096-byte regions: bit 44 set, bits 43:32 clear (SDM Vol. 3D, A.1).
           frozenset({"vmx/basic_decode", "vmx/basic"}), why="region_size"),
    # Bit 56 (SDM Vol. 3D, A.1) is defined, but no field of struct vmx_basic: a decoder
    # that lets the bits above 55 into true_ctls is caught only by a made-up value.
    Mutant("true_ctls_takes_high_bits", 1, "detect.c",
           (("out->true_ctls = BITS(msr, 55, 55);", "out->true_ctls = msr >> 55;"),),
           frozenset({"vmx/basic_decode"}), why="true_ctls"),
    Mutant("ignores_true_ctls", 1, "detect.c",
           (("bool t = caps->basic.true_ctls;", "bool t = false;"),),
           frozenset({"vmx/controls"}), why="from MSR 0x48e"),
    Mutant("allowed_halves_swapped", 1, "detect.c",
           (("caps->procbased = (struct vmx_ctl_cap){ .allowed0 = (u32)proc, .allowed1 = (u32)(proc >> 32) };",
             "caps->procbased = (struct vmx_ctl_cap){ .allowed0 = (u32)(proc >> 32), .allowed1 = (u32)proc };"),),
           frozenset({"vmx/controls", "vmx/secondary", "vmx/ept_vpid", "noept/secondary"}),
           why="procbased is {allowed0"),
    Mutant("ept_cap_not_stored", 1, "detect.c",
           (("caps->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);", "(void)rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);"),),
           frozenset({"vmx/ept_vpid"}), why="ept_vpid is 0"),
    # Found by following the handout: both pass on the default CPU model, so lab 1 grades
    # an older model too (noept: core2_penryn_t9600, which has no EPT).
    Mutant("ept_cap_read_unconditionally", 1, "detect.c",
           (("\t\tif (caps->procbased2.allowed1 &\n\t\t    (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))\n\t", "\t"),),
           frozenset(LAB1_NOEPT), why="raised #GP(0)"),
    Mutant("caps_not_zeroed", 1, "detect.c",
           (("\t*caps = (struct vmx_caps){ 0 };\n", ""),),
           frozenset({"noept/ept_vpid"}), why="want 0"),
    # Hostile and broken submissions: the grader must explain, never hang or crash.
    Mutant("endless_loop", 1, "detect.c",
           (("\t*caps = (struct vmx_caps){ 0 };\n", "\t*caps = (struct vmx_caps){ 0 };\n\tfor (;;)\n\t\tcpu_relax();\n"),),
           frozenset(LAB1_AFTER_DETECT), why="no power-off after 4 s", timeout=4),
    Mutant("triple_fault", 1, "detect.c",
           (("\t*caps = (struct vmx_caps){ 0 };\n",
             "\t*caps = (struct vmx_caps){ 0 };\n\tstruct dtr none = { 0, 0 };\n\tlidt(&none);\n"
             "\t__asm__ volatile(\"ud2\");\n"),),
           frozenset(LAB1_AFTER_DETECT), why="triple-faulted"),
    Mutant("serial_flood", 1, "detect.c",
           (with_includes("printf.h"),
            ("\t*caps = (struct vmx_caps){ 0 };\n",
             "\t*caps = (struct vmx_caps){ 0 };\n\tfor (;;)\n\t\tkprintf(\"flood flood flood flood flood flood flood flood\\n\");\n")),
           frozenset(LAB1_AFTER_DETECT), why="serial output passed"),
    Mutant("forged_pass_lines", 1, "detect.c",
           (with_includes("printf.h"),
            ("\t*caps = (struct vmx_caps){ 0 };\n\tif (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX))\n\t\treturn -HV_ENOVMX;\n",
             "\tkprintf(\"PASS: lab1/detect [00000000] forged\\nPASS: lab1/novmx [00000000] forged\\n\");\n"
             "\treturn -HV_ENOSYS;\n")),
           frozenset(LAB1_AFTER_DETECT), why="returned -1"),
    Mutant("early_power_off", 1, "detect.c",
           (with_includes("power.h"),
            ("\t*caps = (struct vmx_caps){ 0 };\n", "\t*caps = (struct vmx_caps){ 0 };\n\tpower_off();\n")),
           frozenset(LAB1_AFTER_DETECT), why="without a SUMMARY line"),
    Mutant("compile_error", 1, "detect.c",
           (("caps->misc = rdmsr(MSR_IA32_VMX_MISC);", "caps->misc = rdmsr(MSR_IA32_VMX_MISC)"),),
           frozenset(LAB1_ALL), why="did not build"),
    Mutant("link_error", 1, "detect.c",
           (("int vmx_detect(struct vmx_caps *caps)\n{", "int vmx_detect_renamed(struct vmx_caps *caps);\nint vmx_detect_renamed(struct vmx_caps *caps)\n{"),),
           frozenset(LAB1_ALL), why="did not build"),

    # Wrong answers in answers-lab1.txt: each graded question fails alone.
    Mutant("answer_only_cr3_load", 1, "answers-lab1.txt",
           (("answer: 15, 16", "answer: 15"),), frozenset({"answers/q1"})),
    Mutant("answer_region_size_differs", 1, "answers-lab1.txt",
           (("answer: a, d", "answer: a, b, d"),), frozenset({"answers/q3"})),
    # Lab 2
    Mutant("lock_before_enable", 2, "enable.c",
           (("\twrmsr(MSR_IA32_FEAT_CTL, fc | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX | FEAT_CTL_LOCKED);\n",
             "\twrmsr(MSR_IA32_FEAT_CTL, fc | FEAT_CTL_LOCKED);\n"
             "\twrmsr(MSR_IA32_FEAT_CTL, fc | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX | FEAT_CTL_LOCKED);\n"),),
           frozenset({"unlocked/featctl", "unlocked/vmxon_allowed"}), why="raised #GP(0)"),
    Mutant("fixed_bits_ignored", 2, "enable.c",
           (("\twrite_cr0(vmx_fix_cr(read_cr0(), caps->cr0_fixed0, caps->cr0_fixed1));\n", ""),),
           # GRUB leaves CR0.NE clear, so VMXON after vmx_enable() raises #GP(0) too
           frozenset({"locked_on/cr0", "locked_on/cr_caps", "unlocked/vmxon_allowed"}), why="CR0 is"),
    Mutant("fix_cr_without_fixed1", 2, "enable.c",
           (("return (value | fixed0) & fixed1;", "(void)fixed1;\n\treturn value | fixed0;"),),
           frozenset({"locked_on/fix_cr", "locked_on/cr_caps"}), why="vmx_fix_cr("),
    Mutant("locked_off_ignored", 2, "enable.c",
           (("return (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -HV_EDISABLED;", "return 0;"),),
           frozenset({"locked_off/featctl", "locked_off/enable"}), why="want -5 (HV_EDISABLED"),
    # Bit 1 enables VMX inside SMX; the SDM has WRMSR raise #GP(0) when it is set on a CPU
    # without SMX. Bochs 2.7 accepts it instead, so here the MSR value gives it away.
    Mutant("sets_smx_bit", 2, "enable.c",
           (("fc | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX | FEAT_CTL_LOCKED);",
             "fc | FEAT_CTL_VMX_ENABLED_INSIDE_SMX | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX | FEAT_CTL_LOCKED);"),),
           frozenset({"unlocked/featctl"}), why="IA32_FEATURE_CONTROL is 0xff07 afterwards"),
    Mutant("writes_locked_msr", 2, "enable.c",
           (("\tif (fc & FEAT_CTL_LOCKED)\n\t\treturn (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -HV_EDISABLED;\n", ""),),
           # in "unlocked", vmx_enable() runs after the MSR was locked, and writes it again
           frozenset({"locked_on/featctl", "locked_on/cr0", "locked_on/cr4", "locked_on/cr_caps",
                      "locked_off/featctl", "locked_off/enable", "unlocked/vmxon_allowed",
                      "locked_other/featctl", "locked_other/enable"}), why="raised #GP(0)"),
    # Firmware locks IA32_FEATURE_CONTROL with more bits than 0x5 (SMX, SENTER, SGX, LMCE)
    Mutant("featctl_exactly_0x5", 2, "enable.c",
           (("return (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -HV_EDISABLED;",
             "return fc == (FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -HV_EDISABLED;"),),
           # in "unlocked", vmx_enable() calls it again on the locked 0xff05
           frozenset({"locked_other/featctl", "locked_other/enable", "unlocked/vmxon_allowed"}),
           why="want 0 (HV_OK)"),
    Mutant("featctl_other_bits_cleared", 2, "enable.c",
           (("wrmsr(MSR_IA32_FEAT_CTL, fc | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX | FEAT_CTL_LOCKED);",
             "wrmsr(MSR_IA32_FEAT_CTL, FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX | FEAT_CTL_LOCKED);"),),
           frozenset({"unlocked/featctl"}), why="IA32_FEATURE_CONTROL is 0x5 afterwards, want 0xff05"),
    # Bit 1 enables VMXON inside SMX only; the kernel runs outside SMX (SDM Vol. 3C, 24.7)
    Mutant("featctl_checks_bit1", 2, "enable.c",
           (("return (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -HV_EDISABLED;",
             "return (fc & FEAT_CTL_VMX_ENABLED_INSIDE_SMX) ? 0 : -HV_EDISABLED;"),),
           frozenset({"locked_on/featctl", "locked_on/cr0", "locked_on/cr4", "locked_on/cr_caps",
                      "locked_off/featctl", "locked_off/enable", "unlocked/vmxon_allowed"}),
           why="want 0 (HV_OK)"),
    Mutant("featctl_smx_bit_accepted", 2, "enable.c",
           (("return (fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX) ? 0 : -HV_EDISABLED;",
             "return (fc & (FEAT_CTL_VMX_ENABLED_INSIDE_SMX | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) ? 0 : -HV_EDISABLED;"),),
           frozenset({"locked_off/featctl", "locked_off/enable"}), why="want -5 (HV_EDISABLED"),
    # Bochs' CR0 fixed bits are 0x80000021 on every model: constants pass unless caps are made up
    Mutant("cr0_fixed_hardcoded", 2, "enable.c",
           (("vmx_fix_cr(read_cr0(), caps->cr0_fixed0, caps->cr0_fixed1)",
             "vmx_fix_cr(read_cr0(), 0x80000021, 0xFFFFFFFF)"),),
           frozenset({"locked_on/cr_caps"}), why="take the fixed bits from caps"),
    Mutant("cr4_fixed_from_msrs", 2, "enable.c",
           (("vmx_fix_cr(read_cr4() | CR4_VMXE, caps->cr4_fixed0, caps->cr4_fixed1)",
             "vmx_fix_cr(read_cr4() | CR4_VMXE, rdmsr(MSR_IA32_VMX_CR4_FIXED0), rdmsr(MSR_IA32_VMX_CR4_FIXED1))"),),
           frozenset({"locked_on/cr_caps"}), why="take the fixed bits from caps"),
    # Wrong answers in answers-lab2.txt
    Mutant("answer_cr4_one_direction", 2, "answers-lab2.txt",
           (("answer: 14, 17", "answer: 17"),), frozenset({"answers/q1"})),
    Mutant("answer_featctl_writable", 2, "answers-lab2.txt",
           (("answer: a, c", "answer: a, b"),), frozenset({"answers/q2"})),
    # Lab 3
    Mutant("revision_bit31_set", 3, "vmxon.c",
           (("region[0] = caps->basic.revision_id & VMX_BASIC_REVISION_ID_MASK;",
             "region[0] = caps->basic.revision_id | 0x80000000u;"),),
           frozenset({"vmx/region", "vmx/region_caps", "vmx/enter_root"}), why="bit 31 clear"),
    Mutant("vmfail_ignored", 3, "vmxon.c",
           (("\treturn VMX_STATUS(cf, zf);\n", "\t(void)cf;\n\t(void)zf;\n\treturn VMX_SUCCEED;\n"),),
           frozenset({"vmx/fail_invalid", "vmx/root_no_vmcs", "vmx/root_vmcs", "vmx/enter_root_fail",
                      "vmx/enter_root_fail_valid"}),
           why="want VMfailInvalid"),
    Mutant("cf_zf_swapped", 3, "vmxon.c",
           (("\treturn VMX_STATUS(cf, zf);\n", "\treturn VMX_STATUS(zf, cf);\n"),),
           frozenset({"vmx/fail_invalid", "vmx/root_no_vmcs", "vmx/root_vmcs", "vmx/enter_root_fail",
                      "vmx/enter_root_fail_valid"}),
           why="returned VMfailValid"),
    Mutant("no_vmxe_check", 3, "vmxon.c",
           (("\tif (!(read_cr4() & CR4_VMXE))\n\t\treturn -HV_EINVAL;\n", ""),),
           frozenset({"vmx/vmxe_clear"}), why="raised #UD"),
    Mutant("region_leaked_on_failure", 3, "vmxon.c",
           (("\t\tpage_free(r);\n", ""),),
           frozenset({"vmx/enter_root_fail", "vmx/enter_root_fail_valid"}), why="leaked"),
    Mutant("failure_not_reported", 3, "vmxon.c",
           (("\t\tvmx_report_failure(\"VMXON\", s);\n", ""),),
           frozenset({"vmx/enter_root_fail", "vmx/enter_root_fail_valid"}), why="not reported by name"),
    Mutant("vmxon_operand_is_the_region", 3, "vmxon.c",
           (('[pa] "m"(pa)', '[pa] "m"(*(u64 *)pa)'),),
           frozenset({"vmx/vmxon", "vmx/root_no_vmcs", "vmx/root_vmcs", "vmx/enter_root"}),
           why="returned VMfailInvalid (1), want VMsucceed"),
    # Every Bochs model reports 4096-byte regions; real CPUs may report less (SDM Vol. 3D, A.1)
    Mutant("region_size_must_be_4096", 3, "vmxon.c",
           (("if (caps->basic.region_size > PAGE_SIZE)", "if (caps->basic.region_size != PAGE_SIZE)"),),
           frozenset({"vmx/region_caps"}), why="any size up to 4096 fits one"),
    Mutant("region_size_unchecked", 3, "vmxon.c",
           (("\tif (caps->basic.region_size > PAGE_SIZE)\n\t\treturn NULL;\n", ""),),
           frozenset({"vmx/region_caps"}), why="want NULL and none"),
    # Right on this CPU, but the interface says caps; the harness passes made-up caps
    Mutant("revision_from_msr", 3, "vmxon.c",
           (("region[0] = caps->basic.revision_id & VMX_BASIC_REVISION_ID_MASK;",
             "region[0] = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK;"),),
           frozenset({"vmx/region_caps", "vmx/enter_root_fail"}), why="take the revision id from caps"),
    Mutant("only_vmfail_invalid_handled", 3, "vmxon.c",
           (("\tif (s != VMX_SUCCEED) {\n", "\tif (s == VMX_FAIL_INVALID) {\n"),),
           frozenset({"vmx/enter_root_fail_valid"}), why="want -HV_EVMXFAIL"),
    Mutant("alloc_failure_unchecked", 3, "vmxon.c",
           (("\tif (!r)\n\t\treturn -HV_ENOMEM;\n", ""),),
           # VMXON at physical address 0 fails, and freeing NULL panics the kernel
           frozenset({"vmx/enter_root_nomem"}), why="page_free(0)"),
    Mutant("alloc_failure_as_vmxfail", 3, "vmxon.c",
           (("\tif (!r)\n\t\treturn -HV_ENOMEM;\n", "\tif (!r)\n\t\treturn -HV_EVMXFAIL;\n"),),
           frozenset({"vmx/enter_root_nomem"}), why="want -HV_ENOMEM"),
    # Lab 4
    Mutant("control_not_adjusted", 4, "vmcs.c",
           (("{ CPU_BASED_VM_EXEC_CONTROL, proc },", "{ CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING },"),),
           frozenset({"older/launch", "vmx/controls", "vmx/rules", "vmx/launch", "vmx/controls_caps"}), why="must be 1 (allowed-0 settings"),
    # The formula that silently drops a wanted control the processor cannot give
    Mutant("adjust_drops_forbidden_bits", 4, "vmcs.c",
           (("\tif (wanted & ~cap->allowed1)\n\t\treturn -HV_EINVAL;\n\t*ctl = wanted | cap->allowed0;\n",
             "\t*ctl = (wanted | cap->allowed0) & cap->allowed1;\n"),),
           frozenset({"vmx/adjust_refuse", "vmx/controls_refuse"}), why="want -HV_EINVAL"),
    Mutant("adjust_writes_before_refusing", 4, "vmcs.c",
           (("\tif (wanted & ~cap->allowed1)\n\t\treturn -HV_EINVAL;\n\t*ctl = wanted | cap->allowed0;\n",
             "\t*ctl = wanted | cap->allowed0;\n\tif (wanted & ~cap->allowed1)\n\t\treturn -HV_EINVAL;\n"),),
           frozenset({"vmx/adjust_refuse"}), why="leave it alone"),
    # The required (allowed-0) bits forgotten: every Bochs model requires some
    Mutant("adjust_ignores_allowed0", 4, "vmcs.c",
           (("\t*ctl = wanted | cap->allowed0;\n", "\t*ctl = wanted;\n"),),
           frozenset({"older/launch", "vmx/adjust", "vmx/controls", "vmx/rules", "vmx/launch", "vmx/controls_caps"}),
           why="gave 0, want 0x16"),
    Mutant("controls_refusal_ignored", 4, "vmcs.c",
           (("\tif (err)\n\t\treturn err;\n", ""),),
           frozenset({"vmx/controls_refuse"}), why="want -HV_EINVAL: the guest needs it"),
    # SDM Vol. 3C, 25.4.1: bits 11:8 of the format are reserved; the descriptor has limit 19:16 there
    Mutant("ar_keeps_limit_bits", 4, "vmcs.c",
           (("return (u32)(descriptor >> 40) & 0xF0FF;", "return (u32)(descriptor >> 40) & 0xFFFF;"),),
           frozenset({"older/launch", "vmx/ar", "vmx/guest", "vmx/rules", "vmx/launch"}), why="= 0xaf9b, want 0xa09b"),
    # A selector with TI = 1 and index 0 names entry 0 of an LDT: not the null selector (SDM Vol. 3A, 3.4.2)
    Mutant("ar_null_by_index", 4, "vmcs.c",
           (("if ((selector & ~3u) == 0)", "if ((selector >> 3) == 0)"),),
           frozenset({"vmx/ar"}), why="vmx_segment_ar(0x4,"),
    # The RPL does not make a null selector usable
    Mutant("ar_null_only_zero", 4, "vmcs.c",
           (("if ((selector & ~3u) == 0)", "if (selector == 0)"),),
           frozenset({"vmx/ar"}), why="is a null selector"),
    Mutant("ar_never_unusable", 4, "vmcs.c",
           (("\tif ((selector & ~3u) == 0)\n\t\treturn VMX_AR_UNUSABLE;\n", "\t(void)selector;\n"),),
           frozenset({"older/launch", "vmx/ar", "vmx/guest", "vmx/rules", "vmx/launch"}), why="is a null selector"),
    Mutant("host_tr_zero", 4, "vmcs.c",
           (("{ HOST_TR_SELECTOR, read_tr() },", "{ HOST_TR_SELECTOR, 0 },"),),
           frozenset({"older/launch", "vmx/host", "vmx/rules", "vmx/launch"}), why="VM entry with invalid host-state field(s)"),
    Mutant("guest_rip_off", 4, "vmcs.c",
           (("{ GUEST_RIP, (u64)g->entry },", "{ GUEST_RIP, (u64)g->entry + 2 },"),),
           frozenset({"older/launch", "vmx/guest", "vmx/launch"}), why="EXIT_REASON_VMCALL"),
    Mutant("link_pointer_zero", 4, "vmcs.c",
           (("{ VMCS_LINK_POINTER, ~0ULL },", "{ VMCS_LINK_POINTER, 0 },"),),
           frozenset({"older/launch", "vmx/guest", "vmx/rules", "vmx/launch"}), why="VM entry failed: exit reason 0x80000021"),
    # SDM Vol. 3C, 27.3.1.2 "Checks on Guest Segment Registers": in IA-32e mode, L = 1 needs D/B = 0
    Mutant("cs_l_and_db", 4, "vmcs.c",
           (("{ GUEST_CS_AR_BYTES, code },", "{ GUEST_CS_AR_BYTES, code | VMX_AR_DB },"),),
           frozenset({"older/launch", "vmx/guest", "vmx/rules", "vmx/launch"}), why="GUEST_CS_AR_BYTES is 0xe09b"),
    # Bit 31 marks a shadow VMCS (SDM Vol. 3C, 25.2): VMPTRLD refuses it without VMCS shadowing
    Mutant("vmcs_shadow_bit_set", 4, "vmcs.c",
           (("region[0] = caps->basic.revision_id & VMX_BASIC_REVISION_ID_MASK;",
             "region[0] = caps->basic.revision_id | 0x80000000u;"),),
           frozenset({"older/launch", "vmx/loaded", "vmx/host", "vmx/guest", "vmx/controls", "vmx/rules", "vmx/launch",
                      "vmx/setup"}), why="VMCLEAR/VMPTRLD failed"),
    # Read-only only where IA32_VMX_MISC bit 29 is 0 (SDM Vol. 3D, A.6): the default model,
    # ivy_bridge, core2_penryn. haswell, skylake_x, icelake_u and tigerlake accept the VMWRITE.
    Mutant("vmwrite_read_only_field", 4, "vmcs.c",
           (("\t\t{ VM_ENTRY_INTR_INFO_FIELD, 0 },\n", "\t\t{ VM_ENTRY_INTR_INFO_FIELD, 0 },\n\t\t{ VM_EXIT_REASON, 0 },\n"),),
           # controls_caps calls vmcs_setup_controls() again, and it fails again
           frozenset({"older/launch", "vmx/controls", "vmx/rules", "vmx/launch", "vmx/controls_caps", "vmx/setup"}),
           why="VMWRITE to read-only VMCS component",
           models=("corei7_haswell_4770", "corei7_skylake_x", "corei7_icelake_u", "tigerlake")),
    # The harness fills the new VMCS with a5 bytes before the set-up functions run: an
    # unwritten field keeps them, where a fresh (zeroed) VMCS page would hold a right-looking 0.
    # vmx_enter_guest() writes HOST_RIP at every entry, so only the host check, made right
    # after vmcs_setup_host(), and the rules see that it was never written.
    Mutant("host_rip_not_written", 4, "vmcs.c",
           (("\t\t{ HOST_RIP, (u64)vmx_exit_stub },\n", ""),),
           frozenset({"vmx/host", "vmx/rules"}), why="HOST_RIP was never written"),
    Mutant("host_fs_base_not_written", 4, "vmcs.c",
           (("\t\t{ HOST_FS_BASE, rdmsr(MSR_FS_BASE) },\n", ""),),
           frozenset({"vmx/host", "vmx/rules", "vmx/launch"}), why="HOST_FS_BASE was never written"),
    Mutant("guest_tr_base_not_written", 4, "vmcs.c",
           (("\t\t{ GUEST_TR_BASE, gdt_tss_base() },\n", ""),),
           frozenset({"vmx/rules", "vmx/launch"}), why="a value of a5 bytes is the harness's filler"),
    Mutant("guest_idtr_limit_not_written", 4, "vmcs.c",
           (("\t\t{ GUEST_IDTR_LIMIT, idtr.limit },\n", ""),),
           frozenset({"vmx/rules", "vmx/launch"}), why="a value of a5 bytes is the harness's filler"),
    # Host state the kernel leaves at 0 (FS/GS bases, SYSENTER MSRs): the harness sets
    # distinct non-zero values while vmcs_setup_host() runs.
    Mutant("host_fs_base_zero", 4, "vmcs.c",
           (("{ HOST_FS_BASE, rdmsr(MSR_FS_BASE) },", "{ HOST_FS_BASE, 0 },"),),
           frozenset({"vmx/host"}), why="HOST_FS_BASE is 0, want 0x1234567f1000"),
    Mutant("host_sysenter_esp_eip_swapped", 4, "vmcs.c",
           (("{ HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP) },", "{ HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_EIP) },"),
            ("{ HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP) },", "{ HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_ESP) },")),
           frozenset({"vmx/host"}), why="HOST_IA32_SYSENTER_ESP is 0x456789af4000"),
    # A constant that equals the kernel's usual CR0: the harness toggles CR0.AM meanwhile.
    Mutant("host_cr0_hard_coded", 4, "vmcs.c",
           (("{ HOST_CR0, read_cr0() },", "{ HOST_CR0, CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE },"),),
           frozenset({"vmx/host"}), why="HOST_CR0 is 0x80010033"),
    # Error paths: a revision id the processor refuses makes VMPTRLD fail.
    Mutant("load_page_not_freed_on_failure", 4, "vmcs.c",
           (("\t\tvmx_report_failure(\"VMCLEAR/VMPTRLD\", s);\n\t\tpage_free(region);\n",
             "\t\tvmx_report_failure(\"VMCLEAR/VMPTRLD\", s);\n"),),
           frozenset({"vmx/load_fail", "vmx/setup_fail"}), why="left 1 page(s) allocated"),
    Mutant("load_failure_ignored", 4, "vmcs.c",
           (("\tif (s != VMX_SUCCEED) {\n\t\tvmx_report_failure(\"VMCLEAR/VMPTRLD\", s);",
             "\tif (0) {\n\t\tvmx_report_failure(\"VMCLEAR/VMPTRLD\", s);"),),
           frozenset({"vmx/load_fail"}), why="vmcs_load_new() returned 0 (HV_OK), want -HV_EVMXFAIL"),
    Mutant("setup_stack_not_freed_on_failure", 4, "vmcs.c",
           (("\tif (err) {\n\t\tpage_free(s);\n\t\treturn err;\n\t}\n", "\tif (err)\n\t\treturn err;\n"),),
           frozenset({"vmx/setup_fail"}), why="vmcs_setup() left 1 page(s) allocated"),
    # Without "IA-32e mode guest", the kernel's CR0.PG and CR4.PAE make a PAE-paging guest:
    # VM entry reads the PML4 as PDPTEs and refuses their reserved bits (SDM 27.3.1.6).
    Mutant("ia32e_mode_guest_dropped", 4, "vmcs.c",
           (("vmx_adjust_ctls(VM_ENTRY_IA32E_MODE, &caps->entry, &entry)", "vmx_adjust_ctls(0, &caps->entry, &entry)"),),
           frozenset({"older/launch", "vmx/controls", "vmx/rules", "vmx/launch", "vmx/controls_caps"}), why="the lab needs bits 0x200"),
    # The values vmx_adjust_ctls() gives on every Bochs model: right there, wrong for other caps.
    # Every host-state field of vmcs_fields.def is not every field this CPU has: the older
    # model has no "load IA32_PAT" control and no PAT field (SDM Vol. 3C, 25.5; VMWRITE error 12)
    Mutant("host_writes_pat_field", 4, "vmcs.c",
           (("\t\t{ HOST_RIP, (u64)vmx_exit_stub },\n",
             "\t\t{ HOST_RIP, (u64)vmx_exit_stub },\n\t\t{ HOST_IA32_PAT, 0x0007040600070406ULL },\n"),),
           frozenset({"older/launch"}), why="returned -6"),
    Mutant("controls_hard_coded", 4, "vmcs.c",
           (("\tconst struct vmcs_field_value ctls[] = {\n", "\t(void)caps;\n\tconst struct vmcs_field_value ctls[] = {\n"),
            ("{ PIN_BASED_VM_EXEC_CONTROL, pin },", "{ PIN_BASED_VM_EXEC_CONTROL, 0x16 },"),
            ("{ CPU_BASED_VM_EXEC_CONTROL, proc },", "{ CPU_BASED_VM_EXEC_CONTROL, 0x040061F2 },"),
            ("{ VM_EXIT_CONTROLS, exit },", "{ VM_EXIT_CONTROLS, 0x36FFB },"),
            ("{ VM_ENTRY_CONTROLS, entry },", "{ VM_ENTRY_CONTROLS, 0x13FB },")),
           frozenset({"vmx/controls_caps"}), why="with made-up capabilities"),
    # Wrong answers in answers-lab3.txt and answers-lab4.txt (no boot)
    Mutant("answer_vmfail_invalid_sets_zf", 3, "answers-lab3.txt",
           (("answer: CF\n", "answer: CF, ZF\n"),), frozenset({"answers/q1"})),
    Mutant("answer_adjust_without_allowed0", 4, "answers-lab4.txt",
           (("answer: 0x5e\n", "answer: 0x48\n"),), frozenset({"answers/q1"})),
    Mutant("answer_tr_available_tss", 4, "answers-lab4.txt",
           (("answer: 0x8b\n", "answer: 0x89\n"),), frozenset({"answers/q3"})),
    # Lab 5
    Mutant("vmresume_first", 5, "launch.c",
           (("vmx_exit_read(vmx_enter_guest(regs, false), exit);", "vmx_exit_read(vmx_enter_guest(regs, true), exit);"),),
           frozenset({"vmx/first_exit", "vmx/exit_info", "vmx/entry_failure", "vmx/fail_host",
                      "vmx/fail_control", "vmx/entry_failure_msr", "vmx/rip_64"}),
           why="VMRESUME with non-launched VMCS"),
    Mutant("entry_failure_as_exit", 5, "launch.c",
           (("\tif (exit->reason & VMX_EXIT_REASON_FAILED_VMENTRY) {\n", "\tif (0) {\n"),),
           frozenset({"vmx/entry_failure", "vmx/entry_failure_msr"}), why="want -7 (HV_EENTRY"),
    Mutant("error_not_read", 5, "launch.c",
           (("\tif (s == VMX_FAIL_VALID)\n\t\texit->error = (u32)vmcs_read(VM_INSTRUCTION_ERROR);\n", ""),),
           frozenset({"vmx/fail_host", "vmx/fail_control"}), why="error 0"),
    Mutant("vmfail_treated_as_exit", 5, "launch.c",
           (("\tif (exit->status != VMX_SUCCEED) {\n\t\tvmx_report_failure(\"VMLAUNCH\", exit->status);\n\t\treturn -HV_EVMXFAIL;\n\t}\n", ""),),
           frozenset({"vmx/fail_host", "vmx/fail_control", "vmx/fail_invalid"}), why="want -6 (HV_EVMXFAIL"),
    # Reason 33 is the only entry failure the other checks provoke; 34 (MSR loading) has bit 31 too
    Mutant("only_reason_33_recognized", 5, "launch.c",
           (("\tif (exit->reason & VMX_EXIT_REASON_FAILED_VMENTRY) {\n",
             "\tif ((exit->reason & 0xFFFF) == EXIT_REASON_INVALID_STATE) {\n"),),
           frozenset({"vmx/entry_failure_msr"}), why="not reason 33 alone"),
    # The first exit is CPUID, whose qualification is 0: only a non-zero one shows it
    Mutant("qualification_not_read", 5, "launch.c",
           (("\texit->qualification = vmcs_read(EXIT_QUALIFICATION);\n", ""),),
           frozenset({"vmx/entry_failure_msr"}), why="the qualification is the failing entry's number"),
    Mutant("qualification_not_reported", 5, "launch.c",
           (('kdiag("VM entry failed: %s (qualification %#lx)", name, exit->qualification);',
             'kdiag("VM entry failed: %s", name);'),),
           frozenset({"vmx/entry_failure_msr"}), why="does not give the qualification"),
    # The harness's guests run below 4 GiB: only a made-up RIP above it shows a 32-bit read
    Mutant("rip_read_as_u32", 5, "launch.c",
           (("\texit->guest_rip = vmcs_read(GUEST_RIP);\n", "\texit->guest_rip = (u32)vmcs_read(GUEST_RIP);\n"),),
           frozenset({"vmx/rip_64"}), why="keep all 64 bits"),
    # Wrong answers in answers-lab5.txt
    Mutant("answer_rflags_from_host_state", 5, "answers-lab5.txt",
           (("answer: a, d, e, g\n", "answer: a, b, d, e, g\n"),),
           frozenset({"answers/q1"})),
    Mutant("answer_msr_entry_counted_from_0", 5, "answers-lab5.txt",
           (("answer: 3\n", "answer: 2\n"),),
           frozenset({"answers/q2"})),
    Mutant("answer_guest_state_checked_first", 5, "answers-lab5.txt",
           (("answer: 8\n", "answer: 0\n"),),
           frozenset({"answers/q3"})),
    # Lab 6
    Mutant("hlt_rip_not_advanced", 6, "exits.c",
           (("\t(void)v;\n\tvmx_skip_instruction();\n\treturn 0;\n", "\t(void)v;\n\treturn 0;\n"),),
           frozenset({"vmx/rip"}), why="made no progress"),
    Mutant("vmlaunch_every_time", 6, "exits.c",
           (("s = vmx_enter_guest(&v->regs, v->launched);", "s = vmx_enter_guest(&v->regs, false);"),),
           frozenset({"vmx/hypercall", "vmx/resume", "vmx/cpuid", "vmx/cpuid_subleaf", "vmx/rip",
                      "vmx/io_out", "vmx/io_in", "vmx/io_string", "vmx/msr", "vmx/msr_locked", "vmx/msr_gp",
                      "vmx/msr_canonical", "vmx/cr", "vmx/cr_masks", "vmx/cr_regs", "vmx/cr4_fixed1",
                      "vmx/vmx_ud", "vmx/breakpoint", "vmx/breakpoint_rip", "vmx/triple_fault",
                      "vmx/unhandled"}),
           why="HV_EVMXFAIL"),
    Mutant("rip_advanced_after_gp", 6, "exits.c",
           (("\t} else {\n\t\tinject_gp();\n\t\treturn 0;\n", "\t} else {\n\t\tinject_gp();\n\t\tvmx_skip_instruction();\n\t\treturn 0;\n"),),
           frozenset({"vmx/msr_gp"}), why="RIP not advanced"),
    Mutant("rip_advanced_before_ud", 6, "exits.c",
           (("\tvmx_inject_exception(VEC_UD, false, 0);\n", "\tvmx_skip_instruction();\n\tvmx_inject_exception(VEC_UD, false, 0);\n"),),
           frozenset({"vmx/vmx_ud"}), why="at the instruction"),
    Mutant("in_al_clobbers_rax", 6, "exits.c",
           (("v->regs.rax = (v->regs.rax & ~0xFFULL) | (u8)value;", "v->regs.rax = (u8)value;"),),
           frozenset({"vmx/io_in"}), why="IN AL"),
    Mutant("vmx_bit_shown", 6, "exits.c",
           (("r.ecx = (r.ecx & ~CPUID_1_ECX_VMX) | CPUID_1_ECX_HYPERVISOR;", "r.ecx |= CPUID_1_ECX_HYPERVISOR;"),),
           frozenset({"vmx/cpuid"}), why="CPUID 1 ECX"),
    Mutant("gp_without_error_code", 6, "exits.c",
           (("vmx_inject_exception(VEC_GP, true, 0);", "vmx_inject_exception(VEC_GP, false, 0);"),
            ("\tif (has_error_code) {\n", "\tif (has_error_code && vector != VEC_GP) {\n")),
           # a #GP without its error code is an invalid control field where IA32_VMX_BASIC bit 56
           # is 0, as on the default model: the VM entry fails (SDM Vol. 3C, 27.2.1.3). On tigerlake
           # (bit 56 = 1) the entry succeeds and the guest takes its return RIP for the error code:
           # inject, msr_locked, msr_gp, msr_canonical, cr, cr_regs, cr4_fixed1 fail there
           frozenset({"vmx/inject", "vmx/msr", "vmx/msr_locked", "vmx/msr_gp", "vmx/msr_canonical", "vmx/cr",
                      "vmx/cr_masks", "vmx/cr_regs", "vmx/cr4_fixed1"}), why="would deliver no error code",
           models=("tigerlake",)),
    Mutant("print_length_unchecked", 6, "exits.c",
           (("\t\tif (r->rcx > HC_PRINT_MAX) {\n", "\t\tif (0) {\n"),),
           frozenset({"vmx/hypercall"}), why="HC_PRINT of 257 bytes"),
    Mutant("vmxe_in_shadow", 6, "exits.c",
           (("vmcs_read(GUEST_CR4) & ~CR4_VMXE", "vmcs_read(GUEST_CR4)"),),
           # the guest then reads VMXE set, so its writes of VMXE change nothing and do not exit
           frozenset({"vmx/setup", "vmx/cr", "vmx/cr_masks", "vmx/cr_regs"}), why="would see CR4.VMXE"),
    Mutant("no_breakpoint_exit", 6, "exits.c",
           (("{ EXCEPTION_BITMAP, BIT(VEC_BP) },", "{ EXCEPTION_BITMAP, 0 },"),),
           frozenset({"vmx/setup", "vmx/breakpoint"}), why="INT3 would not exit"),
    Mutant("sysenter_noncanonical_accepted", 6, "exits.c",
           (("!is_canonical(value, addr_widths().lin)", "!is_canonical(0, addr_widths().lin)"),),
           # the guest's next VM entry fails on GUEST_SYSENTER_EIP (SDM Vol. 3C, 27.3.1.1)
           frozenset({"vmx/msr", "vmx/msr_locked", "vmx/msr_gp", "vmx/msr_canonical"}), why="HV_EENTRY"),
    Mutant("triple_fault_resumed", 6, "exits.c",
           (("\treturn -HV_ECRASH;\n", "\treturn 0;\n"),),
           frozenset({"vmx/triple_fault"}), why="made no progress"),
    Mutant("unhandled_without_dumps", 6, "exits.c",
           (("\tvmcs_dump();\n\tvcpu_dump(v);\n", "\t(void)v;\n"),),
           frozenset({"vmx/unhandled"}), why="VMCS dump"),
    # the masks decide which CR writes exit: owning every bit is correct in effect, but each
    # write of CR0.TS or CR4.OSXMMEXCPT costs a VM exit that a real guest would notice
    Mutant("cr_masks_all_ones", 6, "exits.c",
           (("{ CR0_GUEST_HOST_MASK, caps->cr0_fixed0 | ~caps->cr0_fixed1 },", "{ CR0_GUEST_HOST_MASK, ~0ULL },"),
            ("{ CR4_GUEST_HOST_MASK, caps->cr4_fixed0 | ~caps->cr4_fixed1 },", "{ CR4_GUEST_HOST_MASK, ~0ULL },")),
           frozenset({"vmx/cr_masks"}), why="bits VMX does not pin"),
    # lab 6 before issue 12: the INT3 counted and skipped, never given back to the guest
    Mutant("breakpoint_swallowed", 6, "exits.c",
           (("\tvmcs_write(VM_ENTRY_INTR_INFO_FIELD, VEC_BP | INTR_TYPE_SOFT_EXCEPTION | INTR_INFO_VALID_MASK);\n"
             "\tvmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));\n",
             "\tvmx_skip_instruction();\n"),),
           frozenset({"vmx/breakpoint", "vmx/breakpoint_rip"}), why="raised nothing"),
    # a hardware exception is delivered as a fault: the handler would return to the INT3 again
    Mutant("breakpoint_as_hardware_exception", 6, "exits.c",
           (("VEC_BP | INTR_TYPE_SOFT_EXCEPTION | INTR_INFO_VALID_MASK", "VEC_BP | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK"),),
           frozenset({"vmx/breakpoint_rip"}), why="-1 bytes"),
    # the length is already the INT3's: skipping it too returns one byte late
    Mutant("breakpoint_reflected_and_skipped", 6, "exits.c",
           (("\tvmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));\n",
             "\tvmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));\n\tvmx_skip_instruction();\n"),),
           frozenset({"vmx/breakpoint_rip"}), why="+1 bytes"),
    Mutant("cpuid_ignores_subleaf", 6, "exits.c",
           (("r = cpuid(leaf, (u32)v->regs.rcx);", "r = cpuid(leaf, 0);"),),
           frozenset({"vmx/cpuid_subleaf"}), why="with ECX = 1"),
    Mutant("cpuid_upper_halves_kept", 6, "exits.c",
           (("\tv->regs.rax = r.eax;\n\tv->regs.rbx = r.ebx;\n\tv->regs.rcx = r.ecx;\n\tv->regs.rdx = r.edx;\n",
             "\tv->regs.rax = (v->regs.rax & ~0xFFFFFFFFULL) | r.eax;\n"
             "\tv->regs.rbx = (v->regs.rbx & ~0xFFFFFFFFULL) | r.ebx;\n"
             "\tv->regs.rcx = (v->regs.rcx & ~0xFFFFFFFFULL) | r.ecx;\n"
             "\tv->regs.rdx = (v->regs.rdx & ~0xFFFFFFFFULL) | r.edx;\n"),),
           frozenset({"vmx/cpuid_subleaf"}), why="bits 63:32 clear"),
    Mutant("rdmsr_edx_not_set", 6, "exits.c",
           (("\tv->regs.rdx = value >> 32;\n", ""),),
           frozenset({"vmx/msr", "vmx/msr_canonical"}), why="IA32_SYSENTER_ESP read back"),
    Mutant("rdmsr_rax_upper_kept", 6, "exits.c",
           (("\tv->regs.rax = (u32)value;\n", "\tv->regs.rax = (v->regs.rax & ~0xFFFFFFFFULL) | (u32)value;\n"),),
           frozenset({"vmx/msr"}), why="RAX after RDMSR"),
    Mutant("featctl_write_ignored", 6, "exits.c",
           (("\tu64 value = (v->regs.rdx << 32) | (u32)v->regs.rax;\n",
             "\tu64 value = (v->regs.rdx << 32) | (u32)v->regs.rax;\n"
             "\tif (msr == MSR_IA32_FEAT_CTL) {\n\t\tvmx_skip_instruction();\n\t\treturn 0;\n\t}\n"),),
           frozenset({"vmx/msr_locked"}), why="WRMSR to IA32_FEATURE_CONTROL"),
    # bits 63:47 must all be equal; this refuses the upper half, 0xFFFF8000_00000000 and up
    Mutant("canonical_lower_half_only", 6, "exits.c",
           (("!is_canonical(value, addr_widths().lin)", "((s64)value >> 47) != 0"),),
           frozenset({"vmx/msr_canonical"}), why="in the upper half"),
    Mutant("cr_register_field_3_bits", 6, "exits.c",
           (("vcpu_gpr(v, VMX_CR_GPR(q))", "vcpu_gpr(v, VMX_CR_GPR(q) & 7)"),),
           # reading RBP (CR0 with NE) for R13 leaves NE set, so the next write of NE exits no more
           frozenset({"vmx/cr_masks", "vmx/cr_regs"}), why="from R13"),
    Mutant("cr_rsp_from_register_array", 6, "exits.c",
           (("\tu64 x = reg ? *reg : vmcs_read(GUEST_RSP);\n", "\tu64 x = v->regs.gpr[VMX_CR_GPR(q)];\n\t(void)reg;\n"),),
           frozenset({"vmx/cr_regs"}), why="from RSP"),
    Mutant("cr4_only_vmxe_refused", 6, "exits.c",
           (("x & (CR4_VMXE | ~v->caps->cr4_fixed1)", "x & CR4_VMXE"),),
           frozenset({"vmx/cr4_fixed1"}), why="IA32_VMX_CR4_FIXED1"),
    Mutant("string_io_as_out", 6, "exits.c",
           (("\tif (q & VMX_IO_STRING)\n\t\treturn exit_unhandled(v, EXIT_REASON_IO_INSTRUCTION);\n", ""),),
           frozenset({"vmx/io_string"}), why="want -HV_EEXIT"),
    # Wrong answers in answers-lab6.txt: each graded question fails alone.
    Mutant("answer_cr0_compared_with_real_value", 6, "answers-lab6.txt",
           (("answer: b, d", "answer: a, c, e"),), frozenset({"answers/q1"})),
    Mutant("answer_breakpoint_as_hardware_exception", 6, "answers-lab6.txt",
           (("answer: 0x80000603", "answer: 0x80000303"),), frozenset({"answers/q2"})),
    Mutant("answer_exits_before_privilege_checks", 6, "answers-lab6.txt",
           (("answer: a, d", "answer: a, b, c, d, e, f"),), frozenset({"answers/q3"})),
    # Lab 7
    Mutant("vmxoff_without_vmclear", 7, "vmxoff.c",
           (("\t\tenum vmx_status s = vmx_vmclear((u64)cpu->vmcs);\n", "\t\tenum vmx_status s = VMX_SUCCEED;\n"),),
           # it also frees the VMCS while current, and on a failing VMCLEAR goes on as if it had worked
           frozenset({"vmx/vmclear", "vmx/order", "vmx/twice", "vmx/vmclear_own", "vmx/fail_vmclear"}),
           why="not VMCLEARed"),
    Mutant("vmxe_left_set", 7, "vmxoff.c",
           (("\twrite_cr4(read_cr4() & ~CR4_VMXE);\n", ""),),
           frozenset({"vmx/vmxe_clear", "vmx/twice", "vmx/vmclear_own"}), why="VMXE (bit 13) is still set"),
    Mutant("vmcs_leaked", 7, "vmxoff.c",
           (("\t\tpage_free(cpu->vmcs);\n", ""),),
           frozenset({"vmx/freed", "vmx/twice", "vmx/vmclear_own"}), why="1 not given back"),
    Mutant("vmxe_cleared_in_vmx_operation", 7, "vmxoff.c",
           (("\tenum vmx_status s = vmx_vmxoff();\n", "\twrite_cr4(read_cr4() & ~CR4_VMXE);\n\tenum vmx_status s = vmx_vmxoff();\n"),),
           frozenset({"vmx/shutdown", "vmx/ud_after", "vmx/vmxe_clear", "vmx/freed", "vmx/vmclear",
                      "vmx/order", "vmx/twice", "vmx/vmclear_own", "vmx/again"}),
           why="#GP(0) at rip 0x"),
    # the allocator's free hook asks the processor, at each free, whether the page is still in use
    Mutant("vmcs_freed_before_vmclear", 7, "vmxoff.c",
           (("\t\tpage_free(cpu->vmcs);\n\t\tcpu->vmcs = NULL;\n", "\t\tcpu->vmcs = NULL;\n"),
            ("\t\tenum vmx_status s = vmx_vmclear((u64)cpu->vmcs);\n",
             "\t\tpage_free(cpu->vmcs);\n\t\tenum vmx_status s = vmx_vmclear((u64)cpu->vmcs);\n")),
           frozenset({"vmx/order", "vmx/fail_vmclear"}), why="still the current VMCS"),
    Mutant("vmxon_region_freed_before_vmxoff", 7, "vmxoff.c",
           (("\tpage_free(cpu->vmxon_region);\n", ""),
            ("\tenum vmx_status s = vmx_vmxoff();\n", "\tpage_free(cpu->vmxon_region);\n\tenum vmx_status s = vmx_vmxoff();\n")),
           frozenset({"vmx/order"}), why="still in VMX operation"),
    # right whenever the student's own VMCS is current, which it always was before
    Mutant("vmclear_of_current_vmcs", 7, "vmxoff.c",
           (("\t\tenum vmx_status s = vmx_vmclear((u64)cpu->vmcs);\n",
             "\t\tu64 current = ~0ULL;\n\t\tvmx_vmptrst(&current);\n\t\tenum vmx_status s = vmx_vmclear(current);\n"),),
           # with the harness's VMCS current, it also clears that one instead of failing on its own
           frozenset({"vmx/vmclear_own", "vmx/fail_vmclear"}), why="VMCLEAR cpu->vmcs"),
    Mutant("vmclear_status_ignored", 7, "vmxoff.c",
           (("\t\tif (s != VMX_SUCCEED) {\n\t\t\tvmx_report_failure(\"VMCLEAR\", s);\n\t\t\treturn -HV_EVMXFAIL;\n\t\t}\n",
             "\t\t(void)s;\n"),),
           frozenset({"vmx/fail_vmclear"}), why="returned 0 (HV_OK), freed 3 page(s)"),
    Mutant("release_error_ignored", 7, "vmxoff.c",
           (("\tint err = vmx_vmcs_release(cpu);\n\treturn err ? err : vmx_leave_root(cpu);\n",
             "\tvmx_vmcs_release(cpu);\n\treturn vmx_leave_root(cpu);\n"),),
           frozenset({"vmx/fail_vmclear"}), why="left VMX operation"),
    Mutant("stack_freed_before_vmclear", 7, "vmxoff.c",
           (("\tif (cpu->vmcs) {\n", "\tif (cpu->guest_stack) {\n\t\tpage_free(cpu->guest_stack);\n"
             "\t\tcpu->guest_stack = NULL;\n\t}\n\tif (cpu->vmcs) {\n"),),
           frozenset({"vmx/fail_vmclear"}), why="freed 1 page(s)"),
    Mutant("vmclear_failure_not_reported", 7, "vmxoff.c",
           (("\t\t\tvmx_report_failure(\"VMCLEAR\", s);\n", ""),),
           frozenset({"vmx/fail_vmclear"}), why="names VMCLEAR"),
    # the report locates the fault with addr2line: "(in vmx_leave_root(), vmxoff.c:N)"
    Mutant("pointers_kept", 7, "vmxoff.c",
           (("\tcpu->vmxon_region = NULL;\n", ""),),
           frozenset({"vmx/again"}), why="(in vmx_leave_root(), vmxoff.c:"),
    # Wrong answers in answers-lab7.txt
    Mutant("answer_migration_resumes", 7, "answers-lab7.txt",
           (("answer: b\n", "answer: c\n"),),
           frozenset({"answers/q1"})),
    Mutant("answer_abort_is_entry_failure", 7, "answers-lab7.txt",
           (("answer: b, d\n", "answer: a, d\n"),),
           frozenset({"answers/q2"})),
    # Lab 8 (ept).
    # right on the models with 1 GiB EPT pages, which the lab does not use: measured, Haswell
    # and later (IA32_VMX_EPT_VPID_CAP bit 17, SDM Vol. 3D, A.10); caught on the default model
    Mutant("ept_caps_wants_1g_pages", 8, "ept.c",
           (("\t\t{ VMX_EPT_2MB_PAGE_BIT, \"2 MiB EPT pages\" },\n",
             "\t\t{ VMX_EPT_2MB_PAGE_BIT, \"2 MiB EPT pages\" },\n\t\t{ VMX_EPT_1GB_PAGE_BIT, \"1 GiB EPT pages\" },\n"),),
           frozenset({"vmx/caps"}), why="has everything the lab needs",
           models=("corei7_haswell_4770", "broadwell_ult", "corei7_skylake_x", "corei3_cnl",
                   "corei7_icelake_u", "tigerlake")),
    Mutant("ept_caps_controls_only", 8, "ept.c",
           (("\tfor (size_t i = 0; i < ARRAY_SIZE(needed); i++) {\n",
             "\tfor (size_t i = ARRAY_SIZE(needed); i < ARRAY_SIZE(needed); i++) {\n"),),
           # core2_penryn_t9600 is still refused: it cannot set "enable EPT"
           frozenset({"vmx/caps_refuse"}), why="without a 4-level walk"),
    # reads the MSR instead of caps: made-up capabilities go unseen, and the MSR does not
    # exist on core2_penryn_t9600 (SDM Vol. 3D, A.10: only when EPT or VPID can be enabled)
    Mutant("ept_caps_from_msr", 8, "ept.c",
           (("\t\tif (!(caps->ept_vpid & needed[i].bit)) {", "\t\tif (!(rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) & needed[i].bit)) {"),
            ("\tif (!caps->has_procbased2 || (caps->procbased2.allowed1 & ctls) != ctls) {", "\tif (!ctls || !caps) {"),
            ('#include "vmx.h"\n', '#include "vmx.h"\n#include "x86.h"\n')),
           frozenset({"vmx/caps_refuse", "noept/refuse"}), why="without"),
    # a permission bit wrong: every leaf writable, whatever the caller asked
    Mutant("ept_leaf_always_writable", 8, "ept.c",
           (("\t\t*e = hpa | flags | (large ? EPT_LARGE : 0);", "\t\t*e = hpa | flags | EPT_WRITE | (large ? EPT_LARGE : 0);"),),
           frozenset({"vmx/map", "vmx/protect", "vmx/dirty"}), why="permissions"),
    # state left as it was: ept_init() on a struct ept whose eptp holds garbage, then
    # ept_protect() invalidates with that "EPTP" (INVEPT fails: VMfailValid)
    Mutant("ept_init_keeps_eptp", 8, "ept.c",
           (("\tept->pml4 = page_alloc();\n\tept->eptp = 0;\n", "\tept->pml4 = page_alloc();\n"),),
           frozenset({"vmx/protect"}), why="ept_protect"),
    # a handler that "handles" a demand fault without mapping: the guest faults again and
    # again; the kernel's exit loop stops a VM that makes no progress
    Mutant("ept_demand_not_mapped", 8, "ept.c",
           (("\t\t\treturn ept_map(&vm->ept, page, (u64)p, PAGE_SIZE, EPT_RWX | EPT_MT(VMX_MEM_TYPE_WB));",
             "\t\t\treturn 0;"),),
           frozenset({"vmx/demand", "vmx/demand_retry"}), why="ept_vm_run() returned"),
    Mutant("ept_never_large", 8, "ept.c",
           (("\t\tbool large = IS_ALIGNED(gpa | hpa, EPT_LARGE_SIZE) && size >= EPT_LARGE_SIZE;", "\t\tbool large = false;"),),
           frozenset({"vmx/large"}), why="one PDE that maps a 2 MiB page"),
    Mutant("ept_map_overwrites", 8, "ept.c",
           (("\t\tif (*e & EPT_RWX)\n\t\t\treturn -HV_EINVAL;\n\t\t*e = hpa", "\t\t*e = hpa"),),
           frozenset({"vmx/map_errors"}), why="already mapped"),
    Mutant("ept_walk_large_offset", 8, "ept.c",
           (("\t\t\tu64 offset = gpa & (level == 2 ? EPT_LARGE_SIZE - 1 : PAGE_SIZE - 1);", "\t\t\tu64 offset = gpa & (PAGE_SIZE - 1);"),),
           frozenset({"vmx/walk"}), why="ept_walk(GPA 0x401ffff8)"),
    Mutant("ept_protect_drops_memory_type", 8, "ept.c",
           (("\t\t*e = (*e & ~EPT_RWX) | perm;", "\t\t*e = (*e & (EPT_ADDR_MASK | EPT_LARGE)) | perm;"),),
           frozenset({"vmx/protect"}), why="after protecting"),
    # a leaked table page: the root is never freed
    Mutant("ept_root_leaked", 8, "ept.c",
           (("\tpage_free(table);\n\t/* END SOLUTION */", "\tif (level < 4)\n\t\tpage_free(table);\n\t/* END SOLUTION */"),),
           frozenset({"vmx/destroy", "vmx/teardown"}), why="gave back"),
    # Bochs flushes its TLB at every VM entry, so nothing stale shows: the kernel counts INVEPT and INVVPID
    Mutant("ept_setup_without_invalidation", 8, "ept.c",
           (("\tif ((err = ept_flush(ept)))\n\t\treturn err;\n\tenum vmx_status s = vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid, 0);\n",
             "\tenum vmx_status s = VMX_SUCCEED;\n"),),
           frozenset({"vmx/fresh"}), why="did not invalidate"),
    Mutant("eptp_uncacheable", 8, "ept.c",
           (("u64 eptp = (u64)ept->pml4 | VMX_MEM_TYPE_WB | (3 << 3);", "u64 eptp = (u64)ept->pml4 | VMX_MEM_TYPE_UC | (3 << 3);"),),
           frozenset({"vmx/eptp"}), why="EPT_POINTER is"),
    Mutant("ept_no_exec_above_leaf", 8, "ept.c",
           (("\t\t\t*e = (u64)next | EPT_RWX;", "\t\t\t*e = (u64)next | EPT_READ | EPT_WRITE;"),),
           frozenset({"vmx/map", "vmx/protect", "vmx/run", "vmx/isolation", "vmx/outside", "vmx/demand",
                      "vmx/demand_retry", "vmx/dirty", "vmx/dirty_invept", "vmx/mmio", "vmx/mmio_regs",
                      "undefined/mmio_len"}),
           why="permissions"),
    # demand paging for every GPA: the guest gets a fresh page where the host's secret is
    Mutant("ept_demand_everywhere", 8, "ept.c",
           (("\tcase EPT_REGION_DEMAND:\n", "\tcase EPT_REGION_NONE:\n\tcase EPT_REGION_DEMAND:\n"),),
           frozenset({"vmx/isolation", "vmx/outside"}), why="want -HV_EACCESS"),
    Mutant("ept_fault_linear_not_read", 8, "ept.c",
           (("\tif (vm->fault.gla_valid)\n\t\tvm->fault.gla = vmcs_read(GUEST_LINEAR_ADDRESS);\n", ""),),
           frozenset({"vmx/outside"}), why="linear"),
    # the RIP advanced after a violation: the faulting store never happens
    Mutant("ept_rip_advanced_after_violation", 8, "ept.c",
           (("\t\t\t/* No RIP change: the instruction runs again, now on a mapped page. */\n",
             "\t\t\tvmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));\n"),),
           frozenset({"vmx/demand_retry"}), why="did not read back"),
    Mutant("ept_demand_page_not_owned", 8, "ept.c",
           (("\t\t\tvoid *p = ept_vm_alloc_page(vm);", "\t\t\tvoid *p = page_alloc();"),),
           frozenset({"vmx/demand", "vmx/teardown"}), why="were allocated"),
    Mutant("ept_dirty_log_not_reset", 8, "ept.c",
           (("\tvm->dirty = 0;\n", ""),),
           frozenset({"vmx/dirty"}), why="round 1"),
    # RIP moved by VM_EXIT_INSTRUCTION_LEN after an emulated MOV. The SDM leaves that field
    # undefined for EPT violations (Vol. 3C, 28.2.5), but Bochs 2.7 fills it with the
    # instruction's length, so vmx/mmio and vmx/mmio_regs pass (measured); on corei7_skylake_x
    # (IA32_VMX_MISC bit 29 = 1, SDM Vol. 3D, A.6) the harness's exit hook writes 0xA5A5A5A5
    # there, and the guest's fetch at RIP + that faults (#PF: shutdown code 0xEE)
    Mutant("mmio_rip_by_exit_length", 8, "ept.c",
           (("\treturn vmcs_write(GUEST_RIP, rip + insn.len);",
             "\treturn vmcs_write(GUEST_RIP, rip + vmcs_read(VM_EXIT_INSTRUCTION_LEN));"),),
           frozenset({"undefined/mmio_len"}), why="code 0xee"),
    # MOV to a 32-bit register clears bits 63:32 (SDM Vol. 1, 3.4.1.1 "General-Purpose Registers in 64-Bit Mode")
    Mutant("mmio_read_keeps_upper_half", 8, "ept.c",
           (("\t\t\t*r = (u32)value;", "\t\t\t*r = (*r & ~0xFFFFFFFFULL) | (u32)value;"),),
           frozenset({"vmx/mmio_regs"}), why="EAX after MOV EAX"),
    Mutant("mmio_high_byte_ignored", 8, "ept.c",
           (("\t\tvalue = insn.has_imm ? insn.imm : insn.high_byte ? *r >> 8 : *r;",
             "\t\tvalue = insn.has_imm ? insn.imm : *r;"),),
           frozenset({"vmx/mmio"}), why="device access 5"),
    # a missing INVEPT after write-protecting. Bochs flushes its whole TLB at every VM entry
    # and exit (handleCpuContextChange()), so the dirty log stays right (measured: vmx/dirty
    # passes); the harness's entry hook plays the processor of the SDM and catches it

    Mutant("ept_no_invept_after_protect", 8, "ept.c",
           (("\t\tgpa += (*e & EPT_LARGE) ? EPT_LARGE_SIZE : PAGE_SIZE;\n\t}\n\treturn ept_flush(ept);",
             "\t\tgpa += (*e & EPT_LARGE) ? EPT_LARGE_SIZE : PAGE_SIZE;\n\t}\n\treturn 0;"),),
           frozenset({"vmx/dirty_invept"}), why="no INVEPT"),

    # --- Lab 9: realmode ---
    # Values a student could copy from the SDM's virtual-8086 checks (0xF3 for every segment):
    # for CS in real mode that is a data segment with DPL 3, which VM entry refuses
    # (SDM Vol. 3C, 27.3.1.2: a type-3 CS must have DPL 0)
    Mutant("rm_cs_virtual_8086_rights", 9, "realmode.c",
           (("const u32 code = VMX_AR_TYPE(11) | VMX_AR_S | VMX_AR_P;",
             "const u32 code = VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_DPL(3) | VMX_AR_P;"),),
           frozenset({"vmx/console", "vmx/efer", "vmx/entry", "vmx/io_exits", "vmx/io_straddle", "vmx/io_values", "vmx/masks", "vmx/modes", "vmx/msr_exits", "vmx/rtc"}), why="vmcs_check()"),
    # bits numbered from 1: each port's exit goes to the next port's bit
    Mutant("rm_io_bit_off_by_one", 9, "realmode.c",
           (("\t\tmap[n / 8] |= (u8)(1 << (n % 8));", "\t\tmap[n / 8] |= (u8)(2 << (n % 8));"),
            ("\t\tmap[n / 8] &= (u8)~(1 << (n % 8));", "\t\tmap[n / 8] &= (u8)~(2 << (n % 8));")),
           frozenset({"vmx/io_bitmap", "vmx/console", "vmx/io_exits", "vmx/io_straddle", "vmx/io_values"}), why="rm_io_exit(port 0"),
    # bitmap B forgotten: ports 0x8000-0xFFFF land on bitmap A's bits of ports 0-0x7FFF
    Mutant("rm_io_bitmap_b_forgotten", 9, "realmode.c",
           (("\tu8 *map = port < 0x8000 ? bitmap_a : bitmap_b;", "\tu8 *map = bitmap_a;\n\t(void)bitmap_b;"),),
           frozenset({"vmx/io_bitmap", "vmx/io_exits", "vmx/io_straddle", "vmx/io_values"}), why="rm_io_exit(port 0x8000"),
    # every port exits: the I/O bitmaps are never consulted
    Mutant("rm_unconditional_io_exiting", 9, "realmode.c",
           (("\t\t   CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS;",
             "\t\t   CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_USE_MSR_BITMAPS;"),),
           frozenset({"vmx/io_exits", "vmx/io_straddle"}), why="should have gone to the machine"),
    Mutant("rm_efer_not_saved", 9, "realmode.c",
           (("| VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER;", "| VM_EXIT_LOAD_IA32_EFER;"),),
           frozenset({"vmx/console", "vmx/efer", "vmx/modes", "vmx/msr_exits"}), why="did not keep the guest's EFER"),
    Mutant("rm_host_efer_not_loaded", 9, "realmode.c",
           (("| VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER;", "| VM_EXIT_SAVE_IA32_EFER;"),),
           frozenset({"vmx/efer"}), why="the host ran with IA32_EFER"),
    Mutant("rm_msr_read_write_swapped", 9, "realmode.c",
           (("u8 *r = bitmap + half + n / 8, *w = bitmap + 2048 + half + n / 8",
             "u8 *w = bitmap + half + n / 8, *r = bitmap + 2048 + half + n / 8"),),
           frozenset({"vmx/msr_bitmap", "vmx/msr_exits"}), why="rm_msr_exit(MSR 0x1a0"),
    Mutant("rm_msr_high_in_low_half", 9, "realmode.c",
           (("\t\thalf = 1024;", "\t\thalf = 0;"),),
           frozenset({"vmx/msr_bitmap", "vmx/msr_exits"}), why="rm_msr_exit(MSR 0xc0000000"),
    # "the guest enables long mode when it sets EFER.LME": the control written by hand at the
    # first exit after the WRMSR, before CR0.PG; the processor keeps it right by itself (28.2)
    Mutant("rm_ia32e_written_by_hand", 9, "realmode.c",
           (("\tu64 q = vmcs_read(EXIT_QUALIFICATION);\n\tunsigned size",
             "\tif (vmcs_read(GUEST_IA32_EFER) & BIT(8))\n\t\tvmcs_write(VM_ENTRY_CONTROLS, "
             "vmcs_read(VM_ENTRY_CONTROLS) | VM_ENTRY_IA32E_MODE);\n\tu64 q = vmcs_read(EXIT_QUALIFICATION);\n\tunsigned size"),),
           frozenset({"vmx/console", "vmx/efer", "vmx/modes", "vmx/msr_exits"}), why="changed by hand"),
    Mutant("rm_ia32e_left_from_lab4", 9, "realmode.c",
           (("(u32)vmcs_read(VM_ENTRY_CONTROLS) | VM_ENTRY_LOAD_IA32_EFER) & ~VM_ENTRY_IA32E_MODE;",
             "(u32)vmcs_read(VM_ENTRY_CONTROLS) | VM_ENTRY_LOAD_IA32_EFER);"),),
           frozenset({"vmx/console", "vmx/efer", "vmx/entry", "vmx/io_exits", "vmx/io_straddle", "vmx/io_values", "vmx/masks", "vmx/modes", "vmx/msr_exits", "vmx/rtc"}), why="vmcs_check()"),
    # unrestricted guest requested without asking the capability: caught by made-up processors
    Mutant("rm_caps_no_unrestricted_guest", 9, "realmode.c",
           (("\t\t{ caps->procbased2.allowed1, SECONDARY_EXEC_UNRESTRICTED_GUEST, \"\\\"unrestricted guest\\\"\" },\n", ""),),
           frozenset({"vmx/caps_refuse"}), why="unrestricted guest"),
    Mutant("rm_pe_pg_in_cr0_mask", 9, "realmode.c",
           (("u64 cr0_mask = (u32)((caps->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG)) | ~caps->cr0_fixed1);",
             "u64 cr0_mask = (u32)(caps->cr0_fixed0 | ~caps->cr0_fixed1);"),),
           frozenset({"vmx/console", "vmx/efer", "vmx/io_values", "vmx/masks", "vmx/modes", "vmx/msr_exits"}), why="a MOV to a control register exited"),
    # NE forgotten in the CR0 mask: the guest's MOV to CR0 clears it, which VMX forbids: #GP in real
    # mode (SDM Vol. 3C, 26.3, MOV to CR0; Bochs: "attempt to clear CR0.NE in vmx mode")
    Mutant("rm_ne_not_masked", 9, "realmode.c",
           (("u64 cr0_mask = (u32)((caps->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG)) | ~caps->cr0_fixed1);",
             "u64 cr0_mask = (u32)~caps->cr0_fixed1;"),),
           frozenset({"vmx/modes", "vmx/console", "vmx/io_values", "vmx/msr_exits", "vmx/masks", "vmx/efer"}),
           why="exception in real mode"),
    # VMXE not in the CR4 mask: the guest's MOV to CR4 clears it, which VMX forbids (#GP)
    Mutant("rm_vmxe_not_masked", 9, "realmode.c",
           (("u64 cr4_mask = (u32)(caps->cr4_fixed0 | ~caps->cr4_fixed1);", "u64 cr4_mask = (u32)~caps->cr4_fixed1;"),),
           frozenset({"vmx/masks"}), why="read back 0x2020"),
    Mutant("rm_in_ax_clears_upper_bits", 9, "realmode.c",
           (("\t\tif (size == 4)\n\t\t\t*rax = value;\n\t\telse\n\t\t\t*rax = (*rax & ~((1ULL << (8 * size)) - 1)) | value;",
             "\t\t*rax = value;"),),
           frozenset({"vmx/io_straddle"}), why="bits 31:16"),
    Mutant("rm_io_first_port_only", 9, "realmode.c",
           (("\t\t\tvalue |= (u32)rm_vm_port_in(vm, (u16)(port + k)) << (8 * k);",
             "\t\t\tvalue |= (u32)rm_vm_port_in(vm, port) << (8 * k);"),),
           frozenset({"vmx/io_straddle", "vmx/io_values"}), why="read"),
    # the lab's own capability check never taken: a processor without unrestricted guest gets a VMCS it refuses
    Mutant("rm_caps_warns_only", 9, "realmode.c",
           (("\t\t\treturn -HV_ENOEPT;\n\t\t}\n\t}\n\treturn 0;", "\t\t}\n\t}\n\treturn 0;"),),
           frozenset({"vmx/caps_refuse", "noug/refuse"}), why="want -HV_ENOEPT"),
    # the allowed-0 half read for a control's 1-setting: no processor offers "enable EPT" then
    Mutant("rm_caps_reads_allowed0", 9, "realmode.c",
           (("{ caps->procbased2.allowed1, SECONDARY_EXEC_ENABLE_EPT,", "{ caps->procbased2.allowed0, SECONDARY_EXEC_ENABLE_EPT,"),),
           frozenset({"vmx/caps"}), why="which has everything the lab needs"),
    # Wrong answers in answers-lab9.txt
    Mutant("answer_msr_bitmap_read_half", 9, "answers-lab9.txt",
           (("answer: 24705", "answer: 8321"),), frozenset({"answers/q1"})),
    Mutant("answer_io_wrap_does_not_exit", 9, "answers-lab9.txt",
           (("answer: a, b, d, e", "answer: a, b, e"),), frozenset({"answers/q2"})),
    Mutant("answer_ia32e_set_by_hypervisor", 9, "answers-lab9.txt",
           (("answer: a, b, d\n", "answer: b, c\n"),), frozenset({"answers/q3"})),
    # --- lab 11: the capstone (each boot loads Debian's Linux: the checks after "entry" need the run) ---
    # the firmware's ranges "simplified" to everything between the guest's RAM and the devices,
    # identity-mapped: host RAM above 256 MiB (the guest's own block among it) becomes the guest's
    Mutant("linux_maps_the_gap", 11, "linux.c",
           (("\tfor (u32 i = 0; linux_vm_firmware_range(vm, i, &base, &size, &type); i++)\n"
             "\t\tif ((err = ept_map(&vm->ept, base, base, size, type == HVM_MEMMAP_TYPE_RESERVED ? uc : wb)))\n"
             "\t\t\treturn err;\n",
             "\t(void)base, (void)size, (void)type;\n"
             "\tif ((err = ept_map(&vm->ept, LINUX_RAM_SIZE, LINUX_RAM_SIZE, LINUX_MMIO_BASE - LINUX_RAM_SIZE, uc)))\n"
             "\t\treturn err;\n"),),
           frozenset(LAB11_RUN | {"boot/memory", "boot/entry"}), why="is mapped"),
    Mutant("linux_memmap_claims_the_gap", 11, "linux.c",
           (("\tmap[n++] = (struct hvm_memmap_table_entry){ ONE_MIB, LINUX_RAM_SIZE - ONE_MIB, HVM_MEMMAP_TYPE_RAM, 0 };",
             "\tmap[n++] = (struct hvm_memmap_table_entry){ ONE_MIB, 2 * LINUX_RAM_SIZE - ONE_MIB, HVM_MEMMAP_TYPE_RAM, 0 };"),),
           frozenset(LAB11_RUN | {"boot/start_info"}), why="no RAM there"),
    Mutant("linux_initramfs_missing", 11, "linux.c",
           (("\t\t.magic = PVH_START_MAGIC, .version = 1, .nr_modules = 1,",
             "\t\t.magic = PVH_START_MAGIC, .version = 1, .nr_modules = 0,"),),
           frozenset(LAB11_RUN | {"boot/start_info"}), why="0 modules"),
    Mutant("linux_entry_with_paging_on", 11, "linux.c",
           (("\t\t{ GUEST_CR0, (cr0_shadow | (c->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG))) & c->cr0_fixed1 },",
             "\t\t{ GUEST_CR0, (cr0_shadow | c->cr0_fixed0) & c->cr0_fixed1 },"),),
           frozenset(LAB11_RUN | {"boot/entry"}), why="paging off"),
    Mutant("linux_no_zero_fill", 11, "linux.c",
           (("\t\tmemset(linux_vm_ram(vm, ph->paddr + ph->filesz), 0, ph->memsz - ph->filesz);\n", ""),),
           frozenset(LAB11_RUN | {"boot/load"}), why="is not zero"),
    Mutant("linux_entry_without_pvh_note", 11, "linux.c",
           (("\tif (!vm->entry) {\n\t\tkdiag(\"linux: the kernel has no PVH entry",
             "\tif (!vm->entry)\n\t\tvm->entry = *(const u64 *)(elf + 24);\n\tif (!vm->entry) {\n"
             "\t\tkdiag(\"linux: the kernel has no PVH entry"),),
           frozenset({"boot/load_refuse"}), why="without a PVH entry"),
    Mutant("linux_xsetbv_not_handled", 11, "linux.c",
           (("\t\treturn exit_xsetbv(vm);", "\t\t(void)exit_xsetbv;\n\t\treturn -HV_EEXIT;"),),
           frozenset(LAB11_RUN - {"boot/kernel"}), why="unhandled"),
    Mutant("linux_vmx_not_hidden", 11, "linux.c",
           (("\t\tc.ecx &= ~(CPUID_1_ECX_VMX | CPUID_1_ECX_OSXSAVE);",
             "\t\tc.ecx &= ~CPUID_1_ECX_OSXSAVE;"),),
           frozenset({"boot/cpu"}), why="VMX"),
    Mutant("linux_no_hypervisor_bit", 11, "linux.c",
           (("\t\tc.ecx |= CPUID_1_ECX_HYPERVISOR;\n", ""),),
           frozenset({"boot/cpu"}), why="no hypervisor"),
    # "refused" by mapping the page on demand: the guest reads host memory
    Mutant("linux_violation_maps_host_memory", 11, "linux.c",
           (("\tvmx_inject_exception(13, true, 0);      /* as a processor does for an access it cannot make */",
             "\tu64 page = vmcs_read(GUEST_PHYSICAL_ADDRESS) & ~(PAGE_SIZE - 1);\n"
             "\treturn ept_map(&vm->ept, page, page, PAGE_SIZE, EPT_RWX | EPT_MT(VMX_MEM_TYPE_UC));"),),
           frozenset({"boot/isolation"}), why="not refused"),
    # SLP_EN passed on to the machine: the emulator switches off before the harness reports
    Mutant("linux_poweroff_passed_on", 11, "linux.c",
           (("\t\tif (pm && ((port == pm && size >= 2 && (v & ACPI_PM1_SLP_EN)) ||",
             "\t\tif (!pm && ((port == pm && size >= 2 && (v & ACPI_PM1_SLP_EN)) ||"),),
           frozenset(LAB11_RUN), why="without a SUMMARY"),
    # Lab 12 (shadow).
    # enabled without asking: right on every model with VMCS shadowing, caught by a made-up
    # processor and by corei7_ivy_bridge_3770k
    Mutant("shadow_caps_unchecked", 12, "shadow.c",
           (("\tif (!caps->has_procbased2) {", "\treturn 0;\n\tif (!caps->has_procbased2) {"),),
           frozenset({"vmx/caps", "noshadow/refuse"}), why="without"),
    # the secondary controls assumed: every Bochs model with VMX has them, a made-up one does not
    Mutant("shadow_caps_assumes_secondary", 12, "shadow.c",
           (("\tif (!caps->has_procbased2) {", "\tif (!caps) {"),),
           frozenset({"vmx/caps"}), why="secondary controls"),
    # the field's index (bits 9:1) taken for the bit: the guest's fields exit, and other bits pass
    Mutant("shadow_bit_from_field_index", 12, "shadow.c",
           (("\tu32 n = field & 0x7FFF;", "\tu32 n = (field >> 1) & 0x1FF;"),),
           frozenset({"vmx/bitmap_bit", "vmx/bitmaps", "vmx/no_exit", "vmx/in_shadow", "vmx/host_read"}),
           why="shadow_bitmap_pass(bitmap, 0x681e)"),
    # the write bitmap passes the read-only fields too
    Mutant("shadow_write_bitmap_passes_all", 12, "shadow.c",
           (("\tif (write)                                              \\\n", "\tif (1)                                                  \\\n"),),
           frozenset({"vmx/bitmaps", "vmx/no_exit", "vmx/intercepted"}), why="VMWRITE bitmap"),
    # state left as the page was: bits nobody decided, some of which pass fields the
    # emulation keeps (L1 then reads the shadow's stale bytes, and its VMREAD and VMWRITE
    # before VMXON reach the processor instead of raising #UD)
    Mutant("shadow_bitmaps_not_filled", 12, "shadow.c",
           (("\tmemset(s->read_bitmap, 0xFF, PAGE_SIZE);\n\tmemset(s->write_bitmap, 0xFF, PAGE_SIZE);\n", ""),),
           frozenset({"vmx/bitmaps", "vmx/vmxon", "vmx/no_exit", "vmx/intercepted", "vmx/errors"}), why="must exit"),
    # a link pointer to a VMCS without the shadow-VMCS indicator: the VM entry after L1's VMPTRLD fails
    Mutant("shadow_indicator_missing", 12, "shadow.c",
           (("caps->basic.revision_id | VMCS_SHADOW_INDICATOR;", "caps->basic.revision_id;"),),
           frozenset({"vmx/shadow_vmcs", "vmx/vmxon", "vmx/no_exit", "vmx/intercepted", "vmx/errors",
                      "vmx/in_shadow", "vmx/host_read", "vmx/saving"}), why="marked as a shadow VMCS"),
    # Bochs reads a never-initialized region without complaint; the harness sees that VMCLEAR
    # never wrote the region's data (Bochs keeps the launch state there)
    Mutant("shadow_no_vmclear", 12, "shadow.c",
           (("\tenum vmx_status s = vmx_vmclear((u64)region);", "\tenum vmx_status s = VMX_SUCCEED;"),),
           frozenset({"vmx/vmclear"}), why="earlier use"),
    # the link pointer set before L1 has a VMCS: its early VMREAD reads the shadow instead of failing
    Mutant("shadow_link_at_setup", 12, "shadow.c",
           (("\t\t{ VMCS_LINK_POINTER, ~0ULL },", "\t\t{ VMCS_LINK_POINTER, (u64)s->vmcs },"),),
           frozenset({"vmx/setup", "vmx/no_exit"}), why="VMCS_LINK_POINTER"),
    # a narrow operand: an intercepted VMREAD writes 32 bits of the 64-bit register
    Mutant("shadow_vmread_low_half", 12, "shadow.c",
           (("\t\t\t*operand = soft_read(s, (u32)*field);", "\t\t\t*(u32 *)operand = (u32)soft_read(s, (u32)*field);"),),
           frozenset({"vmx/intercepted", "vmx/errors", "vmx/saving"}), why="PIN_BASED_VM_EXEC_CONTROL"),
    # an error path never taken: VMX instructions outside L1's VMX operation emulated anyway
    Mutant("shadow_no_ud_outside_vmx", 12, "shadow.c",
           (("\tif (reason != EXIT_REASON_VMON && !s->vmxon) {", "\tif (reason != EXIT_REASON_VMON && !s) {"),),
           frozenset({"vmx/vmxon", "vmx/no_exit"}), why="#UD"),
    # VMfailValid where there is no current VMCS to hold the error: the SDM's VMfail gives VMfailInvalid
    Mutant("shadow_vmfail_valid_without_vmcs", 12, "shadow.c",
           (("\tif (st == VMX_FAIL_VALID && s->current == SHADOW_NO_VMCS)\n\t\tst = VMX_FAIL_INVALID;\n", ""),),
           frozenset({"vmx/vmxon"}), why="VMLAUNCH with no current VMCS"),
    # a missing cleanup: the shadow VMCS is left current, and the next VM entry would fail
    Mutant("shadow_read_leaves_shadow_current", 12, "shadow.c",
           (("\t\tenum vmx_status back = vmx_vmptrld(current);", "\t\tenum vmx_status back = VMX_SUCCEED;"),
            ("\t\t/* not active any more: only the next VM entry makes it active again */\n\t\tenum vmx_status c = vmx_vmclear((u64)s->vmcs);\n",
             "\t\tenum vmx_status c = VMX_SUCCEED;\n")),
           frozenset({"vmx/host_read"}), why="the current VMCS is"),
    # state left as an earlier L1 left it: the harness hands shadow_setup() a struct whose L1
    # is in VMX operation with a VMCS and a full set of fields
    Mutant("shadow_setup_keeps_state", 12, "shadow.c",
           (("\ts->vmxon = false;\n\ts->vmxon_ptr = 0;\n\ts->current = SHADOW_NO_VMCS;\n\ts->nsoft = 0;\n", ""),),
           frozenset({"vmx/vmxon", "vmx/no_exit", "vmx/intercepted", "vmx/errors", "vmx/in_shadow",
                      "vmx/host_read", "vmx/saving"}), why="L1 did not finish"),
    # "flush it first": shadow_read() VMCLEARs the VM's own VMCS before loading the shadow; the
    # VMCS is current again afterwards, but its launch state is gone (the harness calls
    # shadow_read() while L1 runs, and the next VMRESUME fails)
    Mutant("shadow_read_clears_vm_vmcs", 12, "shadow.c",
           (("\t\tinsn = \"VMPTRLD\";\n\t\tst = vmx_vmptrld((u64)s->vmcs);",
             "\t\tinsn = \"VMCLEAR\";\n\t\tst = vmx_vmclear(current);\n\t}\n\tif (st == VMX_SUCCEED) {\n"
             "\t\tinsn = \"VMPTRLD\";\n\t\tst = vmx_vmptrld((u64)s->vmcs);"),),
           frozenset({"vmx/host_read"}), why="lost its launch state"),
    # a missing cleanup the current-VMCS pointer does not show: the shadow stays active when the
    # VM's VMCS is loaded back (the harness counts VMCLEARs per VMCS)
    Mutant("shadow_read_no_vmclear", 12, "shadow.c",
           (("\t\tenum vmx_status c = vmx_vmclear((u64)s->vmcs);", "\t\tenum vmx_status c = VMX_SUCCEED;"),),
           frozenset({"vmx/host_read"}), why="still active"),
    # the page zeroed and given a header, as for a VMXON region: the bytes change, but no VMCLEAR
    # initialized the VMCS
    Mutant("shadow_init_memset_no_vmclear", 12, "shadow.c",
           (("\tenum vmx_status s = vmx_vmclear((u64)region);",
             "\tmemset((u8 *)region + 4, 0, PAGE_SIZE - 4);\n\tenum vmx_status s = VMX_SUCCEED;"),),
           frozenset({"vmx/vmclear"}), why="no VMCLEAR"),
    # an error path never taken: a failed VMREAD returns with the shadow VMCS current
    Mutant("shadow_read_error_no_restore", 12, "shadow.c",
           (("\t\tst = vmx_vmread(field, value);\n",
             "\t\tst = vmx_vmread(field, value);\n\t\tif (st != VMX_SUCCEED) {\n"
             "\t\t\tvmx_report_failure(insn, st);\n\t\t\treturn -HV_EVMXFAIL;\n\t\t}\n"),),
           frozenset({"vmx/host_read"}), why="a failed read"),
    # error paths never taken: each of L1's instructions that must fail succeeds instead
    Mutant("shadow_vmwrite_unsupported_accepted", 12, "shadow.c",
           (("\t\t} else if (!field_supported(*field)) {",
             "\t\t} else if (reason == EXIT_REASON_VMREAD && !field_supported(*field)) {"),),
           frozenset({"vmx/errors", "vmx/saving"}), why="VMWRITE of encoding 0x8000"),
    Mutant("shadow_vmptrld_vmxon_ptr_accepted", 12, "shadow.c",
           (("\t\t} else if (ptr == s->vmxon_ptr) {", "\t\t} else if (!s) {"),),
           frozenset({"vmx/errors", "vmx/saving"}), why="VMPTRLD of its VMXON pointer"),
    Mutant("shadow_vmxon_twice_accepted", 12, "shadow.c",
           (("\t\tif (s->vmxon) {\n\t\t\tl1_result(s, VMX_FAIL_VALID, VMXERR_VMXON_IN_VMX_ROOT_OPERATION);",
             "\t\tif (!s) {\n\t\t\tl1_result(s, VMX_FAIL_VALID, VMXERR_VMXON_IN_VMX_ROOT_OPERATION);"),),
           frozenset({"vmx/errors", "vmx/saving"}), why="second VMXON"),
    # #UD only where the test most people write looks (VMPTRLD first): VMLAUNCH, VMREAD and
    # VMWRITE before VMXON are emulated
    Mutant("shadow_ud_only_for_vmptrld", 12, "shadow.c",
           (("\tif (reason != EXIT_REASON_VMON && !s->vmxon) {", "\tif (reason == EXIT_REASON_VMPTRLD && !s->vmxon) {"),),
           frozenset({"vmx/vmxon"}), why="VMLAUNCH before its VMXON"),
    # only the two flags the status is read from: PF, AF, SF and OF keep what L1 had
    Mutant("shadow_status_clears_cf_zf_only", 12, "shadow.c",
           (("(vmcs_read(GUEST_RFLAGS) & ~VMX_RFLAGS_STATUS) | flags",
             "(vmcs_read(GUEST_RFLAGS) & ~(u64)(RFLAGS_CF | RFLAGS_ZF)) | flags"),),
           frozenset({"vmx/intercepted", "vmx/saving"}), why="CF, PF, AF, ZF, SF and OF"),
    # the register form assumed: a memory operand's value is taken from (and put in) a register
    Mutant("shadow_mem_operand_ignored", 12, "shadow.c",
           (("\t\tbool reg = info & VMX_INSN_REG_OPERAND;\n", "\t\tbool reg = true;\n"),),
           frozenset({"vmx/intercepted", "vmx/saving"}), why="memory operands"),
    # the read-only test on bit 10 alone: host-state fields (type 3) are refused too
    Mutant("shadow_readonly_bit10", 12, "shadow.c",
           (("\t\t} else if (((*field >> 10) & 3) == 1) {", "\t\t} else if ((*field >> 10) & 1) {"),),
           frozenset({"vmx/intercepted", "vmx/saving"}), why="HOST_RIP"),
    # "every instruction that completes moves RIP" applied to the #UD too
    Mutant("shadow_ud_skips_rip", 12, "shadow.c",
           (("\t\tvmx_inject_exception(VEC_UD, false, 0);\n\t\treturn 0;",
             "\t\tvmx_inject_exception(VEC_UD, false, 0);\n\t\tvmx_skip_instruction();\n\t\treturn 0;"),),
           frozenset({"vmx/vmxon"}), why="bytes past the instruction"),
    # the right verdict, without the line that tells the user what is missing
    Mutant("shadow_caps_silent", 12, "shadow.c",
           (("\t\tkprintf(\"no VMCS shadowing: the secondary controls cannot be activated\\n\");\n", ""),
            ("\t\tkprintf(\"no VMCS shadowing: IA32_VMX_PROCBASED_CTLS2 does not allow \\\"VMCS shadowing\\\" to be 1\\n\");\n", "")),
           frozenset({"vmx/caps"}), why="without printing"),
    # the whole encoding as the bit number: bit 15 and above write past the 4 KiB bitmap
    Mutant("shadow_bit_unmasked", 12, "shadow.c",
           (("\tu32 n = field & 0x7FFF;", "\tu32 n = field;"),),
           frozenset({"vmx/bitmap_bit"}), why="past the bitmap"),
    # Wrong answers in answers-lab12.txt
    Mutant("answer_high_half_shares_bit", 12, "answers-lab12.txt",
           (("answer: 0x2807\n", "answer: 0x2806\n"),),
           frozenset({"answers/q1"})),
    Mutant("answer_shadow_entry_is_launch_state", 12, "answers-lab12.txt",
           (("answer: b\n", "answer: c\n"),),
           frozenset({"answers/q4"})),
)
MUTANTS += (
    # Lab 10 (schedule).
    # "save VMX-preemption timer value" never asked for: on a processor that has it, every
    # VM entry after an exit within the slice starts a whole new slice, so a guest that exits
    # often (the guests' hypercalls) is never preempted
    Mutant("sched_timer_not_saved", 10, "schedule.c",
           (("\tif (t->save)\n\t\twant_exit |= VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;\n", "\t(void)t;\n"),),
           frozenset({"vmx/controls", "vmx/fair"}), why="save"),
    # the rate every Bochs model happens to state (IA32_VMX_MISC bits 4:0 = 0, measured on
    # all of them); real processors state others (e.g. 5): caught with made-up capabilities
    Mutant("sched_rate_assumed", 10, "schedule.c",
           (("\tt->rate = (unsigned)(caps->misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);", "\tt->rate = 0;"),),
           frozenset({"vmx/timer_value", "vmx/nosave_fair"}), why="bits 4:0 are 5"),
    # the timer armed once, in sched_vmcs_setup(), never for a new slice: after the first
    # preemption the saved value is 0 and every entry exits at once
    Mutant("sched_timer_not_rearmed", 10, "schedule.c",
           (("\t\t\tleft = s->slice;\n\t\t\tslice_over = false;\n\t\t\terr = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, sched_timer_value(&s->timer, left));\n",
             "\t\t\tleft = s->slice;\n\t\t\tslice_over = false;\n\t\t\tif (!v->launched)\n\t\t\t\terr = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, sched_timer_value(&s->timer, left));\n"),),
           frozenset({"vmx/progress", "vmx/isolation", "vmx/window", "vmx/ticks", "vmx/redeliver", "vmx/halt",
                      "vmx/fair", "vmx/nosave_fair"}), why="watchdog"),
    # RFLAGS.IF not looked at: a tick goes in while the guest has interrupts disabled
    Mutant("sched_inject_while_if0", 10, "schedule.c",
           (("\tbool open = (vmcs_read(GUEST_RFLAGS) & RFLAGS_IF) &&\n\t\t    !(", "\tbool open = !("),),
           frozenset({"vmx/inject_rules", "vmx/inject_if", "vmx/progress", "vmx/launch", "vmx/isolation", "vmx/window",
                      "vmx/ticks", "vmx/redeliver", "vmx/halt", "vmx/nosave_progress", "vmx/nosave_launch"}),
           why="RFLAGS.IF is 0"),
    # the interruptibility state not looked at: a tick goes in during an STI or MOV-SS shadow
    Mutant("sched_inject_in_shadow", 10, "schedule.c",
           (("\tbool open = (vmcs_read(GUEST_RFLAGS) & RFLAGS_IF) &&\n\t\t    !(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));",
             "\tbool open = vmcs_read(GUEST_RFLAGS) & RFLAGS_IF;"),),
           frozenset({"vmx/inject_rules"}), why="blocking by STI"),
    # no interrupt-window exit: a tick that could not go in waits for the next exit of any kind
    Mutant("sched_no_window", 10, "schedule.c",
           (("\tif (busy || !open)\n\t\treturn sched_window(true);", "\tif (busy || !open)\n\t\treturn sched_window(false);"),),
           frozenset({"vmx/inject_rules", "vmx/window"}), why="interrupt-window"),
    # a VMCS "launched again" after each switch: VMLAUNCH on a launched VMCS
    Mutant("sched_launch_after_switch", 10, "schedule.c",
           (("\t\t\ts->current = next;\n\t\t\tslice_over = true;\n", "\t\t\ts->current = next;\n\t\t\tslice_over = true;\n\t\t\tv->launched = false;\n"),),
           frozenset({"vmx/progress", "vmx/launch", "vmx/isolation", "vmx/preempt", "vmx/window", "vmx/ticks",
                      "vmx/redeliver", "vmx/halt", "vmx/nosave_progress", "vmx/nosave_launch"}),
           why="VMLAUNCH with non-clear VMCS"),
    # one launch state for the whole CPU: the second VM's first entry is a VMRESUME
    Mutant("sched_one_launch_state", 10, "schedule.c",
           (("\t\tenum vmx_status st = vmx_enter_guest(&v->vm.vcpu.regs, v->launched);", "\t\tenum vmx_status st = vmx_enter_guest(&v->vm.vcpu.regs, s->vms[0]->launched);"),),
           frozenset({"vmx/progress", "vmx/launch", "vmx/isolation", "vmx/preempt", "vmx/window", "vmx/ticks",
                      "vmx/redeliver", "vmx/halt", "vmx/nosave_progress", "vmx/nosave_launch"}),
           why="VMRESUME with non-launched VMCS"),
    # one register file for both VMs
    Mutant("sched_shared_registers", 10, "schedule.c",
           (("\t\tenum vmx_status st = vmx_enter_guest(&v->vm.vcpu.regs, v->launched);", "\t\tenum vmx_status st = vmx_enter_guest(&s->vms[0]->vm.vcpu.regs, v->launched);"),),
           frozenset({"vmx/isolation", "vmx/progress", "vmx/window", "vmx/ticks", "vmx/redeliver", "vmx/halt",
                      "vmx/nosave_progress"}), why="mixed with another"),
    # IDT-vectoring information ignored: a tick whose delivery an EPT violation interrupted is
    # lost; the guest's handler then counts one tick less, and its HLT returns without one
    # (the host handles the violation in fewer instructions than a tick period since memset
    # is REP STOSB, so no new tick covers the loss)
    Mutant("sched_redeliver_ignored", 10, "schedule.c",
           (("\tu64 idt = vmcs_read(IDT_VECTORING_INFO_FIELD);\n\tif (!(idt & INTR_INFO_VALID_MASK))\n\t\treturn 0;\n",
             "\tu64 idt = vmcs_read(IDT_VECTORING_INFO_FIELD);\n\tif (idt & INTR_INFO_VALID_MASK)\n\t\treturn 0;\n"),),
           frozenset({"vmx/redeliver", "vmx/ticks", "vmx/halt"}), why="is lost"),
    # HLT treated as a no-op: the guest's RIP moves on and it runs again at once
    Mutant("sched_hlt_noop", 10, "schedule.c",
           (("\t\t\tv->halted = true;\n\t\t\tslice_over = true;\n", ""),),
           frozenset({"vmx/halt", "vmx/fair"}), why="must sleep until its next tick"),
    # the tick stays pending after its injection: the guest gets it again and again
    Mutant("sched_pending_not_cleared", 10, "schedule.c",
           (("\tvm->pending = false;\n\treturn sched_window(false);", "\treturn sched_window(false);"),),
           frozenset({"vmx/inject_rules", "vmx/ticks"}), why="before they were due"),
    # the timer's value written once per slice even where the processor cannot save it:
    # each entry starts the whole slice again
    Mutant("sched_nosave_not_rearmed", 10, "schedule.c",
           (("\t\t} else if (!s->timer.save) {\n", "\t\t} else if (!s->timer.save && !v->launched) {\n"),),
           frozenset({"vmx/nosave_fair"}), why="a slice is"),
    # "save" never claimed: right for the nosave run, wrong for this processor, which has it
    Mutant("sched_save_never", 10, "schedule.c",
           (("\tt->save = caps->exit.allowed1 & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;", "\tt->save = false;"),),
           frozenset({"vmx/timer_caps"}), why="save no"),
    # the save control asked for whether or not the capability allows it
    Mutant("sched_save_unconditional", 10, "schedule.c",
           (("\tif (t->save)\n\t\twant_exit |= VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;\n", "\t(void)t;\n\twant_exit |= VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;\n"),),
           frozenset({"vmx/nosave_controls", "vmx/nosave_progress", "vmx/nosave_launch", "vmx/nosave_fair"}),
           why="sched_vmcs_setup() returned"),
    # no refusal: every processor has a timer (core2_penryn_t9600 has none)
    Mutant("sched_timer_assumed", 10, "schedule.c",
           (("\tif (!(caps->pinbased.allowed1 & PIN_BASED_VMX_PREEMPTION_TIMER)) {", "\tif (!caps) {"),),
           frozenset({"vmx/timer_refuse", "notimer/refuse"}), why="want -HV_ENOTIMER"),
    # the timer never turned on: a guest that makes no exit keeps the CPU
    Mutant("sched_timer_off", 10, "schedule.c",
           (("(u32)vmcs_read(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_VMX_PREEMPTION_TIMER,", "(u32)vmcs_read(PIN_BASED_VM_EXEC_CONTROL),"),
            ("\tif (t->save)\n\t\twant_exit |= VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;\n", "\t(void)t;\n")),
           frozenset({"vmx/controls", "vmx/preempt", "vmx/fair", "vmx/window", "vmx/nosave_controls", "vmx/nosave_fair"}),
           why="never exited for the VMX-preemption timer"),
    # a narrow operand: the slice cut to 32 bits before the shift (a slice of 2^40 ticks becomes 0)
    Mutant("sched_timer_value_truncates", 10, "schedule.c",
           (("\tu64 v = ticks >> t->rate;", "\tu64 v = (u32)ticks >> t->rate;"),),
           frozenset({"vmx/timer_value"}), why="sched_timer_value(1099511627776 TSC ticks)"),
    # the rate read with a 4-bit mask: IA32_VMX_MISC bits 4:0 hold rates up to 31
    Mutant("sched_rate_mask_4bits", 10, "schedule.c",
           (("\tt->rate = (unsigned)(caps->misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);",
             "\tt->rate = (unsigned)(caps->misc & 0xF);"),),
           frozenset({"vmx/timer_value"}), why="bits 4:0 are 16"),
    # the slice written in TSC ticks, never converted: right only where the rate is 0 (every
    # Bochs model); the nosave run's made-up processor states another rate
    Mutant("sched_slice_not_converted", 10, "schedule.c",
           (("\t\t\terr = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, sched_timer_value(&s->timer, left));\n\t\t} else if (!s->timer.save) {\n\t\t\terr = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, sched_timer_value(&s->timer, left));",
             "\t\t\terr = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, (u32)left);\n\t\t} else if (!s->timer.save) {\n\t\t\terr = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, (u32)left);"),),
           frozenset({"vmx/nosave_fair"}), why="want 1500"),
    # the new slice armed before the VMPTRLD that switches: it lands in the old VM's VMCS
    Mutant("sched_timer_before_vmptrld", 10, "schedule.c",
           (("\t\tif (next != s->current) {\n\t\t\tenum vmx_status st = vmx_vmptrld(v->vmcs);\n\t\t\tif (st != VMX_SUCCEED) {\n\t\t\t\tvmx_report_failure(\"VMPTRLD\", st);\n\t\t\t\treturn -HV_EVMXFAIL;\n\t\t\t}\n\t\t\ts->current = next;\n\t\t\tslice_over = true;\n\t\t}\n",
             "\t\tbool switching = next != s->current;\n\t\tif (switching)\n\t\t\tslice_over = true;\n"),
            ("\t\tv->halted = false;\n\t\tif (err || (err = sched_inject(v)))",
             "\t\tif (switching) {\n\t\t\tenum vmx_status st = vmx_vmptrld(v->vmcs);\n\t\t\tif (st != VMX_SUCCEED) {\n\t\t\t\tvmx_report_failure(\"VMPTRLD\", st);\n\t\t\t\treturn -HV_EVMXFAIL;\n\t\t\t}\n\t\t\ts->current = next;\n\t\t}\n\t\tv->halted = false;\n\t\tif (err || (err = sched_inject(v)))")),
           frozenset({"vmx/fair", "vmx/nosave_fair"}), why="entered for a new slice"),
    # any interruptibility bit taken as blocking: blocking by NMI (and by SMI) does not block
    # an external interrupt (SDM Vol. 3C, 25.4.2)
    Mutant("sched_inject_blocked_by_nmi", 10, "schedule.c",
           (("!(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));",
             "!(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & 0xF);"),),
           frozenset({"vmx/inject_rules"}), why="blocking by NMI only"),
    # an error path never run: the controls set without asking caps, never -HV_ENOTIMER
    Mutant("sched_vmcs_setup_unchecked", 10, "schedule.c",
           (("\tint err = vmx_adjust_ctls((u32)vmcs_read(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_VMX_PREEMPTION_TIMER,\n\t\t\t\t  &caps->pinbased, &pin);\n\tif (!err)\n\t\terr = vmx_adjust_ctls(want_exit, &caps->exit, &exit);\n",
             "\tpin = (u32)vmcs_read(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_VMX_PREEMPTION_TIMER;\n\texit = want_exit;\n\t(void)caps;\n\tint err = 0;\n"),),
           frozenset({"vmx/controls", "vmx/nosave_controls"}), why="want -HV_ENOTIMER and them unchanged"),
    # the next deadline counted from when the tick was noticed: every tick a little later
    Mutant("sched_deadline_drift", 10, "schedule.c",
           (("\t\twhile (v->deadline <= now)\n\t\t\tv->deadline += s->period;", "\t\tv->deadline = now + s->period;"),),
           frozenset({"vmx/ticks"}), why="its ticks drift"),
    # the deadline moved by one period only: after the host was busy for several periods it
    # stays in the past, and the next ticks come back to back (the harness stalls the host once)
    Mutant("sched_deadline_single_step", 10, "schedule.c",
           (("\t\twhile (v->deadline <= now)\n\t\t\tv->deadline += s->period;", "\t\tif (v->deadline <= now)\n\t\t\tv->deadline += s->period;"),),
           frozenset({"vmx/ticks"}), why="in the past"),
    # both VMs asleep: the wait lasts until the latest of their ticks, not the earliest
    Mutant("sched_idle_waits_latest", 10, "schedule.c",
           (("\tu64 earliest = ~0ULL;", "\tu64 earliest = 0;"),
            ("\t\tif (v->timer_on && v->deadline < earliest)", "\t\tif (v->timer_on && v->deadline > earliest)"),
            ("\tif (earliest == ~0ULL) {", "\tif (!earliest) {")),
           frozenset({"vmx/halt"}), why="after the earliest of their ticks"),
    # interrupt-window exiting left as an earlier entry set it after an injection: a VM exit
    # the hypervisor has no use for
    Mutant("sched_window_left_on_after_inject", 10, "schedule.c",
           (("\tvm->pending = false;\n\treturn sched_window(false);", "\tvm->pending = false;\n\treturn 0;"),),
           frozenset({"vmx/inject_rules"}), why="left on"),
)
