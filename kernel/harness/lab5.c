/*
 * Lab 5 harness: the student's vmx_launch() on a good VMCS (the guest's first
 * instruction must exit, at the right RIP, with the right length) and on VMCSs
 * the harness breaks on purpose, one field each, where every failure must be
 * reported by its name. After each failure the kernel's vmcs_check() explains
 * it in plain words. Labs 1-4 run first.
 */
#include "capture.h"
#include "errno.h"
#include "guest.h"
#include "harness.h"
#include "launch.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "vmxroot.h"
#include "x86.h"

struct call {
	struct guest_regs regs;
	struct vmx_exit exit;
	int ret;
	char said[512];         /* what vmx_launch() printed */
};

static void call_launch(void *p)
{
	struct call *c = p;
	c->ret = vmx_launch(&c->regs, &c->exit);
}

static const struct vmx_caps *lab_caps;

/* Runs vmx_launch() under trap_call(), recording what it printed; false with why if it faulted. */
static bool launch(struct call *c, char *why, size_t size)
{
	capture_begin(c->said, sizeof(c->said));
	bool ran = harness_call("vmx_launch()", call_launch, c, why, size);
	capture_end();
	return ran;
}

static void check_first_exit(void)
{
	char why[192] = "";
	struct call c = { 0 };
	struct prereq_vm vm;

	if (!prereq_vm_new(&vm, lab_caps, &guest_hello))
		return;
	bool ok = launch(&c, why, sizeof(why));
	u64 reason = vmcs_read(VM_EXIT_REASON), rip = vmcs_read(GUEST_RIP);
	u64 len = vmcs_read(VM_EXIT_INSTRUCTION_LEN), qual = vmcs_read(EXIT_QUALIFICATION);
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "vmx_launch() returned %d (%s), want 0 after the first exit",
			     c.ret, hv_strerror(c.ret));
	else if (ok && (reason != EXIT_REASON_CPUID || rip != (u64)guest_hello.entry ||
			len != guest_hello.first_insn_len))
		ok = why_not(why, sizeof(why), "the VMCS says %s at RIP %#lx, length %lu; want "
			     "EXIT_REASON_CPUID at %p, length %u", vmx_exit_reason_name((u32)reason & 0xFFFF),
			     rip, len, guest_hello.entry, guest_hello.first_insn_len);
	check("first_exit", ok, "%s", why);

	ok = c.exit.status == VMX_SUCCEED && c.exit.reason == reason && c.exit.guest_rip == rip &&
	     c.exit.insn_len == len && c.exit.qualification == qual;
	if (!ok)
		why_not(why, sizeof(why), "*exit is {status %d, reason %#x, rip %#lx, len %u, qual %#lx}, "
			"the VMCS says {0, %#lx, %#lx, %lu, %#lx}", c.exit.status, c.exit.reason,
			c.exit.guest_rip, c.exit.insn_len, c.exit.qualification, reason, rip, len, qual);
	check("exit_info", ok, "%s", why);
	prereq_vm_free(&vm);
}

/* One provoked failure: how the VMCS is broken, and what vmx_launch() must return and print. */
struct failure {
	const char *id;
	u32 field;              /* 0: no VMCS at all (VMCLEAR it) */
	u64 (*broken)(u64 good);
	int want_ret;
	enum vmx_status want_status;
	u32 want_error;         /* VMfailValid's error number */
	u32 want_reason;        /* VM-entry failure's exit reason */
	const char *want_said;  /* must appear in what vmx_launch() printed */
};

static u64 clear_rflags_bit1(u64 v) { return v & ~2ULL; }
static u64 zero(u64 v) { (void)v; return 0; }
static u64 drop_must_be_1(u64 v)
{
	u64 cap = rdmsr(vmx_ctl_msr(VMX_CTL_PINBASED, rdmsr(MSR_IA32_VMX_BASIC)));
	return v & ~(u64)(u32)cap;
}

static const struct failure failures[] = {
	{ "entry_failure", GUEST_RFLAGS, clear_rflags_bit1, -HV_EENTRY, VMX_SUCCEED, 0,
	  VMX_EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_INVALID_STATE, "EXIT_REASON_INVALID_STATE" },
	{ "fail_host", HOST_TR_SELECTOR, zero, -HV_EVMXFAIL, VMX_FAIL_VALID, VMXERR_ENTRY_INVALID_HOST_STATE_FIELD,
	  0, "invalid host-state field" },
	{ "fail_control", PIN_BASED_VM_EXEC_CONTROL, drop_must_be_1, -HV_EVMXFAIL, VMX_FAIL_VALID,
	  VMXERR_ENTRY_INVALID_CONTROL_FIELD, 0, "invalid control field" },
	{ "fail_invalid", 0, NULL, -HV_EVMXFAIL, VMX_FAIL_INVALID, 0, 0, "VMfailInvalid" },
};

static void check_failure(const struct failure *f)
{
	char why[256] = "";
	struct call c = { 0 };
	struct prereq_vm vm;

	if (!prereq_vm_new(&vm, lab_caps, &guest_hello))
		return;
	if (f->field) {
		u64 good = vmcs_read(f->field);
		vmcs_write(f->field, f->broken(good));
		kprintf("broke %s on purpose: %#lx -> %#lx\n", vmcs_field_name(f->field), good,
			f->broken(good));
	} else {
		vmx_vmclear((u64)vm.vmcs);
		kprintf("VMCLEARed the VMCS on purpose: no current VMCS\n");
	}
	bool ok = launch(&c, why, sizeof(why));
	if (ok && c.ret != f->want_ret)
		ok = why_not(why, sizeof(why), "vmx_launch() returned %d (%s), want %d (%s)", c.ret,
			     hv_strerror(c.ret), f->want_ret, hv_strerror(f->want_ret));
	else if (ok && (c.exit.status != f->want_status ||
			(f->want_status == VMX_FAIL_VALID && c.exit.error != f->want_error) ||
			(f->want_reason && c.exit.reason != f->want_reason)))
		ok = why_not(why, sizeof(why), "*exit is {status %s, error %u, reason %#x}, want {%s, %u, %#x}",
			     vmx_status_name(c.exit.status), c.exit.error, c.exit.reason,
			     vmx_status_name(f->want_status), f->want_error, f->want_reason);
	else if (ok && !strstr(c.said, f->want_said))
		ok = why_not(why, sizeof(why), "the failure was not reported by name: \"%s\" was not printed",
			     f->want_said);
	check(f->id, ok, "%s", why);
	if (f->field) {
		kprintf("vmcs_check explains:\n");
		vmcs_check(true);
	}
	prereq_vm_free(&vm);
}

void lab5_vmx(struct prereq *p)
{
	lab_caps = &p->caps;
	check_first_exit();
	for (size_t i = 0; i < ARRAY_SIZE(failures); i++)
		check_failure(&failures[i]);
}
