/*
 * Lab 4 harness: the student's VMCS, read back field by field, judged by the
 * rules (vmcs_check()), and finally entered: the harness launches it and the
 * guest's first instruction must come back as a CPUID exit. Labs 1-3 run first.
 *
 * So that no value is right by accident, the harness (1) fills every writable
 * field of the new VMCS with a filler pattern before the student's set-up
 * functions run: a field they never write keeps it; (2) runs them on a kernel
 * whose host state is unlike its usual one: a copy of its PML4 in CR3, CR0.AM and
 * CR4.PCE toggled, FS/GS bases and the SYSENTER MSRs set to distinct non-zero
 * values (all restored afterwards); (3) calls vmcs_setup_controls() once more with
 * made-up capabilities, and once with capabilities that lack a control it needs;
 * (4) calls the pure functions, vmx_adjust_ctls() and vmx_segment_ar(), on made-up
 * capabilities, selectors and descriptors; (5) makes vmcs_load_new() and vmcs_setup() fail part-way
 * (a revision id the processor refuses) and counts the pages they leave behind.
 * Scenario "checker" (maintainers', hidden) validates vmcs_check() itself
 * against the processor: see lab4_checker.c.
 */
#include "capture.h"
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
	u16 selector;
	u64 descriptor;
	u32 ar;
};

static void call_adjust(void *p)
{
	struct call *c = p;
	c->ret = vmx_adjust_ctls(c->wanted, &c->cap, &c->adjusted);
}

static void call_ar(void *p)
{
	struct call *c = p;
	c->ar = vmx_segment_ar(c->selector, c->descriptor);
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

/*
 * vmx_adjust_ctls() on made-up capabilities whose every wanted bit is allowed: the
 * one value the capability accepts that sets the wanted bits and, of the others,
 * only the required ones.
 */
static void check_adjust(void)
{
	/* wanted, allowed0, allowed1, want */
	static const u32 cases[][4] = {
		{ 0x00000000, 0x00000016, 0x0000007F, 0x00000016 },
		{ 0x00000080, 0x04006172, 0xF7F9FFFE, 0x040061F2 },
		{ 0x00000204, 0x000011FB, 0x0000FFFF, 0x000013FF },
		{ 0x80000000, 0x00000001, 0x80000001, 0x80000001 },
	};
	char why[160] = "";
	bool ok = true;

	for (size_t i = 0; ok && i < ARRAY_SIZE(cases); i++) {
		struct call c = { .wanted = cases[i][0], .cap = { cases[i][1], cases[i][2] } };
		if (!harness_call("vmx_adjust_ctls()", call_adjust, &c, why, sizeof(why)))
			ok = false;
		else if (c.ret != 0)
			ok = why_not(why, sizeof(why), "vmx_adjust_ctls(%#x, {%#x, %#x}) returned %d (%s), want 0: "
				     "the capability allows every wanted bit", c.wanted, c.cap.allowed0,
				     c.cap.allowed1, c.ret, hv_strerror(c.ret));
		else if (c.adjusted != cases[i][3])
			ok = why_not(why, sizeof(why), "vmx_adjust_ctls(%#x, {%#x, %#x}) gave %#x, want %#x",
				     c.wanted, c.cap.allowed0, c.cap.allowed1, c.adjusted, cases[i][3]);
	}
	check("adjust", ok, "%s", why);
}

/* vmx_adjust_ctls() when the capability forbids a wanted bit: -HV_EINVAL, *ctl untouched. */
static void check_adjust_refuse(void)
{
	/* wanted, allowed0, allowed1 */
	static const u32 cases[][3] = {
		{ 0x00000080, 0x04006172, 0xF7F9FF7E },
		{ 0xFFFFFFFF, 0x00000000, 0x0000FFFF },
		{ 0x80000001, 0x00000001, 0x7FFFFFFF },
	};
	const u32 untouched = 0x5A5A5A5A;
	char why[192] = "";
	bool ok = true;

	for (size_t i = 0; ok && i < ARRAY_SIZE(cases); i++) {
		struct call c = { .wanted = cases[i][0], .cap = { cases[i][1], cases[i][2] },
				  .adjusted = untouched };
		if (!harness_call("vmx_adjust_ctls()", call_adjust, &c, why, sizeof(why)))
			ok = false;
		else if (c.ret != -HV_EINVAL)
			ok = why_not(why, sizeof(why), "vmx_adjust_ctls(%#x, {%#x, %#x}) returned %d (%s), want "
				     "-HV_EINVAL: the capability forbids wanted bits %#x", c.wanted,
				     c.cap.allowed0, c.cap.allowed1, c.ret, hv_strerror(c.ret),
				     c.wanted & ~c.cap.allowed1);
		else if (c.adjusted != untouched)
			ok = why_not(why, sizeof(why), "vmx_adjust_ctls(%#x, {%#x, %#x}) refused but changed *ctl "
				     "to %#x: leave it alone", c.wanted, c.cap.allowed0, c.cap.allowed1,
				     c.adjusted);
	}
	check("adjust_refuse", ok, "%s", why);
}

/*
 * vmx_segment_ar() on made-up selectors and descriptors (SDM Vol. 3A, 3.4.2, 3.4.5;
 * Vol. 3C, 25.4.1). A null selector must give an unusable segment (the other bits
 * are free); any other, exactly the descriptor's rights in the VMCS format.
 */
static void check_ar(void)
{
	static const struct {
		u16 selector;
		u64 descriptor;
		u32 want;               /* VMX_AR_UNUSABLE: that bit set, the others free */
	} cases[] = {
		{ 0x0008, 0x00AF9B000000FFFFULL, 0xA09B },         /* 64-bit code, G, limit 19:16 = F */
		{ 0x0010, 0x00CF93000000FFFFULL, 0xC093 },         /* flat data, D/B, G */
		{ 0x002B, 0x1255F23456789ABCULL, 0x50F2 },         /* RPL 3; DPL 3 data, AVL, D/B, byte-granular */
		{ 0x0040, 0x00008B0123450067ULL, 0x008B },         /* busy 64-bit TSS: a system segment */
		{ 0x0000, 0x00CF93000000FFFFULL, VMX_AR_UNUSABLE }, /* the null selector */
		{ 0x0003, 0x00CF93000000FFFFULL, VMX_AR_UNUSABLE }, /* null, RPL 3 */
		{ 0x0004, 0x00CF93000000FFFFULL, 0xC093 },         /* TI = 1: entry 0 of an LDT, not null */
	};
	char why[192] = "";
	bool ok = true;

	for (size_t i = 0; ok && i < ARRAY_SIZE(cases); i++) {
		struct call c = { .selector = cases[i].selector, .descriptor = cases[i].descriptor };
		u32 want = cases[i].want;
		if (!harness_call("vmx_segment_ar()", call_ar, &c, why, sizeof(why)))
			ok = false;
		else if (want == VMX_AR_UNUSABLE && !(c.ar & VMX_AR_UNUSABLE))
			ok = why_not(why, sizeof(why), "vmx_segment_ar(%#x, %#lx) = %#x: selector %#x is a null "
				     "selector, so the segment must be unusable", c.selector, c.descriptor,
				     c.ar, c.selector);
		else if (want != VMX_AR_UNUSABLE && c.ar != want)
			ok = why_not(why, sizeof(why), "vmx_segment_ar(%#x, %#lx) = %#x, want %#x", c.selector,
				     c.descriptor, c.ar, want);
	}
	check("ar", ok, "%s", why);
}

/*
 * The filler the harness writes into every writable field of a new VMCS before the
 * student's set-up functions run: 0xA5 bytes, as wide as the field (its encoding's
 * bits 14:13: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width; SDM Vol. 3C, 25.11.2
 * "VMREAD, VMWRITE, and Encodings of VMCS Fields"). As a selector it sets RPL and TI,
 * as a limit bits 31:16, as an address it is non-canonical: VM entry refuses it in
 * every field that the lab asks for and that the rules constrain.
 */
static u64 filler(u32 field)
{
	switch ((field >> 13) & 3) {
	case 0:
		return 0xA5A5;
	case 2:
		return 0xA5A5A5A5;
	default:
		return 0xA5A5A5A5A5A5A5A5ULL;
	}
}

/*
 * Fills every field of the current VMCS that vmcs_fields.def lists, except the
 * read-only ones (encoding bits 11:10 = 1: VM-exit information).
 */
static void fill_vmcs(void)
{
	static const u32 fields[] = {
#define VMCS_FIELD(name, encoding, width, group) encoding,
#include "vmcs_fields.def"
#undef VMCS_FIELD
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (((fields[i] >> 10) & 3) != 1)
			vmx_vmwrite(fields[i], filler(fields[i]));  /* fails for a field this CPU lacks */
}

/* Compares a VMCS field with the value the running kernel implies; false with a reason if they differ. */
static bool field_is(u32 field, u64 want, char *why, size_t size)
{
	u64 got;
	if (!vmcs_try_read(field, &got))
		return why_not(why, size, "VMREAD of %s failed", vmcs_field_name(field));
	if (got == filler(field) && want != got)
		return why_not(why, size, "%s was never written: it still holds the filler %#lx the harness "
			       "put in every field before your functions ran; want %#lx",
			       vmcs_field_name(field), got, want);
	if (got != want)
		return why_not(why, size, "%s is %#lx, want %#lx", vmcs_field_name(field), got, want);
	return true;
}

/*
 * The host state the student's code must read, made unlike the kernel's usual
 * state so that a constant or a zero cannot match it: distinct non-zero canonical
 * FS/GS bases and SYSENTER values, CR0.AM and CR4.PCE toggled (harmless at CPL 0),
 * and CR3 on a copy of the kernel's PML4 (the same mappings at another address).
 */
static const struct {
	u32 msr;
	u64 value;
} host_msrs[] = {
	{ MSR_FS_BASE, 0x00001234567F1000ULL },
	{ MSR_GS_BASE, 0x00002345678F2000ULL },
	{ MSR_IA32_SYSENTER_CS, 0x4321 },
	{ MSR_IA32_SYSENTER_ESP, 0x00003456789F3000ULL },
	{ MSR_IA32_SYSENTER_EIP, 0x0000456789AF4000ULL },
};
#define CR0_AM BIT(18)
#define CR4_PCE BIT(8)

struct host_env {
	u64 msr[ARRAY_SIZE(host_msrs)];
	u64 cr0, cr3, cr4;
	void *pml4;             /* the copy CR3 points to, or NULL */
};

/* Puts the unusual host state in place; host_env_restore() undoes it. */
static void host_env_set(struct host_env *e)
{
	e->cr0 = read_cr0();
	e->cr3 = read_cr3();
	e->cr4 = read_cr4();
	for (size_t i = 0; i < ARRAY_SIZE(host_msrs); i++) {
		e->msr[i] = rdmsr(host_msrs[i].msr);
		wrmsr(host_msrs[i].msr, host_msrs[i].value);
	}
	e->pml4 = page_alloc();
	if (e->pml4) {
		memcpy(e->pml4, (void *)(e->cr3 & ~(u64)(PAGE_SIZE - 1)), PAGE_SIZE);
		write_cr3((u64)e->pml4 | (e->cr3 & (PAGE_SIZE - 1)));
	}
	write_cr0(e->cr0 ^ CR0_AM);
	write_cr4(e->cr4 ^ CR4_PCE);
}

static void host_env_restore(const struct host_env *e)
{
	write_cr4(e->cr4);
	write_cr0(e->cr0);
	write_cr3(e->cr3);
	if (e->pml4)
		page_free(e->pml4);
	for (size_t i = 0; i < ARRAY_SIZE(host_msrs); i++)
		wrmsr(host_msrs[i].msr, e->msr[i]);
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

/*
 * The access rights of the segment that selector selects in the running kernel,
 * as the processor reports them (LAR: bits 23:8 of the descriptor's high dword; SDM
 * Vol. 2A, "LAR—Load Access Rights Byte"), in the VMCS format (reserved bits 11:8
 * cleared: SDM Vol. 3C, 25.4.1).
 */
static u32 lar_ar(u16 selector)
{
	u32 rights;
	__asm__("lar %1, %0" : "=r"(rights) : "r"((u32)selector) : "cc");
	return (rights >> 8) & 0xF0FF;
}

/* An unusable segment: bit 16 of its access rights. */
static bool unusable(u32 field, char *why, size_t size)
{
	u64 got = vmcs_read(field);
	if (got & VMX_AR_UNUSABLE)
		return true;
	return why_not(why, size, "%s is %#lx: the LDTR's selector is null, so it must be unusable",
		       vmcs_field_name(field), got);
}

static bool guest_ok(const struct call *c, char *why, size_t size)
{
	bool ok = field_is(GUEST_CS_AR_BYTES, lar_ar(SEL_CODE64), why, size) &&
		  field_is(GUEST_SS_AR_BYTES, lar_ar(SEL_DATA), why, size) &&
		  field_is(GUEST_TR_AR_BYTES, lar_ar(SEL_TSS), why, size) &&
		  unusable(GUEST_LDTR_AR_BYTES, why, size) &&
		  field_is(GUEST_RIP, (u64)guest_hello.entry, why, size) &&
		  field_is(GUEST_RSP, (u64)c->stack + PAGE_SIZE, why, size) &&
		  field_is(GUEST_CR3, read_cr3(), why, size) &&
		  field_is(GUEST_CS_SELECTOR, SEL_CODE64, why, size) &&
		  field_is(GUEST_TR_SELECTOR, SEL_TSS, why, size) &&
		  field_is(VMCS_LINK_POINTER, ~0ULL, why, size) &&
		  field_is(GUEST_RFLAGS, 0x2, why, size);
	return ok;
}

/* One control field: within the capability cap (allowed-0 settings, allowed-1 settings) and with the bits the lab needs. */
static bool control_ok(u32 field, struct vmx_ctl_cap cap, u32 needed, char *why, size_t size)
{
	u32 v = (u32)vmcs_read(field), must1 = cap.allowed0, may1 = cap.allowed1;

	if ((v & must1) != must1)
		return why_not(why, size, "%s is %#x: bits %#x must be 1 (allowed-0 settings %#x)",
			       vmcs_field_name(field), v, must1 & ~v, must1);
	if (v & ~may1)
		return why_not(why, size, "%s is %#x: bits %#x must be 0 (allowed-1 settings %#x)",
			       vmcs_field_name(field), v, v & ~may1, may1);
	if ((v & needed) != needed)
		return why_not(why, size, "%s is %#x: the lab needs bits %#x", vmcs_field_name(field),
			       v, needed & ~v);
	return true;
}

/* A control's capability as the processor reports it (vmx_ctl_msr(): TRUE or plain MSR). */
static struct vmx_ctl_cap msr_cap(enum vmx_ctl ctl)
{
	u64 cap = rdmsr(vmx_ctl_msr(ctl, rdmsr(MSR_IA32_VMX_BASIC)));
	return (struct vmx_ctl_cap){ (u32)cap, (u32)(cap >> 32) };
}

/* The four control fields against the four capabilities in caps. */
static bool controls_fit(const struct vmx_caps *caps, char *why, size_t size)
{
	return control_ok(PIN_BASED_VM_EXEC_CONTROL, caps->pinbased, 0, why, size) &&
	       control_ok(CPU_BASED_VM_EXEC_CONTROL, caps->procbased, CPU_BASED_HLT_EXITING, why, size) &&
	       control_ok(VM_EXIT_CONTROLS, caps->exit, VM_EXIT_HOST_ADDR_SPACE_SIZE, why, size) &&
	       control_ok(VM_ENTRY_CONTROLS, caps->entry, VM_ENTRY_IA32E_MODE, why, size);
}

static bool controls_ok(const struct call *c, char *why, size_t size)
{
	struct vmx_caps real = *c->caps;        /* judged by the MSRs, not by lab 1's decoding */
	real.pinbased = msr_cap(VMX_CTL_PINBASED);
	real.procbased = msr_cap(VMX_CTL_PROCBASED);
	real.exit = msr_cap(VMX_CTL_EXIT);
	real.entry = msr_cap(VMX_CTL_ENTRY);
	return controls_fit(&real, why, size);
}

/* The kernel's checker walks the SDM's VM-entry rules over the student's VMCS. */
static bool rules_ok(const struct call *c, char *why, size_t size)
{
	(void)c;
	char said[512];
	capture_begin(said, sizeof(said));
	struct vmcs_check_result r = vmcs_check(true);
	capture_end();
	if (r.violations)
		return why_not(why, size, "vmcs_check() found %u violated rule(s), the first in the %s "
			       "checks: each is a VMCS CHECK line%s", r.violations,
			       vmcs_check_kind_name(r.first), strstr(said, "a5a5") ?
			       "; a value of a5 bytes is the harness's filler: you never wrote that field" : "");
	return true;
}

/*
 * The proof: the processor accepts the VMCS, and the guest's first instruction exits.
 * A failure dumps the VMCS; so does every launch with vmcs_dump=1, before VMLAUNCH
 * (the reference's VMCS that the HTML report sets next to a student's).
 */
static bool launch_ok(const struct call *c, char *why, size_t size)
{
	struct guest_regs regs = { 0 };
	if (harness_vmcs_dump)
		vmcs_dump();
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
	void (*before)(void);           /* the harness's own preparation, if any */
} steps[] = {
	{ "loaded", "vmcs_load_new()", call_load, loaded_ok, NULL },
	{ "host", "vmcs_setup_host()", call_host, host_ok, fill_vmcs },
	{ "guest", "vmcs_setup_guest()", call_guest, guest_ok, NULL },
	{ "controls", "vmcs_setup_controls()", call_controls, controls_ok, NULL },
	{ "rules", NULL, NULL, rules_ok, NULL },
	{ "launch", NULL, NULL, launch_ok, NULL },
};

/* Runs one step; *blocked says why the steps after a failed call cannot run. */
static void run_step(const struct step *st, struct call *c, const char **blocked)
{
	static const char after_failure[] = "an exercise before this one faulted or failed";
	char why[256] = "";
	bool ok = false;

	if (!*blocked && st->before)
		st->before();
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
	char why[256] = "";
	struct call c = { .caps = caps };
	u64 current = 0;
	u32 revision = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK;

	bool ok = harness_call("vmcs_setup()", call_setup, &c, why, sizeof(why));
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "vmcs_setup() returned %d (%s)", c.ret, hv_strerror(c.ret));
	else if (ok && vmx_vmptrst(&current) == VMX_SUCCEED && current != (u64)c.vmcs)
		ok = why_not(why, sizeof(why), "the current VMCS is %#lx, not *vmcs %p", current, c.vmcs);
	/* Bit 31 set would be a shadow VMCS: VMPTRLD takes it on CPUs with VMCS shadowing. */
	else if (ok && *(u32 *)c.vmcs != revision)
		ok = why_not(why, sizeof(why), "*vmcs starts with %#x, want the revision id %#x",
			     *(u32 *)c.vmcs, revision);
	else if (ok)
		ok = field_is(GUEST_RSP, (u64)c.stack + PAGE_SIZE, why, sizeof(why));
	if (check("setup", ok, "%s", why)) {
		vmx_vmclear((u64)c.vmcs);
		page_free(c.vmcs);
		page_free(c.stack);
	}
}

/*
 * Runs vmcs_setup_controls() with caps fake on a VMCS of the harness's own (filled,
 * so that nothing is right by accident), then restores the current VMCS. Returns
 * false with a reason if the harness could not do so or the call faulted; else
 * true, with the return value in *ret and, if vmcs_setup_controls() returned 0 and
 * judge is not NULL, judge's verdict on the fields it wrote.
 */
static bool controls_with(const struct vmx_caps *fake, int *ret,
			  bool (*judge)(const struct vmx_caps *caps, char *why, size_t size),
			  char *why, size_t size)
{
	struct call c = { .caps = fake };
	void *vmcs = page_alloc();
	u64 current = ~0ULL;
	bool ok = vmcs != NULL;

	vmx_vmptrst(&current);
	if (!ok) {
		why_not(why, size, "not checked: out of pages");
	} else {
		*(u32 *)vmcs = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK;
		if (vmx_vmclear((u64)vmcs) != VMX_SUCCEED || vmx_vmptrld((u64)vmcs) != VMX_SUCCEED)
			ok = why_not(why, size, "not checked: the harness could not load its VMCS");
	}
	if (ok)
		fill_vmcs();
	if (ok)
		ok = harness_call("vmcs_setup_controls()", call_controls, &c, why, size);
	if (ok) {
		*ret = c.ret;
		if (c.ret == 0 && judge)
			ok = judge(fake, why, size);
	}
	if (vmcs) {
		vmx_vmclear((u64)vmcs);
		page_free(vmcs);
	}
	if (current != ~0ULL)
		vmx_vmptrld(current);
	return ok;
}

/*
 * vmcs_setup_controls() with made-up capabilities: each control gets extra
 * must-be-1 bits, and its allowed-1 settings lose the bits the lab does not need
 * and a hard-coded value might hold. Values that fit the real processor, or that
 * ignore caps, do not fit these.
 */
static void check_controls_caps(const struct vmx_caps *caps)
{
	char why[256] = "";
	struct vmx_caps fake = *caps;
	int ret = 0;

	/* Only bits the processor offers (allowed-1), so that a must-be-1 bit is never impossible. */
	fake.pinbased.allowed0 |= caps->pinbased.allowed1 & (PIN_BASED_NMI_EXITING | PIN_BASED_VMX_PREEMPTION_TIMER);
	fake.pinbased.allowed1 &= ~PIN_BASED_EXT_INTR_MASK | fake.pinbased.allowed0;
	fake.procbased.allowed0 |= caps->procbased.allowed1 & (CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_RDTSC_EXITING);
	fake.procbased.allowed1 &= ~(CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING) |
				   fake.procbased.allowed0;
	fake.exit.allowed0 |= caps->exit.allowed1 & (VM_EXIT_ACK_INTR_ON_EXIT | VM_EXIT_SAVE_IA32_PAT);
	fake.exit.allowed1 &= ~VM_EXIT_SAVE_DEBUG_CONTROLS | fake.exit.allowed0;
	fake.entry.allowed0 |= caps->entry.allowed1 & VM_ENTRY_LOAD_IA32_PAT;
	fake.entry.allowed1 &= ~VM_ENTRY_LOAD_DEBUG_CONTROLS | fake.entry.allowed0;

	bool ok = controls_with(&fake, &ret, controls_fit, why, sizeof(why));
	if (ok && ret != 0)
		ok = why_not(why, sizeof(why), "vmcs_setup_controls() returned %d (%s) with made-up "
			     "capabilities", ret, hv_strerror(ret));
	else if (!ok && why[0] && strncmp(why, "not checked", 11) && !strstr(why, "raised"))
		ksnprintf(why + strlen(why), sizeof(why) - strlen(why), ", with made-up capabilities "
			  "in caps: adjust each control to caps, do not hard-code it");
	check("controls_caps", ok, "%s", why);
}

/*
 * vmcs_setup_controls() with made-up capabilities that cannot give "HLT exiting"
 * (a 0 in its allowed-1 settings): the guest this lab builds needs it, so the
 * function must refuse with -HV_EINVAL rather than build a VMCS without it.
 */
static void check_controls_refuse(const struct vmx_caps *caps)
{
	char why[256] = "";
	struct vmx_caps fake = *caps;
	int ret = 0;

	fake.procbased.allowed0 &= ~CPU_BASED_HLT_EXITING;
	fake.procbased.allowed1 &= ~CPU_BASED_HLT_EXITING;
	bool ok = controls_with(&fake, &ret, NULL, why, sizeof(why));
	if (ok && ret != -HV_EINVAL)
		ok = why_not(why, sizeof(why), "with made-up capabilities that forbid HLT exiting, "
			     "vmcs_setup_controls() returned %d (%s), want -HV_EINVAL: the guest needs it",
			     ret, hv_strerror(ret));
	check("controls_refuse", ok, "%s", why);
}

/*
 * Calls fn with c on caps whose revision id is not this processor's, so that its
 * VMPTRLD fails (VMfailInvalid without a current VMCS, else VMfailValid error 11;
 * VMCLEAR does not look at the revision id: SDM Vol. 3C, 31.3 "VMX Instructions",
 * VMPTRLD and VMCLEAR). True if it returned
 * -HV_EVMXFAIL, left the page count and the current VMCS as they were and named
 * the failure; else false with the reason.
 */
static bool refused(const char *who, void (*fn)(void *), struct call *c, const struct vmx_caps *caps,
		    char *why, size_t size)
{
	struct vmx_caps wrong = *caps;
	char said[256];
	size_t before = page_free_count();
	u64 was = ~0ULL, now = ~0ULL;

	wrong.basic.revision_id = caps->basic.revision_id ^ 1;
	*c = (struct call){ .caps = &wrong };
	vmx_vmptrst(&was);
	capture_begin(said, sizeof(said));
	bool ok = harness_call(who, fn, c, why, size);
	capture_end();
	vmx_vmptrst(&now);
	if (ok && c->ret != -HV_EVMXFAIL)
		ok = why_not(why, size, "with a revision id VMPTRLD refuses, %s returned %d (%s), want "
			     "-HV_EVMXFAIL", who, c->ret, hv_strerror(c->ret));
	else if (ok && page_free_count() != before)
		ok = why_not(why, size, "with a revision id VMPTRLD refuses, %s left %ld page(s) allocated "
			     "(free count %zu, was %zu): free them on failure", who,
			     (long)(before - page_free_count()), page_free_count(), before);
	else if (ok && now != was)
		ok = why_not(why, size, "with a revision id VMPTRLD refuses, the current VMCS changed from "
			     "%#lx to %#lx", was, now);
	else if (ok && !strstr(said, "VMfail"))
		ok = why_not(why, size, "with a revision id VMPTRLD refuses, %s did not report the failure "
			     "(vmx_report_failure()): no VMfailInvalid or VMfailValid was printed", who);
	return ok;
}

/* vmcs_load_new() and vmcs_setup() when VMPTRLD fails. */
static void check_failures(const struct vmx_caps *caps)
{
	char why[256] = "";
	struct call c;

	check("load_fail", refused("vmcs_load_new()", call_load, &c, caps, why, sizeof(why)), "%s", why);
	why[0] = 0;
	check("setup_fail", refused("vmcs_setup()", call_setup, &c, caps, why, sizeof(why)), "%s", why);
}

void lab4_vmx(struct prereq *p)
{
	struct host_env env;

	check_adjust();
	check_adjust_refuse();
	check_ar();

	struct call c = { .caps = &p->caps, .stack = page_alloc() };
	const char *blocked = c.stack ? NULL : "out of pages";
	host_env_set(&env);
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		run_step(&steps[i], &c, &blocked);
	host_env_restore(&env);
	check_controls_caps(&p->caps);
	check_controls_refuse(&p->caps);
	if (c.vmcs) {
		vmx_vmclear((u64)c.vmcs);
		page_free(c.vmcs);
	}
	if (c.stack)
		page_free(c.stack);
	check_setup(&p->caps);
	check_failures(&p->caps);
}

/*
 * The older CPU (checks.def names it): no EPT, VPID or unrestricted guest, and no PAT,
 * EFER or PDPTE fields in its VMCS. vmcs_setup() must write only fields this
 * processor has (a VMWRITE of another fails with error 12), and the guest launches.
 */
void lab4_older(struct prereq *p)
{
	struct host_env env;
	struct call c = { .caps = &p->caps };
	char why[256] = "";

	host_env_set(&env);
	bool ok = harness_call("vmcs_setup()", call_setup, &c, why, sizeof(why));
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "vmcs_setup() returned %d (%s)", c.ret, hv_strerror(c.ret));
	if (ok)
		ok = launch_ok(&c, why, sizeof(why));
	host_env_restore(&env);
	check("launch", ok, "%s", why);
	if (ok) {
		vmx_vmclear((u64)c.vmcs);
		page_free(c.vmcs);
		page_free(c.stack);
	}
}
