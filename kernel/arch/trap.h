/*
 * Exceptions: the IDT, a register dump for unexpected faults, and trap_call(),
 * which runs a function while expecting that it may fault.
 */
#ifndef HV_TRAP_H
#define HV_TRAP_H

#include "types.h"

/* Exception vectors, VEC_DE = 0 ... VEC_CP = 21, from vectors.def (SDM Vol. 3A, Table 6-1 "Protected-Mode Exceptions and Interrupts"). */
#define EXCEPTION(vector, symbol, mnemonic, name, error_code) enum { VEC_##symbol = vector };
#include "vectors.def"
#undef EXCEPTION

/* True if delivering exception vector v pushes an error code (vectors.def; SDM Vol. 3A, 6.13 "Error Code"). */
static inline bool exception_has_error_code(unsigned v)
{
#define EXCEPTION(vector, symbol, mnemonic, name, error_code) if (v == vector) return error_code;
#include "vectors.def"
#undef EXCEPTION
	return false;
}

/* The stack as isr.asm leaves it: general registers, then what the processor pushed. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

/* What trap_call() reports about a fault. */
struct fault {
	u8 vector;
	u64 error_code;
	u64 rip;
	u64 cr2;
};

/* Loads the IDT with handlers for the 32 processor exceptions. */
void idt_init(void);

/*
 * Runs fn(arg). Returns true if it ran to completion without a fault; returns
 * false and fills *f if it raised an exception, which is then abandoned:
 * execution continues here with the stack as it was before the call. Calls may
 * nest.
 */
bool trap_call(void (*fn)(void *), void *arg, struct fault *f);

/* "#GP", "#UD", ... for vector v. */
const char *trap_mnemonic(unsigned v);

/* Formats f as e.g. "#GP(0) at rip 0x102345" into buf. */
void trap_describe(const struct fault *f, char *buf, size_t size);

#endif
