/*
 * Lab 1 "detect VMX": the interface of labs/01-detect/detect.c.
 * The kernel and the later labs call these; the student writes them.
 */
#ifndef HV_DETECT_H
#define HV_DETECT_H

#include "types.h"

/* IA32_VMX_BASIC, decoded (SDM Vol. 3D, A.1 "Basic VMX Information"). */
struct vmx_basic {
	u32 revision_id;        /* bits 30:0: the VMCS revision identifier */
	u32 region_size;        /* bits 44:32: bytes to allocate for VMXON and VMCS regions */
	u8 mem_type;            /* bits 53:50: memory type for VMCS accesses (0 UC, 6 WB) */
	bool phys_addr_32;      /* bit 48: VMX structures must lie below 4 GiB */
	bool inout_info;        /* bit 54: VM exits for INS/OUTS report instruction information */
	bool true_ctls;         /* bit 55: the IA32_VMX_TRUE_*_CTLS MSRs exist */
};

/* One control capability MSR, split (SDM Vol. 3D, A.3 "VM-Execution Controls"). */
struct vmx_ctl_cap {
	u32 allowed0;           /* bits 31:0: a 1 here means the control must be 1 */
	u32 allowed1;           /* bits 63:32: a 0 here means the control must be 0 */
};

/* Everything lab 1 finds out about the processor's VMX support. */
struct vmx_caps {
	struct vmx_basic basic;
	struct vmx_ctl_cap pinbased;    /* from IA32_VMX_TRUE_PINBASED_CTLS if basic.true_ctls */
	struct vmx_ctl_cap procbased;   /* ... TRUE_PROCBASED_CTLS, likewise */
	struct vmx_ctl_cap exit;        /* ... TRUE_EXIT_CTLS, likewise */
	struct vmx_ctl_cap entry;       /* ... TRUE_ENTRY_CTLS, likewise */
	bool has_procbased2;            /* the secondary controls can be activated */
	struct vmx_ctl_cap procbased2;  /* IA32_VMX_PROCBASED_CTLS2, or zeros */
	u64 ept_vpid;                   /* IA32_VMX_EPT_VPID_CAP, or 0 if it does not exist */
	u64 misc;                       /* IA32_VMX_MISC */
	u64 cr0_fixed0, cr0_fixed1;     /* IA32_VMX_CR0_FIXED0/1 */
	u64 cr4_fixed0, cr4_fixed1;     /* IA32_VMX_CR4_FIXED0/1 */
};

/* Returns true when CPUID.1:ECX.VMX[bit 5] is set. */
bool vmx_cpu_has_vmx(void);

/* Decodes a raw IA32_VMX_BASIC value into *out. Touches no hardware. */
void vmx_basic_decode(u64 msr, struct vmx_basic *out);

/* Splits a raw control capability MSR value into its allowed-0 and allowed-1 halves. */
struct vmx_ctl_cap vmx_ctl_cap_decode(u64 msr);

/*
 * Fills *caps from CPUID and the VMX capability MSRs. Returns 0, or -HV_ENOVMX
 * without reading any VMX MSR when the processor has no VMX.
 */
int vmx_detect(struct vmx_caps *caps);

/* Prints *caps as a readable report (given: kernel/vmx/caps.c). */
void vmx_caps_print(const struct vmx_caps *caps);

#endif
