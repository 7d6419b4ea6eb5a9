/*
 * For the harnesses of labs 5 and later: a VMCS from the student's lab 4, checked
 * before use. Header-only, because the stages before lab 4 have no vmcs_setup()
 * to link against.
 */
#ifndef HV_PREREQ_VM_H
#define HV_PREREQ_VM_H

#include "errno.h"
#include "harness.h"
#include "page.h"
#include "vmcs.h"
#include "vmcs_check.h"

/* A guest's VMCS and stack, from lab 4's vmcs_setup(). */
struct prereq_vm {
	const struct vmx_caps *caps;
	const struct guest_program *g;
	void *vmcs, *stack;
	int ret;
};

static inline void prereq_vm_call_setup(void *p)
{
	struct prereq_vm *vm = p;
	vm->ret = vmcs_setup(vm->caps, vm->g, &vm->vmcs, &vm->stack);
}

/*
 * A fresh, current VMCS for guest g from the student's vmcs_setup(), which must
 * not fault, must return 0 and must break none of vmcs_check()'s rules. Otherwise
 * prints one ABORT line naming lab 4 and returns false (now and on every later call).
 */
static inline bool prereq_vm_new(struct prereq_vm *vm, const struct vmx_caps *caps,
				 const struct guest_program *g)
{
	static bool lab4_broken;        /* set once the ABORT line is out */
	char why[160] = "";

	*vm = (struct prereq_vm){ .caps = caps, .g = g };
	if (lab4_broken)
		return false;
	if (!harness_call("vmcs_setup()", prereq_vm_call_setup, vm, why, sizeof(why)))
		lab4_broken = true;
	else if (vm->ret != 0)
		lab4_broken = !why_not(why, sizeof(why), "vmcs_setup() returned %d (%s)", vm->ret,
				       hv_strerror(vm->ret));
	else if (vmcs_check(false).violations)
		lab4_broken = !why_not(why, sizeof(why), "vmcs_setup() built a VMCS that breaks "
				       "VM-entry rules (run lab 4 to see which)");
	if (lab4_broken)
		harness_abort("this lab builds on lab 4, and %s; fix lab 4, or grade this lab on the "
			      "reference with PRIOR=sol", why);
	return !lab4_broken;
}

/* VMCLEARs and frees what prereq_vm_new() made. */
static inline void prereq_vm_free(struct prereq_vm *vm)
{
	vmx_vmclear((u64)vm->vmcs);
	page_free(vm->vmcs);
	page_free(vm->stack);
}

#endif
