/*
 * Lab 12 harness: VMCS shadowing, judged by the processor and by the harness's
 * own counters. The guest "nested" (kernel/guest/guest_nested.c) plays a guest
 * hypervisor (L1) on the student's lab-4 VMCS; this file's exit loop hands its
 * VMX instructions' exits to the student's shadow_handle_exit(). The harness
 * counts VMREAD/VMWRITE exits with vmx_exit_stats() (the world switch's own
 * counters), reads the bitmaps and the VMCS fields itself, and reads the shadow
 * VMCS with its own VMPTRLD/VMREAD. Then the same guest runs again without
 * VMCS shadowing: the difference in exits is what shadowing saved.
 * The "vmx" scenario runs on corei7_haswell_4770, the first Bochs model with VMCS
 * shadowing; "noshadow" on corei7_ivy_bridge_3770k, which lacks it.
 */
#include "capture.h"
#include "errno.h"
#include "guest.h"
#include "guest_nested.h"
#include "harness.h"
#include "hypercall.h"
#include "launch.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "shadow.h"
#include "string.h"
#include "trap.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "x86.h"

/* A guest that exits this often has stopped making progress. */
#define NESTED_MAX_EXITS 400

/* What a page handed to shadow_vmcs_init() holds: "an earlier use" of it. */
#define STALE_BYTE 0xA5
/* What the bitmap pages hold before shadow_setup(): every bit must be decided. */
#define BITMAP_STALE_BYTE 0x5A

static const struct vmx_caps *lab_caps;

/* ---- calls into the student's code ---- */

struct call {
	const struct vmx_caps *caps;
	struct shadow *s;
	void *region;
	u8 *bitmap;
	u32 field;
	u64 *value;
	int ret;
};

static void call_check_caps(void *p) { struct call *c = p; c->ret = shadow_check_caps(c->caps); }
static void call_vmcs_init(void *p) { struct call *c = p; c->ret = shadow_vmcs_init(c->region, c->caps); }
static void call_bitmap_pass(void *p) { struct call *c = p; shadow_bitmap_pass(c->bitmap, c->field); }
static void call_setup(void *p) { struct call *c = p; c->ret = shadow_setup(c->s, c->caps); }
static void call_read(void *p) { struct call *c = p; c->ret = shadow_read(c->s, c->field, c->value); }

/* ---- exercise 1 ---- */

static void check_caps(void)
{
	char why[240] = "";
	struct call c = { .caps = lab_caps };
	bool ok = harness_call("shadow_check_caps()", call_check_caps, &c, why, sizeof(why));
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "shadow_check_caps() returned %d (%s) on this model, whose "
			     "IA32_VMX_PROCBASED_CTLS2 allows %#x", c.ret, hv_strerror(c.ret),
			     lab_caps->procbased2.allowed1);
	/* Made-up processors like this one, each without one thing VMCS shadowing needs. */
	struct vmx_caps fake[2] = { *lab_caps, *lab_caps };
	fake[0].procbased2.allowed1 &= ~SECONDARY_EXEC_SHADOW_VMCS;
	fake[1].has_procbased2 = false;
	fake[1].procbased.allowed1 &= ~CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	static const char *const what[2] = {
		"the \"VMCS shadowing\" control allowed to be 1",
		"secondary controls that can be activated",
	};
	for (int i = 0; ok && i < 2; i++) {
		static char said[240];
		c = (struct call){ .caps = &fake[i] };
		capture_begin(said, sizeof(said));
		ok = harness_call("shadow_check_caps()", call_check_caps, &c, why, sizeof(why));
		size_t n = capture_end();
		if (ok && c.ret != -HV_ENOSHADOW)
			ok = why_not(why, sizeof(why), "on a processor like this one but without %s, "
				     "shadow_check_caps() returned %d (%s), want -HV_ENOSHADOW", what[i], c.ret,
				     hv_strerror(c.ret));
		else if (ok && n == 0)
			ok = why_not(why, sizeof(why), "on a processor like this one but without %s, shadow_check_caps() "
				     "refused without printing a line that says what is missing", what[i]);
	}
	check("caps", ok, "%s", why);
}

/* On corei7_ivy_bridge_3770k (VMX without VMCS shadowing), the real processor must be refused. */
void lab12_noshadow(struct prereq *p)
{
	char why[240] = "";
	struct call c = { .caps = &p->caps };
	bool ok = harness_call("shadow_check_caps()", call_check_caps, &c, why, sizeof(why));
	if (ok && c.ret != -HV_ENOSHADOW)
		ok = why_not(why, sizeof(why), "shadow_check_caps() returned %d (%s) on a processor whose "
			     "IA32_VMX_PROCBASED_CTLS2 allows %#x: want -HV_ENOSHADOW", c.ret,
			     hv_strerror(c.ret), p->caps.procbased2.allowed1);
	check("refuse", ok, "%s", why);
}

/* ---- exercise 3: the bit ---- */

static void check_bitmap_bit(void)
{
	static const u32 fields[] = { GUEST_RIP, IO_BITMAP_A + 1, GUEST_ES_SELECTOR, VIRTUAL_PROCESSOR_ID,
				      GUEST_INTERRUPTIBILITY_INFO, HOST_RIP, 0x7FFF };
	char why[240] = "";
	u8 *page = page_alloc();
	bool ok = page != NULL;
	if (!ok)
		why_not(why, sizeof(why), "no page left for the test");
	for (size_t i = 0; ok && i < 2 * ARRAY_SIZE(fields); i++) {
		u8 fill = i < ARRAY_SIZE(fields) ? 0xFF : 0x00;
		u32 f = fields[i % ARRAY_SIZE(fields)], n = f & 0x7FFF;
		memset(page, fill, PAGE_SIZE);
		struct call c = { .bitmap = page, .field = f };
		ok = harness_call("shadow_bitmap_pass()", call_bitmap_pass, &c, why, sizeof(why));
		for (u32 b = 0; ok && b < PAGE_SIZE; b++) {
			u8 want = b == n / 8 ? (u8)(fill & ~(1u << (n % 8))) : fill;
			if (page[b] == want)
				continue;
			u32 k = b * 8 + (u32)__builtin_ctz((u32)(page[b] ^ want));
			ok = why_not(why, sizeof(why), "after shadow_bitmap_pass(bitmap, %#x) on a bitmap of "
				     "all %s, bit %u (byte %u, bit %u) is %d, want %d", f, fill ? "ones" : "zeros",
				     k, k / 8, k % 8, page[b] >> (k % 8) & 1, want >> (k % 8) & 1);
		}
	}
	if (page)
		page_free(page);
	/*
	 * Only bits 14:0 of an encoding index a bitmap (SDM Vol. 3C, 25.6.15 "VMCS
	 * Shadowing Bitmap Addresses"): a value with higher bits set must not reach
	 * past the 4 KiB page. A canary page follows this bitmap.
	 */
	static u8 area[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
	memset(area, 0xFF, sizeof(area));
	struct call c = { .bitmap = area, .field = 0x8000 | GUEST_ES_SELECTOR };
	if (ok)
		ok = harness_call("shadow_bitmap_pass()", call_bitmap_pass, &c, why, sizeof(why));
	for (u32 b = PAGE_SIZE; ok && b < sizeof(area); b++)
		if (area[b] != 0xFF)
			ok = why_not(why, sizeof(why), "shadow_bitmap_pass(bitmap, %#x) changed byte %u past the "
				     "bitmap's 4 KiB (it is now %#x)", c.field, (u32)(b - PAGE_SIZE), area[b]);
	check("bitmap_bit", ok, "%s", why);
}

/* ---- one run of L1 ---- */

struct nested_run {
	struct prereq_vm pvm;
	struct shadow s;
	struct vcpu v;
	bool built, ran, shadowed;
	int ret;
	struct {
		bool wanted;            /* call shadow_read() at L1's first intercepted VMWRITE */
		bool done;              /* ... and it was called */
		int ret;                /* what it returned */
		u64 value;              /* what it read (GUEST_RIP of the shadow) */
		u64 current;            /* VMPTRST right after it */
		u64 clears;             /* VMCLEARs of the shadow VMCS during it */
		bool lost_launch;       /* the next VMRESUME failed: "VMRESUME with non-launched VMCS" */
	} mid;
	u64 vmread_exits, vmwrite_exits;
	char why[240];
};

/* The hypercalls of the guest runtime (kernel/guest/hypercall.h), for the loop below. */
static void exit_vmcall(struct vcpu *v)
{
	struct guest_regs *r = &v->regs;
	switch (r->rax) {
	case HC_PRINT:
		if (r->rcx <= HC_PRINT_MAX) {
			vserial_write(&v->com1, (const char *)r->rbx, r->rcx);
			r->rax = 0;
		} else {
			r->rax = (u64)-HV_EINVAL;
		}
		break;
	case HC_READ:
		r->rax = r->rbx == HC_VALUE_NONCE ? v->nonce : (u64)-HV_EINVAL;
		break;
	case HC_SHUTDOWN:
		v->shutdown = true;
		v->shutdown_code = r->rbx;
		break;
	default:
		r->rax = (u64)-HV_ENOSYS;
		break;
	}
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/*
 * shadow_read() while L1 runs, at its HC_READ of NESTED_VALUE_SHADOW_READ (after
 * its VMWRITEs through the shadow): what a nested hypervisor does on an exit of L1.
 * The harness puts the VM's VMCS back if the call left another current, so
 * that the rest of the run is judged on its own.
 */
static void mid_read(struct nested_run *r)
{
	u64 clears = vmx_vmclear_count((u64)r->s.vmcs), cur = 0;
	r->mid.done = true;
	r->mid.value = NESTED_PREFILL;
	r->mid.ret = shadow_read(&r->s, GUEST_RIP, &r->mid.value);
	r->mid.clears = vmx_vmclear_count((u64)r->s.vmcs) - clears;
	vmx_vmptrst(&cur);
	r->mid.current = cur;
	if (cur != (u64)r->pvm.vmcs)
		vmx_vmptrld((u64)r->pvm.vmcs);
}

/* The exit loop: hypercalls here, L1's VMX instructions to the student. 0 after L1's shutdown. */
static int nested_loop(struct nested_run *r)
{
	struct vcpu *v = &r->v;
	for (u64 n = 0; !v->shutdown; n++) {
		if (n == NESTED_MAX_EXITS) {
			kdiag("L1 made no progress in %u VM exits (last at RIP %#lx): VM stopped", NESTED_MAX_EXITS,
			      vmcs_read(GUEST_RIP));
			return -HV_EEXIT;
		}
		enum vmx_status st = vmx_enter_guest(&v->regs, v->launched);
		if (st == VMX_FAIL_VALID && v->launched && r->mid.done && !r->mid.lost_launch &&
		    vmcs_read(VM_INSTRUCTION_ERROR) == VMXERR_VMRESUME_NONLAUNCHED_VMCS) {
			/* noted for the host_read check; VMLAUNCH lets L1 finish so the rest is judged */
			r->mid.lost_launch = true;
			st = vmx_enter_guest(&v->regs, false);
		}
		if (st != VMX_SUCCEED) {
			vmx_report_failure(v->launched ? "VMRESUME" : "VMLAUNCH", st);
			return -HV_EVMXFAIL;
		}
		v->launched = true;
		u32 reason = (u32)vmcs_read(VM_EXIT_REASON);
		if (reason & VMX_EXIT_REASON_FAILED_VMENTRY) {
			kdiag("VM entry failed: %s", vmx_exit_reason_name(reason & 0xFFFF));
			vmcs_check(true);
			return -HV_EENTRY;
		}
		int err = 0;
		switch (reason) {
		case EXIT_REASON_VMCALL:
			if (v->regs.rax == HC_READ && v->regs.rbx == NESTED_VALUE_SHADOW_READ && r->mid.wanted &&
			    !r->mid.done)
				mid_read(r);
			exit_vmcall(v);
			break;
		case EXIT_REASON_VMON:
		case EXIT_REASON_VMPTRLD:
		case EXIT_REASON_VMREAD:
		case EXIT_REASON_VMWRITE:
		case EXIT_REASON_VMLAUNCH:
			err = shadow_handle_exit(&r->s, v, reason);
			break;
		default:
			err = vcpu_unhandled_exit(v, reason);
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

static void call_loop(void *p)
{
	struct nested_run *r = p;
	r->ret = nested_loop(r);
}

/* Three fresh pages for the shadow VMCS and the bitmaps, filled with what "an earlier use" left. */
static bool shadow_pages(struct shadow *s)
{
	s->vmcs = page_alloc();
	s->read_bitmap = page_alloc();
	s->write_bitmap = page_alloc();
	if (!s->vmcs || !s->read_bitmap || !s->write_bitmap)
		return false;
	memset(s->vmcs, STALE_BYTE, PAGE_SIZE);
	memset(s->read_bitmap, BITMAP_STALE_BYTE, PAGE_SIZE);
	memset(s->write_bitmap, BITMAP_STALE_BYTE, PAGE_SIZE);
	return true;
}

static void run_free(struct nested_run *r)
{
	if (r->s.vmcs) {
		vmx_vmclear((u64)r->s.vmcs);
		page_free(r->s.vmcs);
	}
	if (r->s.read_bitmap)
		page_free(r->s.read_bitmap);
	if (r->s.write_bitmap)
		page_free(r->s.write_bitmap);
	r->s.vmcs = NULL;
	r->s.read_bitmap = r->s.write_bitmap = NULL;
	if (r->pvm.vmcs)
		prereq_vm_free(&r->pvm);
	r->pvm.vmcs = NULL;
}

/* Runs L1 on the current VMCS with r->s as it is; true if it shut down normally (else r->why says why). */
static bool run_guest(struct nested_run *r)
{
	vcpu_init(&r->v, lab_caps, &guest_nested, harness_nonce());
	guest_notes_reset();
	vmx_exit_stats_reset();
	r->ran = harness_call("the exit loop (shadow_handle_exit())", call_loop, r, r->why, sizeof(r->why));
	vserial_flush(&r->v.com1);
	r->vmread_exits = vmx_exit_stats()->exits[EXIT_REASON_VMREAD];
	r->vmwrite_exits = vmx_exit_stats()->exits[EXIT_REASON_VMWRITE];
	if (!r->ran)
		return false;
	if (r->ret)
		return why_not(r->why, sizeof(r->why), "L1 did not finish: the loop stopped with %d (%s)", r->ret,
			       hv_strerror(r->ret));
	if (r->v.shutdown_code)
		return why_not(r->why, sizeof(r->why), "L1 stopped with code %#lx (0xE0 | vector: it took an "
			       "exception it did not expect)", r->v.shutdown_code);
	return true;
}

/* A note of the last run; a value no note has if the guest never wrote it. */
static u64 note(const char *key)
{
	u64 v = 0xDEAD0000DEAD0000ULL;
	guest_note_get(key, &v);
	return v;
}

static const char *status_name(u64 s)
{
	return s == 0 ? "VMsucceed" : s == 1 ? "VMfailInvalid" : s == 2 ? "VMfailValid" : "no status";
}

/* ---- exercises 2 and 3: the shadow VMCS and the setup ---- */

static bool check_shadow_vmcs(struct nested_run *r)
{
	char why[240] = "";
	struct call c = { .caps = lab_caps, .region = r->s.vmcs };
	u64 clears = vmx_vmclear_count((u64)r->s.vmcs);
	bool ran = harness_call("shadow_vmcs_init()", call_vmcs_init, &c, why, sizeof(why)), ok = ran;
	clears = vmx_vmclear_count((u64)r->s.vmcs) - clears;
	u32 want = lab_caps->basic.revision_id | VMCS_SHADOW_INDICATOR, got = *(const u32 *)r->s.vmcs;
	if (ok && c.ret)
		ok = why_not(why, sizeof(why), "shadow_vmcs_init() returned %d (%s)", c.ret, hv_strerror(c.ret));
	else if (ok && got != want)
		ok = why_not(why, sizeof(why), "the region's first 4 bytes are %#x, want %#x: this processor's "
			     "revision identifier, marked as a shadow VMCS", got, want);
	check("shadow_vmcs", ok, "%s", why);

	/*
	 * VMCLEAR initializes the implementation-specific data of the region (SDM
	 * Vol. 3C, 25.11.3 "Initializing a VMCS"). Bochs keeps the launch state
	 * there (4 bytes at offset 8) and writes it on VMCLEAR; a region nobody
	 * VMCLEARed still holds the earlier use's bytes (measured on every Bochs
	 * model with VMCS shadowing). README, "Known emulator deviations".
	 */
	const u8 *data = (const u8 *)r->s.vmcs + 8;
	bool cleared = false;
	for (size_t i = 0; i < PAGE_SIZE - 8; i++)
		cleared |= data[i] != STALE_BYTE;
	/*
	 * Bytes written by software are not an initialized VMCS: only VMCLEAR
	 * initializes a region for its first use (SDM Vol. 3C, 25.11.3 "Initializing
	 * a VMCS"); the harness counts VMCLEARs with its own wrapper (kernel/vmx/vmclear.c).
	 */
	bool usable = ran && c.ret == 0;
	if (!usable)
		ok = false;
	else if (!cleared)
		ok = why_not(why, sizeof(why), "the region still holds what its earlier use left after its first "
			     "8 bytes: nothing initialized it for its first use as a VMCS");
	else if (!clears)
		ok = why_not(why, sizeof(why), "shadow_vmcs_init() executed no VMCLEAR of the region: bytes written "
			     "by software do not initialize a VMCS for its first use (SDM Vol. 3C, 25.11.3)");
	else
		ok = true;
	check("vmclear", ok, "%s", why);
	return usable;
}

/* What the bitmap at page should say for each of its bits, per shadow_fields.def. */
static bool bitmap_is(const u8 *page, bool write_bitmap, char *why, size_t size)
{
	static u8 want[PAGE_SIZE];
	memset(want, 0xFF, sizeof(want));
#define SHADOW_FIELD(name, write)                                               \
	if (!write_bitmap || (write))                                           \
		want[((name) & 0x7FFF) / 8] &= (u8)~(1u << ((name) & 7));
#include "shadow_fields.def"
#undef SHADOW_FIELD
	for (u32 b = 0; b < PAGE_SIZE; b++) {
		if (page[b] == want[b])
			continue;
		u32 k = b * 8 + (u32)__builtin_ctz((u32)(page[b] ^ want[b]));
		bool w = want[b] >> (k % 8) & 1;
		const char *name = vmcs_field_name(k);
		return why_not(why, size, "bit %u of the %s bitmap (encoding %#x%s%s) is %d, want %d: an access "
			       "to it %s", k, write_bitmap ? "VMWRITE" : "VMREAD", k, name ? ", " : "",
			       name ? name : "", !w, w, w ? "must exit" : "must not exit");
	}
	return true;
}

static bool check_setup(struct nested_run *r)
{
	char why[240] = "";
	struct call c = { .caps = lab_caps, .s = &r->s };
	u64 proc_before = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	bool ran = harness_call("shadow_setup()", call_setup, &c, why, sizeof(why)), ok = ran;
	u64 proc = vmcs_read(CPU_BASED_VM_EXEC_CONTROL), proc2 = vmcs_read(SECONDARY_VM_EXEC_CONTROL);
	if (ok && c.ret)
		ok = why_not(why, sizeof(why), "shadow_setup() returned %d (%s)", c.ret, hv_strerror(c.ret));
	else if (ok && (!(proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) || !(proc2 & SECONDARY_EXEC_SHADOW_VMCS)))
		ok = why_not(why, sizeof(why), "the controls are %#lx, secondary %#lx: VMCS shadowing is not on",
			     proc, proc2);
	else if (ok && (proc & ~(u64)CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) !=
			       (proc_before & ~(u64)CPU_BASED_ACTIVATE_SECONDARY_CONTROLS))
		ok = why_not(why, sizeof(why), "the primary controls were %#lx and are %#lx: only what VMCS "
			     "shadowing needs may change", proc_before, proc);
	else if (ok && (vmcs_read(VMREAD_BITMAP) != (u64)r->s.read_bitmap ||
			vmcs_read(VMWRITE_BITMAP) != (u64)r->s.write_bitmap))
		ok = why_not(why, sizeof(why), "VMREAD_BITMAP is %#lx and VMWRITE_BITMAP %#lx, want s->read_bitmap "
			     "%p and s->write_bitmap %p", vmcs_read(VMREAD_BITMAP), vmcs_read(VMWRITE_BITMAP),
			     (void *)r->s.read_bitmap, (void *)r->s.write_bitmap);
	else if (ok && vmcs_read(VMCS_LINK_POINTER) != ~0ULL)
		ok = why_not(why, sizeof(why), "VMCS_LINK_POINTER is %#lx before L1 loaded any VMCS: L1's VMREAD "
			     "must fail with VMfailInvalid until its VMPTRLD", vmcs_read(VMCS_LINK_POINTER));
	else if (ok && vmcs_check(false).violations)
		ok = why_not(why, sizeof(why), "vmcs_check() finds a VM-entry rule broken (printed below)");
	bool usable = ran && c.ret == 0 && !vmcs_check(false).violations;
	if (!ok && usable)
		vmcs_check(true);
	check("setup", ok, "%s", why);
	bool maps = ran && c.ret == 0;
	if (!maps)
		why_not(why, sizeof(why), "shadow_setup() did not complete (see the setup check)");
	if (maps && !bitmap_is(r->s.read_bitmap, false, why, sizeof(why)))
		maps = false;
	else if (maps && !bitmap_is(r->s.write_bitmap, true, why, sizeof(why)))
		maps = false;
	check("bitmaps", maps, "%s", why);
	return usable;
}

/* ---- the shadowed run ---- */

static const char *const run_checks[] = { "vmxon", "no_exit", "intercepted", "errors", "in_shadow", "host_read" };

static void fail_all(const char *const *ids, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		check(ids[i], false, "%s", why);
}

static void check_vmxon(const struct nested_run *r)
{
	char why[240] = "";
	bool ok = true;
	u64 link = vmcs_read(VMCS_LINK_POINTER);
	static const struct { const char *key, *what; } ud[] = {
		{ "nested.ud", "VMPTRLD" }, { "nested.ud_launch", "VMLAUNCH" },
		{ "nested.ud_read", "VMREAD of PIN_BASED_VM_EXEC_CONTROL" },
		{ "nested.ud_write", "VMWRITE of PIN_BASED_VM_EXEC_CONTROL" },
	};
	for (size_t i = 0; ok && i < ARRAY_SIZE(ud); i++)
		if (note(ud[i].key) != GUEST_FAULT(VEC_UD, 0))
			ok = why_not(why, sizeof(why), "L1's %s before its VMXON gave %#lx, want #UD (%#lx): outside "
				     "VMX operation, VMX instructions raise #UD", ud[i].what, note(ud[i].key),
				     GUEST_FAULT(VEC_UD, 0));
	if (!ok)
		;
	else if (note("nested.ud_rip_off") != 0)
		ok = why_not(why, sizeof(why), "the #UD of L1's VMLAUNCH before its VMXON was reported %ld bytes past "
			     "the instruction: a fault reports the RIP of the instruction that faulted",
			     (long)note("nested.ud_rip_off"));
	else if (note("nested.vmxon") != 0)
		ok = why_not(why, sizeof(why), "L1's VMXON ended in %s, want VMsucceed", status_name(note("nested.vmxon")));
	else if (note("nested.early_launch") != 1)
		ok = why_not(why, sizeof(why), "L1's VMLAUNCH with no current VMCS ended in %s, want VMfailInvalid",
			     status_name(note("nested.early_launch")));
	else if (note("nested.vmptrld") != 0)
		ok = why_not(why, sizeof(why), "L1's VMPTRLD ended in %s, want VMsucceed",
			     status_name(note("nested.vmptrld")));
	else if (link != (u64)r->s.vmcs)
		ok = why_not(why, sizeof(why), "after L1's VMPTRLD, VMCS_LINK_POINTER is %#lx, want the shadow VMCS "
			     "%p", link, r->s.vmcs);
	check("vmxon", ok, "%s", why);
}

static void check_no_exit(const struct nested_run *r)
{
	char why[240] = "";
	bool ok = true;
	if (note("nested.early_read") != 1)
		ok = why_not(why, sizeof(why), "L1's VMREAD of GUEST_RIP before its VMPTRLD ended in %s, want "
			     "VMfailInvalid (the link pointer references no VMCS yet)",
			     status_name(note("nested.early_read")));
	else if (note("nested.rw_status") != 0 || note("nested.rw_equal") != NESTED_NRW)
		ok = why_not(why, sizeof(why), "L1 read back %lu of the %u fields it wrote (the bitmaps pass them "
			     "both ways)%s", note("nested.rw_equal"), NESTED_NRW,
			     note("nested.rw_status") ? ", and some access failed" : "");
	else if (note("nested.ro_read") != 0)
		ok = why_not(why, sizeof(why), "L1's VMREAD of VM_EXIT_REASON ended in %s, want VMsucceed",
			     status_name(note("nested.ro_read")));
	else if (r->vmread_exits != NESTED_VMREAD_EXITS || r->vmwrite_exits != NESTED_VMWRITE_EXITS)
		ok = why_not(why, sizeof(why), "L1's VMREADs caused %lu VM exits and its VMWRITEs %lu, want %u and "
			     "%u: exactly the accesses the bitmaps intercept exit", r->vmread_exits,
			     r->vmwrite_exits, NESTED_VMREAD_EXITS, NESTED_VMWRITE_EXITS);
	check("no_exit", ok, "%s", why);
}

/* The intercepted reads: right value at full width, else false with why. Shared by both runs. */
static bool soft_values_ok(char *why, size_t size)
{
	u64 nonce = harness_nonce();
	const struct { const char *key, *what; u64 want; } want[] = {
		{ "nested.pin", "PIN_BASED_VM_EXEC_CONTROL (32 bits)", (u32)nested_pin_value(nonce) },
		{ "nested.io_a", "IO_BITMAP_A (64 bits)", nested_value(nonce, 11) },
		{ "nested.vpid", "VIRTUAL_PROCESSOR_ID (16 bits)", (u16)nested_value(nonce, 12) },
		{ "nested.io_a_high", "IO_BITMAP_A's high half (encoding + 1)", nested_value(nonce, 11) >> 32 },
	};
	if (note("nested.soft_status") != 0)
		return why_not(why, size, "one of L1's VMREADs or VMWRITEs of a field the bitmaps intercept did "
			       "not end in VMsucceed");
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (note(want[i].key) != want[i].want)
			return why_not(why, size, "L1 read %#lx from %s after writing it, want %#lx (its register "
				       "held %#llx before the VMREAD)", note(want[i].key), want[i].what,
				       want[i].want, NESTED_PREFILL);
	if (note("nested.host_status") != 0 || note("nested.host_rip") != nested_value(nonce, 21))
		return why_not(why, size, "L1's VMWRITE and VMREAD of HOST_RIP (a host-state field, not read-only) "
			       "ended in %s and read %#lx, want VMsucceed and %#lx, which it wrote",
			       status_name(note("nested.host_status")), note("nested.host_rip"), nested_value(nonce, 21));
	if (note("nested.mem_status") != 0 || note("nested.mem") != nested_value(nonce, 20))
		return why_not(why, size, "L1's VMWRITE and VMREAD of IO_BITMAP_A with memory operands ended in "
			       "%s and read %#lx, want VMsucceed and %#lx, which it wrote",
			       status_name(note("nested.mem_status")), note("nested.mem"), nested_value(nonce, 20));
	/* SDM Vol. 3C, 31.2 "Conventions": VMsucceed clears all six status flags, VMfailValid sets ZF alone. */
	if (note("nested.flags_ok") != 0 || note("nested.flags_fail") != RFLAGS_ZF)
		return why_not(why, size, "with CF, PF, AF, ZF, SF and OF set before them, L1's VMWRITEs left %#lx "
			       "(VMsucceed) and %#lx (VMfailValid) of those flags set, want 0 and %#lx",
			       note("nested.flags_ok"), note("nested.flags_fail"), (u64)RFLAGS_ZF);
	if (note("nested.ro_write") != 2 || note("nested.ro_error") != VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT)
		return why_not(why, size, "L1's VMWRITE of the read-only VM_EXIT_REASON ended in %s with error %lu, "
			       "want VMfailValid with error %u", status_name(note("nested.ro_write")),
			       note("nested.ro_error"), VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT);
	return true;
}

static bool errors_ok(char *why, size_t size)
{
	if (note("nested.unsupported") != 2 || note("nested.unsupported_error") != VMXERR_UNSUPPORTED_VMCS_COMPONENT)
		return why_not(why, size, "L1's VMREAD of encoding %#llx (no such field) ended in %s, error %#lx; "
			       "want VMfailValid, error %u", NESTED_BAD_FIELD, status_name(note("nested.unsupported")),
			       note("nested.unsupported_error"), VMXERR_UNSUPPORTED_VMCS_COMPONENT);
	/* SDM Vol. 3C, 31.3 "VMX Instructions" (VMWRITE, VMXON, VMPTRLD) and 31.4 "VM Instruction Error Numbers". */
	static const struct { const char *key, *what; u64 error; } fail[] = {
		{ "nested.unsupported_write", "VMWRITE of encoding 0x8000 (no such field)", VMXERR_UNSUPPORTED_VMCS_COMPONENT },
		{ "nested.vmxon_again", "second VMXON", VMXERR_VMXON_IN_VMX_ROOT_OPERATION },
		{ "nested.vmptrld_vmxon", "VMPTRLD of its VMXON pointer", VMXERR_VMPTRLD_VMXON_POINTER },
	};
	for (size_t i = 0; i < ARRAY_SIZE(fail); i++) {
		char key[48];
		ksnprintf(key, sizeof(key), "%s_error", fail[i].key);
		if (note(fail[i].key) != 2 || note(key) != fail[i].error)
			return why_not(why, size, "L1's %s ended in %s, error %#lx; want VMfailValid, error %lu",
				       fail[i].what, status_name(note(fail[i].key)), note(key), fail[i].error);
	}
	if (note("nested.launch") != 2 || note("nested.launch_error") != VMXERR_ENTRY_INVALID_CONTROL_FIELD)
		return why_not(why, size, "L1's VMLAUNCH ended in %s, error %#lx; want VMfailValid, error %u",
			       status_name(note("nested.launch")), note("nested.launch_error"),
			       VMXERR_ENTRY_INVALID_CONTROL_FIELD);
	return true;
}

/* The harness's own reading of the shadow VMCS: VMPTRLD it, VMREAD each field L1 wrote, VMPTRLD back. */
static bool check_in_shadow(const struct nested_run *r)
{
	static const u32 rw[NESTED_NRW] = NESTED_RW_FIELDS;
	char why[240] = "";
	bool ok = vmx_vmptrld((u64)r->s.vmcs) == VMX_SUCCEED;
	if (!ok)
		why_not(why, sizeof(why), "VMPTRLD of the shadow VMCS failed");
	for (unsigned i = 0; ok && i < NESTED_NRW; i++) {
		u64 v = 0, want = nested_cut(rw[i], nested_value(harness_nonce(), i));
		if (vmx_vmread(rw[i], &v) != VMX_SUCCEED || v != want)
			ok = why_not(why, sizeof(why), "the shadow VMCS holds %#lx in %s, want %#lx, which L1 wrote",
				     v, vmcs_field_name(rw[i]), want);
	}
	vmx_vmptrld((u64)r->pvm.vmcs);
	check("in_shadow", ok, "%s", why);
	return ok;
}

static void check_host_read(struct nested_run *r)
{
	static const u32 rw[NESTED_NRW] = NESTED_RW_FIELDS;
	char why[240] = "";
	bool ok = true;
	for (unsigned i = 0; ok && i < NESTED_NRW; i++) {
		u64 v = NESTED_PREFILL, cur = 0, want = nested_cut(rw[i], nested_value(harness_nonce(), i));
		struct call c = { .s = &r->s, .field = rw[i], .value = &v };
		u64 clears = vmx_vmclear_count((u64)r->s.vmcs);
		ok = harness_call("shadow_read()", call_read, &c, why, sizeof(why));
		clears = vmx_vmclear_count((u64)r->s.vmcs) - clears;
		vmx_vmptrst(&cur);
		if (ok && c.ret)
			ok = why_not(why, sizeof(why), "shadow_read(%s) returned %d (%s)", vmcs_field_name(rw[i]),
				     c.ret, hv_strerror(c.ret));
		else if (ok && v != want)
			ok = why_not(why, sizeof(why), "shadow_read(%s) gave %#lx, want %#lx, which L1 wrote",
				     vmcs_field_name(rw[i]), v, want);
		else if (ok && cur != (u64)r->pvm.vmcs)
			ok = why_not(why, sizeof(why), "after shadow_read(), the current VMCS is %#lx%s, not the VM's "
				     "VMCS %p: the next VM entry would fail", cur,
				     cur == (u64)r->s.vmcs ? " (the shadow VMCS)" : "", r->pvm.vmcs);
		else if (ok && !clears)
			ok = why_not(why, sizeof(why), "shadow_read(%s) made the VM's VMCS current again with the shadow "
				     "VMCS still active on this processor (SDM Vol. 3C, 25.11.1 \"Software Use of "
				     "Virtual-Machine Control Structures\")", vmcs_field_name(rw[i]));
		if (cur != (u64)r->pvm.vmcs)
			vmx_vmptrld((u64)r->pvm.vmcs);
	}
	/* The call in the middle of L1's run (mid_read()): the VM went on afterwards. */
	u64 want = nested_cut(GUEST_RIP, nested_value(harness_nonce(), 6));
	if (!ok)
		;
	else if (!r->mid.done)
		ok = why_not(why, sizeof(why), "L1 never made the hypercall at which the harness calls shadow_read()");
	else if (r->mid.ret)
		ok = why_not(why, sizeof(why), "shadow_read(GUEST_RIP) while L1 ran returned %d (%s)", r->mid.ret,
			     hv_strerror(r->mid.ret));
	else if (r->mid.value != want)
		ok = why_not(why, sizeof(why), "shadow_read(GUEST_RIP) while L1 ran gave %#lx, want %#lx, which L1 "
			     "wrote", r->mid.value, want);
	else if (r->mid.current != (u64)r->pvm.vmcs)
		ok = why_not(why, sizeof(why), "after shadow_read() while L1 ran, the current VMCS is %#lx, not the "
			     "VM's VMCS %p", r->mid.current, r->pvm.vmcs);
	else if (r->mid.lost_launch)
		ok = why_not(why, sizeof(why), "after shadow_read() while L1 ran, VMRESUME failed with error %u (%s): "
			     "the VM's own VMCS lost its launch state (SDM Vol. 3C, 25.11.3 \"Initializing a VMCS\")",
			     VMXERR_VMRESUME_NONLAUNCHED_VMCS, vmx_error_text(VMXERR_VMRESUME_NONLAUNCHED_VMCS));
	else if (!r->mid.clears)
		ok = why_not(why, sizeof(why), "shadow_read() while L1 ran made the VM's VMCS current again with the "
			     "shadow VMCS still active on this processor (SDM Vol. 3C, 25.11.1)");
	/* A field no VMCS has: the VMREAD fails, and the VM's VMCS must be current all the same. */
	if (ok) {
		u64 v = NESTED_PREFILL, cur = 0;
		struct call c = { .s = &r->s, .field = (u32)NESTED_BAD_FIELD, .value = &v };
		ok = harness_call("shadow_read()", call_read, &c, why, sizeof(why));
		vmx_vmptrst(&cur);
		if (ok && c.ret != -HV_EVMXFAIL)
			ok = why_not(why, sizeof(why), "shadow_read(%#llx), an encoding no field has, returned %d (%s), "
				     "want -HV_EVMXFAIL", NESTED_BAD_FIELD, c.ret, hv_strerror(c.ret));
		else if (ok && cur != (u64)r->pvm.vmcs)
			ok = why_not(why, sizeof(why), "after shadow_read(%#llx) failed, the current VMCS is %#lx%s, not "
				     "the VM's VMCS %p: a failed read must put it back too", NESTED_BAD_FIELD, cur,
				     cur == (u64)r->s.vmcs ? " (the shadow VMCS)" : "", r->pvm.vmcs);
		if (cur != (u64)r->pvm.vmcs)
			vmx_vmptrld((u64)r->pvm.vmcs);
	}
	check("host_read", ok, "%s", why);
}

/*
 * Shows that a shadow VMCS cannot be entered (SDM Vol. 3C, 25.10; 27.1 "Basic
 * VM-Entry Checks"): VMLAUNCH with it current is refused before any check of
 * its contents, with VMfailInvalid. Bochs 2.7 checks the controls instead and
 * gives VMfailValid: the line says so (README, "Known emulator deviations").
 */
static void show_shadow_not_entered(const struct nested_run *r)
{
	struct guest_regs regs = { 0 };
	if (vmx_vmptrld((u64)r->s.vmcs) != VMX_SUCCEED)
		return;
	enum vmx_status st = vmx_enter_guest(&regs, false);
	vmx_vmclear((u64)r->s.vmcs);
	vmx_vmptrld((u64)r->pvm.vmcs);
	kprintf("VMLAUNCH with the shadow VMCS current: %s%s\n", vmx_status_name(st),
		st == VMX_FAIL_INVALID ? "" : " (the SDM says VMfailInvalid: Bochs 2.7 deviates, README)");
}

void lab12_vmx(struct prereq *p)
{
	static struct nested_run r, plain;
	char why[240] = "";
	lab_caps = &p->caps;
	check_caps();
	check_bitmap_bit();

	memset(&r, 0, sizeof(r));
	bool built = prereq_vm_new(&r.pvm, lab_caps, &guest_nested) && shadow_pages(&r.s);
	if (!built) {
		harness_abort("the VM for L1 could not be built (see above)");
		run_free(&r);
		return;
	}
	/* What an earlier L1 left in the state: shadow_setup() starts L1 afresh. */
	r.s.vmxon = true;
	r.s.vmxon_ptr = 0x5000;
	r.s.current = 0x6000;
	r.s.nsoft = SHADOW_SOFT_FIELDS;
	r.mid.wanted = true;
	for (size_t i = 0; i < SHADOW_SOFT_FIELDS; i++)
		r.s.soft[i] = (struct shadow_soft_field){ VM_INSTRUCTION_ERROR, 0xA5A5A5A5A5A5A5A5ULL };
	bool vmcs_ok = check_shadow_vmcs(&r);
	built = check_setup(&r) && vmcs_ok;
	if (!built) {
		fail_all(run_checks, ARRAY_SIZE(run_checks), "L1 could not run: exercise 2 or 3 failed (see above)");
	} else if (!run_guest(&r)) {
		fail_all(run_checks, ARRAY_SIZE(run_checks), r.why);
	} else {
		check_vmxon(&r);
		check_no_exit(&r);
		bool ok = soft_values_ok(why, sizeof(why));
		check("intercepted", ok, "%s", why);
		ok = errors_ok(why, sizeof(why));
		check("errors", ok, "%s", why);
		check_in_shadow(&r);
		check_host_read(&r);
		show_shadow_not_entered(&r);
	}
	bool shadowed_ok = built && r.ran && !r.ret && !r.v.shutdown_code;
	u64 shadowed_exits = r.vmread_exits + r.vmwrite_exits;
	run_free(&r);

	/* The same L1 without VMCS shadowing: every VMREAD and VMWRITE exits, and is emulated. */
	memset(&plain, 0, sizeof(plain));
	plain.s.current = SHADOW_NO_VMCS;
	bool ok = prereq_vm_new(&plain.pvm, lab_caps, &guest_nested);
	if (!ok)
		why_not(why, sizeof(why), "the second VM could not be built (see above)");
	else if (!(ok = run_guest(&plain)))
		why_not(why, sizeof(why), "without VMCS shadowing: %s", plain.why);
	else if (!soft_values_ok(why, sizeof(why)) || !errors_ok(why, sizeof(why)) ||
		 note("nested.rw_equal") != NESTED_NRW || note("nested.early_read") != 1)
		ok = false;
	else if (plain.vmread_exits != NESTED_VMREAD_EXITS_UNSHADOWED ||
		 plain.vmwrite_exits != NESTED_VMWRITE_EXITS_UNSHADOWED)
		ok = why_not(why, sizeof(why), "without VMCS shadowing L1's VMREADs caused %lu VM exits and its "
			     "VMWRITEs %lu, want %u and %u: every one exits", plain.vmread_exits,
			     plain.vmwrite_exits, NESTED_VMREAD_EXITS_UNSHADOWED, NESTED_VMWRITE_EXITS_UNSHADOWED);
	else if (!shadowed_ok)
		ok = why_not(why, sizeof(why), "the run with VMCS shadowing did not finish, so there is nothing "
			     "to compare with");
	if (ok)
		kprintf("VMREAD/VMWRITE exits of L1: %lu with VMCS shadowing, %lu without: %lu saved\n",
			shadowed_exits, plain.vmread_exits + plain.vmwrite_exits,
			plain.vmread_exits + plain.vmwrite_exits - shadowed_exits);
	check("saving", ok, "%s", why);
	run_free(&plain);
}

/* ---- make run and make bench ---- */

/*
 * Builds a VM for L1 (with VMCS shadowing through your shadow_vmcs_init() and
 * shadow_setup() if shadowed), runs it, and frees it; *ticks: the host's TSC
 * across the run (under Bochs, every instruction L1 and this hypervisor
 * executed). True if L1 finished; else why says why.
 */
static bool nested_once(struct nested_run *r, bool shadowed, u64 *ticks, char *why, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->s.current = SHADOW_NO_VMCS;
	bool ok = prereq_vm_new(&r->pvm, lab_caps, &guest_nested);
	if (!ok) {
		why_not(why, size, "lab 4's vmcs_setup() failed");
	} else if (shadowed) {
		struct call c = { .caps = lab_caps, .s = &r->s };
		ok = shadow_pages(&r->s);
		c.region = r->s.vmcs;
		if (!ok)
			why_not(why, size, "no page left");
		else if (!harness_call("shadow_vmcs_init()", call_vmcs_init, &c, why, size))
			ok = false;
		else if (c.ret || !harness_call("shadow_setup()", call_setup, &c, why, size) || c.ret)
			ok = why_not(why, size, "exercise 2 or 3 failed: %s", hv_strerror(c.ret));
	}
	if (ok) {
		kprintf("-- guest \"%s\": %s, %s VMCS shadowing\n", guest_nested.name, guest_nested.about,
			shadowed ? "with" : "without");
		u64 t0 = rdtsc();
		ok = run_guest(r);
		*ticks = rdtsc() - t0;
		if (!ok)
			why_not(why, size, "%s", r->why);
	}
	run_free(r);
	return ok;
}

/*
 * `make run`: lab 8's demo (the whole hypervisor of labs 1-8), then L1 without
 * VMCS shadowing and, where the model has it, with.
 */
void lab12_demo(struct prereq *p)
{
	static struct nested_run r;
	char why[240] = "";
	u64 ticks[2] = { 0 }, exits[2] = { 0 };
	lab10_demo(p);
	lab_caps = &p->caps;
	kprintf("== lab 12, shadow: a guest hypervisor (L1)\n");
	struct call c = { .caps = lab_caps };
	bool shadowing = harness_call("shadow_check_caps()", call_check_caps, &c, why, sizeof(why)) && !c.ret;
	for (int shadowed = 0; shadowed <= shadowing; shadowed++) {
		if (!nested_once(&r, shadowed, &ticks[shadowed], why, sizeof(why))) {
			kprintf("   L1 %s VMCS shadowing did not finish: %s\n", shadowed ? "with" : "without", why);
			return;
		}
		exits[shadowed] = r.vmread_exits + r.vmwrite_exits;
		kprintf("   %lu VMREAD/VMWRITE exits, %lu instructions of L1 and this hypervisor\n",
			exits[shadowed], ticks[shadowed]);
	}
	if (shadowing)
		kprintf("== VMCS shadowing saved %lu exits\n", exits[0] - exits[1]);
	else
		kprintf("== this model has no VMCS shadowing: `make run LAB=12` runs lab 12 on a model with it\n");
}

/* make bench: L1's whole run, with and without VMCS shadowing, in host TSC ticks (Bochs: instructions). */
void lab12_bench(struct prereq *p)
{
	static struct nested_run r;
	static const char *const kind[2] = { "unshadowed", "shadowed" };
	char why[240] = "";
	lab_caps = &p->caps;
	for (int shadowed = 0; shadowed <= 1; shadowed++) {
		u64 ticks = 0;
		if (!nested_once(&r, shadowed, &ticks, why, sizeof(why))) {
			harness_abort("L1 %s VMCS shadowing did not finish: %s", shadowed ? "with" : "without", why);
			return;
		}
		kprintf("BENCH: %s %lu ticks for L1's run (%lu VMREAD/VMWRITE exits)\n", kind[shadowed], ticks,
			r.vmread_exits + r.vmwrite_exits);
	}
}
