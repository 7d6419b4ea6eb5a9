/*
 * Lab 3: VMXON.
 *
 * VMXON takes the processor into VMX root operation, the mode a hypervisor runs
 * in. It needs a page of memory of its own, the VMXON region, stamped with the
 * processor's VMCS revision identifier, and it reports failure through RFLAGS
 * instead of an exception. The handout is labs/03-vmxon/README.md; the
 * interface is kernel/vmx/vmxon.h.
 */
#include "errno.h"
#include "page.h"
#include "todo.h"
#include "vmxon.h"
#include "x86.h"

/*
 * Exercise 1: the VMXON region.
 * SDM Vol. 3C, 25.11.5 "VMXON Region": before VMXON, software writes the VMCS
 * revision identifier into bits 30:0 of the first 32 bits of the region and
 * clears bit 31. The region is caps->basic.region_size bytes (at most 4096:
 * one page) and must be 4 KiB-aligned (SDM Vol. 3C, 24.7 "Enabling and Entering
 * VMX Operation"). Memory is identity-mapped: a page's address is its physical
 * address.
 * Hint: page_alloc() (kernel/mm/page.h) returns zeroed, aligned pages or NULL.
 */
void *vmxon_region_alloc(const struct vmx_caps *caps)
{
	todo(3, __func__, "allocate a page and stamp the revision identifier in its first 32 bits");
	(void)caps;
	return NULL;
}

/*
 * Exercise 2: execute VMXON.
 * Its operand is a memory location holding the region's 64-bit physical address
 * (SDM Vol. 3C, 31.3 "VMXON—Enter VMX Operation"). Its outcome is in RFLAGS
 * (31.2 "Conventions"): CF = 1 is VMfailInvalid, ZF = 1 is VMfailValid, both
 * clear is VMsucceed.
 * Hint: the wrappers in kernel/vmx/vmx.h (vmx_vmclear(), ...) show the pattern:
 * inline assembly with GCC's flag outputs "=@ccc" (CF) and "=@ccz" (ZF), and
 * VMX_STATUS(cf, zf).
 */
enum vmx_status vmx_vmxon(u64 pa)
{
	todo(3, __func__, "execute VMXON with pa in memory and turn CF/ZF into a vmx_status");
	(void)pa;
	return VMX_SUCCEED;
}

/*
 * Exercise 3: enter VMX root operation, and never ignore a failure.
 * 1. CR4.VMXE clear: VMXON would raise #UD (31.3). Return -HV_EINVAL instead.
 * 2. Allocate the region (-HV_ENOMEM if that fails).
 * 3. VMXON. On VMfailInvalid or VMfailValid: vmx_report_failure("VMXON", status)
 *    prints it by name, then free the region and return -HV_EVMXFAIL.
 * 4. Success: *region = the region; return 0.
 */
int vmx_enter_root(const struct vmx_caps *caps, void **region)
{
	todo(3, __func__, "check CR4.VMXE, allocate the region, execute VMXON and handle its failure");
	(void)caps;
	(void)region;
	return -HV_ENOSYS;
}
