/*
 * Lab 5 "launch": the interface of labs/05-launch/launch.c.
 * vmx_launch() enters the guest of the current VMCS for the first time and
 * reports, by name, whatever happened.
 */
#ifndef HV_LAUNCH_H
#define HV_LAUNCH_H

#include "types.h"
#include "vcpu.h"
#include "vmx.h"

/* What one VM-entry attempt came to. */
struct vmx_exit {
	enum vmx_status status; /* VMLAUNCH's own outcome */
	u32 error;              /* VM_INSTRUCTION_ERROR */
	u32 reason;             /* VM_EXIT_REASON */
	u64 qualification;      /* EXIT_QUALIFICATION */
	u64 guest_rip;          /* GUEST_RIP */
	u32 insn_len;           /* VM_EXIT_INSTRUCTION_LEN */
};

/* Bit 31 of VM_EXIT_REASON: "VM-entry failure" (SDM Vol. 3C, 25.9.1 "Basic VM-Exit Information"). */
#define VMX_EXIT_REASON_FAILED_VMENTRY BIT(31)

/* Fills *exit from status s (of VMLAUNCH or VMRESUME) and the current VMCS's exit-information fields. */
void vmx_exit_read(enum vmx_status s, struct vmx_exit *exit);

/*
 * VMLAUNCH with the guest's registers *regs, then fills *exit and prints a
 * failure by name. Returns 0 after a VM exit (the guest ran), -HV_EVMXFAIL if
 * VMLAUNCH failed (VMfailInvalid or VMfailValid), -HV_EENTRY if the VM entry
 * failed on the guest state or MSR loading (SDM Vol. 3C, 27.8 says how that shows).
 */
int vmx_launch(struct guest_regs *regs, struct vmx_exit *exit);

#endif
