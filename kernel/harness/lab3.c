/*
 * Lab 3 harness: the VMXON region, VMXON's outcomes, and vmx_enter_root()'s handling of
 * them. The harness proves VMX root operation itself (vmxroot_active()) and
 * provokes each failure on purpose:
 *   VMfailInvalid  a region whose revision identifier has bit 31 set, an
 *                  unaligned region, and VMXON in VMX root operation without a
 *                  current VMCS (SDM Vol. 3C, 31.3 "VMXON—Enter VMX Operation")
 *   VMfailValid    VMXON in VMX root operation with a current VMCS: error 15
 *   VMfailValid in vmx_enter_root(): the harness is in VMX root operation with a
 *                  current VMCS when it calls it (error 15)
 *   #UD avoided    vmx_enter_root() with CR4.VMXE clear must not execute VMXON
 *   out of pages   the harness holds every free page while vmx_enter_root() runs
 * vmxon_region_alloc() is also judged on made-up caps (revision id, region size),
 * since every Bochs model reports 4096-byte regions.
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

/*
 * vmxon_region_alloc() on made-up caps: the revision id and region size come from caps,
 * never from constants or the MSR. SDM Vol. 3D, A.1 "Basic VMX Information": bits 44:32
 * of IA32_VMX_BASIC give the region size, greater than 0 and at most 4096, so a page
 * always fits it; a size above one page (which the interface refuses) gives NULL.
 */
static void check_region_caps(const struct vmx_caps *caps)
{
	static const struct { u32 revision, size; bool fits; } cases[] = {
		{ 0x01234567, 4096, true },
		{ 0x00000123, 1024, true },
		{ 0x7FFFFFFF, 16, true },
		{ 0x00000042, 8192, false },
	};
	char why[192] = "";
	bool ok = true;

	for (size_t i = 0; ok && i < ARRAY_SIZE(cases); i++) {
		struct vmx_caps fake = *caps;
		fake.basic.revision_id = cases[i].revision;
		fake.basic.region_size = cases[i].size;
		struct call c = { .caps = &fake };
		size_t before = page_free_count();
		ok = harness_call("vmxon_region_alloc()", call_region_alloc, &c, why, sizeof(why));
		u32 *r = c.region;
		size_t taken = before - page_free_count();
		if (!ok)
			break;
		if (!cases[i].fits && (r || taken))
			ok = why_not(why, sizeof(why), "with made-up caps (region size %u bytes, more than "
				     "a page) it returned %p and took %zu page(s), want NULL and none",
				     cases[i].size, r, taken);
		else if (cases[i].fits && !r)
			ok = why_not(why, sizeof(why), "with made-up caps (revision id %#x, region size %u "
				     "bytes) it returned NULL, want a page: any size up to 4096 fits one",
				     cases[i].revision, cases[i].size);
		else if (cases[i].fits && (!IS_ALIGNED(r, PAGE_SIZE) || taken != 1))
			ok = why_not(why, sizeof(why), "with made-up caps it returned %p and took %zu "
				     "page(s), want one aligned page from page_alloc()", r, taken);
		else if (cases[i].fits && r[0] != cases[i].revision)
			ok = why_not(why, sizeof(why), "with made-up caps (revision id %#x) the first 32 bits "
				     "are %#x: take the revision id from caps", cases[i].revision, r[0]);
		if (r && taken == 1)
			page_free(r);
	}
	check("region_caps", ok, "%s", why);
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

/*
 * VMXON in VMX root operation with a current VMCS fails with VMfailValid, error 15
 * (SDM Vol. 3C, 31.3 "VMXON—Enter VMX Operation"): vmx_enter_root() must treat it as
 * the failure it is, like VMfailInvalid.
 */
static void check_enter_root_fail_valid(const struct vmx_caps *caps, u32 revision)
{
	char why[192] = "";
	char said[256];
	u32 *mine = vmxroot_region(revision);
	u32 *vmcs = vmxroot_region(revision);
	enum vmx_status s = VMX_FAIL_INVALID;
	struct fault f;
	bool ok = mine && vmcs && vmxroot_vmxon((u64)mine, &s, &f) && s == VMX_SUCCEED &&
		  vmx_vmclear((u64)vmcs) == VMX_SUCCEED && vmx_vmptrld((u64)vmcs) == VMX_SUCCEED;

	if (!ok) {
		vmxroot_leave();
		harness_abort("the harness could not enter VMX root operation with a current VMCS");
		return;
	}
	kprintf("the harness is in VMX root operation with a current VMCS: VMXON must fail\n");
	size_t before = page_free_count();
	void *sentinel = (void *)1;
	struct call c = { .caps = caps, .region = sentinel };
	capture_begin(said, sizeof(said));
	ok = harness_call("vmx_enter_root()", call_enter_root, &c, why, sizeof(why));
	capture_end();
	if (ok && c.ret != -HV_EVMXFAIL)
		ok = why_not(why, sizeof(why), "VMXON in VMX root operation with a current VMCS ends in "
			     "VMfailValid, but vmx_enter_root() returned %d (%s), want -HV_EVMXFAIL", c.ret,
			     hv_strerror(c.ret));
	else if (ok && !strstr(said, "VMfailValid"))
		ok = why_not(why, sizeof(why), "the failure was not reported by name: no \"VMfailValid\" "
			     "was printed");
	else if (ok && page_free_count() != before)
		ok = why_not(why, sizeof(why), "%ld page(s) leaked: free count %zu, was %zu",
			     (long)(before - page_free_count()), page_free_count(), before);
	else if (ok && c.region != sentinel)
		ok = why_not(why, sizeof(why), "*region was set to %p on failure", c.region);
	check("enter_root_fail_valid", ok, "%s", why);
	vmxroot_leave();
	page_free(mine);
	page_free(vmcs);
}

/*
 * Out of pages: page_alloc() returns NULL while vmx_enter_root() runs (page_set_dry()).
 * It must return -HV_ENOMEM without executing VMXON.
 */
static void check_enter_root_nomem(const struct vmx_caps *caps)
{
	char why[192] = "";

	kprintf("the harness makes page_alloc() return NULL while vmx_enter_root() runs\n");
	struct call c = { .caps = caps };
	page_set_dry(true);
	bool ok = harness_call("vmx_enter_root()", call_enter_root, &c, why, sizeof(why));
	page_set_dry(false);
	bool active = vmxroot_active();
	vmxroot_leave();
	if (ok && c.ret != -HV_ENOMEM)
		ok = why_not(why, sizeof(why), "with no free page, vmx_enter_root() returned %d (%s), "
			     "want -HV_ENOMEM", c.ret, hv_strerror(c.ret));
	else if (ok && active)
		ok = why_not(why, sizeof(why), "with no free page, the CPU is in VMX operation afterwards: "
			     "VMXON ran without a region");
	check("enter_root_nomem", ok, "%s", why);
}

void lab3_vmx(struct prereq *p)
{
	u32 revision = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_ID_MASK;
	check_region(&p->caps, revision);
	check_region_caps(&p->caps);
	check_vmxon(revision);
	check_enter_root(&p->caps, revision);
	check_enter_root_fail_valid(&p->caps, revision);
	check_enter_root_nomem(&p->caps);
}
