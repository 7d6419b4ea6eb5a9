/*
 * The guests' runtime: what every C guest program can use. The guests run in
 * VMX non-root operation at CPL 0, in 64-bit mode, with the kernel's identity
 * map, GDT and code but an IDT and a stack of their own.
 */
#ifndef HV_GUEST_RUNTIME_H
#define HV_GUEST_RUNTIME_H

#include "guest.h"
#include "hypercall.h"
#include "types.h"

/* VMCALL with number nr and arguments a, b, c in RBX, RCX, RDX; returns RAX. */
static inline u64 hypercall(u64 nr, u64 a, u64 b, u64 c)
{
	u64 ret;
	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

/* Formats like kprintf() and prints through HC_PRINT; returns its result. */
__printf(1, 2) u64 guest_printf(const char *fmt, ...);

/* Formats like kprintf() and writes to the guest's COM1 with OUT, polling its line status with IN. */
__printf(1, 2) void guest_com1_printf(const char *fmt, ...);

/* HC_READ of HC_VALUE_NONCE. */
u64 guest_nonce(void);

/* What guest_call() reports about an exception the guest took. */
struct guest_fault {
	u64 vector;
	u64 error_code;         /* 0 for the exceptions without one */
	u64 rip;                /* where the exception happened (the faulting instruction) */
};

/*
 * Runs fn(arg); returns true if it ran to completion without an exception. If an
 * exception is delivered to the guest meanwhile, stops fn there, fills *f and
 * returns false. Does not nest.
 */
bool guest_call(void (*fn)(void *), void *arg, struct guest_fault *f);

/* GUEST_FAULT() of *f if faulted (guest_call() returned false), else GUEST_NO_FAULT: the value to note. */
static inline u64 guest_fault_code(bool faulted, const struct guest_fault *f)
{
	return faulted ? GUEST_FAULT(f->vector, f->error_code) : GUEST_NO_FAULT;
}

/* Records an observation for the harness: key (a string literal) = value. */
void guest_note(const char *key, u64 value);

/* Where guest code starts: loads the guest IDT, calls main (in RDI), and shuts down with its result. */
void guest_start(void);

/* The guest's IDT: 32 exception gates into guest_call()'s recovery. */
void guest_idt_init(void);

/* Defines guest program var, named name, whose code is main. */
#define GUEST_PROGRAM(var, name_, main_, about_)                                        \
	const struct guest_program var = {                                              \
		.name = name_, .entry = guest_start, .main = main_, .about = about_,    \
	}

#endif
