/*
 * One guest through the student's lab-6 code, for the harnesses of labs 6 and 7
 * (and lab 7's demo): the exits set up, the loop run under trap_call(), and a
 * stuck guest stopped at an entry limit (vmx_enter_guest()'s entry hook) with a reason.
 */
#ifndef HV_LAB6_GUEST_H
#define HV_LAB6_GUEST_H

#include "detect.h"
#include "guest.h"
#include "types.h"
#include "vcpu.h"

struct guest_run {
	struct vcpu v;
	int ret;                /* vm_run()'s result */
	bool ran;               /* vm_run() returned; false: setup failed, it faulted or was stuck */
	char why[192];          /* why not, when ran is false */
};

/*
 * On the current VMCS (set up for g by lab 4): the student's vm_setup_exits(),
 * then vm_run() of g with nonce for HC_READ, for at most limit VM entries, with
 * the guest's notes reset first and its last partial line flushed after.
 * Returns r->ran.
 */
bool guest_run(struct guest_run *r, const struct vmx_caps *caps, const struct guest_program *g,
	       u64 nonce, u64 limit);

/*
 * From now on, a guest that needs more than limit VM entries is stopped: the
 * entry past it prints why and raises #UD inside vm_run() (0: no limit).
 */
void guest_watchdog(u64 limit);

/*
 * Prints the exit trace of the last guest_run(), for the HTML report's timeline:
 *   exit trace of "<name>" [(VM <vm>)]: <N> exits: <reason>[*<count>]:<ticks> ...
 * each basic exit reason in decimal, consecutive repeats counted, with the guest's
 * TSC ticks of their trips (vmx_exit_stats(); under Bochs, instructions) summed
 * (vm 0: not shown); nothing if the guest never exited.
 */
void guest_trace_print(const char *name, int vm);

#endif
