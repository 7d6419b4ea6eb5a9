/*
 * Port I/O and the spin-wait hint: the few instructions the lowest layers (the
 * console's UART, the power-off ports) need. x86.h includes this file, so
 * everything above the console gets them from there.
 */
#ifndef HV_IO_H
#define HV_IO_H

#include "types.h"

/* Port I/O: write a byte or a word, read a byte; any width below. */
static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* IN of size bytes (1, 2 or 4) from port, zero-extended. */
static inline u32 port_in(u16 port, unsigned size)
{
	u32 v = 0;
	if (size == 1)
		__asm__ volatile("inb %1, %b0" : "+a"(v) : "Nd"(port));
	else if (size == 2)
		__asm__ volatile("inw %1, %w0" : "+a"(v) : "Nd"(port));
	else
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* OUT of the low size bytes (1, 2 or 4) of v to port. */
static inline void port_out(u16 port, unsigned size, u32 v)
{
	if (size == 1)
		__asm__ volatile("outb %b0, %1" : : "a"(v), "Nd"(port));
	else if (size == 2)
		__asm__ volatile("outw %w0, %1" : : "a"(v), "Nd"(port));
	else
		__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

/* A spin-wait hint (PAUSE). */
static inline void cpu_relax(void) { __asm__ volatile("pause"); }

#endif
