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
	/* BEGIN SOLUTION
	 * todo: split the IA32_VMX_BASIC value into its fields
	 * stub: (void)msr;
	 * stub: (void)out;
	 *
	 * A.1: revision 30:0 (31 is 0 on real CPUs, so a made-up value tests the mask),
	 * region size 44:32 (4096 sets bit 44 alone), 48, 53:50, 54, 55; 49 and 56 are
	 * defined but not fields of the struct; 47:45 and 63:57 reserved.
	 */
	out->revision_id = (u32)BITS(msr, 30, 0);
	out->region_size = (u32)BITS(msr, 44, 32);
	out->mem_type = (u8)BITS(msr, 53, 50);
	out->phys_addr_32 = BITS(msr, 48, 48);
	out->inout_info = BITS(msr, 54, 54);
	out->true_ctls = BITS(msr, 55, 55);
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: find out whether this CPU has VMX, then read its capability MSRs into *caps
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 *
	 * Order matters twice: CPUID before any VMX MSR (they #GP without VMX), and each
	 * optional MSR only after the capability that says it exists (A.3.3, A.10).
	 * Allowed-0 is the low half (EAX), allowed-1 the high half (EDX) of each control MSR.
	 */
	*caps = (struct vmx_caps){ 0 };
	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_VMX))
		return -HV_ENOVMX;

	vmx_basic_decode(rdmsr(MSR_IA32_VMX_BASIC), &caps->basic);
	bool t = caps->basic.true_ctls;
	u64 pin = rdmsr(t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	u64 proc = rdmsr(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	u64 exit = rdmsr(t ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	u64 entry = rdmsr(t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	caps->pinbased = (struct vmx_ctl_cap){ .allowed0 = (u32)pin, .allowed1 = (u32)(pin >> 32) };
	caps->procbased = (struct vmx_ctl_cap){ .allowed0 = (u32)proc, .allowed1 = (u32)(proc >> 32) };
	caps->exit = (struct vmx_ctl_cap){ .allowed0 = (u32)exit, .allowed1 = (u32)(exit >> 32) };
	caps->entry = (struct vmx_ctl_cap){ .allowed0 = (u32)entry, .allowed1 = (u32)(entry >> 32) };

	caps->has_procbased2 = caps->procbased.allowed1 & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	if (caps->has_procbased2) {
		u64 proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		caps->procbased2 = (struct vmx_ctl_cap){ .allowed0 = (u32)proc2,
							 .allowed1 = (u32)(proc2 >> 32) };
		if (caps->procbased2.allowed1 &
		    (SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID))
			caps->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	}

	caps->misc = rdmsr(MSR_IA32_VMX_MISC);
	caps->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	caps->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	caps->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	caps->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	return 0;
	/* END SOLUTION */
}
