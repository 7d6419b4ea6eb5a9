/*
 * VMX architectural constants: MSR indexes, capability-MSR layouts and control bits.
 * Names follow Linux's arch/x86/include/asm/{msr-index,vmx}.h.
 */
#ifndef HV_VMX_H
#define HV_VMX_H

#include "types.h"

/* CPUID.1:ECX.VMX[bit 5] (SDM Vol. 3C, 24.6 "Discovering Support for VMX"). */
#define CPUID_1_ECX_VMX BIT(5)

/* IA32_FEATURE_CONTROL (SDM Vol. 3C, 24.7 "Enabling and Entering VMX Operation"). */
#define MSR_IA32_FEAT_CTL 0x3A
#define FEAT_CTL_LOCKED BIT(0)
#define FEAT_CTL_VMX_ENABLED_INSIDE_SMX BIT(1)
#define FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX BIT(2)

/*
 * The VMX capability MSRs (SDM Vol. 3D, Appendix A "VMX Capability Reporting
 * Facility"). They exist only when CPUID.1:ECX.VMX = 1: RDMSR of any of them
 * on a processor without VMX raises #GP(0).
 */
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_VMCS_ENUM 0x48A
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48C
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48F
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490

/* IA32_VMX_BASIC fields (SDM Vol. 3D, A.1 "Basic VMX Information"). */
#define VMX_BASIC_REVISION_ID_MASK 0x7FFFFFFFULL       /* bits 30:0; bit 31 is always 0 */
#define VMX_BASIC_REGION_SIZE_SHIFT 32                  /* bits 44:32: bytes for VMXON/VMCS */
#define VMX_BASIC_REGION_SIZE_MASK 0x1FFFULL
#define VMX_BASIC_32BIT_PHYS_ADDR_ONLY BIT(48)
#define VMX_BASIC_DUAL_MONITOR BIT(49)
#define VMX_BASIC_MEM_TYPE_SHIFT 50                     /* bits 53:50 */
#define VMX_BASIC_MEM_TYPE_MASK 0xFULL
#define VMX_BASIC_INOUT BIT(54)                         /* INS/OUTS exit information */
#define VMX_BASIC_TRUE_CTLS BIT(55)                     /* the TRUE_*_CTLS MSRs exist */

/* Memory types (SDM Vol. 3D, Table A-1 "Memory Types Recommended for VMCS and Related Data Structures"). */
#define VMX_MEM_TYPE_UC 0
#define VMX_MEM_TYPE_WB 6

/*
 * Control capability MSRs (SDM Vol. 3D, A.3 "VM-Execution Controls", A.4 "VM-Exit
 * Controls", A.5 "VM-Entry Controls"): bits 31:0 are the allowed-0 settings (a 1
 * there: the control must be 1), bits 63:32 the allowed-1 settings (a 0 there: the
 * control must be 0).
 */
#define VMX_CTL_ALLOWED0(msr) ((u32)(msr))
#define VMX_CTL_ALLOWED1(msr) ((u32)((msr) >> 32))

/* Primary processor-based controls (SDM Vol. 3C, 25.6.2 "Processor-Based VM-Execution Controls"). */
#define CPU_BASED_ACTIVATE_SECONDARY_CONTROLS BIT(31)

/* Secondary processor-based controls (same section, Table "Definitions of Secondary Processor-Based VM-Execution Controls"). */
#define SECONDARY_EXEC_ENABLE_EPT BIT(1)
#define SECONDARY_EXEC_ENABLE_VPID BIT(5)
#define SECONDARY_EXEC_UNRESTRICTED_GUEST BIT(7)

#endif
