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
	/* BEGIN SOLUTION
	 * todo: VMCLEAR the VMCS, then free it and the guest stack
	 * stub: (void)cpu;
	 * stub: return -HV_ENOSYS;
	 */
	if (cpu->vmcs) {
		enum vmx_status s = vmx_vmclear((u64)cpu->vmcs);
		if (s != VMX_SUCCEED) {
			vmx_report_failure("VMCLEAR", s);
			return -HV_EVMXFAIL;
		}
		page_free(cpu->vmcs);
		cpu->vmcs = NULL;
	}
	if (cpu->guest_stack) {
		page_free(cpu->guest_stack);
		cpu->guest_stack = NULL;
	}
	return 0;
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: VMXOFF, clear CR4.VMXE, free the VMXON region
	 * stub: (void)cpu;
	 * stub: return -HV_ENOSYS;
	 */
	if (!cpu->vmxon_region)
		return 0;
	enum vmx_status s = vmx_vmxoff();
	if (s != VMX_SUCCEED) {
		vmx_report_failure("VMXOFF", s);
		return -HV_EVMXFAIL;
	}
	write_cr4(read_cr4() & ~CR4_VMXE);
	page_free(cpu->vmxon_region);
	cpu->vmxon_region = NULL;
	return 0;
	/* END SOLUTION */
}

/* Exercise 3: both, in the right order, stopping at the first error. */
int vmx_shutdown(struct vmx_cpu *cpu)
{
	/* BEGIN SOLUTION
	 * todo: release the VMCS, then leave VMX operation
	 * stub: (void)cpu;
	 * stub: return -HV_ENOSYS;
	 */
	int err = vmx_vmcs_release(cpu);
	return err ? err : vmx_leave_root(cpu);
	/* END SOLUTION */
}
