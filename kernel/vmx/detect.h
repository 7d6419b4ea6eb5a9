/*
 * Lab 1 "detect VMX": the interface of labs/01-detect/detect.c.
 * The kernel and the later labs call these; the student writes them.
 */
#ifndef HV_DETECT_H
#define HV_DETECT_H

#include "types.h"

/* IA32_VMX_BASIC, decoded (SDM Vol. 3D, A.1 "Basic VMX Information"). */
struct vmx_basic {
	u32 revision_id;        /* the VMCS revision identifier */
	u32 region_size;        /* bytes to allocate for the VMXON region and each VMCS */
	u8 mem_type;            /* memory type for VMCS accesses (0 UC, 6 WB) */
	bool phys_addr_32;      /* VMX structures must lie below 4 GiB */
	bool inout_info;        /* VM exits for INS/OUTS report instruction information */
	bool true_ctls;         /* the IA32_VMX_TRUE_*_CTLS MSRs exist */
};

/* One control field's allowed settings (SDM Vol. 3D, A.3 "VM-Execution Controls"). */
struct vmx_ctl_cap {
	u32 allowed0;           /* bit X is 1: control X must be 1 */
	u32 allowed1;           /* bit X is 0: control X must be 0 */
};

/* Everything lab 1 finds out about the processor's VMX support. */
struct vmx_caps {
	struct vmx_basic basic;
	struct vmx_ctl_cap pinbased;    /* what PIN_BASED_VM_EXEC_CONTROL may hold on this CPU */
	struct vmx_ctl_cap procbased;   /* ... CPU_BASED_VM_EXEC_CONTROL */
	struct vmx_ctl_cap exit;        /* ... VM_EXIT_CONTROLS */
	struct vmx_ctl_cap entry;       /* ... VM_ENTRY_CONTROLS */
	bool has_procbased2;            /* the secondary controls can be activated */
	struct vmx_ctl_cap procbased2;  /* ... SECONDARY_VM_EXEC_CONTROL, or zeros */
	u64 ept_vpid;                   /* IA32_VMX_EPT_VPID_CAP, or 0 if it does not exist */
	u64 misc;                       /* IA32_VMX_MISC */
	u64 cr0_fixed0, cr0_fixed1;     /* IA32_VMX_CR0_FIXED0/1 */
	u64 cr4_fixed0, cr4_fixed1;     /* IA32_VMX_CR4_FIXED0/1 */
};

/* Decodes a raw IA32_VMX_BASIC value into *out, every field. Touches no hardware. */
void vmx_basic_decode(u64 msr, struct vmx_basic *out);

/*
 * Fills *caps from CPUID and the VMX capability MSRs, reading only MSRs that exist
 * on this processor. Returns 0, or -HV_ENOVMX without reading any VMX MSR when the
 * processor has no VMX.
 */
int vmx_detect(struct vmx_caps *caps);

/* Prints *caps as a readable report (given: kernel/vmx/caps.c). */
void vmx_caps_print(const struct vmx_caps *caps);

#endif
