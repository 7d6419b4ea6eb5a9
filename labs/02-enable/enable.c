/*
 * Lab 2: enable VMX.
 *
 * A processor with VMX still refuses VMXON until three things are true: the
 * firmware's IA32_FEATURE_CONTROL MSR allows it, CR0 and CR4 hold values that
 * VMX operation supports, and CR4.VMXE is set. You make them true here.
 * The handout is labs/02-enable/README.md; the interface is kernel/vmx/enable.h.
 */
#include "enable.h"
#include "todo.h"
#include "vmx.h"
#include "x86.h"

/*
 * Exercise 1: the fixed-bit rule.
 * SDM Vol. 3D, A.7 "VMX-Fixed Bits in CR0": if bit X is 1 in IA32_VMX_CR0_FIXED0,
 * that bit of CR0 is fixed to 1; if bit X is 0 in IA32_VMX_CR0_FIXED1, it is
 * fixed to 0. A.8 says the same of CR4. Bits free in both may be 0 or 1: keep
 * them as they are in value.
 */
u64 vmx_fix_cr(u64 value, u64 fixed0, u64 fixed1)
{
	todo(2, __func__, "force the fixed-1 bits on and the fixed-0 bits off");
	(void)fixed0;
	(void)fixed1;
	return value;
}

/*
 * Exercise 2: IA32_FEATURE_CONTROL (MSR 0x3A).
 * SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation": bit 0 is the lock bit,
 * bit 2 enables VMXON outside SMX operation. Once bit 0 is set, WRMSR to this
 * MSR raises #GP until the next reset, and VMXON raises #GP unless the lock bit
 * and the enable bit are both set.
 * - Locked with bit 2 set: the firmware did the work; return 0.
 * - Locked with bit 2 clear: the firmware disabled VMX; nothing can change that
 *   before a reset. Return -HV_EDISABLED, without writing the MSR.
 * - Unlocked: set bit 2 and the lock bit in one WRMSR, keeping the other bits.
 * Hint: MSR_IA32_FEAT_CTL and the FEAT_CTL_* bits are in kernel/vmx/vmx.h.
 */
int vmx_feature_control_enable(void)
{
	todo(2, __func__, "read IA32_FEATURE_CONTROL; lock it with VMX enabled, or report that firmware disabled VMX");
	return -HV_ENOSYS;
}

/*
 * Exercise 3: enable VMX operation.
 * 1. vmx_feature_control_enable(); on an error, return it and touch nothing else.
 * 2. CR0 := vmx_fix_cr(CR0, caps->cr0_fixed0, caps->cr0_fixed1)
 *    (SDM Vol. 3C, 24.8 "Restrictions on VMX Operation": VMXON fails with #GP
 *    while CR0 or CR4 holds an unsupported value).
 * 3. CR4 := vmx_fix_cr(CR4 | CR4.VMXE, caps->cr4_fixed0, caps->cr4_fixed1)
 *    (24.7: CR4.VMXE[bit 13] must be 1 before VMXON, else VMXON raises #UD).
 * Hint: read_cr0()/write_cr0() and friends are in kernel/arch/x86.h, CR4_VMXE too.
 */
int vmx_enable(const struct vmx_caps *caps)
{
	todo(2, __func__, "enable VMX in IA32_FEATURE_CONTROL, then fix CR0 and CR4 and set CR4.VMXE");
	(void)caps;
	return -HV_ENOSYS;
}
