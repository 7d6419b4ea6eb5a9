/* The assembly guests' descriptions (their code is in the .asm files beside this one). */
#include "guest.h"

void guest_hello_entry(void);

const struct guest_program guest_hello = {
	.name = "hello",
	.entry = guest_hello_entry,
	.first_insn_len = 2,
	.about = "CPUID, VMCALL, HLT",
};
