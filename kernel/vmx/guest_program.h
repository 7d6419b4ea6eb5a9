/*
 * What the hypervisor needs to know about a guest program to run it: where it
 * starts, and for the C guests their main. The programs themselves are in
 * kernel/guest (guest.h lists them).
 */
#ifndef HV_GUEST_PROGRAM_H
#define HV_GUEST_PROGRAM_H

#include "types.h"

struct guest_program {
	const char *name;
	void (*entry)(void);    /* the first instruction the guest executes */
	u8 first_insn_len;      /* the length of that instruction, in bytes (assembly guests) */
	int (*main)(void);      /* a C guest's main (entry is then guest_start), or NULL */
	const char *about;      /* what it exercises, in a few words */
};

#endif
