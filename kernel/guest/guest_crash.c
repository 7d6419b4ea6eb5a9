/*
 * Guests that the hypervisor must stop: a triple fault, and an exit it does not handle.
 *
 * Transcript of "triple_fault" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| loading an empty IDT, then UD2: #UD, #GP, #DF, triple fault
 *
 * Transcript of "invd" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| executing INVD, which this hypervisor does not handle
 */
#include "runtime.h"
#include "x86.h"

static int triple_fault_main(void)
{
	guest_printf("loading an empty IDT, then UD2: #UD, #GP, #DF, triple fault\n");
	struct dtr empty = { .limit = 0, .base = 0 };
	lidt(&empty);
	__asm__ volatile("ud2");
	return 0;
}

static int invd_main(void)
{
	guest_printf("executing INVD, which this hypervisor does not handle\n");
	__asm__ volatile("invd");
	return 0;
}

GUEST_PROGRAM(guest_triple_fault, "triple_fault", triple_fault_main, "a triple fault");
GUEST_PROGRAM(guest_invd, "invd", invd_main, "INVD: an exit with no handler");
