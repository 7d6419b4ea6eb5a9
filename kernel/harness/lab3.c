/*
 * Lab 3 harness: the VMXON region, VMXON's outcomes, and vmx_enter_root()'s handling of
 * them. The harness proves VMX root operation itself (vmxroot_active()) and
 * provokes each failure on purpose:
 *   VMfailInvalid  a region whose revision identifier has bit 31 set, an
 *                  unaligned region, and VMXON in VMX root operation without a
 *                  current VMCS (SDM Vol. 3C, 31.3 "VMXON—Enter VMX Operation")
 *   VMfailValid    VMXON in VMX root operation with a current VMCS: error 15
 *   #UD avoided    vmx_enter_root() with CR4.VMXE clear must not execute VMXON
 * Scenario "vmx" (one boot); labs 1 and 2 run first.
 */
#include "capture.h"
#include "errno.h"
#include "harness.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmxon.h"
#include "vmxroot.h"
#include "x86.h"

struct call {
	const struct vmx_caps *caps;
	u64 pa;
	void *region;
	enum vmx_status status;
	int ret;
};

static void call_region_alloc(void *p)
{
	struct call *c = p;
	c->region = vmxon_region_alloc(c->caps);
}

static void call_vmxon(void *p)
{
	struct call *c = p;
	c->status = vmx_vmxon(c->pa);
}

static void call_enter_root(void *p)
{
	struct call *c = p;
	c->ret = vmx_enter_root(c->caps, &c->region);
}

/* Runs vmx_vmxon(pa); true if it returned want, else why says what happened. */
static bool vmxon_gives(u64 pa, enum vmx_status want, char *why, size_t size)
{
	struct call c = { .pa = pa };

	if (!harness_call("vmx_vmxon()", call_vmxon, &c, why, size))
		return false;
	if (c.status == want)
		return true;
	ksnprintf(why, size, "vmx_vmxon(%#lx) returned %s (%d), want %s", pa,
		  vmx_status_name(c.status), (int)c.status, vmx_status_name(want));
	return false;
}

static void check_region(const struct vmx_caps *caps, u32 revision)
{
	char why[192] = "";
	size_t before = page_free_count();
	struct call c = { .caps = caps };
	bool ok = harness_call("vmxon_region_alloc()", call_region_alloc, &c, why, sizeof(why));
	u32 *r = c.region;

	if (ok && !r)
		ok = why_not(why, sizeof(why), "it returned NULL");
	else if (ok && !IS_ALIGNED(r, PAGE_SIZE))
		ok = why_not(why, sizeof(why), "the region %p is not 4 KiB-aligned", r);
	else if (ok && page_free_count() != before - 1)
		ok = why_not(why, sizeof(why), "the page allocator's free count went from %zu to %zu, "
			  "want one page from page_alloc()", before, page_free_count());
	else if (ok && r[0] != revision)
		ok = why_not(why, sizeof(why), "the first 32 bits are %#x, want the revision id %#x with "
			  "bit 31 clear", r[0], revision);
	check("region", ok, "%s", why);
	if (ok)
		page_free(r);
}

/* VMXON's own outcomes, with regions the harness prepares. */
static void check_vmxon(u32 revision)
{
	char why[192] = "";
	u32 *good = vmxroot_region(revision);
	u32 *bad = vmxroot_region(revision);
	u32 *vmcs = vmxroot_region(revision);

	if (!good || !bad || !vmcs) {
		harness_abort("out of pages before lab 3's checks");
		return;
	}
	bad[0] = revision | 0x80000000u;

	bool ok = vmxon_gives((u64)bad, VMX_FAIL_INVALID, why, sizeof(why));
	if (ok && vmxroot_active())
		ok = why_not(why, sizeof(why), "the CPU is in VMX operation after a failed VMXON");
	if (ok)
		ok = vmxon_gives((u64)good + 8, VMX_FAIL_INVALID, why, sizeof(why));
	check("fail_invalid", ok, "%s", why);
	vmxroot_leave();

	ok = vmxon_gives((u64)good, VMX_SUCCEED, why, sizeof(why));
	u64 current = 0;
	if (ok && !vmxroot_active())
		ok = why_not(why, sizeof(why), "VMPTRST raised #UD: the CPU is not in VMX operation");
	else if (ok && vmx_vmptrst(&current) == VMX_SUCCEED && current != ~0ULL)
		ok = why_not(why, sizeof(why), "the current-VMCS pointer is %#lx, want all ones", current);
	check("vmxon", ok, "%s", why);

	if (ok) {
		ok = vmxon_gives((u64)good, VMX_FAIL_INVALID, why, sizeof(why));
		check("root_no_vmcs", ok, "%s", why);

		u64 err = 0;
		ok = vmx_vmclear((u64)vmcs) == VMX_SUCCEED && vmx_vmptrld((u64)vmcs) == VMX_SUCCEED;
		if (!ok)
			why_not(why, sizeof(why), "the harness could not make a VMCS current");
		else if (!vmxon_gives((u64)good, VMX_FAIL_VALID, why, sizeof(why)))
			ok = false;
		else if (vmx_vmread(VM_INSTRUCTION_ERROR, &err) != VMX_SUCCEED ||
			 err != VMXERR_VMXON_IN_VMX_ROOT_OPERATION)
			ok = why_not(why, sizeof(why), "VM_INSTRUCTION_ERROR is %lu, want 15", err);
		if (check("root_vmcs", ok, "%s", why))
			vmx_report_failure("  (as provoked) VMXON in VMX root operation", VMX_FAIL_VALID);
	} else {
		check("root_no_vmcs", false, "not checked: vmx_vmxon() did not enter VMX root operation");
		check("root_vmcs", false, "not checked: vmx_vmxon() did not enter VMX root operation");
	}
	vmxroot_leave();
	page_free(good);
	page_free(bad);
	page_free(vmcs);
}

/* vmx_enter_root() end to end: success, a VMXON failure, and CR4.VMXE clear. */
static void check_enter_root(const struct vmx_caps *caps, u32 revision)
{
	char why[192] = "";
	char said[256];
	size_t before = page_free_count();
	struct call c = { .caps = caps };

	bool ok = harness_call("vmx_enter_root()", call_enter_root, &c, why, sizeof(why));
	u32 *r = c.region;
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "vmx_enter_root() returned %d (%s), want 0", c.ret,
			  hv_strerror(c.ret));
	else if (ok && (!r || !IS_ALIGNED(r, PAGE_SIZE) || r[0] != revision))
		ok = why_not(why, sizeof(why), "*region is %p, want an aligned page stamped %#x", r,
			  revision);
	else if (ok && !vmxroot_active())
		ok = why_not(why, sizeof(why), "the CPU is not in VMX operation afterwards");
	check("enter_root", ok, "%s", why);
	vmxroot_leave();
	if (ok)
		page_free(r);

	/* A processor that wants another revision id: VMXON must fail, be named, and leak nothing. */
	struct vmx_caps wrong = *caps;
	wrong.basic.revision_id = revision ^ 1;
	c = (struct call){ .caps = &wrong };
	before = page_free_count();
	capture_begin(said, sizeof(said));
	ok = harness_call("vmx_enter_root()", call_enter_root, &c, why, sizeof(why));
	capture_end();
	if (ok && c.ret != -HV_EVMXFAIL)
		ok = why_not(why, sizeof(why), "vmx_enter_root() returned %d (%s), want -HV_EVMXFAIL", c.ret,
			  hv_strerror(c.ret));
	else if (ok && vmxroot_active())
		ok = why_not(why, sizeof(why), "the CPU is in VMX operation after a failed VMXON");
	else if (ok && !strstr(said, "VMfailInvalid"))
		ok = why_not(why, sizeof(why), "the failure was not reported by name: no \"VMfailInvalid\" "
			  "was printed");
	else if (ok && page_free_count() != before)
		ok = why_not(why, sizeof(why), "%ld page(s) leaked: free count %zu, was %zu",
			  (long)(before - page_free_count()), page_free_count(), before);
	check("enter_root_fail", ok, "%s", why);
	vmxroot_leave();

	/* CR4.VMXE clear: VMXON would raise #UD. */
	write_cr4(read_cr4() & ~CR4_VMXE);
	c = (struct call){ .caps = caps };
	before = page_free_count();
	ok = harness_call("vmx_enter_root()", call_enter_root, &c, why, sizeof(why));
	if (ok && c.ret != -HV_EINVAL)
		ok = why_not(why, sizeof(why), "vmx_enter_root() returned %d (%s), want -HV_EINVAL", c.ret,
			  hv_strerror(c.ret));
	else if (ok && page_free_count() != before)
		ok = why_not(why, sizeof(why), "a page leaked");
	check("vmxe_clear", ok, "%s", why);
	write_cr4(read_cr4() | CR4_VMXE);
}

void lab3_vmx(struct prereq *p)
{
	u32 revision = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK;
	check_region(&p->caps, revision);
	check_vmxon(revision);
	check_enter_root(&p->caps, revision);
}
