/*
 * Guest programs: small 64-bit code that the hypervisor runs in VMX non-root
 * operation. They share the kernel's identity map, GDT and TSS, each with a
 * stack of its own.
 */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include "types.h"

struct guest_program {
	const char *name;
	void (*entry)(void);    /* the first instruction the guest executes */
	u8 first_insn_len;      /* the length of that instruction, in bytes */
};

/* CPUID (leaf 0), then VMCALL, then HLT: the lab 5 guest. */
extern const struct guest_program guest_hello;

#endif
