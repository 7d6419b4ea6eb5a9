/*
 * Lab 8 harness: the student's EPT code, judged by the harness's own reading of
 * the tables (hw_walk(), which follows the entries as the processor does) and by
 * what the guest image observes: values it derives from the run's nonce and
 * leaves in its own memory, which the harness finds at the host-physical
 * addresses the student's tables say. Each guest run is a fresh VM: the
 * student's lab-4 VMCS, the image's guest state, the student's EPT.
 * The "noept" scenario runs on core2_penryn_t9600, which has VMX but no EPT; the
 * "undefined" scenario on corei7_skylake_x, whose VM-exit information fields
 * VMWRITE may write.
 */
#include "capture.h"
#include "ept.h"
#include "ept_vm.h"
#include "errno.h"
#include "guest.h"
#include "harness.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "vmxroot.h"
#include "x86.h"

static const struct vmx_caps *lab_caps;

/* The processor's walk of gpa through the tables at root: the HPA, and the AND of R/W/X on the way (0: not mapped). */
static u64 hw_walk(const u64 *root, u64 gpa, u64 *perm, u64 *leaf)
{
	const u64 *table = root;
	u64 p = EPT_RWX;
	for (int level = 4; level >= 1 && table; level--) {
		u64 e = table[(gpa >> (12 + 9 * (level - 1))) & 511];
		p &= e;
		if (!(e & EPT_RWX))
			break;
		if (level == 1 || (level == 2 && (e & EPT_LARGE))) {
			u64 mask = level == 1 ? PAGE_SIZE - 1 : EPT_LARGE_SIZE - 1;
			*perm = p & EPT_RWX;
			if (leaf)
				*leaf = e;
			return (e & EPT_ADDR_MASK & ~mask) | (gpa & mask);
		}
		table = (const u64 *)(e & EPT_ADDR_MASK);
	}
	*perm = 0;
	return 0;
}

/* How many table pages hang below (and including) the table at level. */
static size_t hw_tables(const u64 *table, int level)
{
	size_t n = 1;
	for (unsigned i = 0; level > 1 && i < 512; i++)
		if ((table[i] & EPT_RWX) && !(level == 2 && (table[i] & EPT_LARGE)))
			n += hw_tables((const u64 *)(table[i] & EPT_ADDR_MASK), level - 1);
	return n;
}

/* The guest's generator (kernel/guest/images/ept_guest.asm, lcg_next). */
static u64 lcg_next(u64 x)
{
	return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

/* ---- calls into the student's code ---- */

struct call {
	const struct vmx_caps *caps;
	struct ept *ept;
	struct ept_vm *vm;
	u64 gpa, hpa, size, flags;
	u64 *out_hpa, *out_flags;
	int ret;
};

static void call_check_caps(void *p) { struct call *c = p; c->ret = ept_check_caps(c->caps); }
static void call_init(void *p) { struct call *c = p; c->ret = ept_init(c->ept); }
static void call_map(void *p) { struct call *c = p; c->ret = ept_map(c->ept, c->gpa, c->hpa, c->size, c->flags); }
static void call_walk(void *p) { struct call *c = p; c->ret = ept_walk(c->ept, c->gpa, c->out_hpa, c->out_flags); }
static void call_protect(void *p) { struct call *c = p; c->ret = ept_protect(c->ept, c->gpa, c->size, c->flags); }
static void call_unmap(void *p) { struct call *c = p; c->ret = ept_unmap(c->ept, c->gpa, c->size); }
static void call_destroy(void *p) { struct call *c = p; ept_destroy(c->ept); c->ret = 0; }

/* Runs fn under harness_call(); false (with why) if it faulted. */
static bool call(const char *who, void (*fn)(void *), void *c, char *why, size_t size)
{
	return harness_call(who, fn, c, why, size);
}

/* ---- exercise 1 ---- */

static void check_caps(void)
{
	char why[200] = "";
	struct call c = { .caps = lab_caps };
	bool ok = call("ept_check_caps()", call_check_caps, &c, why, sizeof(why));
	if (ok && c.ret != 0)
		ok = why_not(why, sizeof(why), "ept_check_caps() returned %d (%s) on this model, which has "
			     "everything the lab needs (IA32_VMX_EPT_VPID_CAP %#lx)", c.ret, hv_strerror(c.ret),
			     lab_caps->ept_vpid);
	check("caps", ok, "%s", why);

	/* Made-up processors, each without one thing the lab needs. */
	static const struct {
		u64 cap_bit;
		u32 ctl_bit;
		const char *what;
	} missing[] = {
		{ VMX_EPT_PAGE_WALK_4_BIT, 0, "a 4-level walk" },
		{ VMX_EPTP_WB_BIT, 0, "write-back EPT structures" },
		{ VMX_EPT_2MB_PAGE_BIT, 0, "2 MiB pages" },
		{ VMX_EPT_INVEPT_BIT, 0, "INVEPT" },
		{ VMX_EPT_EXTENT_CONTEXT_BIT, 0, "single-context INVEPT" },
		{ VMX_VPID_INVVPID_BIT, 0, "INVVPID" },
		{ VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT, 0, "single-context INVVPID" },
		{ 0, SECONDARY_EXEC_ENABLE_EPT, "the \"enable EPT\" control" },
		{ 0, SECONDARY_EXEC_ENABLE_VPID, "the \"enable VPID\" control" },
	};
	ok = true;
	for (size_t i = 0; ok && i < ARRAY_SIZE(missing); i++) {
		struct vmx_caps fake = *lab_caps;
		fake.ept_vpid &= ~missing[i].cap_bit;
		fake.procbased2.allowed1 &= ~missing[i].ctl_bit;
		c = (struct call){ .caps = &fake };
		ok = call("ept_check_caps()", call_check_caps, &c, why, sizeof(why));
		if (ok && c.ret != -HV_ENOEPT)
			ok = why_not(why, sizeof(why), "on a processor like this one but without %s, "
				     "ept_check_caps() returned %d (%s), want -HV_ENOEPT", missing[i].what,
				     c.ret, hv_strerror(c.ret));
	}
	check("caps_refuse", ok, "%s", why);
}

/* On core2_penryn_t9600 (VMX without EPT or VPID), the real processor must be refused. */
void lab8_noept(struct prereq *p)
{
	char why[200] = "";
	struct call c = { .caps = &p->caps };
	bool ok = call("ept_check_caps()", call_check_caps, &c, why, sizeof(why));
	if (ok && c.ret != -HV_ENOEPT)
		ok = why_not(why, sizeof(why), "ept_check_caps() returned %d (%s) on a processor without "
			     "EPT, want -HV_ENOEPT", c.ret, hv_strerror(c.ret));
	check("refuse", ok, "%s", why);
}

/* ---- exercise 2: the tables, outside any VM ---- */

#define T_GPA4K ((u64)0x12345000)          /* 4 KiB pages far from each other in every table */
#define T_GPA2M ((u64)0x40000000)          /* 1 GiB: a fresh PDPTE */

static void check_tables(void)
{
	char why[240] = "";
	/* What a caller's stack may hold before ept_init(): the EPT is not in use yet. */
	struct ept ept = { .pml4 = (u64 *)0xDEAD000, .eptp = 0x5A5A5A5A5A5A501EULL };
	struct call c = { .ept = &ept };
	size_t free_before = page_free_count();
	void *pages[3] = { page_alloc(), page_alloc(), page_alloc() };
	void *big = page_alloc_contig(EPT_LARGE_SIZE / PAGE_SIZE, EPT_LARGE_SIZE);
	if (!pages[0] || !pages[1] || !pages[2] || !big) {
		harness_abort("out of pages before the EPT tests");
		return;
	}
	bool ran = call("ept_init()", call_init, &c, why, sizeof(why));
	if (ran && (c.ret || !ept.pml4))
		ran = why_not(why, sizeof(why), "ept_init() returned %d (%s) and root %p", c.ret,
			      hv_strerror(c.ret), (void *)ept.pml4);
	/* Two pages read+execute write-back, one read+write uncacheable; the 2 MiB page read+write. */
	static const struct { u64 gpa_off; unsigned page; u64 flags; } maps[] = {
		{ 0x0000, 0, EPT_READ | EPT_EXEC | EPT_MT(VMX_MEM_TYPE_WB) },
		{ 0x1000, 2, EPT_READ | EPT_EXEC | EPT_MT(VMX_MEM_TYPE_WB) },
		{ 0x5000, 1, EPT_READ | EPT_WRITE | EPT_MT(VMX_MEM_TYPE_UC) },
	};
	bool ok = ran;
	for (size_t i = 0; ok && i < ARRAY_SIZE(maps); i++) {
		c = (struct call){ .ept = &ept, .gpa = T_GPA4K + maps[i].gpa_off, .hpa = (u64)pages[maps[i].page],
				   .size = PAGE_SIZE, .flags = maps[i].flags };
		ok = call("ept_map()", call_map, &c, why, sizeof(why));
		if (ok && c.ret)
			ok = why_not(why, sizeof(why), "ept_map(gpa %#lx, hpa %#lx, 4 KiB, flags %#lx) returned %d (%s)",
				     c.gpa, c.hpa, c.flags, c.ret, hv_strerror(c.ret));
	}
	for (size_t i = 0; ok && i < ARRAY_SIZE(maps); i++) {
		u64 perm, leaf, gpa = T_GPA4K + maps[i].gpa_off + 0x123;
		u64 hpa = hw_walk(ept.pml4, gpa, &perm, &leaf);
		u64 want = (u64)pages[maps[i].page] + 0x123;
		if (hpa != want || perm != (maps[i].flags & EPT_RWX) ||
		    (leaf & EPT_MT_MASK) != (maps[i].flags & EPT_MT_MASK))
			ok = why_not(why, sizeof(why), "after ept_map(gpa %#lx, flags %#lx), the processor would "
				     "translate GPA %#lx to HPA %#lx with permissions %#lx and leaf %#lx; want HPA "
				     "%#lx, permissions %#lx, memory type %lu", T_GPA4K + maps[i].gpa_off,
				     maps[i].flags, gpa, hpa, perm, leaf, want, (u64)(maps[i].flags & EPT_RWX),
				     (u64)((maps[i].flags & EPT_MT_MASK) >> EPT_MT_SHIFT));
	}
	u64 perm;
	for (u64 off = 0x2000; ok && off < 0x5000; off += PAGE_SIZE)
		if (hw_walk(ept.pml4, T_GPA4K + off, &perm, NULL) || perm)
			ok = why_not(why, sizeof(why), "GPA %#lx, which nobody mapped, is mapped", T_GPA4K + off);
	if (ran)
		check("map", ok, "%s", why);

	/* A 2 MiB page, and 2 MiB at a GPA that is aligned but an HPA that is not. */
	ok = ran;
	c = (struct call){ .ept = &ept, .gpa = T_GPA2M, .hpa = (u64)big, .size = EPT_LARGE_SIZE,
			   .flags = EPT_READ | EPT_WRITE | EPT_MT(VMX_MEM_TYPE_WB) };
	ok = ok && call("ept_map()", call_map, &c, why, sizeof(why));
	if (ok && c.ret)
		ok = why_not(why, sizeof(why), "ept_map() of 2 MiB at GPA %#lx returned %d (%s)", c.gpa, c.ret,
			     hv_strerror(c.ret));
	u64 leaf = 0, hpa = ok ? hw_walk(ept.pml4, T_GPA2M + 0x1ABCDE, &perm, &leaf) : 0;
	if (ok && (hpa != (u64)big + 0x1ABCDE || !(leaf & EPT_LARGE)))
		ok = why_not(why, sizeof(why), "2 MiB at 2 MiB-aligned GPA %#lx and HPA %p: GPA %#lx goes to HPA "
			     "%#lx through a leaf %#lx; want HPA %#lx through one PDE that maps a 2 MiB page",
			     (u64)T_GPA2M, big, (u64)T_GPA2M + 0x1ABCDE, hpa, leaf, (u64)big + 0x1ABCDE);
	c = (struct call){ .ept = &ept, .gpa = T_GPA2M + EPT_LARGE_SIZE, .hpa = (u64)big + PAGE_SIZE,
			   .size = EPT_LARGE_SIZE - PAGE_SIZE, .flags = EPT_READ | EPT_MT(VMX_MEM_TYPE_WB) };
	ok = ok && call("ept_map()", call_map, &c, why, sizeof(why));
	if (ok && c.ret)
		ok = why_not(why, sizeof(why), "ept_map() of 2 MiB - 4 KiB at GPA %#lx, HPA %#lx returned %d (%s)",
			     c.gpa, c.hpa, c.ret, hv_strerror(c.ret));
	hpa = ok ? hw_walk(ept.pml4, c.gpa + 0x1000, &perm, &leaf) : 0;
	if (ok && (hpa != c.hpa + 0x1000 || (leaf & EPT_LARGE)))
		ok = why_not(why, sizeof(why), "ept_map() of less than 2 MiB at a 2 MiB-aligned GPA must use "
			     "4 KiB pages: GPA %#lx goes to HPA %#lx through leaf %#lx", c.gpa + 0x1000, hpa, leaf);
	if (ran)
		check("large", ok, "%s", why);

	/* What ept_map() must refuse. */
	static const struct { u64 gpa, hpa_off, size, flags; const char *what; } bad[] = {
		{ T_GPA4K + 0x8000, 0x800, PAGE_SIZE, EPT_READ | EPT_MT(6), "an HPA not 4 KiB-aligned" },
		{ T_GPA4K + 0x8000, 0, 0, EPT_READ | EPT_MT(6), "size 0" },
		{ T_GPA4K + 0x8000, 0, PAGE_SIZE, EPT_WRITE | EPT_MT(6), "write without read" },
		{ T_GPA4K + 0x8000, 0, PAGE_SIZE, EPT_READ | EPT_MT(2), "memory type 2 (reserved)" },
		{ T_GPA4K + 0x8000, 0, PAGE_SIZE, EPT_READ | EPT_MT(7), "memory type 7 (reserved)" },
		{ T_GPA4K + 0x5000, 0, PAGE_SIZE, EPT_READ | EPT_MT(6), "a GPA already mapped" },
	};
	ok = ran;
	for (size_t i = 0; ok && i < ARRAY_SIZE(bad); i++) {
		c = (struct call){ .ept = &ept, .gpa = bad[i].gpa, .hpa = (u64)pages[0] + bad[i].hpa_off,
				   .size = bad[i].size, .flags = bad[i].flags };
		ok = call("ept_map()", call_map, &c, why, sizeof(why));
		if (ok && c.ret != -HV_EINVAL)
			ok = why_not(why, sizeof(why), "ept_map() with %s returned %d (%s), want -HV_EINVAL",
				     bad[i].what, c.ret, hv_strerror(c.ret));
	}
	if (ran)
		check("map_errors", ok, "%s", why);

	/* The student's walk against the processor's. */
	static const u64 probes[] = { T_GPA4K + 0x0FF8, T_GPA4K + 0x5ABC, T_GPA2M + 0x1FFFF8, T_GPA2M + 0x3456,
				      T_GPA4K + 0x3000, T_GPA2M + 0x600000 };
	ok = ran;
	for (size_t i = 0; ok && i < ARRAY_SIZE(probes); i++) {
		u64 shpa = ~0ULL, sflags = ~0ULL, leaf2 = 0;
		u64 want = hw_walk(ept.pml4, probes[i], &perm, &leaf2);
		c = (struct call){ .ept = &ept, .gpa = probes[i], .out_hpa = &shpa, .out_flags = &sflags };
		ok = call("ept_walk()", call_walk, &c, why, sizeof(why));
		if (ok && !perm && c.ret != -HV_EINVAL)
			ok = why_not(why, sizeof(why), "ept_walk(GPA %#lx), which is not mapped, returned %d (%s), "
				     "want -HV_EINVAL", probes[i], c.ret, hv_strerror(c.ret));
		else if (ok && perm && (c.ret || shpa != want || sflags != (leaf2 & 0xFFF)))
			ok = why_not(why, sizeof(why), "ept_walk(GPA %#lx) returned %d, HPA %#lx, flags %#lx; the "
				     "tables say HPA %#lx, flags %#lx", probes[i], c.ret, shpa, sflags, want,
				     leaf2 & 0xFFF);
	}
	if (ran)
		check("walk", ok, "%s", why);

	/* Protect one page of three, unmap another: nothing else may change. */
	ok = ran;
	c = (struct call){ .ept = &ept, .gpa = T_GPA4K + 0x1000, .size = PAGE_SIZE, .flags = EPT_READ };
	ok = ok && call("ept_protect()", call_protect, &c, why, sizeof(why));
	if (ok && c.ret)
		ok = why_not(why, sizeof(why), "ept_protect(GPA %#lx, read-only) returned %d (%s)", c.gpa, c.ret,
			     hv_strerror(c.ret));
	c = (struct call){ .ept = &ept, .gpa = T_GPA4K + 0x5000, .size = PAGE_SIZE };
	ok = ok && call("ept_unmap()", call_unmap, &c, why, sizeof(why));
	if (ok && c.ret)
		ok = why_not(why, sizeof(why), "ept_unmap(GPA %#lx) returned %d (%s)", c.gpa, c.ret,
			     hv_strerror(c.ret));
	if (ok) {
		u64 p0, p1, p5, l1 = 0;
		u64 h0 = hw_walk(ept.pml4, T_GPA4K, &p0, NULL), h1 = hw_walk(ept.pml4, T_GPA4K + 0x1000, &p1, &l1);
		hw_walk(ept.pml4, T_GPA4K + 0x5000, &p5, NULL);
		if (h0 != (u64)pages[0] || p0 != (EPT_READ | EPT_EXEC) || h1 != (u64)pages[2] ||
		    p1 != EPT_READ || (l1 & EPT_MT_MASK) != EPT_MT(VMX_MEM_TYPE_WB) || p5)
			ok = why_not(why, sizeof(why), "after protecting GPA %#lx read-only and unmapping %#lx: "
				     "the three pages have permissions %#lx, %#lx, %#lx (want 0x5, 0x1, 0) and "
				     "HPAs %#lx, %#lx (want %p, %p)", T_GPA4K + 0x1000, T_GPA4K + 0x5000, p0, p1, p5,
				     h0, h1, pages[0], pages[2]);
	}
	if (ran)
		check("protect", ok, "%s", why);

	/* ept_destroy(): every table page back. */
	size_t tables = ran ? hw_tables(ept.pml4, 4) : 0;
	size_t before_destroy = page_free_count();
	c = (struct call){ .ept = &ept };
	ok = ran && call("ept_destroy()", call_destroy, &c, why, sizeof(why));
	if (ok && page_free_count() != before_destroy + tables)
		ok = why_not(why, sizeof(why), "ept_destroy() gave back %zu pages; the tables held %zu",
			     page_free_count() - before_destroy, tables);
	else if (ok && ept.pml4)
		ok = why_not(why, sizeof(why), "after ept_destroy(), ept->pml4 still points to %p",
			     (void *)ept.pml4);
	if (ran)
		check("destroy", ok, "%s", why);
	for (size_t i = 0; i < 3; i++)
		page_free(pages[i]);
	for (u64 off = 0; off < EPT_LARGE_SIZE; off += PAGE_SIZE)
		page_free((u8 *)big + off);
	if (!ran) {
		static const char *const ids[] = { "map", "large", "map_errors", "walk", "protect", "destroy" };
		for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
			check(ids[i], false, "%s", why);
	} else if (page_free_count() != free_before) {
		kprintf("the table tests leaked %zu pages\n", free_before - page_free_count());
	}
}

/* ---- exercises 3-5: a VM on the student's EPT ---- */

struct vm_run {
	struct ept_vm vm;
	struct prereq_vm pvm;
	size_t free_before;     /* page_free_count() before the VM was built */
	size_t npages_built;    /* vm.npages once built: what demand paging adds comes after */
	int ret;                /* ept_vm_run() */
	bool built, ran;
	bool fresh;             /* ept_vmcs_setup() invalidated the EPTP's and the VPID's mappings */
	char said[768];         /* what the run printed */
	char why[240];
};

static u16 next_vpid = 1;

struct vm_call {
	struct vm_run *r;
	u64 task, arg;
	int ret;
};

static void call_create(void *p)
{
	struct vm_call *c = p;
	c->ret = ept_vm_create(&c->r->vm, lab_caps, next_vpid, harness_nonce(), c->task, c->arg);
}

static void call_setup(void *p)
{
	struct vm_call *c = p;
	c->ret = ept_vmcs_setup(&c->r->vm.ept, lab_caps, c->r->vm.vpid);
}

static void call_run(void *p)
{
	struct vm_call *c = p;
	c->ret = ept_vm_run(&c->r->vm);
}

static void call_vm_destroy(void *p)
{
	struct vm_call *c = p;
	ept_vm_destroy(&c->r->vm);
}

/*
 * Builds a VM for task (the lab-4 VMCS, the image, the student's EPT and
 * ept_vmcs_setup()); true if it is ready to run, else r->why says why. If
 * check_eptp, reports check "eptp" on the VMCS it set up.
 */
static bool vm_build(struct vm_run *r, u64 task, u64 arg, bool check_eptp)
{
	struct vm_call c = { .r = r, .task = task, .arg = arg };
	memset(r, 0, sizeof(*r));
	r->free_before = page_free_count();
	if (!prereq_vm_new(&r->pvm, lab_caps, &guest_hello))
		return why_not(r->why, sizeof(r->why), "lab 4's vmcs_setup() failed (see the ABORT line)");
	if (!call("ept_vm_create()", call_create, &c, r->why, sizeof(r->why)))
		return false;
	if (c.ret)
		return why_not(r->why, sizeof(r->why), "building the VM (ept_init(), ept_map(), ept_walk()) "
			       "failed: %d (%s)", c.ret, hv_strerror(c.ret));
	r->built = true;
	r->npages_built = r->vm.npages;
	int err = ept_vm_guest_state(&r->vm);
	if (err)
		return why_not(r->why, sizeof(r->why), "the image's guest state: %s", hv_strerror(err));
	u64 invvpids = vmx_invvpid_count(r->vm.vpid), invepts = vmx_invept_count((u64)r->vm.ept.pml4);
	if (!call("ept_vmcs_setup()", call_setup, &c, r->why, sizeof(r->why)))
		return false;
	r->fresh = vmx_invvpid_count(r->vm.vpid) > invvpids && vmx_invept_count((u64)r->vm.ept.pml4) > invepts;
	if (c.ret)
		return why_not(r->why, sizeof(r->why), "ept_vmcs_setup() returned %d (%s)", c.ret,
			       hv_strerror(c.ret));
	next_vpid++;
	if (check_eptp) {
		char why[240] = "";
		u64 eptp = vmcs_read(EPT_POINTER), vpid = vmcs_read(VIRTUAL_PROCESSOR_ID);
		u64 proc = vmcs_read(CPU_BASED_VM_EXEC_CONTROL), proc2 = vmcs_read(SECONDARY_VM_EXEC_CONTROL);
		u64 want = (u64)r->vm.ept.pml4 | VMX_MEM_TYPE_WB | 3 << 3 |
			   (lab_caps->ept_vpid & VMX_EPT_AD_BIT ? BIT(6) : 0);
		bool ok = true;
		if (eptp != want)
			ok = why_not(why, sizeof(why), "EPT_POINTER is %#lx, want %#lx: the root, write-back "
				     "walks, a 4-level walk, and accessed/dirty flags exactly when "
				     "IA32_VMX_EPT_VPID_CAP offers them", eptp, want);
		else if (r->vm.ept.eptp != eptp)
			ok = why_not(why, sizeof(why), "ept->eptp is %#lx, the VMCS says %#lx", r->vm.ept.eptp, eptp);
		else if (vpid != r->vm.vpid)
			ok = why_not(why, sizeof(why), "VIRTUAL_PROCESSOR_ID is %lu, want the VM's VPID %u", vpid,
				     r->vm.vpid);
		else if (!(proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ||
			 (proc2 & (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID)) !=
				 (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))
			ok = why_not(why, sizeof(why), "the controls are %#lx and secondary %#lx: \"enable EPT\" "
				     "and \"enable VPID\" must both be on", proc, proc2);
		else if (vmcs_check(false).violations)
			ok = why_not(why, sizeof(why), "vmcs_check() finds a VM-entry rule broken (it is printed "
				     "below)");
		if (!ok)
			vmcs_check(true);
		check("eptp", ok, "%s", why);
		check("fresh", r->fresh, "ept_vmcs_setup() did not invalidate both what the processor may hold "
		      "for the EPTP's root (single-context INVEPT) and for VPID %u (single-context INVVPID); "
		      "the root page and the VPID may have served an earlier VM", r->vm.vpid);
	}
	return true;
}

/* Runs the VM built by vm_build(), recording what it printed. */
static void vm_go(struct vm_run *r)
{
	struct vm_call c = { .r = r };
	capture_begin(r->said, sizeof(r->said));
	r->ran = call("ept_vm_run()", call_run, &c, r->why, sizeof(r->why));
	capture_end();
	r->ret = c.ret;
}

/* Frees the VM; true if every page came back (else r->why says how many did not). */
static bool vm_free(struct vm_run *r)
{
	struct vm_call c = { .r = r };
	bool ok = true;
	if (r->built)
		ok = call("ept_vm_destroy()", call_vm_destroy, &c, r->why, sizeof(r->why));
	if (r->pvm.vmcs)
		prereq_vm_free(&r->pvm);
	if (ok && page_free_count() != r->free_before)
		ok = why_not(r->why, sizeof(r->why), "%zu pages are missing after the VM's teardown "
			     "(ept_destroy() must free every table page)", r->free_before - page_free_count());
	return ok;
}

/* The qword at gpa of the VM's memory, through the processor's walk of its EPT; false if unmapped. */
static bool guest_qword(const struct vm_run *r, u64 gpa, u64 *value)
{
	u64 perm, hpa = hw_walk(r->vm.ept.pml4, gpa, &perm, NULL);
	if (!perm)
		return false;
	*value = *(const u64 *)hpa;
	return true;
}

/* mailbox qword n, or a value no guest writes if the mailbox is not mapped. */
static u64 mailbox(const struct vm_run *r, unsigned n)
{
	u64 v = 0xDEADDEADDEADDEADULL;
	guest_qword(r, EPT_GUEST_MAILBOX + 8 * n, &v);
	return v;
}

/* Why the run did not end with the guest's shutdown (false), or true. */
static bool vm_ended_well(struct vm_run *r, char *why, size_t size)
{
	if (!r->ran)
		return why_not(why, sizeof(r->why) < size ? sizeof(r->why) : size, "%s", r->why);
	if (r->ret)
		return why_not(why, size, "ept_vm_run() returned %d (%s): the guest did not finish", r->ret,
			       hv_strerror(r->ret));
	if (r->vm.vcpu.shutdown_code)
		return why_not(why, size, "the guest stopped with code %#lx (0xE0 | vector: it took an "
			       "exception)", r->vm.vcpu.shutdown_code);
	return true;
}

static void fail_all(const char *const *ids, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		check(ids[i], false, "%s", why);
}

static void check_basic(void)
{
	static struct vm_run r;
	char why[240] = "";
	u64 nonce = harness_nonce();

	if (!vm_build(&r, EPT_TASK_BASIC, 0, true)) {
		static const char *const ids[] = { "eptp", "fresh", "run" };
		fail_all(ids, ARRAY_SIZE(ids), r.why);
		vm_free(&r);
		return;
	}
	vm_go(&r);
	bool ok = vm_ended_well(&r, why, sizeof(why));
	u64 done = mailbox(&r, 0), n1 = mailbox(&r, 1), n2 = mailbox(&r, 2), magic = mailbox(&r, 5);
	if (ok && (done != EPT_DONE || n1 != nonce || n2 != nonce || magic != EPT_BOOT_MAGIC))
		ok = why_not(why, sizeof(why), "at the HPA your EPT gives its mailbox (GPA %#x), the guest left "
			     "{done %#lx, nonce %#lx and %#lx, magic %#lx}; want {%#x, %#lx, %#lx, %#x}",
			     EPT_GUEST_MAILBOX, done, n1, n2, magic, EPT_DONE, nonce, nonce, EPT_BOOT_MAGIC);
	u64 x = nonce, offs[8], vals[8];
	for (int i = 0; i < 8; i++) {
		x = lcg_next(x);
		offs[i] = ((x >> 20) & (EPT_GUEST_BIG_SIZE / 8 - 1)) * 8;
		vals[i] = x;
	}
	for (int i = 0; ok && i < 8; i++) {
		bool later = false;
		for (int j = i + 1; j < 8; j++)
			later |= offs[j] == offs[i];
		u64 v = 0;
		if (!later && (!guest_qword(&r, EPT_GUEST_BIG + offs[i], &v) || v != vals[i]))
			ok = why_not(why, sizeof(why), "the guest wrote %#lx at GPA %#lx; at the HPA your EPT "
				     "gives, the harness finds %#lx", vals[i], EPT_GUEST_BIG + offs[i], v);
	}
	if (ok && mailbox(&r, 4))
		ok = why_not(why, sizeof(why), "the guest read back %lu values that differ from what it wrote "
			     "in its 2 MiB page", mailbox(&r, 4));
	check("run", ok, "%s", why);
	vm_free(&r);
}

/* A page the host fills with a secret, at an HPA outside every region of the guest's map. */
static void check_isolation(void)
{
	static struct vm_run r;
	char why[240] = "", hex[24];
	u64 *secret = page_alloc_contig(1, 16ULL << 20);
	if (!secret) {
		harness_abort("no page above 16 MiB for the secret");
		return;
	}
	u64 value = lcg_next(harness_nonce() ^ 0x5EC2E7);
	for (size_t i = 0; i < PAGE_SIZE / 8; i++)
		secret[i] = value;
	bool ok = vm_build(&r, EPT_TASK_SECRET, (u64)secret, false);
	if (ok)
		vm_go(&r);
	ksnprintf(hex, sizeof(hex), "%#lx", (u64)secret);
	if (!ok || !r.ran)
		ok = why_not(why, sizeof(why), "%s", r.why);
	else if (mailbox(&r, 3) == value)
		ok = why_not(why, sizeof(why), "the guest read the host's secret page at GPA = HPA %#lx: the VM "
			     "can see memory that is not its own", (u64)secret);
	else if (r.ret != -HV_EACCESS)
		ok = why_not(why, sizeof(why), "the guest read GPA %#lx, outside its memory, and ept_vm_run() "
			     "returned %d (%s); want -HV_EACCESS (the VM stopped)", (u64)secret, r.ret,
			     hv_strerror(r.ret));
	else if (!r.vm.faulted || r.vm.fault.gpa != (u64)secret || r.vm.fault.access != EPT_READ)
		ok = why_not(why, sizeof(why), "vm->fault is {faulted %d, gpa %#lx, access %#lx}; want "
			     "{1, %#lx, EPT_READ}", r.vm.faulted, r.vm.fault.gpa, r.vm.fault.access, (u64)secret);
	else if (!strstr(r.said, hex))
		ok = why_not(why, sizeof(why), "the report does not name the address: \"%s\" was not printed", hex);
	check("isolation", ok, "%s", why);
	vm_free(&r);
	page_free(secret);

	u64 hole = EPT_GUEST_HOLE + 0x238;
	ok = vm_build(&r, EPT_TASK_HOLE, hole, false);
	if (ok)
		vm_go(&r);
	if (!ok || !r.ran)
		ok = why_not(why, sizeof(why), "%s", r.why);
	else if (r.ret != -HV_EACCESS)
		ok = why_not(why, sizeof(why), "the guest wrote GPA %#lx, outside its memory, and ept_vm_run() "
			     "returned %d (%s); want -HV_EACCESS", hole, r.ret, hv_strerror(r.ret));
	else if (!r.vm.faulted || r.vm.fault.gpa != hole || r.vm.fault.access != EPT_WRITE ||
		 !r.vm.fault.gla_valid || r.vm.fault.gla != hole)
		ok = why_not(why, sizeof(why), "vm->fault is {gpa %#lx, access %#lx, linear %#lx valid %d}; "
			     "want {%#lx, EPT_WRITE, %#lx valid 1}", r.vm.fault.gpa, r.vm.fault.access,
			     r.vm.fault.gla, r.vm.fault.gla_valid, hole, hole);
	check("outside", ok, "%s", why);
	vm_free(&r);
}

static void check_demand(void)
{
	static struct vm_run r;
	char why[240] = "";
	static const char *const ids[] = { "demand", "demand_retry", "teardown" };

	if (!vm_build(&r, EPT_TASK_DEMAND, 0, false)) {
		fail_all(ids, ARRAY_SIZE(ids), r.why);
		vm_free(&r);
		return;
	}
	vm_go(&r);
	u64 touched[EPT_GUEST_DEMAND_SIZE / PAGE_SIZE / 64] = { 0 };
	size_t want = 0;
	u64 x = harness_nonce();
	for (int i = 0; i < 16; i++) {
		x = lcg_next(x);
		u64 page = (x >> 32) & (EPT_GUEST_DEMAND_SIZE / PAGE_SIZE - 1);
		if (!(touched[page / 64] & BIT(page % 64)))
			want++;
		touched[page / 64] |= BIT(page % 64);
	}
	bool ok = vm_ended_well(&r, why, sizeof(why));
	size_t got = r.vm.npages - r.npages_built;
	if (ok && got != want)
		ok = why_not(why, sizeof(why), "the guest touched %zu pages of the demand region; %zu pages were "
			     "allocated for it", want, got);
	for (u64 page = 0; ok && page < EPT_GUEST_DEMAND_SIZE / PAGE_SIZE; page++) {
		u64 perm, gpa = EPT_GUEST_DEMAND + page * PAGE_SIZE;
		hw_walk(r.vm.ept.pml4, gpa, &perm, NULL);
		bool was = touched[page / 64] & BIT(page % 64);
		if (was != (perm != 0))
			ok = why_not(why, sizeof(why), "GPA %#lx, which the guest %s, is %s in the EPT", gpa,
				     was ? "touched" : "never touched", perm ? "mapped" : "not mapped");
		else if (was && perm != EPT_RWX && !(perm & EPT_WRITE))
			ok = why_not(why, sizeof(why), "GPA %#lx is mapped with permissions %#lx: the guest "
				     "cannot write it", gpa, perm);
	}
	check("demand", ok, "%s", why);

	ok = r.ran && r.ret == 0;
	if (!ok)
		why_not(why, sizeof(why), "%s", r.ran ? hv_strerror(r.ret) : r.why);
	else if (mailbox(&r, 0) != EPT_DONE || mailbox(&r, 4))
		ok = why_not(why, sizeof(why), "the guest finished=%d, and %lu of its writes to fresh pages did "
			     "not read back: each first touch must run again once the page is mapped",
			     mailbox(&r, 0) == EPT_DONE, mailbox(&r, 4));
	check("demand_retry", ok, "%s", why);

	ok = vm_free(&r);
	check("teardown", ok, "%s", r.why);
}

/*
 * The processor may keep using a translation it cached until INVEPT (SDM Vol.
 * 3C, 29.4.3.1 "Operations that Invalidate Cached Mappings"; 29.4.3.4
 * "Guidelines for Use of the INVEPT Instruction"). Bochs flushes its TLB at every
 * VM entry and exit, so a missing INVEPT changes nothing there: this entry hook
 * plays the processor the SDM describes. Before each VM entry it compares the
 * dirty region's permissions (the harness's walk) with those at the previous
 * entry: a permission taken away with no INVEPT of the VM's EPTP since then is
 * one the guest could still use.
 */
static struct {
	const struct ept_vm *vm;
	u64 perm[EPT_GUEST_DIRTY_PAGES];
	u64 invepts;
	char why[240];
} tlb;

static void tlb_snapshot(void)
{
	for (u64 n = 0; n < EPT_GUEST_DIRTY_PAGES; n++)
		hw_walk(tlb.vm->ept.pml4, EPT_GUEST_DIRTY + n * PAGE_SIZE, &tlb.perm[n], NULL);
	tlb.invepts = vmx_invept_count(tlb.vm->ept.eptp);
}

static void tlb_watch(u64 entries)
{
	(void)entries;
	u64 invepts = vmx_invept_count(tlb.vm->ept.eptp);
	for (u64 n = 0; n < EPT_GUEST_DIRTY_PAGES && !tlb.why[0]; n++) {
		u64 perm;
		hw_walk(tlb.vm->ept.pml4, EPT_GUEST_DIRTY + n * PAGE_SIZE, &perm, NULL);
		if ((tlb.perm[n] & ~perm) && invepts == tlb.invepts)
			why_not(tlb.why, sizeof(tlb.why), "page %lu of the dirty region (GPA %#lx) lost permissions "
				"%#lx and the guest ran again with no INVEPT of its EPTP: a processor may still "
				"use its cached translation and miss the next write", n,
				(u64)(EPT_GUEST_DIRTY + n * PAGE_SIZE), tlb.perm[n] & ~perm);
	}
	tlb_snapshot();
}

static void check_dirty(void)
{
	static struct vm_run r;
	char why[240] = "";

	if (!vm_build(&r, EPT_TASK_DIRTY, 0, false)) {
		check("dirty", false, "%s", r.why);
		check("dirty_invept", false, "%s", r.why);
		vm_free(&r);
		return;
	}
	tlb.vm = &r.vm;
	tlb.why[0] = 0;
	tlb_snapshot();
	vmx_set_entry_hook(tlb_watch);
	vm_go(&r);
	vmx_set_entry_hook(NULL);
	bool ok = vm_ended_well(&r, why, sizeof(why));
	if (ok && r.vm.rounds != EPT_GUEST_DIRTY_ROUNDS)
		ok = why_not(why, sizeof(why), "%zu rounds logged, want %u", r.vm.rounds, EPT_GUEST_DIRTY_ROUNDS);
	u64 x = harness_nonce();
	for (unsigned round = 0; ok && round < EPT_GUEST_DIRTY_ROUNDS; round++) {
		u64 a = lcg_next(x), b = lcg_next(a);
		x = b;
		u64 mask = ((a & b) | 1) & (BIT(EPT_GUEST_DIRTY_PAGES) - 1);
		if (r.vm.dirty_rounds[round] != mask)
			ok = why_not(why, sizeof(why), "round %u: the guest wrote pages %#lx (bit n: page n); the "
				     "dirty log says %#lx", round, mask, r.vm.dirty_rounds[round]);
	}
	check("dirty", ok, "%s", why);
	bool ran = vm_ended_well(&r, why, sizeof(why));
	check("dirty_invept", ran && !tlb.why[0], "%s", ran ? tlb.why : why);
	vm_free(&r);
}

/*
 * What a run of the mmio task shows (run_mmio()): the device's log, the guest's
 * registers, and whether the guest went on from MOV to MOV: every access came,
 * in order, each at its offset with its size and direction, and the guest ended
 * its task (values and registers aside).
 */
struct mmio_verdict {
	bool log_ok, regs_ok, went_on;
	char log_why[240], regs_why[240], went_on_why[240];
};

/* Exercise 6: runs the mmio task; the device's log, and the registers the guest's reads left (mailbox 8-13). */
static void run_mmio(struct mmio_verdict *v)
{
	static struct vm_run r;
	u64 nonce = harness_nonce();
	u32 id = EPT_MMIO_ID ^ (u32)nonce;
	const struct ept_mmio_access want[] = {
		{ 0, 4, false, id }, { 1, 1, false, (id >> 8) & 0xFF },
		{ 8, 8, true, nonce }, { 16, 2, true, 0x1234 }, { 24, 1, true, (nonce >> 8) & 0xFF },
		{ 32, 4, true, 0x89ABCDEF }, { 40, 8, true, ~1ULL },
		{ 8, 8, false, nonce }, { 16, 2, false, 0x1234 }, { 32, 4, false, 0x89ABCDEF },
		{ 40, 8, false, ~1ULL },
	};
	const u64 regs[] = { id, ~0xFFULL | ((id >> 8) & 0xFF), nonce, ~0xFFFFULL | 0x1234, 0x89ABCDEF, ~1ULL };
	static const char *const what[] = {
		"EAX after MOV EAX from the device (RAX was all ones)", "RBX after MOV BL (RBX was all ones)",
		"RCX after MOV RCX", "RDX after MOV DX (RDX was all ones)", "R9 after MOV R9D (R9 was all ones)",
		"R10 after MOV R10 from [RSI + 40]",
	};

	memset(v, 0, sizeof(*v));
	if (!vm_build(&r, EPT_TASK_MMIO, 0, false)) {
		why_not(v->log_why, sizeof(v->log_why), "%s", r.why);
		why_not(v->regs_why, sizeof(v->regs_why), "%s", r.why);
		why_not(v->went_on_why, sizeof(v->went_on_why), "%s", r.why);
		vm_free(&r);
		return;
	}
	vm_go(&r);
	const struct ept_mmio *d = &r.vm.mmio;
	bool ok = true;
	for (size_t i = 0; ok && i < ARRAY_SIZE(want); i++) {
		const struct ept_mmio_access *a = i < d->n ? &d->log[i] : NULL;
		if (!a)
			ok = why_not(v->log_why, sizeof(v->log_why), "the device saw %zu accesses, want %zu: access "
				     "%zu (%s of %u bytes at offset %lu) never came%s", d->n, ARRAY_SIZE(want), i + 1,
				     want[i].write ? "a write" : "a read", want[i].size, want[i].offset,
				     r.ret ? " (the VM stopped)" : "");
		else if (a->offset != want[i].offset || a->size != want[i].size || a->write != want[i].write ||
			 a->value != want[i].value)
			ok = why_not(v->log_why, sizeof(v->log_why), "device access %zu was a %s of %u bytes at offset "
				     "%lu, value %#lx; want a %s of %u bytes at offset %lu, value %#lx", i + 1,
				     a->write ? "write" : "read", a->size, a->offset, a->value,
				     want[i].write ? "write" : "read", want[i].size, want[i].offset, want[i].value);
	}
	if (ok && d->n != ARRAY_SIZE(want))
		ok = why_not(v->log_why, sizeof(v->log_why), "the device saw %zu accesses, want %zu", d->n,
			     ARRAY_SIZE(want));
	v->log_ok = ok;

	ok = vm_ended_well(&r, v->went_on_why, sizeof(v->went_on_why));
	if (ok && mailbox(&r, 0) != EPT_DONE)
		ok = why_not(v->went_on_why, sizeof(v->went_on_why), "the guest did not reach the end of its task");
	if (!ok)
		why_not(v->went_on_why + strlen(v->went_on_why), sizeof(v->went_on_why) - strlen(v->went_on_why),
			", after %zu of the %zu device accesses", d->n, ARRAY_SIZE(want));
	for (size_t i = 0; ok && i < ARRAY_SIZE(want); i++) {
		const struct ept_mmio_access *a = i < d->n ? &d->log[i] : NULL;
		if (!a || a->offset != want[i].offset || a->size != want[i].size || a->write != want[i].write)
			ok = why_not(v->went_on_why, sizeof(v->went_on_why), "device access %zu was %s; want a %s of "
				     "%u bytes at offset %lu: the guest did not go on at the next MOV", i + 1,
				     a ? (a->write ? "a write" : "a read") : "missing", want[i].write ? "write" : "read",
				     want[i].size, want[i].offset);
	}
	if (ok && d->n != ARRAY_SIZE(want))
		ok = why_not(v->went_on_why, sizeof(v->went_on_why), "the device saw %zu accesses, want %zu", d->n,
			     ARRAY_SIZE(want));
	v->went_on = ok;

	ok = vm_ended_well(&r, v->regs_why, sizeof(v->regs_why));
	for (size_t i = 0; ok && i < ARRAY_SIZE(regs); i++)
		if (mailbox(&r, 8 + (unsigned)i) != regs[i])
			ok = why_not(v->regs_why, sizeof(v->regs_why), "%s is %#lx, want %#lx", what[i],
				     mailbox(&r, 8 + (unsigned)i), regs[i]);
	if (ok && mailbox(&r, 0) != EPT_DONE)
		ok = why_not(v->regs_why, sizeof(v->regs_why), "the guest did not reach the end of its task");
	v->regs_ok = ok;
	vm_free(&r);
}

static void check_mmio(void)
{
	static struct mmio_verdict v;
	run_mmio(&v);
	check("mmio", v.log_ok, "%s", v.log_why);
	check("mmio_regs", v.regs_ok, "%s", v.regs_why);
}

void lab8_vmx(struct prereq *p)
{
	lab_caps = &p->caps;
	check_caps();
	check_tables();
	check_basic();
	check_isolation();
	check_demand();
	check_dirty();
	check_mmio();
}

/*
 * The SDM leaves the instruction length and the instruction information of an
 * EPT violation's exit undefined (SDM Vol. 3C, 28.2.5 "Information for VM Exits
 * Due to Instruction Execution"); Bochs 2.7 fills them anyway. Where IA32_VMX_MISC
 * bit 29 is 1, VMWRITE may write the VM-exit information fields (SDM Vol. 3D, A.6
 * "Miscellaneous Data"): this exit hook writes UNDEFINED_FIELD, a length no
 * instruction has, into both after each EPT violation, before the handler runs,
 * and so plays a processor that leaves them as the SDM allows.
 */
#define UNDEFINED_FIELD 0xA5A5A5A5u
#define VMX_MISC_VMWRITE_EXIT_INFO BIT(29)

static char undefined_why[200];

static void undefined_fields(u32 reason)
{
	if (reason != EXIT_REASON_EPT_VIOLATION || undefined_why[0])
		return;
	enum vmx_status s = vmx_vmwrite(VM_EXIT_INSTRUCTION_LEN, UNDEFINED_FIELD);
	if (s == VMX_SUCCEED)
		s = vmx_vmwrite(VMX_INSTRUCTION_INFO, UNDEFINED_FIELD);
	if (s != VMX_SUCCEED)
		why_not(undefined_why, sizeof(undefined_why), "the harness's VMWRITE of an exit information "
			"field failed (status %d)", s);
}

/* On corei7_skylake_x: the device again, with the exit's instruction fields undefined. */
void lab8_undefined(struct prereq *p)
{
	static struct mmio_verdict v;
	lab_caps = &p->caps;
	if (!(rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_VMWRITE_EXIT_INFO)) {
		harness_abort("IA32_VMX_MISC bit 29 is 0 on this processor: VMWRITE cannot write the exit "
			      "information fields this scenario needs (run it on corei7_skylake_x)");
		return;
	}
	undefined_why[0] = 0;
	vmx_set_exit_hook(undefined_fields);
	run_mmio(&v);
	vmx_set_exit_hook(NULL);
	if (undefined_why[0]) {
		harness_abort("%s", undefined_why);
		return;
	}
	check("mmio_len", v.went_on, "%s", v.went_on_why);
}

/* ---- make run: the lab 8 guest, narrated ---- */

/* Prints the VM's memory map as its EPT has it (the harness's walk). */
static void demo_memory_map(const struct vm_run *r)
{
	u64 perm, hpa;
	kprintf("   guest-physical memory map (GPA -> HPA, read from your EPT; EPTP %#lx, VPID %u):\n",
		r->vm.ept.eptp, r->vm.vpid);
	kprintf("     0x%06x-0x%06x RAM     %u pages of 4 KiB:", EPT_GUEST_BOOT,
		EPT_GUEST_BOOT + EPT_GUEST_RAM_SIZE - 1, EPT_GUEST_RAM_SIZE / 4096);
	for (u64 gpa = EPT_GUEST_BOOT; gpa < EPT_GUEST_BOOT + 4 * PAGE_SIZE; gpa += PAGE_SIZE) {
		hpa = hw_walk(r->vm.ept.pml4, gpa, &perm, NULL);
		kprintf(" %#lx->%#lx", gpa, hpa);
	}
	kprintf(" ...\n");
	hpa = hw_walk(r->vm.ept.pml4, EPT_GUEST_BIG, &perm, NULL);
	kprintf("     0x%06x-0x%06x big     one 2 MiB page -> %#lx\n", EPT_GUEST_BIG,
		EPT_GUEST_BIG + EPT_GUEST_BIG_SIZE - 1, hpa);
	kprintf("     0x%06x-0x%06x demand  not mapped until touched\n", EPT_GUEST_DEMAND,
		EPT_GUEST_DEMAND + EPT_GUEST_DEMAND_SIZE - 1);
	hw_walk(r->vm.ept.pml4, EPT_GUEST_DIRTY, &perm, NULL);
	kprintf("     0x%06x-0x%06x dirty   %u pages, permissions %#lx (writes tracked)\n", EPT_GUEST_DIRTY,
		EPT_GUEST_DIRTY + EPT_GUEST_DIRTY_PAGES * 4096 - 1, EPT_GUEST_DIRTY_PAGES, perm);
}

/* Builds, runs and frees a VM for task; prints what happened. False if the VM could not run. */
static bool demo_task(const char *name, u64 task, u64 arg, bool map)
{
	static struct vm_run r;
	if (!vm_build(&r, task, arg, false)) {
		kprintf("   task \"%s\": %s\n", name, r.why);
		vm_free(&r);
		return false;
	}
	if (map)
		demo_memory_map(&r);
	vmx_exit_stats_reset();
	vm_go(&r);
	const struct vmx_exit_stats *st = vmx_exit_stats();
	kprintf("   task \"%s\": %s after %lu VM entries, %lu EPT violations\n", name,
		!r.ran ? r.why : r.ret ? hv_strerror(r.ret) : "shut down", st->entries,
		st->exits[EXIT_REASON_EPT_VIOLATION]);
	if (task == EPT_TASK_DEMAND) {
		kprintf("     mapped on first touch:");
		for (u64 gpa = EPT_GUEST_DEMAND; gpa < EPT_GUEST_DEMAND + EPT_GUEST_DEMAND_SIZE; gpa += PAGE_SIZE) {
			u64 perm, hpa = hw_walk(r.vm.ept.pml4, gpa, &perm, NULL);
			if (perm)
				kprintf(" %#lx->%#lx", gpa, hpa);
		}
		kprintf("\n");
	}
	for (size_t i = 0; i < r.vm.mmio.n; i++)
		kprintf("     device: %s of %u bytes at offset %#lx: %#lx\n", r.vm.mmio.log[i].write ? "write" : "read",
			r.vm.mmio.log[i].size, r.vm.mmio.log[i].offset, r.vm.mmio.log[i].value);
	for (size_t i = 0; i < r.vm.rounds; i++)
		kprintf("     dirty log, round %zu: pages %#lx\n", i, r.vm.dirty_rounds[i]);
	if (r.vm.faulted)
		kprintf("     stopped for: %s of GPA %#lx (linear %#lx)\n",
			r.vm.fault.access & EPT_WRITE ? "a write" : r.vm.fault.access & EPT_EXEC ? "a fetch" : "a read",
			r.vm.fault.gpa, r.vm.fault.gla);
	bool freed = vm_free(&r);
	if (!freed)
		kprintf("     teardown: %s\n", r.why);
	return freed;
}

/*
 * `make run`: the whole hypervisor of labs 1-7 (lab 7's demo, which starts from
 * VMX off), then lab 8's guest in VMX operation entered again by labs 2-3.
 */
void lab8_demo(struct prereq *p)
{
	char why[200] = "";
	struct call c = { .caps = &p->caps };
	vmxroot_leave();
	write_cr4(read_cr4() & ~CR4_VMXE);
	page_free(p->vmxon_region);
	p->vmxon_region = NULL;
	lab7_demo(p);
	if (!prereq_labs(p, 2, 3))
		return;
	lab_caps = &p->caps;
	size_t free_before = page_free_count();
	kprintf("== lab 8, ept: a VM with memory of its own\n");
	if (!call("ept_check_caps()", call_check_caps, &c, why, sizeof(why)) || c.ret) {
		kprintf("   ept_check_caps(): %s\n", why[0] ? why : hv_strerror(c.ret));
		return;
	}
	u64 *secret = page_alloc_contig(1, 16ULL << 20);
	if (!secret)
		return;
	bool ok = demo_task("basic", EPT_TASK_BASIC, 0, true) && demo_task("demand", EPT_TASK_DEMAND, 0, false) &&
		  demo_task("dirty", EPT_TASK_DIRTY, 0, false) && demo_task("mmio", EPT_TASK_MMIO, 0, false) &&
		  demo_task("secret", EPT_TASK_SECRET, (u64)secret, false) &&
		  demo_task("hole", EPT_TASK_HOLE, EPT_GUEST_HOLE + 0x238, false);
	page_free(secret);
	kprintf("== %s; %zu pages free, %zu before the first VM\n", ok ? "every task ran" : "stopped early",
		page_free_count(), free_before);
}

/* make bench: the guest's own TSC figures (kernel/guest/images/ept_guest.asm, task_bench). */
void lab8_bench(struct prereq *p)
{
	static struct vm_run r;
	static const struct { const char *kind; unsigned slot; } figures[] = {
		{ "ept_violation", 8 }, { "demand_page", 9 }, { "vmcall", 10 },
	};
	lab_caps = &p->caps;
	if (!vm_build(&r, EPT_TASK_BENCH, 0, false)) {
		harness_abort("the bench VM could not be built: %s", r.why);
		vm_free(&r);
		return;
	}
	vm_go(&r);
	char why[200] = "";
	if (!vm_ended_well(&r, why, sizeof(why)) || mailbox(&r, 0) != EPT_DONE) {
		harness_abort("the bench guest did not finish: %s", why);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(figures); i++)
			kprintf("BENCH: %s %lu ticks per round trip\n", figures[i].kind, mailbox(&r, figures[i].slot));
	}
	vm_free(&r);
}

/*
 * The maintainers' scenario "explain": EPT misconfigurations planted on purpose
 * (with the reference's ept_map(), then one entry rewritten), each touched by the
 * guest, must stop the VM with an EPT-misconfiguration exit, and ept_explain()
 * must name the entry's level and the rule (SDM Vol. 3C, 29.3.3.1 "EPT
 * Misconfigurations").
 */
void lab8_explain(struct prereq *p)
{
	static const struct {
		const char *id;
		int level;              /* of the entry broken: 1 the PTE, 2 the PDE above it */
		u64 keep, set;          /* the entry becomes (entry & keep) | set */
	} cases[] = {
		{ "write_only", 1, ~EPT_RWX, EPT_WRITE },
		{ "memory_type", 1, ~EPT_MT_MASK, EPT_MT(2) | EPT_READ },
		{ "table_write_only", 2, ~EPT_RWX, EPT_WRITE | EPT_EXEC },
	};
	static struct vm_run r;
	lab_caps = &p->caps;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char why[200] = "";
		u64 gpa = EPT_GUEST_HOLE;
		bool ok = vm_build(&r, EPT_TASK_HOLE, gpa + 0x238, false);
		void *page = ok ? ept_vm_alloc_page(&r.vm) : NULL;
		if (ok && page)
			ok = ept_map(&r.vm.ept, gpa, (u64)page, PAGE_SIZE, EPT_RWX | EPT_MT(VMX_MEM_TYPE_WB)) == 0;
		if (ok) {
			u64 *t = r.vm.ept.pml4;
			for (int level = 4; level > cases[i].level; level--)
				t = (u64 *)(t[(gpa >> (12 + 9 * (level - 1))) & 511] & EPT_ADDR_MASK);
			u64 *e = &t[(gpa >> (12 + 9 * (cases[i].level - 1))) & 511];
			*e = (*e & cases[i].keep) | cases[i].set;
			vmx_invept(VMX_EPT_EXTENT_CONTEXT, r.vm.ept.eptp);
			kprintf("planted on purpose: the %s for GPA %#lx is now %#lx\n",
				cases[i].level == 1 ? "PTE" : "PDE", gpa, *e);
			vm_go(&r);
		}
		if (!ok)
			why_not(why, sizeof(why), "the VM could not be built: %s", r.why);
		else if (vmcs_read(VM_EXIT_REASON) != EXIT_REASON_EPT_MISCONFIG)
			ok = why_not(why, sizeof(why), "the exit was %s, want an EPT misconfiguration",
				     vmx_exit_reason_name((u32)vmcs_read(VM_EXIT_REASON) & 0xFFFF));
		else if (r.vm.misconfig_level != cases[i].level)
			ok = why_not(why, sizeof(why), "ept_explain() named level %d, want %d", r.vm.misconfig_level,
				     cases[i].level);
		check(cases[i].id, ok, "%s", why);
		vm_free(&r);
	}
}
