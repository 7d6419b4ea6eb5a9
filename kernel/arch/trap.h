/*
 * Exceptions: the IDT, a register dump for unexpected faults, and trap_catch(),
 * which runs a function while expecting that it may fault.
 */
#ifndef HV_TRAP_H
#define HV_TRAP_H

#include "types.h"

/* Exception vectors (SDM Vol. 3A, Table 6-1 "Protected-Mode Exceptions and Interrupts"). */
enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5,
	VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12,
	VEC_GP = 13, VEC_PF = 14, VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19,
	VEC_VE = 20, VEC_CP = 21,
};

/* The stack as isr.asm leaves it: general registers, then what the processor pushed. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

/* What trap_catch() reports about a fault. */
struct fault {
	u8 vector;
	u64 error_code;
	u64 rip;
	u64 cr2;
};

/* Loads the IDT with handlers for the 32 processor exceptions. */
void idt_init(void);

/*
 * Runs fn(arg). Returns false if it returned normally; returns true and fills *f
 * if it raised an exception, which is then abandoned: execution continues here
 * with the stack as it was before the call. Calls may nest.
 */
bool trap_catch(void (*fn)(void *), void *arg, struct fault *f);

/* "#GP", "#UD", ... for vector v. */
const char *trap_mnemonic(unsigned v);

/* Formats f as e.g. "#GP(0) at rip 0x102345" into buf. */
void trap_describe(const struct fault *f, char *buf, size_t size);

#endif
