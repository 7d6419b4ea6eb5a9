/*
 * Guest: HLT, a nonce-dependent number of times.
 *
 * Transcript of "hlt" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| executed HLT 5 times and went on after each
 */
#include "runtime.h"

static int hlt_main(void)
{
	u64 want = 1 + guest_nonce() % 5, done = 0;
	guest_note("hlt.want", want);
	while (done < want) {
		__asm__ volatile("hlt");
		guest_note("hlt.done", ++done);
	}
	guest_printf("executed HLT %lu times and went on after each\n", done);
	return 0;
}

GUEST_PROGRAM(guest_hlt, "hlt", hlt_main, "HLT");
