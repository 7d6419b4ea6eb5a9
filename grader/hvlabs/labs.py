"""The labs as data: which scenarios each lab boots, and what each check is worth.

A check's id and text are the ones the kernel harness prints (`PASS: lab1/<id> <text>`),
so this table and kernel/harness/labN.c must agree; `make test` verifies that the
reference reports every check listed here, with the same text, and no other.
"""
from dataclasses import dataclass, field

from .errors import UsageError


@dataclass(frozen=True)
class Check:
    id: str
    points: int
    what: str


@dataclass(frozen=True)
class Scenario:
    name: str                 # passed to the kernel as scenario=<name>
    needs_vmx: bool           # True: a CPU with VMX; False: a CPU without
    firmware: str = "latest"  # Bochs BIOS: "latest" (IA32_FEATURE_CONTROL locked, enabled) or "legacy"
    cpu: str = ""             # Bochs CPU model this scenario is about ("": the backend's default)
    checks: tuple = ()
    timeout: float = 20.0     # seconds of wall time before the run is killed
    hidden: bool = False      # a maintainers' scenario: run only when named (--scenario), never graded
    provoked: tuple = ()      # emulator-log or kernel lines the harness causes on purpose: not shown as hints


@dataclass(frozen=True)
class Lab:
    number: int
    name: str
    files: tuple              # the student files, relative to labs/NN-name/
    scenarios: tuple = field(default_factory=tuple)

    @property
    def dir(self) -> str:
        return f"{self.number:02d}-{self.name}"

    def scenario(self, name: str) -> Scenario:
        for s in self.scenarios:
            if s.name == name:
                return s
        raise UsageError(f"hvlabs: lab {self.number} has no scenario '{name}' "
                         f"(it has: {', '.join(s.name for s in self.scenarios)})")

    @property
    def graded(self) -> tuple:
        """The scenarios a grade runs (all but the hidden ones)."""
        return tuple(s for s in self.scenarios if not s.hidden)

    @property
    def max_points(self) -> int:
        return sum(c.points for s in self.graded for c in s.checks)


LABS = {
    0: Lab(0, "selftest", (), (
        Scenario("default", needs_vmx=False, checks=(
            Check("catch_ud", 1, "trap_catch() recovers from #UD"),
            Check("catch_gp", 1, "a non-canonical access raises #GP(0) and is caught"),
            Check("catch_pf", 1, "a read above the identity map raises #PF(0) with CR2 set"),
            Check("catch_nested", 1, "trap_catch() nests"),
            Check("vmptrst_ud", 1, "VMPTRST outside VMX operation raises #UD and is caught"),
            Check("catch_none", 1, "trap_catch() returns false when nothing faults"),
            Check("page_alloc", 1, "page_alloc() gives distinct 4 KiB-aligned pages"),
            Check("page_zero", 1, "page_alloc() returns zeroed pages"),
            Check("page_count", 1, "page_free() restores the free count"),
            Check("printf", 1, "ksnprintf() formats like printf"),
            Check("snprintf_trunc", 1, "ksnprintf() truncates and returns the full length"),
            Check("cmdline", 1, "cmdline_get() finds whole keys only and respects the buffer size"),
        )),
    )),
    1: Lab(1, "detect", ("detect.c",), (
        Scenario("vmx", needs_vmx=True, checks=(
            Check("cpuid", 1, "vmx_cpu_has_vmx() sees CPUID.1:ECX.VMX[bit 5]"),
            Check("basic_decode", 2, "vmx_basic_decode() decodes every IA32_VMX_BASIC field"),
            Check("ctl_decode", 1, "vmx_ctl_cap_decode() splits allowed-0 (bits 31:0) and allowed-1 (bits 63:32)"),
            Check("detect", 1, "vmx_detect() succeeds on a CPU with VMX"),
            Check("basic", 1, "caps->basic matches this CPU's IA32_VMX_BASIC"),
            Check("controls", 2, "pin/proc/exit/entry capabilities come from the TRUE MSRs when IA32_VMX_BASIC bit 55 is 1"),
            Check("fixed", 1, "IA32_VMX_MISC and the CR0/CR4 fixed-bit MSRs are read"),
            Check("secondary", 1, "secondary controls are read exactly when they can be activated"),
            Check("ept_vpid", 1, "IA32_VMX_EPT_VPID_CAP is read when EPT or VPID can be enabled, else 0"),
        )),
        Scenario("noept", needs_vmx=True, cpu="core2_penryn_t9600", checks=(
            Check("detect", 1, "vmx_detect() succeeds on a CPU with VMX"),
            Check("secondary", 1, "secondary controls are read exactly when they can be activated"),
            Check("ept_vpid", 1, "IA32_VMX_EPT_VPID_CAP is read when EPT or VPID can be enabled, else 0"),
        )),
        Scenario("novmx", needs_vmx=False, checks=(
            Check("novmx", 2, "without VMX, vmx_detect() returns -HV_ENOVMX and reads no VMX MSR"),
        )),
    )),
    2: Lab(2, "enable", ("enable.c",), (
        Scenario("locked_on", needs_vmx=True, checks=(
            Check("fix_cr", 2, "vmx_fix_cr() sets the fixed-1 bits, clears the fixed-0 bits, keeps the rest"),
            Check("featctl", 1, "locked with VMX on: vmx_feature_control_enable() returns 0 and writes nothing"),
            Check("cr0", 2, "CR0 satisfies IA32_VMX_CR0_FIXED0/1 and nothing else changed"),
            Check("cr4", 2, "CR4 has VMXE set, satisfies IA32_VMX_CR4_FIXED0/1, and nothing else changed"),
        )),
        Scenario("unlocked", needs_vmx=True, firmware="legacy", checks=(
            Check("featctl", 2, "unlocked: vmx_feature_control_enable() sets bit 2 and the lock bit, keeping the others"),
            Check("vmxon_allowed", 1, "after vmx_enable() on an unlocked MSR, VMXON succeeds"),
        )),
        Scenario("locked_off", needs_vmx=True, firmware="legacy", checks=(
            Check("featctl", 2, "locked with VMX off: vmx_feature_control_enable() returns -HV_EDISABLED without faulting"),
            Check("enable", 1, "locked with VMX off: vmx_enable() returns -HV_EDISABLED, CR0 and CR4 untouched"),
        )),
    )),
    3: Lab(3, "vmxon", ("vmxon.c",), (
        Scenario("vmx", needs_vmx=True, provoked=("VMXON: not expected", "VMXON: invalid or not page aligned"), checks=(
            Check("region", 2, "vmxon_region_alloc() gives an aligned page stamped with the revision id"),
            Check("fail_invalid", 2, "vmx_vmxon() reports VMfailInvalid for revision bit 31 set and an unaligned region"),
            Check("vmxon", 2, "vmx_vmxon() enters VMX root operation and returns VMsucceed"),
            Check("root_no_vmcs", 1, "in VMX root operation without a current VMCS, vmx_vmxon() reports VMfailInvalid"),
            Check("root_vmcs", 2, "in VMX root operation with a current VMCS, vmx_vmxon() reports VMfailValid (error 15)"),
            Check("vmx_on", 2, "vmx_on() enters VMX root operation and hands back its region"),
            Check("vmx_on_fail", 2, "a failing VMXON makes vmx_on() print VMfailInvalid, free its region and return -HV_EVMXFAIL"),
            Check("vmxe_clear", 1, "with CR4.VMXE clear, vmx_on() returns -HV_EINVAL instead of faulting"),
        )),
    )),
    4: Lab(4, "vmcs", ("vmcs.c",), (
        Scenario("vmx", needs_vmx=True, provoked=("VMRESUME with non-launched VMCS",), checks=(
            Check("adjust", 2, "vmx_adjust_ctls() computes (wanted | allowed0) & allowed1"),
            Check("loaded", 2, "the VMCS is current, stamped with the revision id, and clear"),
            Check("host", 2, "the host-state area describes the running kernel, HOST_RIP is vmx_exit_stub"),
            Check("guest", 2, "guest RIP, RSP, CR3, CS, TR, RFLAGS and the link pointer are as the lab asks"),
            Check("controls", 2, "every control field fits its capability MSR and has the bits the lab needs"),
            Check("rules", 2, "vmcs_check() finds no violated VM-entry rule in the VMCS"),
            Check("launch", 3, "the harness launches your VMCS and the guest's first CPUID exits"),
            Check("setup", 1, "vmcs_setup() makes a complete VMCS current and hands back it and the guest stack"),
        )),
        Scenario("checker", needs_vmx=True, hidden=True, checks=(
            Check("clean", 0, "vmcs_check() finds no violation in the reference VMCS"),
            Check("agreement", 0, "vmcs_check() and the processor give the same verdict on single-field breakages of the reference VMCS"),
        )),
    )),
    5: Lab(5, "launch", ("launch.c",), (
        Scenario("vmx", needs_vmx=True, provoked=(
            "RFLAGS[1] cleared", "VMX pin-based controls allowed 0-settings", "invalid host TR selector",
            "VMWRITE with invalid VMCS ptr", "VMEXIT: Guest State Checks Failed"), checks=(
            Check("first_exit", 3, "vmx_launch() runs the guest to its first exit: CPUID at the entry point"),
            Check("exit_info", 2, "*exit holds the exit reason, qualification, guest RIP and instruction length"),
            Check("entry_failure", 2, "a guest-state error makes vmx_launch() name EXIT_REASON_INVALID_STATE and return -HV_EENTRY"),
            Check("fail_host", 2, "a host-state error makes vmx_launch() report VMfailValid with error 8"),
            Check("fail_control", 2, "a control error makes vmx_launch() report VMfailValid with error 7"),
            Check("fail_invalid", 1, "without a current VMCS, vmx_launch() reports VMfailInvalid"),
        )),
    )),
    6: Lab(6, "exits", ("exits.c",), (
        Scenario("vmx", needs_vmx=True, provoked=(
            "vector must be within IDT table limits", "unhandled VM exit: EXIT_REASON_INVD"), checks=(
            Check("setup", 1, "vm_setup_exits() adds I/O exiting, #BP in the exception bitmap, CR0/CR4 masks and shadows"),
            Check("inject", 1, "vmx_inject_exception() encodes a hardware exception, with or without an error code"),
            Check("hypercall", 2, "VMCALL: print, read the nonce, errors in RAX, shutdown with its code"),
            Check("resume", 1, "vm_run() enters again after each exit (VMRESUME) until the guest shuts down"),
            Check("cpuid", 2, "CPUID: the hvlabs leaf, VMX hidden, other leaves passed through"),
            Check("rip", 2, "after HLT the guest continues at the next instruction (RIP += instruction length)"),
            Check("io_out", 2, "OUT to COM1 reaches the console, line by line with the guest| prefix"),
            Check("io_in", 2, "IN from an unknown port reads all ones into AL, AX or EAX only"),
            Check("msr", 2, "RDMSR/WRMSR of IA32_SYSENTER_ESP go to the VMCS; IA32_FEATURE_CONTROL reads locked, VMX off"),
            Check("msr_gp", 2, "an unknown MSR raises #GP(0) in the guest, at the instruction"),
            Check("msr_canonical", 1, "WRMSR of a non-canonical IA32_SYSENTER_EIP raises #GP(0)"),
            Check("cr", 2, "MOV to CR0/CR4 through the read shadows: VMXE hidden and refused, CR0.NE kept underneath"),
            Check("vmx_ud", 2, "each VMX instruction in the guest exits and gets #UD injected"),
            Check("breakpoint", 1, "INT3 exits through the exception bitmap, is counted, and the guest goes on"),
            Check("triple_fault", 1, "a triple fault stops that VM with -HV_ECRASH, and the next guest runs"),
            Check("unhandled", 2, "an unhandled exit prints its name, qualification, the VMCS and the registers; -HV_EEXIT"),
        )),
        Scenario("bench", needs_vmx=True, hidden=True, timeout=60.0),   # make bench
    )),
    7: Lab(7, "vmxoff", ("vmxoff.c",), (
        Scenario("vmx", needs_vmx=True, provoked=("VMX pin-based controls allowed 1-settings",), checks=(
            Check("shutdown", 2, "after the guest's shutdown hypercall, vmx_shutdown() returns 0"),
            Check("ud_after", 2, "after vmx_shutdown(), VMX instructions raise #UD (VMPTRST)"),
            Check("vmxe_clear", 2, "CR4.VMXE is clear after vmx_shutdown()"),
            Check("freed", 2, "every page is back: the free count is what it was before lab 3"),
            Check("vmclear", 2, "the VMCS was VMCLEARed before VMXOFF (its launch state is clear)"),
            Check("twice", 2, "the whole life cycle, enable to VMXOFF, runs a second time in the same boot"),
            Check("again", 1, "a second vmx_shutdown() is harmless: returns 0, frees nothing, faults nowhere"),
        )),
        Scenario("demo", needs_vmx=True, hidden=True, timeout=60.0,      # make run
                 provoked=("vector must be within IDT table limits",)),
    )),
}

STUDENT_LABS = sorted(n for n in LABS if n > 0)


def get(number: int) -> Lab:
    try:
        return LABS[number]
    except KeyError:
        raise UsageError(f"hvlabs: there is no lab {number} (labs: {', '.join(map(str, STUDENT_LABS))})")
