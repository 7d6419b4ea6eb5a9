/* Error codes returned (negated) by the hypervisor's step functions. */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

enum hv_error {
	HV_OK = 0,
	HV_ENOSYS = 1,   /* not written yet: a TODO stub */
	HV_ENOVMX = 2,   /* the processor does not support VMX */
	HV_ENOMEM = 3,   /* out of page frames */
	HV_EINVAL = 4,   /* an argument or a state the function cannot work with */
	HV_EDISABLED = 5, /* VMX disabled by firmware: IA32_FEATURE_CONTROL locked with VMX off */
	HV_EVMXFAIL = 6, /* a VMX instruction failed (VMfailInvalid or VMfailValid) */
	HV_EENTRY = 7,   /* VM entry failed after its checks on the guest (exit reason bit 31) */
	HV_EEXIT = 8,    /* a VM exit the hypervisor does not handle: the VM was stopped */
	HV_ECRASH = 9,   /* the guest crashed (triple fault): the VM was stopped */
	HV_EFAULT = 10,  /* the hypervisor's own code raised an exception (caught) */
	HV_ENOEPT = 11,  /* the processor lacks EPT, or a capability of it the hypervisor needs */
	HV_EACCESS = 12, /* the guest accessed memory outside its own: the VM was stopped */
	HV_ENOTIMER = 13, /* the processor has no VMX-preemption timer */
	HV_ENOSHADOW = 14, /* the processor lacks VMCS shadowing (lab 12) */
};

/* The name and meaning of e (positive or negated), e.g. "HV_ENOVMX: no VMX". */
const char *hv_strerror(int e);

#endif
