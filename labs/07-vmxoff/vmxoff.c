/*
 * Lab 7: shut down.
 *
 * Leaving VMX operation is the life cycle run backwards, and the processor
 * accepts only some orders of the steps: which ones, and why, is this lab.
 * The handout is labs/07-vmxoff/README.md; the interface is kernel/vmx/vmxoff.h.
 */
#include "errno.h"
#include "page.h"
#include "todo.h"
#include "vmx.h"
#include "vmxoff.h"
#include "x86.h"

/*
 * Exercise 1: give back the VMCS and the guest stack of cpu.
 * Goal: afterwards the VMCS is inactive and clear, both pages are back in the
 * allocator and their pointers NULL; nothing to release: 0. If the processor
 * refuses, report it, return -HV_EVMXFAIL and keep every page.
 * SDM Vol. 3C, 25.1 "Overview", 25.11.1 "Software Use of Virtual-Machine
 * Control Structures", 31.3 "VMX Instructions" (VMCLEAR).
 * Interface: kernel/vmx/vmxoff.h; vmx_vmclear(), vmx_report_failure(),
 * page_free() are given.
 * Hints: README, exercise 1.
 */
int vmx_vmcs_release(struct vmx_cpu *cpu)
{
	todo(7, __func__, "release the VMCS and the guest stack");
	(void)cpu;
	return -HV_ENOSYS;
}

/*
 * Exercise 2 (with vmx_shutdown() below): leave VMX operation.
 * Goal: afterwards the processor is out of VMX operation, CR4 is as it was
 * before lab 2 set it up for VMX, the VMXON region is back in the allocator and
 * its pointer NULL; not in VMX operation by this code (NULL region): 0. If the
 * processor refuses, report it and return -HV_EVMXFAIL.
 * SDM Vol. 3C, 24.4 "Life Cycle of VMM Software", 24.8 "Restrictions on VMX
 * Operation", 25.11.5 "VMXON Region", 31.3 "VMX Instructions" (VMXOFF).
 * Interface: kernel/vmx/vmxoff.h; vmx_vmxoff(), read_cr4()/write_cr4() are given.
 * Hints: README, exercise 2.
 */
int vmx_leave_root(struct vmx_cpu *cpu)
{
	todo(7, __func__, "leave VMX operation and give back what it held");
	(void)cpu;
	return -HV_ENOSYS;
}

/*
 * Exercise 2, continued: the way out of VMX operation for everything cpu holds.
 * Goal: 0 once all of it is released (also when nothing was left); on the
 * first error, that error, with nothing released that the processor may
 * still use. Interface: kernel/vmx/vmxoff.h. Hints: README, exercise 2.
 */
int vmx_shutdown(struct vmx_cpu *cpu)
{
	todo(7, __func__, "release everything cpu holds, in an order the processor accepts");
	(void)cpu;
	return -HV_ENOSYS;
}
