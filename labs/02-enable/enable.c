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
 * Goal: the value closest to value that VMX operation accepts in a control
 * register whose fixed bits are described by fixed0 and fixed1: every bit the
 * two MSRs leave free keeps its value.
 * SDM Vol. 3D, A.7 "VMX-Fixed Bits in CR0" and A.8 "VMX-Fixed Bits in CR4";
 * Vol. 3C, 24.8 "Restrictions on VMX Operation".
 * Interface: kernel/vmx/enable.h. Pure: the grader passes made-up values.
 * Hints: README, exercise 1.
 */
u64 vmx_fix_cr(u64 value, u64 fixed0, u64 fixed1)
{
	todo(2, __func__, "change value just enough to satisfy the VMX fixed bits");
	(void)fixed0;
	(void)fixed1;
	return value;
}

/*
 * Exercise 2: IA32_FEATURE_CONTROL (MSR 0x3A).
 * Goal: afterwards the MSR allows VMXON outside SMX operation and stays so until
 * the next reset, with every bit the firmware chose kept; or, when the firmware
 * has made that impossible, the caller learns it. Never fault.
 * SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation"; the MSR's bits in
 * Vol. 4, Table 2-2 "IA-32 Architectural MSRs" (3AH).
 * Interface: kernel/vmx/enable.h. Returns 0, or -HV_EDISABLED.
 * Hints: README, exercise 2.
 */
int vmx_feature_control_enable(void)
{
	todo(2, __func__, "make IA32_FEATURE_CONTROL allow VMXON, or report that the firmware disabled VMX");
	return -HV_ENOSYS;
}

/*
 * Exercise 3: enable VMX operation.
 * Goal: afterwards VMXON is allowed: IA32_FEATURE_CONTROL permits it, CR0 and CR4
 * satisfy the fixed bits in *caps, and VMX is enabled in CR4. When the firmware
 * disabled VMX, say so and leave CR0 and CR4 as they were.
 * SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation", 24.8 "Restrictions on
 * VMX Operation"; Vol. 3C, 31.3 "VMX Instructions", VMXON (its exceptions).
 * Interface: kernel/vmx/enable.h. Returns 0, or the error of exercise 2.
 * Hints: README, exercise 3.
 */
int vmx_enable(const struct vmx_caps *caps)
{
	todo(2, __func__, "make VMXON possible: firmware permission, CR0 and CR4");
	(void)caps;
	return -HV_ENOSYS;
}
