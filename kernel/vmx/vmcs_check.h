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
