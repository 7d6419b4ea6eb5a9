/* The prerequisite chain (prereq.h): the student's earlier labs, step by step. */
#include "prereq.h"
#include "enable.h"
#include "errno.h"
#include "harness.h"
#include "page.h"
#include "printf.h"
#include "vmcs.h"
#include "vmcs_check.h"
#include "vmx.h"
#include "vmxon.h"
#include "x86.h"

/* A stage links the labs up to its own: a later lab's functions are NULL here, and never called. */
#pragma weak vmx_detect
#pragma weak vmx_enable
#pragma weak vmx_enter_root
#pragma weak vmcs_setup

void prereq_abort(int lab, const char *why, ...)
{
	char text[192];
	va_list ap;
	va_start(ap, why);
	kvsnprintf(text, sizeof(text), why, ap);
	va_end(ap);
	harness_abort("this lab builds on lab %d, and %s; fix lab %d first", lab, text, lab);
}

/* After lab 2: VMXON must now be allowed; false after an ABORT line blaming lab 2. */
static bool vmx_enabled(void)
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
	prereq_abort(2, "after vmx_enable() returned 0, %s (IA32_FEATURE_CONTROL %#lx, CR0 %#lx, "
		     "CR4 %#lx)", what, fc, cr0, cr4);
	return false;
}

static int call_detect(struct prereq *p)
{
	return vmx_detect(&p->caps);
}

static int call_enable(struct prereq *p)
{
	return vmx_enable(&p->caps);
}

static int call_enter_root(struct prereq *p)
{
	return vmx_enter_root(&p->caps, &p->vmxon_region);
}

/* The chain: lab n's step is steps[n - 1]. */
static const struct step {
	const char *who;
	int (*call)(struct prereq *p);
	bool (*verify)(void);           /* the harness's own proof after the call, or NULL */
} steps[] = {
	{ "vmx_detect()", call_detect, NULL },
	{ "vmx_enable()", call_enable, vmx_enabled },
	{ "vmx_enter_root()", call_enter_root, NULL },
};

struct step_call {
	const struct step *step;
	struct prereq *p;
	int ret;
};

static void call_step(void *arg)
{
	struct step_call *c = arg;
	c->ret = c->step->call(c->p);
}

bool prereq_labs(struct prereq *p, int from, int to)
{
	for (int lab = from; lab <= to && lab <= (int)ARRAY_SIZE(steps); lab++) {
		struct step_call c = { .step = &steps[lab - 1], .p = p };
		char why[160];

		if (!harness_call(c.step->who, call_step, &c, why, sizeof(why))) {
			prereq_abort(lab, "%s", why);
			return false;
		}
		if (c.ret != 0) {
			prereq_abort(lab, "%s returned %d (%s)", c.step->who, c.ret, hv_strerror(c.ret));
			return false;
		}
		if (c.step->verify && !c.step->verify())
			return false;
	}
	return true;
}

struct setup_call {
	const struct vmx_caps *caps;
	const struct guest_program *g;
	struct prereq_vm *vm;
	int ret;
};

static void call_setup(void *arg)
{
	struct setup_call *c = arg;
	c->ret = vmcs_setup(c->caps, c->g, &c->vm->vmcs, &c->vm->stack);
}

bool prereq_vm_new(struct prereq_vm *vm, const struct vmx_caps *caps,
		   const struct guest_program *g)
{
	static bool lab4_broken;        /* set once the ABORT line is out */
	struct setup_call c = { .caps = caps, .g = g, .vm = vm };
	char why[160] = "";

	*vm = (struct prereq_vm){ 0 };
	if (lab4_broken)
		return false;
	if (!harness_call("vmcs_setup()", call_setup, &c, why, sizeof(why)))
		lab4_broken = true;
	else if (c.ret != 0)
		lab4_broken = !why_not(why, sizeof(why), "vmcs_setup() returned %d (%s)", c.ret,
				       hv_strerror(c.ret));
	else if (vmcs_check(false).violations)
		lab4_broken = !why_not(why, sizeof(why), "vmcs_setup() built a VMCS that breaks "
				       "VM-entry rules (run lab 4 to see which)");
	if (lab4_broken)
		prereq_abort(4, "%s", why);
	return !lab4_broken;
}

void prereq_vm_free(struct prereq_vm *vm)
{
	vmx_vmclear((u64)vm->vmcs);
	page_free(vm->vmcs);
	page_free(vm->stack);
}
