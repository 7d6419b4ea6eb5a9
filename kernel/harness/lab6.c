/*
 * Lab 6 harness: the student's exit handlers and loop, judged by what the guests
 * observed (their notes, written by guest code from real instruction results),
 * what they printed, and vmx_enter_guest()'s own exit counters. Every guest gets a fresh
 * VMCS from lab 4; labs 1-4 run first.
 */
#include "capture.h"
#include "errno.h"
#include "exits.h"
#include "guest.h"
#include "harness.h"
#include "lab6_guest.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "vmxroot.h"
#include "x86.h"

/* More VM entries than any lab-6 guest needs (the io guest: about 200): beyond this a guest is stuck. */
#define ENTRY_LIMIT 2000

static const struct vmx_caps *lab_caps;

/* One guest's run, and what the checks need besides. */
struct run {
	struct guest_run g;
	char said[12288];       /* everything printed meanwhile */
	u64 cr0, cr0_shadow, sysenter_esp, sysenter_eip;        /* the VMCS after vm_run() */
};

/* The runs' space: too big for the kernel stack. */
static struct run run_a, run_b;

static void call_setup_exits(void *p)
{
	*(int *)p = vm_setup_exits(lab_caps);
}

/*
 * Runs guest g from a fresh VMCS, for at most limit VM entries; false (r->g.why
 * set) if that could not be done or vm_run() faulted.
 */
static bool run_guest(struct run *r, const struct guest_program *g, u64 limit)
{
	struct prereq_vm vm;

	memset(r, 0, sizeof(*r));
	if (!prereq_vm_new(&vm, lab_caps, g))
		return why_not(r->g.why, sizeof(r->g.why), "no VMCS from lab 4");
	kprintf("-- guest \"%s\": %s\n", g->name, g->about);
	capture_begin(r->said, sizeof(r->said));
	guest_run(&r->g, lab_caps, g, harness_nonce(), limit);
	capture_end();
	guest_trace_print(g->name, 0);
	r->cr0 = vmcs_read(GUEST_CR0);
	r->cr0_shadow = vmcs_read(CR0_READ_SHADOW);
	r->sysenter_esp = vmcs_read(GUEST_SYSENTER_ESP);
	r->sysenter_eip = vmcs_read(GUEST_SYSENTER_EIP);
	prereq_vm_free(&vm);
	return r->g.ran;
}

/* Runs g and requires vm_run() to return want; false with r->g.why otherwise. */
static bool run_expect(struct run *r, const struct guest_program *g, int want)
{
	if (!run_guest(r, g, ENTRY_LIMIT))
		return false;
	if (r->g.ret != want)
		return why_not(r->g.why, sizeof(r->g.why), "vm_run() returned %d (%s), want %d (%s)", r->g.ret,
			       hv_strerror(r->g.ret), want, hv_strerror(want));
	return true;
}

/* The guest's note key; false (with why) if the guest never wrote it. */
static bool note(struct run *r, const char *key, u64 *value)
{
	if (guest_note_get(key, value))
		return true;
	return why_not(r->g.why, sizeof(r->g.why), "the guest never got as far as noting %s", key);
}

/* A note that must equal want. */
static bool note_is(struct run *r, const char *key, u64 want, const char *what)
{
	u64 v;
	if (!note(r, key, &v))
		return false;
	if (v != want)
		return why_not(r->g.why, sizeof(r->g.why), "%s: the guest saw %#lx, want %#lx", what, v, want);
	return true;
}

/* vmx_enter_guest() counted exactly want exits for reason. */
static bool exits_are(struct run *r, u32 reason, u64 want)
{
	if (vmx_exit_stats()->exits[reason] == want)
		return true;
	return why_not(r->g.why, sizeof(r->g.why), "%lu VM exits for %s, want %lu",
		       vmx_exit_stats()->exits[reason], vmx_exit_reason_name(reason), want);
}

/* The guest's output included line (after the "guest| " prefix). */
static bool printed(struct run *r, const char *line)
{
	char want[160];
	ksnprintf(want, sizeof(want), VSERIAL_PREFIX "%s\n", line);
	if (strstr(r->said, want))
		return true;
	return why_not(r->g.why, sizeof(r->g.why), "the output lacks the line \"%s%s\"", VSERIAL_PREFIX, line);
}


static void check_setup(void)
{
	char why[200] = "";
	struct prereq_vm vm;
	int err = 0;

	if (!prereq_vm_new(&vm, lab_caps, &guest_hello))
		return;
	u64 cr0 = vmcs_read(GUEST_CR0), cr4 = vmcs_read(GUEST_CR4);
	bool ok = harness_call("vm_setup_exits()", call_setup_exits, &err, why, sizeof(why));
	u64 proc = vmcs_read(CPU_BASED_VM_EXEC_CONTROL), bitmap = vmcs_read(EXCEPTION_BITMAP);
	u64 m0 = vmcs_read(CR0_GUEST_HOST_MASK), s0 = vmcs_read(CR0_READ_SHADOW);
	u64 m4 = vmcs_read(CR4_GUEST_HOST_MASK), s4 = vmcs_read(CR4_READ_SHADOW);
	u64 pinned0 = lab_caps->cr0_fixed0 | ~lab_caps->cr0_fixed1;
	u64 pinned4 = lab_caps->cr4_fixed0 | ~lab_caps->cr4_fixed1;
	if (ok && err)
		ok = why_not(why, sizeof(why), "vm_setup_exits() returned %d (%s)", err, hv_strerror(err));
	else if (ok && (proc & (CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING)) !=
			       (CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING))
		ok = why_not(why, sizeof(why), "CPU_BASED_VM_EXEC_CONTROL is %#lx: HLT (lab 4) or port I/O "
			     "would not exit", proc);
	else if (ok && ((proc | lab_caps->procbased.allowed0) != proc ||
			(proc & lab_caps->procbased.allowed1) != proc))
		ok = why_not(why, sizeof(why), "CPU_BASED_VM_EXEC_CONTROL %#lx does not fit the capability "
			     "MSR (use vmx_adjust_ctls())", proc);
	else if (ok && !(bitmap & BIT(VEC_BP)))
		ok = why_not(why, sizeof(why), "EXCEPTION_BITMAP is %#lx: the guest's INT3 would not exit", bitmap);
	else if (ok && ((m0 & pinned0) != pinned0 || (m4 & pinned4) != pinned4))
		ok = why_not(why, sizeof(why), "the CR0/CR4 guest/host masks %#lx/%#lx leave the guest a bit "
			     "that VMX operation pins (IA32_VMX_CR%u_FIXED0/1)", m0, m4,
			     (m0 & pinned0) != pinned0 ? 0 : 4);
	else if (ok && s0 != cr0)
		ok = why_not(why, sizeof(why), "CR0 read shadow %#lx: the guest would read a CR0 other than "
			     "GUEST_CR0 %#lx, its own", s0, cr0);
	else if (ok && (s4 & CR4_VMXE))
		ok = why_not(why, sizeof(why), "CR4 read shadow %#lx: the guest would see CR4.VMXE", s4);
	else if (ok && s4 != (cr4 & ~CR4_VMXE))
		ok = why_not(why, sizeof(why), "CR4 read shadow %#lx: the guest would read a CR4 other than "
			     "GUEST_CR4 %#lx, its own, in a bit other than VMXE", s4, cr4);
	check("setup", ok, "%s", why);
	prereq_vm_free(&vm);
}

struct inject_call {
	u8 vector;
	bool has_error;
	u32 error;
};

static void call_inject(void *p)
{
	struct inject_call *c = p;
	vmx_inject_exception(c->vector, c->has_error, c->error);
}

/* Why info and code (what vmx_inject_exception() left) do not deliver c: false, with why. */
static bool inject_ok(const struct inject_call *c, u64 info, u64 code, char *why, size_t n)
{
	const char *wrong = NULL;
	if (!(info & INTR_INFO_VALID_MASK))
		wrong = "it is not valid: the entry injects nothing";
	else if ((info & INTR_INFO_VECTOR_MASK) != c->vector)
		wrong = "its vector is another";
	else if ((info & INTR_INFO_INTR_TYPE_MASK) != INTR_TYPE_HARD_EXCEPTION)
		wrong = "its interruption type is not hardware exception";
	else if (!(info & INTR_INFO_DELIVER_CODE_MASK) != !c->has_error)
		wrong = c->has_error ? "it would deliver no error code" : "it would deliver an error code";
	else if (info & ~(u64)(INTR_INFO_VALID_MASK | INTR_INFO_DELIVER_CODE_MASK | INTR_INFO_INTR_TYPE_MASK |
			       INTR_INFO_VECTOR_MASK))
		wrong = "it sets reserved bits";
	else if (c->has_error && code != c->error)
		wrong = "VM_ENTRY_EXCEPTION_ERROR_CODE is another";
	if (!wrong)
		return true;
	return why_not(why, n, "vmx_inject_exception(%s, %s, %#x) left VM_ENTRY_INTR_INFO_FIELD %#lx, "
		       "error code %#lx: %s (SDM Vol. 3C, 25.8.3)", trap_mnemonic(c->vector),
		       c->has_error ? "true" : "false", c->error, info, code, wrong);
}

static void check_inject(void)
{
	static const struct inject_call cases[] = {
		{ VEC_GP, true, 0x1234 },
		{ VEC_UD, false, 0 },
	};
	char why[200] = "";
	struct prereq_vm vm;
	bool ok = true;

	if (!prereq_vm_new(&vm, lab_caps, &guest_hello))
		return;
	for (size_t i = 0; ok && i < ARRAY_SIZE(cases); i++) {
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
		ok = harness_call("vmx_inject_exception()", call_inject, (void *)&cases[i], why, sizeof(why)) &&
		     inject_ok(&cases[i], vmcs_read(VM_ENTRY_INTR_INFO_FIELD),
			       vmcs_read(VM_ENTRY_EXCEPTION_ERROR_CODE), why, sizeof(why));
	}
	check("inject", ok, "%s", why);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	prereq_vm_free(&vm);
}

static void check_hypercall(void)
{
	struct run *r = &run_a;
	u64 n = harness_nonce();
	char line[96];
	ksnprintf(line, sizeof(line), "the hypervisor says the nonce is %#lx", n);
	bool ok = run_expect(r, &guest_hypercall, 0) &&
		  note_is(r, "hc.nonce", n, "HC_READ of HC_VALUE_NONCE") &&
		  note_is(r, "hc.print", 0, "HC_PRINT's result") && printed(r, line) &&
		  note_is(r, "hc.print_long", (u64)-HV_EINVAL, "HC_PRINT of 257 bytes") &&
		  note_is(r, "hc.bad_value", (u64)-HV_EINVAL, "HC_READ of an unknown value") &&
		  note_is(r, "hc.unknown", (u64)-HV_ENOSYS, "an unknown hypercall");
	if (ok && (!r->g.v.shutdown || r->g.v.shutdown_code != (n & 0x7F)))
		ok = why_not(r->g.why, sizeof(r->g.why), "after HC_SHUTDOWN with code %#lx, shutdown is %d and "
			     "shutdown_code %#lx", n & 0x7F, r->g.v.shutdown, r->g.v.shutdown_code);
	check("hypercall", ok, "%s", r->g.why);

	ok = r->g.ran && vmx_exit_stats()->entries > 1 && r->g.ret == 0;
	if (!ok && r->g.ran)
		why_not(r->g.why, sizeof(r->g.why), "vm_run() returned %d after %lu VM entries", r->g.ret,
			vmx_exit_stats()->entries);
	check("resume", ok, "%s", r->g.why);
}

static void check_cpuid(void)
{
	struct run *r = &run_a;
	static const u32 subleaves[][2] = GUEST_CPUID_SUBLEAVES;
	struct cpuid_regs one = cpuid(1, 0), zero = cpuid(0, 0);
	u32 sig[3];
	memcpy(sig, CPUID_HV_SIGNATURE, sizeof(sig));
	bool ok = run_expect(r, &guest_cpuid, 0) &&
		  note_is(r, "cpuid.hv.eax", CPUID_HV_LEAF, "CPUID 0x40000000 EAX") &&
		  note_is(r, "cpuid.hv.ebx", sig[0], "CPUID 0x40000000 EBX") &&
		  note_is(r, "cpuid.hv.ecx", sig[1], "CPUID 0x40000000 ECX") &&
		  note_is(r, "cpuid.hv.edx", sig[2], "CPUID 0x40000000 EDX") &&
		  note_is(r, "cpuid.1.ecx", (one.ecx & ~CPUID_1_ECX_VMX) | CPUID_1_ECX_HYPERVISOR,
			  "CPUID 1 ECX (VMX clear, bit 31 set, the rest the processor's)") &&
		  note_is(r, "cpuid.0.eax", zero.eax, "CPUID 0 EAX (the processor's)") &&
		  note_is(r, "cpuid.0.ebx", zero.ebx, "CPUID 0 EBX (the processor's)") &&
		  exits_are(r, EXIT_REASON_CPUID, 3 + ARRAY_SIZE(subleaves));
	check("cpuid", ok, "%s", r->g.why);

	static const char *const regs[4] = { "rax", "rbx", "rcx", "rdx" };
	ok = r->g.ran && r->g.ret == 0;
	for (size_t i = 0; ok && i < ARRAY_SIZE(subleaves); i++) {
		struct cpuid_regs c = cpuid(subleaves[i][0], subleaves[i][1]);
		u64 want[4] = { c.eax, c.ebx, c.ecx, c.edx }, got = 0;
		for (size_t j = 0; ok && j < 4; j++) {
			char key[32];
			ksnprintf(key, sizeof(key), "cpuid.sub%zu.%s", i, regs[j]);
			ok = note(r, key, &got);
			if (ok && got != want[j])
				ok = why_not(r->g.why, sizeof(r->g.why), "CPUID leaf %#x with ECX = %u (a sub-leaf): "
					     "the guest's %s is %#lx, want %#lx, the processor's answer for that "
					     "sub-leaf with bits 63:32 clear", subleaves[i][0], subleaves[i][1],
					     regs[j], got, want[j]);
		}
	}
	check("cpuid_subleaf", ok, "%s", r->g.why);
}

static void check_rip(void)
{
	struct run *r = &run_a;
	u64 want = 0;
	bool ok = run_expect(r, &guest_hlt, 0) && note(r, "hlt.want", &want) &&
		  note_is(r, "hlt.done", want, "HLTs completed") && exits_are(r, EXIT_REASON_HLT, want);
	check("rip", ok, "%s", r->g.why);
}

static void check_io(void)
{
	struct run *r = &run_a;
	u64 n = harness_nonce(), pattern = 0x1122334455667788ULL ^ n;
	char l1[64], l2[64];
	int len = ksnprintf(l1, sizeof(l1), "hello over COM1, nonce %#lx", n) +
		  ksnprintf(l2, sizeof(l2), "%lu is the nonce in decimal", n) + 2;
	bool ok = run_expect(r, &guest_io, 0) && printed(r, l1) && printed(r, l2);
	if (ok && r->g.v.com1.bytes != (u64)len)
		ok = why_not(r->g.why, sizeof(r->g.why), "the emulated COM1 received %lu bytes, want %d",
			     r->g.v.com1.bytes, len);
	check("io_out", ok, "%s", r->g.why);

	ok = r->g.ran && r->g.ret == 0 &&
	     note_is(r, "io.in8", (pattern & ~0xFFULL) | 0xFF, "RAX after IN AL from an unknown port") &&
	     note_is(r, "io.in16", (pattern & ~0xFFFFULL) | 0xFFFF, "RAX after IN AX") &&
	     note_is(r, "io.in32", 0xFFFFFFFF, "RAX after IN EAX (bits 63:32 cleared)");
	check("io_in", ok, "%s", r->g.why);

	r = &run_b;
	ok = run_guest(r, &guest_outs, ENTRY_LIMIT);
	u64 went_on = 0;
	if (ok && r->g.ret != -HV_EEXIT)
		ok = why_not(r->g.why, sizeof(r->g.why), "after OUTSB (string I/O, qualification bit 4), vm_run() "
			     "returned %d (%s)%s; want -HV_EEXIT: this lab does not emulate INS/OUTS, so they are "
			     "unhandled exits", r->g.ret, hv_strerror(r->g.ret),
			     guest_note_get("outs.went_on", &went_on) ? " and the guest went on" : "");
	else if (ok && !strstr(r->said, "EXIT_REASON_IO_INSTRUCTION"))
		ok = why_not(r->g.why, sizeof(r->g.why), "OUTSB stopped the VM, but the report does not name "
			     "EXIT_REASON_IO_INSTRUCTION");
	check("io_string", ok, "%s", r->g.why);
}

static void check_msr(void)
{
	struct run *r = &run_a;
	u64 want = 0;
	bool ok = run_expect(r, &guest_msr, 0) && note(r, "msr.esp_want", &want) &&
		  note_is(r, "msr.wr_esp", GUEST_NO_FAULT, "WRMSR IA32_SYSENTER_ESP (0xFF: no exception)") &&
		  note_is(r, "msr.rd_esp", GUEST_NO_FAULT, "RDMSR IA32_SYSENTER_ESP (0xFF: no exception)") &&
		  note_is(r, "msr.esp", want, "IA32_SYSENTER_ESP read back") &&
		  note_is(r, "msr.esp_rax", (u32)want, "RAX after RDMSR IA32_SYSENTER_ESP (bits 31:0 of the "
			  "value, bits 63:32 cleared; the guest had put garbage there)") &&
		  note_is(r, "msr.esp_rdx", want >> 32, "RDX after RDMSR IA32_SYSENTER_ESP (bits 63:32 of the "
			  "value, bits 63:32 cleared; the guest had put garbage there)");
	if (ok && r->sysenter_esp != want)
		ok = why_not(r->g.why, sizeof(r->g.why), "GUEST_SYSENTER_ESP is %#lx, want %#lx: the write must "
			     "land in the VMCS", r->sysenter_esp, want);
	ok = ok && note_is(r, "msr.featctl", FEAT_CTL_LOCKED, "IA32_FEATURE_CONTROL (locked, VMX off)");
	check("msr", ok, "%s", r->g.why);

	ok = r->g.ran && r->g.ret == 0 &&
	     note_is(r, "msr.wr_featctl", GUEST_FAULT(VEC_GP, 0), "WRMSR to IA32_FEATURE_CONTROL, which is "
		     "locked (vector | error << 8; 0xFF: no exception)") &&
	     note_is(r, "msr.wr_featctl_rip", 1, "#GP reported at the WRMSR itself (RIP not advanced)");
	check("msr_locked", ok, "%s", r->g.why);

	ok = r->g.ran && r->g.ret == 0 &&
	     note_is(r, "msr.rd_unknown", GUEST_FAULT(VEC_GP, 0), "RDMSR of an unknown MSR (vector | error << 8)") &&
	     note_is(r, "msr.rd_unknown_rip", 1, "#GP reported at the RDMSR itself (RIP not advanced)") &&
	     note_is(r, "msr.wr_unknown", GUEST_FAULT(VEC_GP, 0), "WRMSR of an unknown MSR (vector | error << 8)") &&
	     note_is(r, "msr.wr_unknown_rip", 1, "#GP reported at the WRMSR itself (RIP not advanced)");
	check("msr_gp", ok, "%s", r->g.why);

	ok = r->g.ran && r->g.ret == 0 && note(r, "msr.eip_want", &want) &&
	     note_is(r, "msr.wr_eip_high", GUEST_NO_FAULT, "WRMSR IA32_SYSENTER_EIP of a canonical address "
		     "in the upper half, bits 63:47 set (0xFF: no exception)") &&
	     note_is(r, "msr.wr_noncanonical", GUEST_FAULT(VEC_GP, 0), "WRMSR of a non-canonical IA32_SYSENTER_EIP") &&
	     note_is(r, "msr.wr_noncanonical_rip", 1, "#GP reported at the WRMSR itself") &&
	     note_is(r, "msr.eip", want, "IA32_SYSENTER_EIP read back after the upper-half write and the "
		     "refused non-canonical one");
	if (ok && r->sysenter_eip != want)
		ok = why_not(r->g.why, sizeof(r->g.why), "GUEST_SYSENTER_EIP is %#lx, want %#lx: the write must "
			     "land in the VMCS", r->sysenter_eip, want);
	check("msr_canonical", ok, "%s", r->g.why);
}

static void check_cr(void)
{
	struct run *r = &run_a;
	u64 cr0 = 0;
	u64 cr4 = 0;
	bool ok = run_expect(r, &guest_cr, 0) && note(r, "cr.cr4", &cr4);
	if (ok && (cr4 & CR4_VMXE))
		ok = why_not(r->g.why, sizeof(r->g.why), "the guest read CR4 = %#lx: VMXE shows", cr4);
	ok = ok && note_is(r, "cr.vmxe", GUEST_FAULT(VEC_GP, 0), "setting CR4.VMXE (vector | error << 8)") &&
	     note(r, "cr.cr0", &cr0) &&
	     note_is(r, "cr.cr0_after", cr0 & ~CR0_NE, "CR0 after clearing NE");
	if (ok && (!(r->cr0 & CR0_NE) || r->cr0_shadow != (cr0 & ~CR0_NE)))
		ok = why_not(r->g.why, sizeof(r->g.why), "GUEST_CR0 %#lx, CR0_READ_SHADOW %#lx: want NE set in "
			     "GUEST_CR0 and the shadow = the guest's value %#lx", r->cr0, r->cr0_shadow, (u64)(cr0 & ~CR0_NE));
	check("cr", ok, "%s", r->g.why);

	/*
	 * Guest "cr" writes a value that differs from the read shadow in a bit VMX pins 6
	 * times (VMXE, NE from R13, from RSP and from RAX, VMXE from R10, bit 31): each of
	 * those must exit. Its writes of CR0.TS and CR4.OSXMMEXCPT, and of the CR0 and CR4
	 * it just read, must not: masks that own more than the pinned bits, or shadows
	 * that differ from what the guest reads, make some of them exit.
	 */
	const u64 owned_writes = 6;
	u64 pinned0 = lab_caps->cr0_fixed0 | ~lab_caps->cr0_fixed1;
	u64 pinned4 = lab_caps->cr4_fixed0 | ~lab_caps->cr4_fixed1;
	u64 toggles = 0, exits = vmx_exit_stats()->exits[EXIT_REASON_CR_ACCESS];
	ok = r->g.ran && r->g.ret == 0 && note(r, "cr.toggles", &toggles);
	if (ok && ((pinned0 & GUEST_CR0_FREE_BIT) || (pinned4 & GUEST_CR4_FREE_BIT)))
		ok = why_not(r->g.why, sizeof(r->g.why), "not checkable: this CPU pins CR0.TS or CR4.OSXMMEXCPT");
	else if (ok && exits > owned_writes)
		ok = why_not(r->g.why, sizeof(r->g.why), "%lu CR-access VM exits, want %lu: some of the writes "
			     "that change only CR0.TS or CR4.OSXMMEXCPT (%lu each way), bits VMX does not pin, or "
			     "that write back the value just read, exited", exits, owned_writes, toggles);
	else if (ok && exits < owned_writes)
		ok = why_not(r->g.why, sizeof(r->g.why), "%lu CR-access VM exits, want %lu: a write that changes "
			     "a bit VMX pins did not exit", exits, owned_writes);
	check("cr_masks", ok, "%s", r->g.why);

	ok = r->g.ran && r->g.ret == 0 && note(r, "cr.cr0", &cr0) &&
	     note_is(r, "cr.r13", cr0 & ~CR0_NE, "CR0 after MOV to CR0 from R13 (register 13 in the "
		     "qualification's 4-bit field; RBP held another value)") &&
	     note_is(r, "cr.rsp", cr0, "CR0 after MOV to CR0 from RSP (register 4: its value is GUEST_RSP)") &&
	     note_is(r, "cr.r10", GUEST_FAULT(VEC_GP, 0), "MOV to CR4 from R10 setting VMXE (RDX held a "
		     "valid value; vector | error << 8, 0xFF: no exception)");
	check("cr_regs", ok, "%s", r->g.why);

	ok = r->g.ran && r->g.ret == 0;
	if (ok && (lab_caps->cr4_fixed1 & GUEST_CR4_UNSUPPORTED_BIT))
		ok = why_not(r->g.why, sizeof(r->g.why), "not checkable: this CPU allows CR4 bit 31");
	ok = ok && note_is(r, "cr.unsupported", GUEST_FAULT(VEC_GP, 0), "MOV to CR4 setting bit 31, which "
			   "IA32_VMX_CR4_FIXED1 says must be 0 (vector | error << 8; 0xFF: no exception)");
	check("cr4_fixed1", ok, "%s", r->g.why);
}

static void check_vmx_ud(void)
{
	static const struct {
		const char *key;
		u32 reason;
	} insns[] = {
		{ "vmx.vmxon", EXIT_REASON_VMON }, { "vmx.vmclear", EXIT_REASON_VMCLEAR },
		{ "vmx.vmptrld", EXIT_REASON_VMPTRLD }, { "vmx.vmptrst", EXIT_REASON_VMPTRST },
		{ "vmx.vmread", EXIT_REASON_VMREAD }, { "vmx.vmwrite", EXIT_REASON_VMWRITE },
		{ "vmx.vmlaunch", EXIT_REASON_VMLAUNCH }, { "vmx.vmresume", EXIT_REASON_VMRESUME },
		{ "vmx.vmxoff", EXIT_REASON_VMOFF },
	};
	struct run *r = &run_a;
	bool ok = run_expect(r, &guest_vmx, 0);
	for (size_t i = 0; ok && i < ARRAY_SIZE(insns); i++)
		ok = note_is(r, insns[i].key, GUEST_FAULT(VEC_UD, 0), insns[i].key + 4) &&
		     exits_are(r, insns[i].reason, 1);
	ok = ok && note_is(r, "vmx.at_instruction", ARRAY_SIZE(insns),
			   "VMX instructions whose #UD was reported at the instruction (RIP not advanced)");
	check("vmx_ud", ok, "%s", r->g.why);
}

static void check_breakpoint(void)
{
	struct run *r = &run_a;
	u64 want = 0, other = 0;
	bool ok = run_expect(r, &guest_breakpoint, 0) && note(r, "bp.want", &want) &&
		  exits_are(r, EXIT_REASON_EXCEPTION_NMI, want);
	if (ok && guest_note_get("bp.other", &other))
		ok = why_not(r->g.why, sizeof(r->g.why), "an INT3 %s in the guest (vector | error << 8: %#lx), "
			     "want the guest's own #BP handler to run", other == GUEST_NO_FAULT ? "raised nothing" :
			     "raised another exception", other);
	ok = ok && note_is(r, "bp.reached", want, "INT3s that reached the guest's own #BP handler");
	if (ok && r->g.v.breakpoints != want)
		ok = why_not(r->g.why, sizeof(r->g.why), "v->breakpoints is %lu, want %lu", r->g.v.breakpoints, want);
	check("breakpoint", ok, "%s", r->g.why);

	u64 off = 0;
	ok = r->g.ran && r->g.ret == 0 && note(r, "bp.returns_after", &off);
	if (ok && off != want && guest_note_get("bp.rip_off", &off))
		ok = why_not(r->g.why, sizeof(r->g.why), "the guest's #BP handler would return to %+ld bytes from "
			     "the instruction after the INT3 (want 0: INT3 is a trap, and returns after itself)",
			     (s64)off);
	else
		ok = ok && note_is(r, "bp.returns_after", want, "INT3s whose handler returns after the INT3");
	check("breakpoint_rip", ok, "%s", r->g.why);
}

static void check_triple_fault(void)
{
	struct run *r = &run_a;
	bool ok = run_expect(r, &guest_triple_fault, -HV_ECRASH) &&
		  exits_are(r, EXIT_REASON_TRIPLE_FAULT, 1);
	if (ok && !strstr(r->said, "triple"))
		ok = why_not(r->g.why, sizeof(r->g.why), "nothing printed says \"triple\" fault");
	if (ok && !run_expect(&run_b, &guest_cpuid, 0))
		ok = why_not(r->g.why, sizeof(r->g.why), "the next guest, after the crash: %s", run_b.g.why);
	check("triple_fault", ok, "%s", r->g.why);
}

static void check_unhandled(void)
{
	struct run *r = &run_a;
	bool ok = run_expect(r, &guest_invd, -HV_EEXIT);
	static const char *const want[] = { "EXIT_REASON_INVD", "qualification", "VMCS dump",
					    "guest registers:" };
	for (size_t i = 0; ok && i < ARRAY_SIZE(want); i++)
		if (!strstr(r->said, want[i]))
			ok = why_not(r->g.why, sizeof(r->g.why), "the report of the unhandled exit lacks \"%s\"", want[i]);
	check("unhandled", ok, "%s", r->g.why);
}

void lab6_vmx(struct prereq *p)
{
	lab_caps = &p->caps;
	check_setup();
	check_inject();
	check_hypercall();
	check_cpuid();
	check_rip();
	check_io();
	check_msr();
	check_cr();
	check_vmx_ud();
	check_breakpoint();
	check_triple_fault();
	check_unhandled();
}

/* The benchmark: VM-exit round trips in guest TSC ticks, printed for grader/bench.py. */
void lab6_bench(struct prereq *p)
{
	static const char *const kinds[] = { "cpuid", "vmcall", "io", "rdmsr" };
	struct run *r = &run_a;

	lab_caps = &p->caps;
	if (!run_guest(r, &guest_bench, 100000) || r->g.ret) {
		harness_abort("the bench guest did not finish: %s", r->g.why);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		char key[32];
		u64 ticks = 0;
		ksnprintf(key, sizeof(key), "bench.%s", kinds[i]);
		guest_note_get(key, &ticks);
		kprintf("BENCH: %s %lu ticks per VM-exit round trip\n", kinds[i], ticks);
	}
}
