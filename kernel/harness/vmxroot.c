/* Harness-side VMX state: proved with instructions, never taken from the student's word. */
#include "vmxroot.h"
#include "page.h"
#include "trap.h"

static void do_vmptrst(void *p)
{
	vmx_vmptrst(p);
}

bool vmxroot_active(void)
{
	u64 current;
	struct fault f;
	return trap_call(do_vmptrst, &current, &f);
}

struct vmxon_call {
	u64 pa;
	enum vmx_status status;
};

static void do_vmxon(void *p)
{
	struct vmxon_call *c = p;
	bool cf, zf;
	__asm__ volatile("vmxon %[pa]" : "=@ccc"(cf), "=@ccz"(zf) : [pa] "m"(c->pa) : "memory");
	c->status = VMX_STATUS(cf, zf);
}

bool vmxroot_vmxon(u64 pa, enum vmx_status *status, struct fault *f)
{
	struct vmxon_call c = { .pa = pa };
	if (!trap_call(do_vmxon, &c, f))
		return false;
	*status = c.status;
	return true;
}

void *vmxroot_region(u32 revision_id)
{
	u32 *p = page_alloc();
	if (p)
		p[0] = revision_id & 0x7FFFFFFF;
	return p;
}

void vmxroot_leave(void)
{
	u64 current;

	if (!vmxroot_active())
		return;
	if (vmx_vmptrst(&current) == VMX_SUCCEED && current != ~0ULL)
		vmx_vmclear(current);
	vmx_vmxoff();
}
