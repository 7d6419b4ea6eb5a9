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
 * Exercise 1: after an attempt to enter the guest, describe what happened.
 * Goal: *exit holds s and every field that means something for that outcome,
 * read from the current VMCS; everything else is 0.
 * SDM Vol. 3C, 31.2 "Conventions", 31.4 "VM Instruction Error Numbers",
 * 25.9.1 "Basic VM-Exit Information", 25.11.2 "VMREAD, VMWRITE, and Encodings
 * of VMCS Fields".
 * Interface: kernel/vmx/launch.h (struct vmx_exit); vmcs_read() is given.
 * Hints: README, exercise 1.
 */
void vmx_exit_read(enum vmx_status s, struct vmx_exit *exit)
{
	/* BEGIN SOLUTION
	 * todo: describe the outcome of the VM-entry attempt in *exit
	 * stub: (void)s;
	 * stub: (void)exit;
	 */
	/* the error number first: a later failing VMREAD would overwrite it */
	*exit = (struct vmx_exit){ .status = s };
	if (s == VMX_FAIL_VALID)
		exit->error = (u32)vmcs_read(VM_INSTRUCTION_ERROR);
	if (s != VMX_SUCCEED)
		return;
	exit->reason = (u32)vmcs_read(VM_EXIT_REASON);
	exit->qualification = vmcs_read(EXIT_QUALIFICATION);
	exit->guest_rip = vmcs_read(GUEST_RIP);
	exit->insn_len = (u32)vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	/* END SOLUTION */
}

/*
 * Exercise 2: enter the guest of the current VMCS for the first time, then name
 * the outcome; never ignore it.
 * Goal: returns 0 after a VM exit (printing the "VM exit: ..." line), -HV_EENTRY
 * after a failed VM entry (a "VM entry failed: ..." line through kdiag()),
 * -HV_EVMXFAIL after a VMfail (vmx_report_failure()); the README gives the lines.
 * SDM Vol. 3C, 31.3 "VMX Instructions" (VMLAUNCH/VMRESUME), 25.11.3
 * "Initializing a VMCS", 27.8 "VM-Entry Failures During or After Loading Guest
 * State".
 * Interface: kernel/vmx/launch.h; vmx_enter_guest() is kernel/vmx/vcpu.h.
 * Hints: README, exercise 2.
 */
int vmx_launch(struct guest_regs *regs, struct vmx_exit *exit)
{
	/* BEGIN SOLUTION
	 * todo: enter the guest, then report the outcome by name
	 * stub: (void)regs;
	 * stub: *exit = (struct vmx_exit){ .status = VMX_FAIL_INVALID };
	 * stub: return -HV_ENOSYS;
	 */
	/* a VMCS fresh from lab 4's VMCLEAR is clear: VMLAUNCH, not VMRESUME */
	vmx_exit_read(vmx_enter_guest(regs, false), exit);
	if (exit->status != VMX_SUCCEED) {
		vmx_report_failure("VMLAUNCH", exit->status);
		return -HV_EVMXFAIL;
	}
	const char *name = vmx_exit_reason_name(exit->reason & 0xFFFF);
	if (exit->reason & VMX_EXIT_REASON_FAILED_VMENTRY) {
		kdiag("VM entry failed: %s (qualification %#lx)", name, exit->qualification);
		return -HV_EENTRY;
	}
	kprintf("VM exit: %s at guest RIP %#lx, instruction length %u\n", name, exit->guest_rip,
		exit->insn_len);
	return 0;
	/* END SOLUTION */
}
