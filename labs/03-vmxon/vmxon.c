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
 * Goal: a region VMXON accepts on the processor that caps describes, or NULL
 * when caps asks for one this function cannot give.
 * SDM Vol. 3C, 25.11.5 "VMXON Region"; SDM Vol. 3D, A.1 "Basic VMX Information".
 * Interface: kernel/vmx/vmxon.h. A page from page_alloc() (the grader counts
 * pages); memory is identity-mapped, so its address is its physical address.
 * Hints: README, exercise 1.
 */
void *vmxon_region_alloc(const struct vmx_caps *caps)
{
	todo(3, __func__, "a VMXON region for caps");
	(void)caps;
	return NULL;
}

/*
 * Exercise 2: execute VMXON.
 * Goal: VMXON on the region at physical address pa, and its outcome as the
 * processor reported it.
 * SDM Vol. 3C, 31.3 "VMX Instructions", "VMXON—Enter VMX Operation" (operand
 * and operation); 31.2 "Conventions" (how every VMX instruction reports).
 * Interface: kernel/vmx/vmxon.h; enum vmx_status and VMX_STATUS() in
 * kernel/vmx/vmx.h.
 * Hints: README, exercise 2.
 */
enum vmx_status vmx_vmxon(u64 pa)
{
	todo(3, __func__, "VMXON on pa, and its outcome");
	(void)pa;
	return VMX_SUCCEED;
}

/*
 * Exercise 3: enter VMX root operation, and never ignore a failure.
 * Goal: the processor in VMX root operation with a region of its own; or, on
 * any failure, an error code, the failure named on the console, nothing leaked
 * and no exception.
 * SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation"; the VMXON operation
 * (31.3) says which failures are exceptions and which are VMfail.
 * Interface: kernel/vmx/vmxon.h (-HV_EINVAL, -HV_ENOMEM, -HV_EVMXFAIL);
 * vmx_report_failure() (kernel/vmx/vmx.h) names a VMX failure.
 * Hints: README, exercise 3.
 */
int vmx_enter_root(const struct vmx_caps *caps, void **region)
{
	todo(3, __func__, "VMX root operation, or an error and nothing leaked");
	(void)caps;
	(void)region;
	return -HV_ENOSYS;
}
