/*
 * Lab 5: launch.
 *
 * VMLAUNCH is where all the earlier labs meet: the processor checks the VMCS
 * and either refuses (VMfail), starts loading the guest and gives up (a
 * VM-entry failure, reported like a VM exit), or runs the guest until its
 * first VM exit. Your code tells them apart and names each one. The handout is
 * labs/05-launch/README.md; the interface is kernel/vmx/launch.h.
 */
#include "errno.h"
#include "launch.h"
#include "printf.h"
#include "todo.h"
#include "vmcs_access.h"
#include "x86.h"

/*
 * Exercise 1: read what happened, given VMLAUNCH's (or VMRESUME's) status s.
 * Into *exit:
 * - VMX_FAIL_VALID: the error number from VM_INSTRUCTION_ERROR (SDM Vol. 3C,
 *   31.4 "VM Instruction Error Numbers"); VMX_FAIL_INVALID has none (no current VMCS).
 * - VMX_SUCCEED: VM_EXIT_REASON, EXIT_QUALIFICATION, GUEST_RIP and
 *   VM_EXIT_INSTRUCTION_LEN (SDM Vol. 3C, 25.9.1 "Basic VM-Exit Information").
 *   Bit 31 of the exit reason set means the VM entry failed (SDM Vol. 3C, 27.8
 *   "VM-Entry Failures During or After Loading Guest State"): reason 33 invalid
 *   guest state, 34 MSR loading, 41 machine check.
 */
void vmx_exit_read(enum vmx_status s, struct vmx_exit *exit)
{
	todo(5, __func__, "record VMLAUNCH's status and the VMCS fields that describe the outcome");
	(void)s;
	(void)exit;
}

/*
 * Exercise 2: launch, then name the outcome; never ignore it.
 * vmx_enter_guest(regs, false) (kernel/vmx/vcpu.h; read vmx_switch.asm, it is short)
 * executes VMLAUNCH and returns its status; vmx_exit_read() does the rest.
 * - VMfailInvalid / VMfailValid: vmx_report_failure("VMLAUNCH", status) prints the
 *   status and, for VMfailValid, the error's description. Return -HV_EVMXFAIL.
 * - Exit reason with bit 31: report "VM entry failed: <name> (qualification <q>)"
 *   with kdiag() (a line for the grade report), the name from
 *   vmx_exit_reason_name() of the basic reason (bits 15:0); return -HV_EENTRY.
 * - A real VM exit: print "VM exit: <name> at guest RIP <rip>, instruction
 *   length <len>"; return 0.
 */
int vmx_launch(struct guest_regs *regs, struct vmx_exit *exit)
{
	todo(5, __func__, "VMLAUNCH through vmx_enter_guest(), then report the outcome by name");
	(void)regs;
	*exit = (struct vmx_exit){ .status = VMX_FAIL_INVALID };
	return -HV_ENOSYS;
}
