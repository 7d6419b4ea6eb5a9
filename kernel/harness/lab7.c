/*
 * Lab 7 harness: the whole life cycle through the student's code (detect,
 * enable, VMXON, VMCS, the exit loop with a guest that shuts itself down), then
 * vmx_shutdown(), judged by the processor: VMX instructions must raise #UD,
 * CR4.VMXE must be clear, every page must be back, the VMCS must have been
 * VMCLEARed; and by the allocator, whose free hook sees in which state each page
 * is given back. Then all of it once more, in the same boot, with another VMCS
 * current when vmx_shutdown() starts; and vmx_shutdown() once with a VMCLEAR that fails.
 * The "demo" scenario (`make run`) runs the whole hypervisor, kernel/vmx/hypervisor.c.
 */
#include "capture.h"
#include "errno.h"
#include "guest.h"
#include "harness.h"
#include "hypervisor.h"
#include "lab6_guest.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "vmxoff.h"
#include "vmxroot.h"
#include "x86.h"

/* A VMXON region of the harness's own, outside the allocator, for probing after the student's VMXOFF. */
static u8 probe_region[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* What one life cycle came to. */
struct cycle {
	struct vmx_caps caps;
	struct vmx_cpu cpu;
	struct guest_run run;
	void *vmcs;             /* the VMCS it used, kept for the VMCLEAR probe */
	size_t free_before;     /* page_free_count() before lab 3 */
	int ret;                /* vmcs_setup(), then vmx_shutdown() */
	bool ok;                /* the cycle reached vmx_shutdown() and it returned 0 */
	char why[200];
};

static struct cycle cycles[2];

/*
 * Another VMCS, the harness's own, made current before the second cycle's
 * vmx_shutdown(): VMCLEAR of cpu->vmcs must still clear the student's VMCS.
 */
static u8 decoy_vmcs[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* The pages the first cycle's vmx_shutdown() must free in order, and the first one freed too early. */
static struct {
	void *vmcs, *vmxon;
	char why[200];          /* "" while every free came at its time */
} order_watch;

/*
 * page_free()'s hook during the first cycle's vmx_shutdown(): the VMCS may be
 * freed only once it is not current (VMCLEAR makes it so, SDM Vol. 3C, 31.3
 * "VMCLEAR"), the VMXON region only outside VMX operation (it is the
 * processor's while in it: 25.11.5 "VMXON Region"). Asks the processor, with
 * VMPTRST, at the moment of the free.
 */
static void watch_order(void *page)
{
	u64 current = ~0ULL;

	if (order_watch.why[0] || (page != order_watch.vmcs && page != order_watch.vmxon))
		return;
	bool root = vmxroot_active();
	if (page == order_watch.vmcs && root && vmx_vmptrst(&current) == VMX_SUCCEED && current == (u64)page)
		why_not(order_watch.why, sizeof(order_watch.why), "the VMCS page was freed while it was still "
			"the current VMCS: VMCLEAR it first, then free it");
	else if (page == order_watch.vmxon && root)
		why_not(order_watch.why, sizeof(order_watch.why), "the VMXON region was freed while the "
			"processor was still in VMX operation: VMXOFF first, then free it");
}

/* The pages page_free() was given meanwhile (record_free() as its hook). */
static void *freed[8];
static unsigned freed_count;

static void record_free(void *page)
{
	if (freed_count < ARRAY_SIZE(freed))
		freed[freed_count] = page;
	freed_count++;
}

static bool was_freed(const void *page)
{
	for (unsigned i = 0; i < freed_count && i < ARRAY_SIZE(freed); i++)
		if (freed[i] == page)
			return true;
	return false;
}

/* Makes decoy_vmcs, stamped with revision, the current VMCS; false if VMCLEAR or VMPTRLD fails. */
static bool load_decoy(u32 revision)
{
	*(u32 *)decoy_vmcs = revision & VMX_BASIC_REVISION_ID_MASK;
	return vmx_vmclear((u64)decoy_vmcs) == VMX_SUCCEED && vmx_vmptrld((u64)decoy_vmcs) == VMX_SUCCEED;
}

static void call_shutdown(void *p)
{
	struct cycle *c = p;
	c->ret = vmx_shutdown(&c->cpu);
}

/*
 * Labs 1-6 up to the guest's shutdown hypercall, then the student's vmx_shutdown().
 * False with an ABORT line if an earlier lab fails; otherwise c->ok says whether
 * vmx_shutdown() returned 0 (c->why says what went wrong if not).
 */
static bool life_cycle(struct cycle *c, int n)
{
	memset(c, 0, sizeof(*c));
	kprintf("-- life cycle %d\n", n);
	struct prereq p = { 0 };
	struct prereq_vm vm;
	if (!prereq_labs(&p, 1, 2))
		return false;
	c->free_before = page_free_count();
	if (!prereq_labs(&p, 3, 3) || !prereq_vm_new(&vm, &p.caps, &guest_hypercall))
		return false;
	c->caps = p.caps;
	c->cpu = (struct vmx_cpu){ .vmxon_region = p.vmxon_region, .vmcs = vm.vmcs,
				   .guest_stack = vm.stack };
	c->vmcs = c->cpu.vmcs;
	struct guest_run *r = &c->run;
	bool guest_ok = guest_run(r, &c->caps, &guest_hypercall, harness_nonce() + (u64)n, 1000);
	guest_trace_print(guest_hypercall.name, n);
	if (!guest_ok || r->ret || !r->v.shutdown) {
		prereq_abort(6, "the guest did not run to its shutdown hypercall (%s)",
			     !r->ran ? r->why : r->ret ? hv_strerror(r->ret) : "vm_run() returned before it");
		return false;
	}

	if (n == 1) {
		order_watch.vmcs = c->cpu.vmcs;
		order_watch.vmxon = c->cpu.vmxon_region;
		order_watch.why[0] = '\0';
		page_set_free_hook(watch_order);
	} else if (!load_decoy((u32)rdmsr(MSR_IA32_VMX_BASIC))) {
		harness_abort("the harness could not make its own VMCS current");
		return false;
	}
	bool ran = harness_call("vmx_shutdown()", call_shutdown, c, c->why, sizeof(c->why));
	page_set_free_hook(NULL);
	if (!ran)
		return true;
	if (c->ret)
		why_not(c->why, sizeof(c->why), "vmx_shutdown() returned %d (%s)", c->ret,
			hv_strerror(c->ret));
	else
		c->ok = true;
	return true;
}

/* Back into VMX operation with the harness's own region (CR4.VMXE set for it); false if VMXON fails. */
static bool probe_enter(void)
{
	enum vmx_status s;
	struct fault f;
	*(u32 *)probe_region = (u32)(rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK);
	write_cr4(read_cr4() | CR4_VMXE);
	return vmxroot_vmxon((u64)probe_region, &s, &f) && s == VMX_SUCCEED;
}

static void probe_leave(void)
{
	vmx_vmxoff();
	write_cr4(read_cr4() & ~CR4_VMXE);
}

/*
 * Was the VMCS at vmcs VMCLEARed before VMXOFF? VMPTRLD it again and VMLAUNCH it
 * with a broken control: a clear VMCS fails the control check (error 7); one left
 * launched fails before that, with error 4 (SDM Vol. 3C, 31.3 "VMLAUNCH/VMRESUME":
 * the launch state is checked first). Its page is free, but nothing has reused it
 * (the probe allocates nothing). Returns the error number, or 0 if the probe failed.
 */
static u32 launch_state_probe(void *vmcs)
{
	u32 error = 0;
	if (!probe_enter())
		return 0;
	if (vmx_vmptrld((u64)vmcs) == VMX_SUCCEED) {
		vmcs_write(PIN_BASED_VM_EXEC_CONTROL, 0xFFFFFFFF);
		bool cf, zf;
		__asm__ volatile("vmlaunch" : "=@ccc"(cf), "=@ccz"(zf) : : "memory");
		if (VMX_STATUS(cf, zf) == VMX_FAIL_VALID)
			error = (u32)vmcs_read(VM_INSTRUCTION_ERROR);
		vmx_vmclear((u64)vmcs);
	}
	probe_leave();
	return error;
}

/* What the processor and the allocator say after vmx_shutdown(). */
struct after {
	bool root;              /* VMPTRST still works: still in VMX operation */
	u64 cr4;
	size_t free;            /* page_free_count() */
};

static struct after observe(void)
{
	return (struct after){ vmxroot_active(), read_cr4(), page_free_count() };
}

/* The checks of the first life cycle; true if they all passed. */
static bool check_first_cycle(struct cycle *c)
{
	char why[200] = "";
	bool ok = c->ok;
	struct after a = observe();

	check("shutdown", ok, "%s", c->why);
	check("ud_after", ok && !a.root, "%s",
	      !ok ? c->why : "VMPTRST still works: the processor is in VMX operation (VMXOFF missing?)");

	if (ok && (a.cr4 & CR4_VMXE))
		why_not(why, sizeof(why), "CR4 is %#lx: VMXE (bit 13) is still set", a.cr4);
	check("vmxe_clear", ok && !(a.cr4 & CR4_VMXE), "%s", !ok ? c->why : why);

	if (ok && a.free != c->free_before)
		why_not(why, sizeof(why), "%zu pages free, %zu before lab 3: %ld not given back", a.free,
			c->free_before, (long)(c->free_before - a.free));
	check("freed", ok && a.free == c->free_before, "%s", !ok ? c->why : why);

	u32 error = ok && !a.root ? launch_state_probe(c->vmcs) : 0;
	bool cleared = error == VMXERR_ENTRY_INVALID_CONTROL_FIELD;
	if (ok && !a.root && !cleared)
		why_not(why, sizeof(why), "VMLAUNCH of that VMCS, loaded again, fails with error %u "
			"(%s): it was not VMCLEARed before VMXOFF", error, vmx_error_text(error));
	check("vmclear", cleared, "%s",
	      !ok ? c->why : a.root ? "not checked: still in VMX operation" : why);

	check("order", ok && !order_watch.why[0], "%s", !ok ? c->why : order_watch.why);

	return ok && !a.root && !(a.cr4 & CR4_VMXE) && a.free == c->free_before && cleared;
}

/* The checks of the second life cycle: it ends as cleanly as the first, and its own VMCS was VMCLEARed. */
static void check_second_cycle(struct cycle *c)
{
	struct after a = observe();
	bool ok = c->ok;

	if (ok && (a.root || (a.cr4 & CR4_VMXE) || a.free != c->free_before))
		ok = why_not(c->why, sizeof(c->why), "after the second vmx_shutdown(): %s",
			     a.root ? "still in VMX operation" : (a.cr4 & CR4_VMXE) ? "CR4.VMXE set" :
			     "pages missing");
	check("twice", ok, "%s", c->why);

	char why[200] = "";
	bool probed = c->ok && !a.root;
	u32 error = probed ? launch_state_probe(c->vmcs) : 0;
	if (probed && error != VMXERR_ENTRY_INVALID_CONTROL_FIELD)
		why_not(why, sizeof(why), "with another VMCS current, vmx_shutdown() left its own VMCS launched "
			"(VMLAUNCH of it fails with error %u, %s): VMCLEAR cpu->vmcs, not the current VMCS",
			error, vmx_error_text(error));
	check("vmclear_own", probed && error == VMXERR_ENTRY_INVALID_CONTROL_FIELD, "%s",
	      probed ? why : "not checked: the second vmx_shutdown() did not leave VMX operation");
}

/*
 * vmx_shutdown() when VMCLEAR fails: in VMX operation with a region of the
 * harness's, and decoy_vmcs current, cpu->vmcs is that VMXON region itself,
 * which VMCLEAR refuses with VMfailValid, error 3 (SDM Vol. 3C, 31.3 "VMCLEAR";
 * VMfailValid needs a current VMCS to hold the error number: 31.2 "Conventions").
 * vmx_shutdown() must report it, return -HV_EVMXFAIL, free nothing and stop
 * there, still in VMX operation.
 */
static void check_fail_vmclear(void)
{
	static struct cycle c;
	static char said[2048];
	char why[300] = "";
	enum vmx_status s = VMX_FAIL_INVALID;
	struct fault f;
	u32 revision = (u32)(rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK);
	void *region = vmxroot_region(revision), *stack = page_alloc(), *other = page_alloc();

	write_cr4(read_cr4() | CR4_VMXE);
	bool ok = region && stack && other && vmxroot_vmxon((u64)region, &s, &f) && s == VMX_SUCCEED &&
		  load_decoy(revision);
	if (!ok) {
		why_not(why, sizeof(why), "not tried: the harness could not enter VMX operation with a VMCS");
	} else {
		memset(&c, 0, sizeof(c));
		c.cpu = (struct vmx_cpu){ .vmxon_region = other, .vmcs = region, .guest_stack = stack };
		freed_count = 0;
		page_set_free_hook(record_free);
		capture_begin(said, sizeof(said));
		ok = harness_call("vmx_shutdown()", call_shutdown, &c, why, sizeof(why));
		capture_end();
		page_set_free_hook(NULL);
	}
	bool root = vmxroot_active();
	if (ok && (c.ret != -HV_EVMXFAIL || freed_count || !root))
		ok = why_not(why, sizeof(why), "cpu->vmcs was the VMXON region, so VMCLEAR failed (VMfailValid, "
			     "error 3), and vmx_shutdown() returned %d (%s), freed %u page(s)%s; want "
			     "-HV_EVMXFAIL, no page freed, still in VMX operation", c.ret, hv_strerror(c.ret),
			     freed_count, root ? "" : ", left VMX operation");
	else if (ok && !strstr(said, "VMCLEAR"))
		ok = why_not(why, sizeof(why), "VMCLEAR failed and vmx_shutdown() returned -HV_EVMXFAIL, but "
			     "printed nothing that names VMCLEAR (vmx_report_failure())");
	check("fail_vmclear", ok, "%s", why);

	vmxroot_leave();
	write_cr4(read_cr4() & ~CR4_VMXE);
	void *const pages[] = { region, stack, other };
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i] && !was_freed(pages[i]))
			page_free(pages[i]);
}

static void check_second_shutdown(struct cycle *c)
{
	char why[200] = "";
	size_t before = page_free_count();
	bool ok = c->ok && harness_call("vmx_shutdown() (again)", call_shutdown, c, why, sizeof(why));
	if (!c->ok)
		why_not(why, sizeof(why), "not checked: the life cycle did not complete");
	else if (ok && c->ret)
		ok = why_not(why, sizeof(why), "a second vmx_shutdown() returned %d (%s), want 0", c->ret,
			     hv_strerror(c->ret));
	else if (ok && page_free_count() != before)
		ok = why_not(why, sizeof(why), "a second vmx_shutdown() changed the free count");
	check("again", ok, "%s", why);
}

void lab7_vmx(struct prereq *p)
{
	(void)p;
	if (!life_cycle(&cycles[0], 1))
		return;
	bool clean = check_first_cycle(&cycles[0]);
	vmxroot_leave();
	if (!clean) {
		check("twice", false, "not tried: the first life cycle did not end cleanly (see the checks above)");
		check("vmclear_own", false, "not tried: the first life cycle did not end cleanly");
	} else if (life_cycle(&cycles[1], 2)) {
		check_second_cycle(&cycles[1]);
	}
	if (cycles[0].ok)
		check_second_shutdown(cycles[1].ok ? &cycles[1] : &cycles[0]);
	else
		check("again", false, "not tried: the first vmx_shutdown() did not succeed");
	check_fail_vmclear();
}

/* The demo (`make run`): the whole hypervisor, kernel/vmx/hypervisor.c, with every guest. */
void lab7_demo(struct prereq *p)
{
	static const struct guest_program *const guests[] = {
		&guest_hypercall, &guest_cpuid, &guest_io, &guest_msr, &guest_cr, &guest_hlt,
		&guest_vmx, &guest_breakpoint, &guest_triple_fault, &guest_invd, &guest_outs,
	};
	static struct hypervisor hv;

	(void)p;
	hv = (struct hypervisor){ .guard = harness_call, .nonce = harness_nonce() };
	guest_watchdog(100000);
	if (hypervisor_main(&hv, guests, ARRAY_SIZE(guests)))
		prereq_abort(hv.failed_lab, "%s", hv.why);
	guest_watchdog(0);
}
