/*
 * Lab 7: shut down.
 *
 * Leaving VMX operation is the life cycle run backwards, and the order matters:
 * the VMCS first (its data may still be inside the processor), then VMX
 * operation itself, then CR4.VMXE (which cannot be cleared while in VMX
 * operation), and only then the memory. The handout is labs/07-vmxoff/README.md;
 * the interface is kernel/vmx/vmxoff.h.
 */
#include "errno.h"
#include "page.h"
#include "todo.h"
#include "vmx.h"
#include "vmxoff.h"
#include "x86.h"

/*
 * Exercise 1: release the VMCS. VMCLEAR it first: that writes whatever the
 * processor keeps of it back to its region and makes it clear and not current
 * (SDM Vol. 3C, 31.3 "VMCLEAR"). A VMCS still active when the processor leaves
 * VMX operation "may be corrupted", so software should VMCLEAR it before VMXOFF
 * (25.11.1 "Software Use of Virtual-Machine Control Structures"). Then free the
 * VMCS and the guest's stack and set both pointers to NULL. Nothing to release
 * (cpu->vmcs NULL): return 0. A failing VMCLEAR: vmx_report_failure(), -HV_EVMXFAIL,
 * and keep the pages (the processor may still use them).
 */
int vmx_vmcs_release(struct vmx_cpu *cpu)
{
	todo(7, __func__, "VMCLEAR the VMCS, then free it and the guest stack");
	(void)cpu;
	return -HV_ENOSYS;
}

/*
 * Exercise 2: leave VMX operation. VMXOFF (SDM Vol. 3C, 31.3 "VMXOFF") takes the
 * processor out of VMX root operation; after it, every VMX instruction but VMXON
 * raises #UD. Only then can CR4.VMXE be cleared: in VMX operation, clearing it
 * raises #GP (24.8 "Restrictions on VMX Operation"). Then free the VMXON region
 * and set the pointer to NULL. Not in VMX operation (cpu->vmxon_region NULL):
 * return 0. A failing VMXOFF: vmx_report_failure(), -HV_EVMXFAIL.
 */
int vmx_leave_root(struct vmx_cpu *cpu)
{
	todo(7, __func__, "VMXOFF, clear CR4.VMXE, free the VMXON region");
	(void)cpu;
	return -HV_ENOSYS;
}

/* Exercise 3: both, in the right order, stopping at the first error. */
int vmx_shutdown(struct vmx_cpu *cpu)
{
	todo(7, __func__, "release the VMCS, then leave VMX operation");
	(void)cpu;
	return -HV_ENOSYS;
}
