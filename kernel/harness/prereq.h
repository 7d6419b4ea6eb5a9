/*
 * The earlier labs, run before a lab's checks (labs build on each other): the
 * prerequisite chain, written once. Each step calls the student's function of
 * that lab under trap_call(); when one faults or fails, one ABORT line names the
 * lab to fix, and the grader fails the checks not yet reported with that reason.
 */
#ifndef HV_PREREQ_H
#define HV_PREREQ_H

#include "detect.h"
#include "types.h"

struct guest_program;

/* What the earlier labs produced. */
struct prereq {
	struct vmx_caps caps;           /* lab 1's vmx_detect() */
	void *vmxon_region;             /* lab 3's vmx_enter_root() */
};

/*
 * Runs the student's labs from..to into *p, in order: 1 vmx_detect(), 2
 * vmx_enable() (then the harness's own proof that VMXON is allowed), 3 vmx_enter_root().
 * True if every one succeeded (also when from > to); false after an ABORT line.
 */
bool prereq_labs(struct prereq *p, int from, int to);

/*
 * Prints the ABORT line of a failed prerequisite: "this lab builds on lab <lab>,
 * and <why>; fix lab <lab> first" (where solutions/ exists, the grader adds how to
 * grade on the reference labs instead).
 */
__printf(2, 3) void prereq_abort(int lab, const char *why, ...);

/* A guest's VMCS and stack, from lab 4's vmcs_setup(). */
struct prereq_vm {
	void *vmcs, *stack;
};

/*
 * The lab-4 step, once per guest: a fresh, current VMCS for guest g from the
 * student's vmcs_setup(), which must not fault, must return 0 and must break none
 * of vmcs_check()'s rules. Otherwise prints one ABORT line naming lab 4 and
 * returns false (now and on every later call).
 */
bool prereq_vm_new(struct prereq_vm *vm, const struct vmx_caps *caps,
		   const struct guest_program *g);

/* VMCLEARs and frees what prereq_vm_new() made. */
void prereq_vm_free(struct prereq_vm *vm);

#endif
