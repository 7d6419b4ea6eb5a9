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
	todo(1, __func__, "execute CPUID leaf 1 and test ECX bit 5");
	return false;
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
	todo(1, __func__, "split the IA32_VMX_BASIC value into its fields");
	(void)msr;
	(void)out;
}

/*
 * Exercise 3: split a control capability MSR.
 * SDM Vol. 3D, A.3.1 "Pin-Based VM-Execution Controls" (the same layout holds for
 * every control MSR): bits 31:0 are the allowed-0 settings, bits 63:32 the
 * allowed-1 settings.
 */
struct vmx_ctl_cap vmx_ctl_cap_decode(u64 msr)
{
	todo(1, __func__, "split the MSR value into allowed-0 (low half) and allowed-1 (high half)");
	(void)msr;
	return (struct vmx_ctl_cap){ 0, 0 };
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
	todo(1, __func__, "check CPUID, then read every capability MSR into *caps");
	(void)caps;
	return -HV_ENOSYS;
}
