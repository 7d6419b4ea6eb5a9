/*
 * Lab 4 "build the VMCS": the interface of labs/04-vmcs/vmcs.c.
 * After vmcs_setup() succeeds, the current VMCS describes a 64-bit guest that
 * VMLAUNCH (lab 5) can enter.
 */
#ifndef HV_VMCS_H
#define HV_VMCS_H

#include "detect.h"
#include "guest_program.h"
#include "types.h"

/* A control value the processor accepts: (wanted | allowed0) & allowed1 (SDM Vol. 3D, A.3-A.5). */
u32 vmx_adjust_ctls(u32 wanted, const struct vmx_ctl_cap *cap);

/*
 * Allocates a VMCS region stamped with the revision identifier, makes it clear
 * (VMCLEAR) and current (VMPTRLD); stores it in *vmcs and returns 0, or frees it
 * and returns -HV_EVMXFAIL (or -HV_ENOMEM).
 */
int vmcs_load_new(const struct vmx_caps *caps, void **vmcs);

/* Writes the host-state area from the running kernel (all but HOST_RSP, which vmx_enter_guest() writes). */
int vmcs_setup_host(void);

/* Writes the guest-state area for guest program g, running on the stack that ends at stack_top. */
int vmcs_setup_guest(const struct guest_program *g, u64 stack_top);

/* Writes the pin-based, processor-based, VM-exit and VM-entry controls, adjusted to caps. */
int vmcs_setup_controls(const struct vmx_caps *caps);

/*
 * All of the above: a new current VMCS for g (in *vmcs), with a fresh guest stack
 * page (in *stack). Returns 0 or the first error; frees what it allocated on error.
 */
int vmcs_setup(const struct vmx_caps *caps, const struct guest_program *g, void **vmcs,
	       void **stack);

#endif
