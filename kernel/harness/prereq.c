/* The earlier labs, run under trap_call(), with a clear ABORT when one of them fails. */
#include "prereq.h"
#include "errno.h"
#include "harness.h"
#include "vmx.h"
#include "x86.h"

struct prereq_call {
	int (*fn)(struct vmx_caps *caps);
	struct vmx_caps *caps;
	int ret;
};

static void call(void *p)
{
	struct prereq_call *c = p;
	c->ret = c->fn(c->caps);
}

bool prereq_vmx_enabled(void)
{
	u64 fc = rdmsr(MSR_IA32_FEAT_CTL), cr0 = read_cr0(), cr4 = read_cr4();
	u64 cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0), cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	u64 cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0), cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	const char *what = NULL;

	if ((fc & (FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) !=
	    (FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX))
		what = "IA32_FEATURE_CONTROL does not allow VMXON";
	else if ((cr0 & cr0_fixed0) != cr0_fixed0 || (cr0 & ~cr0_fixed1))
		what = "CR0 breaks the VMX fixed bits";
	else if (!(cr4 & CR4_VMXE) || (cr4 & cr4_fixed0) != cr4_fixed0 || (cr4 & ~cr4_fixed1))
		what = "CR4 lacks VMXE or breaks the VMX fixed bits";
	if (!what)
		return true;
	harness_abort("this lab builds on lab 2, and after vmx_enable() returned 0, %s "
		      "(IA32_FEATURE_CONTROL %#lx, CR0 %#lx, CR4 %#lx); fix lab 2, or grade this lab on "
		      "the reference with PRIOR=sol", what, fc, cr0, cr4);
	return false;
}

bool prereq_run(int lab, const char *who, int (*fn)(struct vmx_caps *caps), struct vmx_caps *caps)
{
	struct prereq_call c = { .fn = fn, .caps = caps };
	char why[160];

	if (!harness_call(who, call, &c, why, sizeof(why))) {
		harness_abort("this lab builds on lab %d, and %s; fix lab %d, or grade this lab on "
			      "the reference with PRIOR=sol", lab, why, lab);
		return false;
	}
	if (c.ret != 0) {
		harness_abort("this lab builds on lab %d, and %s returned %d (%s); fix lab %d, or "
			      "grade this lab on the reference with PRIOR=sol", lab, who, c.ret,
			      hv_strerror(c.ret), lab);
		return false;
	}
	return true;
}
