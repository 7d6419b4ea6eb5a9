/*
 * The whole hypervisor, start to finish: the labs' functions in the order a VMM
 * calls them (kernel/vmx/labs.h lists them), from a processor that may have VMX
 * to guests that run until they stop, and back out of VMX operation.
 */
#ifndef HV_HYPERVISOR_H
#define HV_HYPERVISOR_H

#include "labs.h"
#include "types.h"
#include "vcpu.h"

/*
 * Runs fn(arg), a call into the labs' code named who; true if it returned, false
 * with the reason in why if it did not (it faulted). The harness's harness_call().
 */
typedef bool hv_guard_fn(const char *who, void (*fn)(void *), void *arg, char *why, size_t size);

struct hypervisor {
	hv_guard_fn *guard;             /* NULL: call the labs' code directly */
	u64 nonce;                      /* what the guests' HC_READ of HC_VALUE_NONCE returns */
	struct vmx_caps caps;           /* lab 1 */
	struct vmx_cpu cpu;             /* labs 3 and 4: the VMXON region, the VMCS, the guest stack */
	const struct guest_program *guest;      /* the guest being set up and run */
	struct vcpu vcpu;               /* lab 6: the running guest */
	int failed_lab;                 /* when hypervisor_main() fails: the lab whose step did */
	char why[192];                  /* ... and why */
};

/*
 * Detect, enable, VMXON; then for each of the n guests a VMCS, the exit loop
 * until the guest stops, and the VMCS released; then VMXOFF. Narrates each step
 * on the console. A guest that crashes or makes no progress stops only itself.
 * Returns 0, or a step's -HV_E* error with hv->failed_lab and hv->why set (also
 * when this stage has no code yet for a lab it needs).
 */
int hypervisor_main(struct hypervisor *hv, const struct guest_program *const *guests, size_t n);

#endif
