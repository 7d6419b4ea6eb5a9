/* Names for the hv_error codes, for messages. */
#include "errno.h"

const char *hv_strerror(int e)
{
	static const char *const names[] = {
		[HV_OK] = "HV_OK",
		[HV_ENOSYS] = "HV_ENOSYS: not written yet",
		[HV_ENOVMX] = "HV_ENOVMX: no VMX",
		[HV_ENOMEM] = "HV_ENOMEM: out of pages",
		[HV_EINVAL] = "HV_EINVAL: invalid argument or state",
		[HV_EDISABLED] = "HV_EDISABLED: VMX disabled by firmware",
		[HV_EVMXFAIL] = "HV_EVMXFAIL: a VMX instruction failed",
		[HV_EENTRY] = "HV_EENTRY: VM entry failed",
		[HV_EEXIT] = "HV_EEXIT: unhandled VM exit",
		[HV_ECRASH] = "HV_ECRASH: the guest crashed",
		[HV_EFAULT] = "HV_EFAULT: the hypervisor faulted",
		[HV_ENOEPT] = "HV_ENOEPT: no EPT, or not what the hypervisor needs",
		[HV_EACCESS] = "HV_EACCESS: the guest accessed memory outside its own",
		[HV_ENOTIMER] = "HV_ENOTIMER: no VMX-preemption timer",
		[HV_ENOSHADOW] = "HV_ENOSHADOW: no VMCS shadowing",
	};
	if (e < 0)
		e = -e;
	if ((unsigned)e < sizeof(names) / sizeof(names[0]) && names[e])
		return names[e];
	return "unknown error";
}
