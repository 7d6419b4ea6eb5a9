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
 *
 * Transcript of "outs" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| executing OUTSB to COM1, string I/O, which this hypervisor does not emulate
 */
#include "runtime.h"
#include "uart.h"
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

/* OUTSB writes the byte at [RSI], not AL: a handler that ignores the string bit prints AL. */
static int outs_main(void)
{
	static const char byte = '!';
	const char *src = &byte;
	guest_printf("executing OUTSB to COM1, string I/O, which this hypervisor does not emulate\n");
	__asm__ volatile("outsb" : "+S"(src) : "d"((u16)COM1_BASE), "a"('?') : "memory");
	guest_note("outs.went_on", 1);
	return 0;
}

GUEST_PROGRAM(guest_triple_fault, "triple_fault", triple_fault_main, "a triple fault");
GUEST_PROGRAM(guest_invd, "invd", invd_main, "INVD: an exit with no handler");
GUEST_PROGRAM(guest_outs, "outs", outs_main, "OUTSB: string I/O, an exit this lab does not emulate");
