/*
 * Lab 1: detect VMX.
 *
 * Before a hypervisor may touch VMX it must ask the processor two questions:
 * "do you have VMX at all?" and "what exactly do you support?". Every later
 * lab uses the answers you collect here.
 * The handout is labs/01-detect/README.md; the interface is kernel/vmx/detect.h.
 */
#include "detect.h"
#include "todo.h"
#include "vmx.h"
#include "x86.h"

/*
 * Exercise 1: decode IA32_VMX_BASIC.
 * Goal: every field of struct vmx_basic, for any 64-bit value, including values
 * no processor reports today. Bits that belong to no field change nothing.
 * SDM Vol. 3D, A.1 "Basic VMX Information".
 * Interface: kernel/vmx/detect.h. Pure: no RDMSR, no other hardware access.
 * Hints: README, exercise 1.
 */
void vmx_basic_decode(u64 msr, struct vmx_basic *out)
{
	todo(1, __func__, "split the IA32_VMX_BASIC value into its fields");
	(void)msr;
	(void)out;
}

/*
 * Exercise 2: collect the capabilities.
 * Goal: *caps describes this processor's VMX support exactly: IA32_VMX_BASIC
 * decoded, the allowed settings of the pin-based, primary and secondary
 * processor-based, VM-exit and VM-entry controls, the EPT/VPID capabilities,
 * IA32_VMX_MISC and the CR0/CR4 fixed bits. On a processor without VMX, or for
 * an MSR this processor does not have, nothing is read and the fields stay 0.
 * SDM Vol. 3C, 24.6 "Discovering Support for VMX"; Vol. 3D, Appendix A "VMX
 * Capability Reporting Facility" (A.1 to A.8, A.10).
 * Interface: kernel/vmx/detect.h. Returns 0, or -HV_ENOVMX on a processor
 * without VMX; *caps arrives full of garbage.
 * Hints: README, exercise 2.
 */
int vmx_detect(struct vmx_caps *caps)
{
	todo(1, __func__, "find out whether this CPU has VMX, then read its capability MSRs into *caps");
	(void)caps;
	return -HV_ENOSYS;
}
