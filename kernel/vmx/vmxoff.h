/*
 * Lab 7 "shut down": the interface of labs/07-vmxoff/vmxoff.c.
 * vmx_shutdown() closes the life cycle that labs 2-4 opened: no current VMCS,
 * no VMX operation, CR4.VMXE clear, and every page given back.
 */
#ifndef HV_VMXOFF_H
#define HV_VMXOFF_H

#include "types.h"

/* One processor's VMX resources: what labs 3 and 4 allocated (NULL: none). */
struct vmx_cpu {
	void *vmxon_region;     /* lab 3's vmx_enter_root() */
	void *vmcs;             /* lab 4's vmcs_setup() */
	void *guest_stack;      /* ... and the guest's stack */
};

/* Afterwards cpu->vmcs is clear, inactive and freed, as is the guest stack, both NULL; -HV_EVMXFAIL if the processor refused. */
int vmx_vmcs_release(struct vmx_cpu *cpu);

/* Afterwards: out of VMX operation, CR4.VMXE clear, the VMXON region freed and NULL; -HV_EVMXFAIL if the processor refused. */
int vmx_leave_root(struct vmx_cpu *cpu);

/*
 * Both: the way out of VMX operation. Returns 0, or the first error (then
 * nothing the processor may still use has been freed). Calling it again is
 * harmless: with nothing left to release it returns 0.
 */
int vmx_shutdown(struct vmx_cpu *cpu);

#endif
