/*
 * Guest: INT3, which the exception bitmap sends to the hypervisor instead of the guest's IDT.
 *
 * Transcript of "breakpoint" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| 1 breakpoint(s): none reached the guest's IDT
 */
#include "runtime.h"

static void breakpoints(void *p)
{
	u64 *done = p, want;
	guest_note_get("bp.want", &want);
	while (*done < want) {
		__asm__ volatile("int3");
		guest_note("bp.done", ++*done);
	}
}

static int breakpoint_main(void)
{
	u64 done = 0;
	guest_note("bp.want", 1 + (guest_nonce() >> 4) % 4);
	struct guest_fault f;
	bool faulted = !guest_call(breakpoints, &done, &f);
	guest_note("bp.guest_saw", guest_fault_code(faulted, &f));
	guest_printf("%lu breakpoint(s): %s\n", done,
		     faulted ? "and one reached the guest's own IDT" : "none reached the guest's IDT");
	return 0;
}

GUEST_PROGRAM(guest_breakpoint, "breakpoint", breakpoint_main, "INT3 under the exception bitmap");
