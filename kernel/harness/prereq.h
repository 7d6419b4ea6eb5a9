/* Running the earlier labs' code before a lab's checks (labs build on each other). */
#ifndef HV_PREREQ_H
#define HV_PREREQ_H

#include "detect.h"
#include "types.h"

/*
 * Runs fn(caps), lab `lab`'s function named who (e.g. vmx_detect() of lab 1),
 * under trap_call(). On a fault or an error return, prints an ABORT line that
 * names the lab to fix (or PRIOR=sol, to grade this lab on the reference) and
 * returns false.
 */
bool prereq_run(int lab, const char *who, int (*fn)(struct vmx_caps *caps), struct vmx_caps *caps);

/*
 * After lab 2: checks that VMXON is now allowed (IA32_FEATURE_CONTROL locked with
 * VMX on, CR0/CR4 within the fixed bits, CR4.VMXE set); otherwise prints an ABORT
 * line that blames lab 2 and returns false.
 */
bool prereq_vmx_enabled(void);

#endif
