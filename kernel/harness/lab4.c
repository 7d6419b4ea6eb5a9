/*
 * Lab 4 harness: the student's VMCS, read back field by field, judged by the
 * rules (vmcs_check()), and finally entered: the harness launches it and the
 * guest's first instruction must come back as a CPUID exit. Labs 1-3 run first.
 * Scenario "checker" (maintainers', hidden) validates vmcs_check() itself
 * against the processor: see lab4_checker.c.
 */
#include "errno.h"
#include "gdt.h"
#include "guest.h"
#include "harness.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "vmxroot.h"
#include "x86.h"

struct call {
	const struct vmx_caps *caps;
	void *vmcs, *stack;
	int ret;
	u32 wanted, adjusted;
	struct vmx_ctl_cap cap;
};

static void call_adjust(void *p)
{
	struct call *c = p;
	c->adjusted = vmx_adjust_ctls(c->wanted, &c->cap);
}

static void call_setup(void *p)
{
	struct call *c = p;
	c->ret = vmcs_setup(c->caps, &guest_hello, &c->vmcs, &c->stack);
}

static void call_load(void *p)
{
	struct call *c = p;
	c->ret = vmcs_load_new(c->caps, &c->vmcs);
}

static void call_host(void *p)
{
	struct call *c = p;
	c->ret = vmcs_setup_host();
}

static void call_guest(void *p)
{
	struct call *c = p;
	c->ret = vmcs_setup_guest(&guest_hello, (u64)c->stack + PAGE_SIZE);
}

static void call_controls(void *p)
{
	struct call *c = p;
	c->ret = vmcs_setup_controls(c->caps);
}

static void check_adjust(void)
{
	/* wanted, allowed0, allowed1, want */
	static const u32 cases[][4] = {
		{ 0x00000000, 0x00000016, 0x0000007F, 0x00000016 },
		{ 0x00000080, 0x04006172, 0xF7F9FFFE, 0x040061F2 },
		{ 0xFFFFFFFF, 0x00000000, 0x0000FFFF, 0x0000FFFF },
		{ 0x80000001, 0x00000000, 0x7FFFFFFE, 0x00000000 },
	};
	char why[160] = "";
	bool ok = true;

	for (size_t i = 0; ok && i < ARRAY_SIZE(cases); i++) {
		struct call c = { .wanted = cases[i][0], .cap = { cases[i][1], cases[i][2] } };
		if (!harness_call("vmx_adjust_ctls()", call_adjust, &c, why, sizeof(why)))
			ok = false;
		else if (c.adjusted != cases[i][3])
			ok = why_not(why, sizeof(why), "vmx_adjust_ctls(%#x, {%#x, %#x}) = %#x, want %#x",
				     c.wanted, c.cap.allowed0, c.cap.allowed1, c.adjusted, cases[i][3]);
	}
	check("adjust", ok, "%s", why);
}

/* Compares a VMCS field with the value the running kernel implies; false with a reason if they differ. */
static bool field_is(u32 field, u64 want, char *why, size_t size)
{
	u64 got;
	if (!vmcs_try_read(field, &got))
		return why_not(why, size, "VMREAD of %s failed", vmcs_field_name(field));
	if (got != want)
		return why_not(why, size, "%s is %#lx, want %#lx", vmcs_field_name(field), got, want);
	return true;
}

static bool loaded_ok(const struct call *c, char *why, size_t size)
{
	u32 revision = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK;
	u64 current = 0;
	struct guest_regs regs = { 0 };
	u64 err = 0;
	bool ok = true;

	vmx_vmptrst(&current);
	if (current != (u64)c->vmcs)
		ok = why_not(why, size, "the current VMCS is %#lx, want your region %p", current,
			     c->vmcs);
	else if (*(u32 *)c->vmcs != revision)
		ok = why_not(why, size, "the region starts with %#x, want the revision id %#x",
			     *(u32 *)c->vmcs, revision);
	/* Clear, not launched: VMRESUME must fail with error 5 before checking anything else. */
	else if (vmx_enter_guest(&regs, true) != VMX_FAIL_VALID ||
		 !vmcs_try_read(VM_INSTRUCTION_ERROR, &err) || err != VMXERR_VMRESUME_NONLAUNCHED_VMCS)
		ok = why_not(why, size, "the VMCS is not in the clear state (VMRESUME did not "
			     "fail with error 5; error %lu)", err);
	return ok;
}

static bool host_ok(const struct call *c, char *why, size_t size)
{
	struct dtr gdtr, idtr;
	(void)c;
	sgdt(&gdtr);
	sidt(&idtr);
	bool ok = field_is(HOST_CR0, read_cr0(), why, size) &&
		  field_is(HOST_CR3, read_cr3(), why, size) &&
		  field_is(HOST_CR4, read_cr4(), why, size) &&
		  field_is(HOST_CS_SELECTOR, read_cs(), why, size) &&
		  field_is(HOST_SS_SELECTOR, read_ss(), why, size) &&
		  field_is(HOST_DS_SELECTOR, read_ds(), why, size) &&
		  field_is(HOST_ES_SELECTOR, read_es(), why, size) &&
		  field_is(HOST_FS_SELECTOR, read_fs(), why, size) &&
		  field_is(HOST_GS_SELECTOR, read_gs(), why, size) &&
		  field_is(HOST_TR_SELECTOR, read_tr(), why, size) &&
		  field_is(HOST_FS_BASE, rdmsr(MSR_FS_BASE), why, size) &&
		  field_is(HOST_GS_BASE, rdmsr(MSR_GS_BASE), why, size) &&
		  field_is(HOST_TR_BASE, gdt_tss_base(), why, size) &&
		  field_is(HOST_GDTR_BASE, gdtr.base, why, size) &&
		  field_is(HOST_IDTR_BASE, idtr.base, why, size) &&
		  field_is(HOST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS), why, size) &&
		  field_is(HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP), why, size) &&
		  field_is(HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP), why, size) &&
		  field_is(HOST_RIP, (u64)vmx_exit_stub, why, size);
	return ok;
}

static bool guest_ok(const struct call *c, char *why, size_t size)
{
	bool ok = field_is(GUEST_RIP, (u64)guest_hello.entry, why, size) &&
		  field_is(GUEST_RSP, (u64)c->stack + PAGE_SIZE, why, size) &&
		  field_is(GUEST_CR3, read_cr3(), why, size) &&
		  field_is(GUEST_CS_SELECTOR, SEL_CODE64, why, size) &&
		  field_is(GUEST_TR_SELECTOR, SEL_TSS, why, size) &&
		  field_is(VMCS_LINK_POINTER, ~0ULL, why, size) &&
		  field_is(GUEST_RFLAGS, 0x2, why, size);
	return ok;
}

/* One control field: within its capability (read here from the MSRs) and with the bits the lab needs. */
static bool control_ok(u32 field, enum vmx_ctl ctl, u32 needed, char *why, size_t size)
{
	u64 cap = rdmsr(vmx_ctl_msr(ctl, rdmsr(MSR_IA32_VMX_BASIC)));
	u32 v = (u32)vmcs_read(field);
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);

	if ((v & must1) != must1)
		return why_not(why, size, "%s is %#x: bits %#x must be 1 (allowed-0 settings)",
			       vmcs_field_name(field), v, must1 & ~v);
	if (v & ~may1)
		return why_not(why, size, "%s is %#x: bits %#x must be 0 (allowed-1 settings)",
			       vmcs_field_name(field), v, v & ~may1);
	if ((v & needed) != needed)
		return why_not(why, size, "%s is %#x: the lab needs bits %#x", vmcs_field_name(field),
			       v, needed & ~v);
	return true;
}

static bool controls_ok(const struct call *c, char *why, size_t size)
{
	(void)c;
	bool ok = control_ok(PIN_BASED_VM_EXEC_CONTROL, VMX_CTL_PINBASED, 0, why, size) &&
		  control_ok(CPU_BASED_VM_EXEC_CONTROL, VMX_CTL_PROCBASED, CPU_BASED_HLT_EXITING,
			     why, size) &&
		  control_ok(VM_EXIT_CONTROLS, VMX_CTL_EXIT, VM_EXIT_HOST_ADDR_SPACE_SIZE, why, size) &&
		  control_ok(VM_ENTRY_CONTROLS, VMX_CTL_ENTRY, VM_ENTRY_IA32E_MODE, why, size);
	return ok;
}

/* The kernel's checker walks the SDM's VM-entry rules over the student's VMCS. */
static bool rules_ok(const struct call *c, char *why, size_t size)
{
	(void)c;
	struct vmcs_check_result r = vmcs_check(true);
	if (r.violations)
		return why_not(why, size, "vmcs_check() found %u violated rule(s), the first in the %s "
			       "checks: each is a VMCS CHECK line", r.violations,
			       vmcs_check_kind_name(r.first));
	return true;
}

/* The proof: the processor accepts the VMCS, and the guest's first instruction exits. */
static bool launch_ok(const struct call *c, char *why, size_t size)
{
	struct guest_regs regs = { 0 };
	enum vmx_status s = vmx_enter_guest(&regs, false);
	u64 reason = vmcs_read(VM_EXIT_REASON);
	(void)c;

	if (s != VMX_SUCCEED) {
		u64 err = vmcs_read(VM_INSTRUCTION_ERROR);
		why_not(why, size, "VMLAUNCH failed: %s%s%s", vmx_status_name(s),
			s == VMX_FAIL_VALID ? ", " : "", s == VMX_FAIL_VALID ? vmx_error_text((u32)err) : "");
	} else if (reason & BIT(31)) {
		why_not(why, size, "VM entry failed: exit reason %#lx (%s)", reason,
			vmx_exit_reason_name((u32)reason & 0xFFFF));
	} else if ((reason & 0xFFFF) != EXIT_REASON_CPUID ||
		   vmcs_read(GUEST_RIP) != (u64)guest_hello.entry) {
		why_not(why, size, "the first exit was %s at guest RIP %#lx, want EXIT_REASON_CPUID at %p",
			vmx_exit_reason_name((u32)reason & 0xFFFF), vmcs_read(GUEST_RIP), guest_hello.entry);
	} else {
		kprintf("guest exit: %s at RIP %#lx, instruction length %lu\n",
			vmx_exit_reason_name((u32)reason), vmcs_read(GUEST_RIP),
			vmcs_read(VM_EXIT_INSTRUCTION_LEN));
		return true;
	}
	if (s == VMX_SUCCEED || s == VMX_FAIL_VALID)
		vmcs_dump();
	return false;
}

/*
 * The exercises, one check each and in order: the student's function (if any)
 * must return 0, then the harness verifies what it wrote. The last two judge the
 * VMCS as a whole and run when every function before them returned 0.
 */
static const struct step {
	const char *id, *who;
	void (*call)(void *c);
	bool (*ok)(const struct call *c, char *why, size_t size);
} steps[] = {
	{ "loaded", "vmcs_load_new()", call_load, loaded_ok },
	{ "host", "vmcs_setup_host()", call_host, host_ok },
	{ "guest", "vmcs_setup_guest()", call_guest, guest_ok },
	{ "controls", "vmcs_setup_controls()", call_controls, controls_ok },
	{ "rules", NULL, NULL, rules_ok },
	{ "launch", NULL, NULL, launch_ok },
};

/* Runs one step; *blocked says why the steps after a failed call cannot run. */
static void run_step(const struct step *st, struct call *c, const char **blocked)
{
	static const char after_failure[] = "an exercise before this one faulted or failed";
	char why[192] = "";
	bool ok = false;

	if (*blocked) {
		why_not(why, sizeof(why), "not checked: %s", *blocked);
	} else if (st->call && !harness_call(st->who, st->call, c, why, sizeof(why))) {
		*blocked = after_failure;
	} else if (st->call && c->ret != 0) {
		why_not(why, sizeof(why), "%s returned %d (%s)", st->who, c->ret, hv_strerror(c->ret));
		*blocked = after_failure;
	} else {
		ok = st->ok(c, why, sizeof(why));
	}
	if (!ok && st->call == call_load)
		*blocked = "there is no VMCS: vmcs_load_new() did not make one current";
	check(st->id, ok, "%s", why);
}

/* Exercise 6 on its own: vmcs_setup() on a fresh VMCS, and what it hands back. */
static void check_setup(const struct vmx_caps *caps)
{
	char why[192] = "";
	struct call c = { .caps = caps };
	u64 current = 0;

	bool ok = harness_call("vmcs_setup()", call_setup, &c, why, sizeof(why));
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "vmcs_setup() returned %d (%s)", c.ret, hv_strerror(c.ret));
	else if (ok && vmx_vmptrst(&current) == VMX_SUCCEED && current != (u64)c.vmcs)
		ok = why_not(why, sizeof(why), "the current VMCS is %#lx, not *vmcs %p", current, c.vmcs);
	else if (ok)
		ok = field_is(GUEST_RSP, (u64)c.stack + PAGE_SIZE, why, sizeof(why));
	if (check("setup", ok, "%s", why)) {
		vmx_vmclear((u64)c.vmcs);
		page_free(c.vmcs);
		page_free(c.stack);
	}
}

void lab4_vmx(struct prereq *p)
{
	check_adjust();

	struct call c = { .caps = &p->caps, .stack = page_alloc() };
	const char *blocked = c.stack ? NULL : "out of pages";
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		run_step(&steps[i], &c, &blocked);
	if (c.vmcs) {
		vmx_vmclear((u64)c.vmcs);
		page_free(c.vmcs);
	}
	if (c.stack)
		page_free(c.stack);
	check_setup(&p->caps);
}
