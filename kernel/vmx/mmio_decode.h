/*
 * A decoder for the MOV forms a guest uses to reach a memory-mapped device: given,
 * because decoding x86 is not this course's subject (SDM Vol. 2A, 2.1 "Instruction
 * Format for Protected Mode, Real-Address Mode, and Virtual-8086 Mode", 2.2.1
 * "REX Prefixes"; Vol. 2B, MOV). An EPT violation tells the hypervisor the address
 * and whether the access was a read or a write, but not the size, the register or
 * the instruction's length: those come from the instruction's bytes.
 */
#ifndef HV_MMIO_DECODE_H
#define HV_MMIO_DECODE_H

#include "types.h"

/* One decoded MOV between a register (or an immediate) and memory. */
struct mmio_insn {
	unsigned len;           /* the instruction's length in bytes */
	unsigned size;          /* the memory operand's size: 1, 2, 4 or 8 bytes */
	bool write;             /* true: register/immediate -> memory; false: memory -> register */
	bool has_imm;           /* a write of an immediate (imm), not of a register */
	u64 imm;                /* the immediate, sign-extended to 64 bits as MOV does */
	unsigned reg;           /* the register, numbered as in struct guest_regs (0 RAX .. 15 R15) */
	bool high_byte;         /* a 1-byte access to AH, CH, DH or BH: bits 15:8 of register reg */
};

/*
 * Decodes the instruction at bytes[0..n) if it is one of 88, 89, 8A, 8B (MOV
 * between a register and r/m) or C6 /0, C7 /0 (MOV of an immediate to r/m), with
 * optional 66 and REX prefixes and any memory addressing form (ModRM, SIB,
 * displacement, RIP-relative). Returns true and fills *insn, or false for
 * anything else.
 */
bool mmio_decode(const u8 *bytes, size_t n, struct mmio_insn *insn);

#endif
