/*
 * The hvlabs hypercall ABI, shared by the guests and the hypervisor.
 *
 * The guest executes VMCALL (0F 01 C1), which always causes a VM exit (SDM
 * Vol. 3C, 26.1.2 "Instructions That Cause VM Exits Unconditionally"), with
 * the call number in RAX and its arguments in RBX, RCX and RDX. The hypervisor
 * puts the result in RAX, leaves every other register as it was, and moves the
 * guest's RIP past the VMCALL.
 *
 *   RAX = HC_PRINT     RBX = address of the text, RCX = its length (at most
 *                      HC_PRINT_MAX): the text goes to the guest's console, as
 *                      if written to its COM1. Result 0, or -HV_EINVAL (too long).
 *   RAX = HC_READ      RBX = which value (enum hc_value). Result: the value, or
 *                      -HV_EINVAL for an unknown one.
 *   RAX = HC_SHUTDOWN  RBX = a status code: the VM stops and the hypervisor's
 *                      loop returns. Result: none (the guest does not run again).
 *   any other RAX      Result -HV_ENOSYS.
 *
 * Errors are the negated hv_error codes of kernel/lib/errno.h, as 64-bit values.
 * The guests share the hypervisor's identity map, so a guest address is a host
 * address; a hypervisor for real guests would translate it first.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

enum hypercall {
	HC_PRINT = 1,
	HC_READ = 2,
	HC_SHUTDOWN = 3,
};

/* What HC_READ can read. */
enum hc_value {
	HC_VALUE_NONCE = 0,     /* a number the harness chose for this run (struct vcpu's nonce) */
};

#define HC_PRINT_MAX 256

#endif
