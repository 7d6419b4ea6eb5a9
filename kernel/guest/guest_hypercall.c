/*
 * Guest: the hypercall ABI (hypercall.h): print, read, an unknown call, and shutdown with a code.
 *
 * Transcript of "hypercall" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| the hypervisor says the nonce is 0x5bedc233e5926145
 */
#include "errno.h"
#include "runtime.h"

static int hypercall_main(void)
{
	u64 n = guest_nonce();
	guest_note("hc.nonce", n);
	guest_note("hc.print", guest_printf("the hypervisor says the nonce is %#lx\n", n));
	static const char long_text[HC_PRINT_MAX + 1];
	guest_note("hc.print_long", hypercall(HC_PRINT, (u64)long_text, sizeof(long_text), 0));
	guest_note("hc.bad_value", hypercall(HC_READ, 77, 0, 0));
	guest_note("hc.unknown", hypercall(0x99, 0, 0, 0));
	return (int)(n & 0x7F);
}

GUEST_PROGRAM(guest_hypercall, "hypercall", hypercall_main,
	      "VMCALL: print, read the nonce, errors, shutdown");
