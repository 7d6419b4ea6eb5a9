/*
 * The VM-entry checks in plain words: walks the rules of SDM Vol. 3C, 27.2
 * "Checks on VMX Controls and Host-State Area" and 27.3.1 "Checks on the Guest
 * State Area" over the current VMCS, and says which ones it breaks, e.g.
 *
 *   VMCS CHECK: HOST_TR_SELECTOR is 0: VM entry needs a valid TR; load a TSS
 *   (SDM Vol. 3C, 27.2.3 "Checks on Host Segment and Descriptor-Table Registers")
 *
 * (one line each). The checker reads everything itself: the VMCS fields, the
 * VMX capability MSRs and CPUID; it never writes the VMCS, and it reads an
 * optional field only where the capability MSRs say the field exists, so that
 * running it after a failed VM entry keeps VM_INSTRUCTION_ERROR intact.
 */
#ifndef HV_VMCS_CHECK_H
#define HV_VMCS_CHECK_H

#include "types.h"
#include "vmx.h"

/*
 * Given to the checker and to the harnesses, not in vmx.h: choosing and splitting
 * these MSRs is lab 1's exercise, and a student of lab 1 reads vmx.h.
 *
 * Control capability MSRs (SDM Vol. 3D, A.3 "VM-Execution Controls", A.4 "VM-Exit
 * Controls", A.5 "VM-Entry Controls"): bits 31:0 are the allowed-0 settings (a 1
 * there: the control must be 1), bits 63:32 the allowed-1 settings (a 0 there: the
 * control must be 0).
 */
#define VMX_CTL_ALLOWED0(msr) ((u32)(msr))
#define VMX_CTL_ALLOWED1(msr) ((u32)((msr) >> 32))

/* The VMX control fields that have a capability MSR. */
enum vmx_ctl {
	VMX_CTL_PINBASED,       /* PIN_BASED_VM_EXEC_CONTROL */
	VMX_CTL_PROCBASED,      /* CPU_BASED_VM_EXEC_CONTROL */
	VMX_CTL_PROCBASED2,     /* SECONDARY_VM_EXEC_CONTROL */
	VMX_CTL_EXIT,           /* VM_EXIT_CONTROLS */
	VMX_CTL_ENTRY,          /* VM_ENTRY_CONTROLS */
};

/*
 * The index of the one capability MSR to consult for control field ctl, given the
 * value of IA32_VMX_BASIC (basic). SDM Vol. 3D, A.3 "VM-Execution Controls", A.4
 * "VM-Exit Controls" and A.5 "VM-Entry Controls": software consults only one MSR per
 * control field, IA32_VMX_TRUE_{PINBASED,PROCBASED,EXIT,ENTRY}_CTLS when bit 55 of
 * IA32_VMX_BASIC is 1 (SDM Vol. 3D, A.1 "Basic VMX Information"; the TRUE MSRs exist
 * only then), the plain IA32_VMX_{PINBASED,PROCBASED,EXIT,ENTRY}_CTLS when it is 0.
 * The secondary controls have no TRUE MSR: always IA32_VMX_PROCBASED_CTLS2, which
 * exists only if the primary controls may set "activate secondary controls" (SDM
 * Vol. 3D, A.3.3 "Secondary Processor-Based VM-Execution Controls"). Reads no MSR.
 */
static inline u32 vmx_ctl_msr(enum vmx_ctl ctl, u64 basic)
{
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;

	switch (ctl) {
	case VMX_CTL_PINBASED:
		return true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS;
	case VMX_CTL_PROCBASED:
		return true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS;
	case VMX_CTL_PROCBASED2:
		return MSR_IA32_VMX_PROCBASED_CTLS2;
	case VMX_CTL_EXIT:
		return true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS;
	case VMX_CTL_ENTRY:
		return true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS;
	}
	__builtin_unreachable();        /* every enum value is a case (-Wswitch) */
}

/*
 * What a VM entry would do with the VMCS, by the first rule class it breaks:
 *   VMCS_CHECK_CONTROL  27.2.1: VMLAUNCH fails, VMfailValid error 7
 *                       (VMXERR_ENTRY_INVALID_CONTROL_FIELD)
 *   VMCS_CHECK_HOST     27.2.2-27.2.4: VMfailValid error 8
 *                       (VMXERR_ENTRY_INVALID_HOST_STATE_FIELD)
 *   VMCS_CHECK_GUEST    27.3.1: a VM exit with reason 33 and bit 31 set
 *                       (VM-entry failure due to invalid guest state)
 *   VMCS_CHECK_OK       no rule broken: the entry gets past its checks
 * Guest state is checked only once controls and host state pass. Controls and
 * host state may be checked in any order (27.2), so a VMCS that breaks both may
 * fail with either error; the checker then says "controls", as Bochs does.
 */
enum vmcs_check_kind { VMCS_CHECK_OK, VMCS_CHECK_CONTROL, VMCS_CHECK_HOST, VMCS_CHECK_GUEST };

struct vmcs_check_result {
	unsigned violations;            /* how many rules the VMCS breaks */
	enum vmcs_check_kind first;     /* the class of the first one, in the processor's order */
};

/*
 * Walks the SDM's VM-entry checks on the current VMCS (VMX root operation with a
 * current VMCS required) and prints one "VMCS CHECK:" line for every violated
 * rule (quiet when print is false: it only counts).
 */
struct vmcs_check_result vmcs_check(bool print);

/* "ok", "control", "host" or "guest". */
const char *vmcs_check_kind_name(enum vmcs_check_kind k);

#endif
