/* VMCLEAR (vmx.h), counted per VMCS: the kernel's own record of which VMCSs were cleared. */
#include "vmx.h"

static struct {
	u64 pa;                         /* the VMCS region's address */
	u64 count;                      /* successful VMCLEARs of it */
} vmclear_seen[32];                     /* the most recent regions, oldest replaced */
static unsigned vmclear_next;

enum vmx_status vmx_vmclear(u64 pa)
{
	bool cf, zf;
	__asm__ volatile("vmclear %[pa]" : "=@ccc"(cf), "=@ccz"(zf) : [pa] "m"(pa) : "memory");
	enum vmx_status s = VMX_STATUS(cf, zf);
	if (s != VMX_SUCCEED)
		return s;
	for (unsigned i = 0; i < ARRAY_SIZE(vmclear_seen); i++) {
		if (vmclear_seen[i].count && vmclear_seen[i].pa == pa) {
			vmclear_seen[i].count++;
			return s;
		}
	}
	vmclear_seen[vmclear_next].pa = pa;
	vmclear_seen[vmclear_next].count = 1;
	vmclear_next = (vmclear_next + 1) % ARRAY_SIZE(vmclear_seen);
	return s;
}

u64 vmx_vmclear_count(u64 pa)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vmclear_seen); i++)
		if (vmclear_seen[i].count && vmclear_seen[i].pa == pa)
			return vmclear_seen[i].count;
	return 0;
}
