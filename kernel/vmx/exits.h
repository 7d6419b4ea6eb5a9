/*
 * Lab 6 "handle exits": the interface of labs/06-exits/exits.c.
 * vm_run() is the hypervisor's main loop: it enters the guest, handles each VM
 * exit by its reason, and enters again, until the guest asks to shut down or
 * does something the hypervisor will not handle.
 */
#ifndef HV_EXITS_H
#define HV_EXITS_H

#include "detect.h"
#include "types.h"
#include "vcpu.h"

/*
 * Adds to the current VMCS (built by lab 4) the exits this hypervisor handles:
 * port I/O, INT3, and MOVs to CR0/CR4 that touch what VMX needs, with the guest
 * reading CR0 and CR4 as if VMX were not there. 0, or a VMWRITE error.
 */
int vm_setup_exits(const struct vmx_caps *caps);

/*
 * Completes, for the guest, the instruction that caused the VM exit: the guest
 * goes on after it as if the processor had executed it.
 */
void vmx_skip_instruction(void);

/* Makes the next VM entry deliver exception vector to the guest, with error_code if has_error_code. */
void vmx_inject_exception(u8 vector, bool has_error_code, u32 error_code);

/*
 * Runs the guest of the current VMCS until it stops. Returns 0 after the
 * guest's HC_SHUTDOWN hypercall (v->shutdown_code holds its code), or:
 * -HV_EVMXFAIL if VMLAUNCH/VMRESUME failed, -HV_EENTRY if a VM entry failed,
 * -HV_ECRASH if the guest triple-faulted, -HV_EEXIT for an exit this
 * hypervisor does not handle (after printing its name, the exit qualification,
 * the VMCS and the guest's registers).
 */
int vm_run(struct vcpu *v);

#endif
