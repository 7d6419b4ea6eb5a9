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

/*
 * The value to write into a control field whose capability is cap (SDM Vol. 3D,
 * A.3-A.5): one that cap accepts, with every bit of wanted set and no other bit
 * set unless cap requires it. Stores it in *ctl and returns 0; returns -HV_EINVAL
 * and leaves *ctl alone when cap does not allow a bit of wanted. Pure.
 */
int vmx_adjust_ctls(u32 wanted, const struct vmx_ctl_cap *cap, u32 *ctl);

/*
 * The access rights, in the VMCS format (SDM Vol. 3C, 25.4.1 "Guest Register
 * State", Table "Format of Access Rights"), of a segment register loaded with
 * selector, whose descriptor's first 8 bytes are descriptor. Pure.
 */
u32 vmx_segment_ar(u16 selector, u64 descriptor);

/*
 * Allocates a VMCS region the processor accepts and leaves it clear and current;
 * stores it in *vmcs and returns 0, or frees it and returns -HV_EVMXFAIL (the
 * processor refused it) or -HV_ENOMEM.
 */
int vmcs_load_new(const struct vmx_caps *caps, void **vmcs);

/* Writes the host-state area from the running kernel (all but HOST_RSP, which vmx_enter_guest() writes). */
int vmcs_setup_host(void);

/*
 * Writes the guest-state area for guest program g, running on the stack that ends
 * at stack_top, with the kernel's paging, GDT and TSS (access rights from vmx_segment_ar()).
 */
int vmcs_setup_guest(const struct guest_program *g, u64 stack_top);

/*
 * Writes the pin-based, processor-based, VM-exit and VM-entry controls, adjusted
 * to caps by vmx_adjust_ctls(); returns its -HV_EINVAL when caps cannot give a
 * control the guest needs.
 */
int vmcs_setup_controls(const struct vmx_caps *caps);

/*
 * All of the above: a new current VMCS for g (in *vmcs), with a fresh guest stack
 * page (in *stack). Returns 0 or the first error; frees what it allocated on error.
 */
int vmcs_setup(const struct vmx_caps *caps, const struct guest_program *g, void **vmcs,
	       void **stack);

#endif
