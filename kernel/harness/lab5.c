/*
 * Lab 5 harness: the student's vmx_launch() on a good VMCS (the guest's first
 * instruction must exit, at the right RIP, with the right length) and on VMCSs
 * the harness breaks on purpose, one field each, where every failure must be
 * reported by its name. After each failure the kernel's vmcs_check() explains
 * it in plain words. One more VM-entry failure comes from MSR loading (reason 34),
 * with the failing entry second in the list and a guest RIP above 4 GiB, so that
 * its qualification and the full 64-bit RIP must be read. Labs 1-4 run first.
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

/*
 * A VM-entry failure in MSR loading (SDM Vol. 3C, 27.4 "Loading MSRs"): the VM-entry
 * MSR-load area holds two entries, the second for IA32_FS_BASE, which an entry may not
 * load ("the value of the index field is C0000100H"), so the VM entry fails with exit
 * reason 34, "VM-entry failure due to MSR loading", and the exit qualification is the
 * failing entry's index counted from 1 (27.8 "VM-Entry Failures During or After
 * Loading Guest State"): 2. The guest-state area is not saved on such a failure, so
 * GUEST_RIP keeps the harness's value, a canonical address above 4 GiB: its upper half
 * must reach *exit too (GUEST_RIP is a natural-width field, SDM Vol. 3C, 25.11.2
 * "VMREAD, VMWRITE, and Encodings of VMCS Fields").
 */
#define MSR_LOAD_BAD_ENTRY 2

/* True if the line that starts at s (NULL: none) holds the character digit. */
static bool names_digit_on_line(const char *s, char digit)
{
	for (; s && *s && *s != '\n'; s++)
		if (*s == digit)
			return true;
	return false;
}
#define HIGH_GUEST_RIP 0x00007F5A5A5A1000ULL

struct msr_entry {
	u32 index, reserved;
	u64 value;
};

static void check_msr_load_failure(void)
{
	char why[256] = "";
	struct call c = { 0 };
	struct prereq_vm vm;
	struct msr_entry *area = page_alloc();

	if (!area) {
		harness_abort("out of pages before the MSR-loading failure");
		return;
	}
	if (!prereq_vm_new(&vm, lab_caps, &guest_hello)) {
		page_free(area);
		return;
	}
	area[0] = (struct msr_entry){ MSR_IA32_SYSENTER_CS, 0, rdmsr(MSR_IA32_SYSENTER_CS) };
	area[1] = (struct msr_entry){ MSR_FS_BASE, 0, 0 };
	vmcs_write(VM_ENTRY_MSR_LOAD_ADDR, (u64)area);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 2);
	vmcs_write(GUEST_RIP, HIGH_GUEST_RIP);
	kprintf("VM-entry MSR-load area on purpose: entry 1 IA32_SYSENTER_CS, entry 2 IA32_FS_BASE; "
		"guest RIP %#lx\n", (u64)HIGH_GUEST_RIP);
	u32 want_reason = VMX_EXIT_REASON_FAILED_VMENTRY | EXIT_REASON_MSR_LOAD_FAIL;

	bool ok = launch(&c, why, sizeof(why));
	u64 reason = vmcs_read(VM_EXIT_REASON), rip = vmcs_read(GUEST_RIP);
	const char *q = strstr(c.said, "qualification");
	bool ran = ok;
	if (ok && c.ret == 0)
		ok = why_not(why, sizeof(why), "vmx_launch() returned 0 (HV_OK) on exit reason %#lx, want "
			     "-HV_EENTRY: bit 31 of the exit reason, not reason 33 alone, marks a failed "
			     "VM entry", reason);
	else if (ok && c.ret != -HV_EENTRY)
		ok = why_not(why, sizeof(why), "vmx_launch() returned %d (%s), want -7 (HV_EENTRY)",
			     c.ret, hv_strerror(c.ret));
	else if (ok && (c.exit.reason != want_reason || c.exit.qualification != MSR_LOAD_BAD_ENTRY))
		ok = why_not(why, sizeof(why), "*exit is {reason %#x, qualification %#lx}, want {%#x, %u}: "
			     "for MSR loading, the qualification is the failing entry's number",
			     c.exit.reason, c.exit.qualification, want_reason, MSR_LOAD_BAD_ENTRY);
	else if (ok && !strstr(c.said, "EXIT_REASON_MSR_LOAD_FAIL"))
		ok = why_not(why, sizeof(why), "the failure was not reported by name: "
			     "\"EXIT_REASON_MSR_LOAD_FAIL\" was not printed");
	else if (ok && !names_digit_on_line(q, '0' + MSR_LOAD_BAD_ENTRY))
		ok = why_not(why, sizeof(why), "the report does not give the qualification (%u) after the "
			     "word \"qualification\"", MSR_LOAD_BAD_ENTRY);
	check("entry_failure_msr", ok, "%s", why);

	ok = ran && c.exit.guest_rip == rip;
	if (ran && !ok)
		why_not(why, sizeof(why), "*exit has guest RIP %#lx, the VMCS says %#lx: GUEST_RIP is "
			"natural-width, keep all 64 bits", c.exit.guest_rip, rip);
	check("rip_64", ok, "%s", why);
	prereq_vm_free(&vm);
	page_free(area);
}

void lab5_vmx(struct prereq *p)
{
	lab_caps = &p->caps;
	check_first_exit();
	for (size_t i = 0; i < ARRAY_SIZE(failures); i++)
		check_failure(&failures[i]);
	check_msr_load_failure();
}
