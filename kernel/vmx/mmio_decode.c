/* mmio_decode(): the MOV forms of mmio_decode.h. */
#include "mmio_decode.h"

bool mmio_decode(const u8 *b, size_t n, struct mmio_insn *insn)
{
	size_t i = 0;
	bool opsize16 = false;
	u8 rex = 0;

	*insn = (struct mmio_insn){ 0 };
	while (i < n && b[i] == 0x66) {         /* operand-size prefix */
		opsize16 = true;
		i++;
	}
	if (i < n && (b[i] & 0xF0) == 0x40)     /* REX: 0100WRXB, right before the opcode */
		rex = b[i++];
	if (i + 2 > n)
		return false;
	u8 op = b[i++], modrm = b[i++];
	unsigned mod = modrm >> 6, reg = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0), rm = modrm & 7;
	bool byte_op = op == 0x88 || op == 0x8A || op == 0xC6;
	switch (op) {
	case 0x88: case 0x89: insn->write = true; break;
	case 0x8A: case 0x8B: insn->write = false; break;
	case 0xC6: case 0xC7:
		if ((modrm >> 3) & 7)
			return false;           /* only /0 is MOV */
		insn->write = insn->has_imm = true;
		break;
	default:
		return false;
	}
	if (mod == 3)
		return false;                   /* a register operand: no memory access */
	insn->size = byte_op ? 1 : rex & 8 ? 8 : opsize16 ? 2 : 4;
	if (rm == 4)                            /* SIB byte */
		i++;
	if (mod == 1)
		i += 1;
	else if (mod == 2 || (mod == 0 && (rm == 5 || (rm == 4 && i <= n && (b[i - 1] & 7) == 5))))
		i += 4;
	if (insn->has_imm) {
		unsigned isz = insn->size == 8 ? 4 : insn->size;
		if (i + isz > n)
			return false;
		u64 v = 0;
		for (unsigned k = 0; k < isz; k++)
			v |= (u64)b[i + k] << (8 * k);
		if (isz == 4 && insn->size == 8 && (v & BIT(31)))
			v |= 0xFFFFFFFF00000000ULL;
		insn->imm = v;
		i += isz;
	} else {
		insn->reg = reg;
		/* Without REX, byte registers 4-7 are AH, CH, DH, BH (Vol. 2A, 3.1.1.1). */
		insn->high_byte = byte_op && !rex && reg >= 4 && reg < 8;
		if (insn->high_byte)
			insn->reg = reg - 4;
	}
	if (i > n)
		return false;
	insn->len = (unsigned)i;
	return true;
}
