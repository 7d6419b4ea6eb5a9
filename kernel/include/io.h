/*
 * Port I/O and the spin-wait hint: the few instructions the lowest layers (the
 * console's UART, the power-off ports) need. x86.h includes this file, so
 * everything above the console gets them from there.
 */
#ifndef HV_IO_H
#define HV_IO_H

#include "types.h"

/* Port I/O: write a byte or a word, read a byte. */
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

/* A spin-wait hint (PAUSE). */
static inline void cpu_relax(void) { __asm__ volatile("pause"); }

#endif
