/*
 * Guest: port I/O. Text out through an emulated COM1, and INs from a port nobody emulates.
 *
 * Transcript of "io" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| hello over COM1, nonce 0x5bedc233e5926145
 *   guest| 6624164155082563909 is the nonce in decimal
 */
#include "runtime.h"
#include "x86.h"

/* A port with no device behind it: INs read all ones (a floating bus). */
#define UNKNOWN_PORT 0x5A5A

/* IN of size bytes from UNKNOWN_PORT with RAX = rax before; returns RAX after. */
static u64 in_probe(u64 rax, unsigned size)
{
	u16 port = UNKNOWN_PORT;
	if (size == 1)
		__asm__ volatile("inb %%dx, %%al" : "+a"(rax) : "d"(port));
	else if (size == 2)
		__asm__ volatile("inw %%dx, %%ax" : "+a"(rax) : "d"(port));
	else
		__asm__ volatile("inl %%dx, %%eax" : "+a"(rax) : "d"(port));
	return rax;
}

static int io_main(void)
{
	u64 n = guest_nonce();
	guest_com1_printf("hello over COM1, nonce %#lx\n", n);
	guest_com1_printf("%lu is the nonce in decimal\n", n);

	u64 pattern = 0x1122334455667788ULL ^ n;
	guest_note("io.pattern", pattern);
	guest_note("io.in8", in_probe(pattern, 1));
	guest_note("io.in16", in_probe(pattern, 2));
	guest_note("io.in32", in_probe(pattern, 4));
	guest_note("io.done", 1);
	return 0;
}

GUEST_PROGRAM(guest_io, "io", io_main, "OUT/IN: an emulated COM1, and an unknown port");
