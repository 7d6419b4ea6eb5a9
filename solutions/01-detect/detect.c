/*
 * Lab 1: detect VMX.
 *
 * Before a hypervisor may touch VMX it must ask the processor two questions:
 * "do you have VMX at all?" (CPUID) and "what exactly do you support?" (the
 * VMX capability MSRs). Every later lab uses the answers you collect here.
 * The handout is labs/01-detect/README.md; the interface is kernel/vmx/detect.h.
 */
#include "detect.h"
#include "todo.h"
#include "vmx.h"
#include "x86.h"

/*
 * Exercise 1: does this processor support VMX?
 * SDM Vol. 3C, 24.6 "Discovering Support for VMX": VMX is present when
 * CPUID.1:ECX.VMX[bit 5] = 1.
 * Hint: cpuid(leaf, subleaf) in kernel/arch/x86.h returns all four registers;
 * CPUID_1_ECX_VMX in kernel/vmx/vmx.h names the bit.
 */
bool vmx_cpu_has_vmx(void)
{
	/* BEGIN SOLUTION
	 * todo: execute CPUID leaf 1 and test ECX bit 5
	 * stub: return false;
	 */
	return cpuid(1, 0).ecx & CPUID_1_ECX_VMX;
	/* END SOLUTION */
}

/*
 * Exercise 2: decode IA32_VMX_BASIC.
 * SDM Vol. 3D, A.1 "Basic VMX Information": bits 30:0 revision identifier
 * (bit 31 is always 0), bits 44:32 region size in bytes, bit 48 32-bit
 * physical addresses only, bits 53:50 memory type, bit 54 INS/OUTS exit
 * information, bit 55 TRUE capability MSRs.
 * Hint: the VMX_BASIC_* masks and shifts in kernel/vmx/vmx.h, or BITS(x, hi, lo)
 * from kernel/include/types.h. Decode only: no RDMSR here.
 */
void vmx_basic_decode(u64 msr, struct vmx_basic *out)
{
	/* BEGIN SOLUTION
	 * todo: split the IA32_VMX_BASIC value into its fields
	 * stub: (void)msr;
	 * stub: (void)out;
	 */
	out->revision_id = (u32)(msr & VMX_BASIC_REVISION_ID_MASK);
	out->region_size = (u32)((msr >> VMX_BASIC_REGION_SIZE_SHIFT) & VMX_BASIC_REGION_SIZE_MASK);
	out->mem_type = (u8)((msr >> VMX_BASIC_MEM_TYPE_SHIFT) & VMX_BASIC_MEM_TYPE_MASK);
	out->phys_addr_32 = msr & VMX_BASIC_32BIT_PHYS_ADDR_ONLY;
	out->inout_info = msr & VMX_BASIC_INOUT;
	out->true_ctls = msr & VMX_BASIC_TRUE_CTLS;
	/* END SOLUTION */
}

/*
 * Exercise 3: split a control capability MSR.
 * SDM Vol. 3D, A.3.1 "Pin-Based VM-Execution Controls" (the same layout holds for
 * every control MSR): bits 31:0 are the allowed-0 settings, bits 63:32 the
 * allowed-1 settings.
 */
struct vmx_ctl_cap vmx_ctl_cap_decode(u64 msr)
{
	/* BEGIN SOLUTION
	 * todo: split the MSR value into allowed-0 (low half) and allowed-1 (high half)
	 * stub: (void)msr;
	 * stub: return (struct vmx_ctl_cap){ 0, 0 };
	 */
	return (struct vmx_ctl_cap){ .allowed0 = VMX_CTL_ALLOWED0(msr),
				     .allowed1 = VMX_CTL_ALLOWED1(msr) };
	/* END SOLUTION */
}

/*
 * Exercise 4: collect the capabilities.
 * 1. No VMX: return -HV_ENOVMX at once. The capability MSRs do not exist then,
 *    and reading one raises #GP(0) (SDM Vol. 3D, Appendix A).
 * 2. Read and decode IA32_VMX_BASIC.
 * 3. If bit 55 is set, read the pin-based, primary processor-based, exit and
 *    entry capabilities from the IA32_VMX_TRUE_*_CTLS MSRs, else from the
 *    ordinary ones (SDM Vol. 3D, A.2 "Reserved Controls and Default Settings").
 * 4. IA32_VMX_PROCBASED_CTLS2 exists only if the primary controls allow
 *    "activate secondary controls" (bit 31) to be 1; IA32_VMX_EPT_VPID_CAP
 *    only if the secondary controls allow "enable EPT" (bit 1) or
 *    "enable VPID" (bit 5) to be 1 (SDM Vol. 3D, A.3.3 "Secondary
 *    Processor-Based VM-Execution Controls" and A.10 "VPID and EPT Capabilities").
 *    Leave the fields zero when the MSR does not exist.
 * 5. Read IA32_VMX_MISC and the CR0/CR4 fixed-bit MSRs (SDM Vol. 3D, A.6
 *    "Miscellaneous Data", A.7 "VMX-Fixed Bits in CR0", A.8 "VMX-Fixed Bits in CR4").
 */
int vmx_detect(struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: check CPUID, then read every capability MSR into *caps
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	*caps = (struct vmx_caps){ 0 };
	if (!vmx_cpu_has_vmx())
		return -HV_ENOVMX;

	vmx_basic_decode(rdmsr(MSR_IA32_VMX_BASIC), &caps->basic);
	bool t = caps->basic.true_ctls;
	caps->pinbased = vmx_ctl_cap_decode(
		rdmsr(t ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS));
	caps->procbased = vmx_ctl_cap_decode(
		rdmsr(t ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS));
	caps->exit = vmx_ctl_cap_decode(
		rdmsr(t ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS));
	caps->entry = vmx_ctl_cap_decode(
		rdmsr(t ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS));

	caps->has_procbased2 = caps->procbased.allowed1 & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	if (caps->has_procbased2) {
		caps->procbased2 = vmx_ctl_cap_decode(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2));
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
