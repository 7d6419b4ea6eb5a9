/*
 * Guest: INT3, which the exception bitmap sends to the hypervisor first. The
 * hypervisor is to give it back: the guest's own #BP handler must run as it would
 * without the hypervisor, returning to the instruction after the INT3.
 *
 * Transcript of "breakpoint" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| 1 INT3(s): 1 reached the guest's #BP handler, 1 with the return address after the INT3
 */
#include "runtime.h"
#include "trap.h"

/* Executes INT3, having stored in *p the address of the instruction after it: where #BP returns. */
static void breakpoint(void *p)
{
	__asm__ volatile("lea 1f(%%rip), %%rax\n\tmov %%rax, %0\n\tint3\n1:"
			 : "=m"(*(u64 *)p) : : "rax", "memory");
}

static int breakpoint_main(void)
{
	u64 want = 1 + (guest_nonce() >> 4) % 4, reached = 0, returns_after = 0;
	guest_note("bp.want", want);
	for (u64 i = 0; i < want; i++) {
		u64 after = 0;
		struct guest_fault f;
		bool faulted = !guest_call(breakpoint, &after, &f);
		if (!faulted || f.vector != VEC_BP) {
			guest_note("bp.other", guest_fault_code(faulted, &f));
			continue;
		}
		reached++;
		if (f.rip == after)
			returns_after++;
		else
			guest_note("bp.rip_off", f.rip - after);
	}
	guest_note("bp.reached", reached);
	guest_note("bp.returns_after", returns_after);
	guest_printf("%lu INT3(s): %lu reached the guest's #BP handler, %lu with the return address after the INT3\n",
		     want, reached, returns_after);
	return 0;
}

GUEST_PROGRAM(guest_breakpoint, "breakpoint", breakpoint_main, "INT3: the exception bitmap, then the guest's own handler");
