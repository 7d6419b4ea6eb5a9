/*
 * The harness's own view of VMX operation, independent of the student's code:
 * is the processor in VMX root operation, and entering or leaving it.
 */
#ifndef HV_VMXROOT_H
#define HV_VMXROOT_H

#include "trap.h"
#include "types.h"
#include "vmx.h"

/* True in VMX root operation: VMPTRST works there and raises #UD outside VMX operation. */
bool vmxroot_active(void);

/*
 * VMXON with the region at pa (the harness's own; lab 3 asks students to write
 * theirs), under trap_call(): true and its outcome in *status, or false if it
 * raised an exception (in *f), as it does while CR0/CR4 or IA32_FEATURE_CONTROL
 * forbid VMX operation.
 */
bool vmxroot_vmxon(u64 pa, enum vmx_status *status, struct fault *f);

/* A fresh page stamped with revision_id, ready for VMXON or VMPTRLD; NULL if out of pages. */
void *vmxroot_region(u32 revision_id);

/* Leaves VMX operation if the processor is in it (VMCLEAR of any current VMCS, then VMXOFF). */
void vmxroot_leave(void);

#endif
