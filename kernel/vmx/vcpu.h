/* Running a guest: its general registers, and one VM entry through to the next VM exit. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "types.h"
#include "vmx.h"

/*
 * The guest's general-purpose registers while the host runs. RSP, RIP and
 * RFLAGS live in the VMCS (GUEST_RSP, GUEST_RIP, GUEST_RFLAGS); these do not.
 * kernel/vmx/vmx_run.asm depends on this layout (GUEST_REG_* offsets).
 */
struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/*
 * Enters the guest of the current VMCS with *regs: VMLAUNCH if launched is
 * false, else VMRESUME. Writes HOST_RSP and HOST_RIP itself (the VM exit must
 * come back to this very stack frame). Returns VMX_SUCCEED after the guest ran
 * and a VM exit brought the processor back (*regs then holds the guest's
 * registers; a VM-entry failure also comes back this way, with bit 31 of
 * VM_EXIT_REASON set), or the VMfail outcome of VMLAUNCH/VMRESUME.
 */
enum vmx_status vmx_run(struct guest_regs *regs, bool launched);

/* Where VM exits land (HOST_RIP): the second half of vmx_run. */
void vmx_exit_stub(void);

#endif
