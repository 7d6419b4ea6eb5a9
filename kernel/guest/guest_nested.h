/*
 * Lab 12's guest "nested": a guest hypervisor (L1) that sets up and inspects a
 * VMCS it never launches. What it does and what it notes, for the harness
 * (kernel/harness/lab12.c), which computes the same values from the nonce.
 */
#ifndef HV_GUEST_NESTED_H
#define HV_GUEST_NESTED_H

#include "guest_program.h"
#include "types.h"
#include "vmx.h"

/* The guest program (kernel/guest/guest_nested.c). */
extern const struct guest_program guest_nested;

/* The fields L1 writes and reads back: each a SHADOW_FIELD(name, 1) of shadow_fields.def. */
#define NESTED_RW_FIELDS { GUEST_ES_SELECTOR, GUEST_ES_LIMIT, GUEST_IA32_EFER, \
		GUEST_INTERRUPTIBILITY_INFO, GUEST_CR3, GUEST_RSP, GUEST_RIP, GUEST_RFLAGS }
#define NESTED_NRW 8

/* The fields it writes and reads back that the bitmaps intercept (the high half of IO_BITMAP_A: read only). */
#define NESTED_SOFT_FIELDS { PIN_BASED_VM_EXEC_CONTROL, IO_BITMAP_A, VIRTUAL_PROCESSOR_ID }
#define NESTED_NSOFT 3

/*
 * An HC_READ value only lab 12's exit loop knows: there L0 calls shadow_read()
 * while L1 runs, and the result is -HV_EINVAL as for any value it does not give.
 */
#define NESTED_VALUE_SHADOW_READ 0x5EADULL

/* An encoding with bit 15 set: no VMCS field has one (SDM Vol. 3C, 25.11.2), so VMREAD of it always exits. */
#define NESTED_BAD_FIELD 0x8000ULL

/* What VMREAD's destination register holds before each read: a read must replace every bit. */
#define NESTED_PREFILL 0xA5A5A5A5A5A5A5A5ULL

/* CF, PF, AF, ZF, SF, OF: the RFLAGS bits a VMX instruction's outcome sets (SDM Vol. 3C, 31.2 "Conventions"). */
#define NESTED_RFLAGS_STATUS 0x8D5ULL

/* The status a VMX instruction left in RFLAGS: 0 VMsucceed, 1 VMfailInvalid (CF), 2 VMfailValid (ZF). */
#define NESTED_STATUS(cf, zf) ((cf) ? 1 : (zf) ? 2 : 0)

/* The value L1 writes into field number i of a list: 64 bits that depend on the nonce. */
static inline u64 nested_value(u64 nonce, unsigned i)
{
	u64 x = (nonce + i + 1) * 0x9E3779B97F4A7C15ULL;
	return x ^ (x >> 29) ^ 0x0123456789ABCDEFULL;
}

/* What a read of field returns after L1 wrote value into it: value cut to the field's width (SDM Vol. 3C, 31.3, VMWRITE). */
static inline u64 nested_cut(u32 field, u64 value)
{
	switch ((field >> 13) & 3) {
	case 0: return value & 0xFFFF;
	case 2: return value & 0xFFFFFFFF;
	default: return value;
	}
}

/*
 * The pin-based controls L1 writes: nonce bits with bits 1, 2 and 4 clear, which
 * every processor the course runs on requires to be 1 (their "default1" class,
 * SDM Vol. 3D, A.3.1 "Pin-Based VM-Execution Controls"): a launch of this VMCS
 * fails its control checks on a real processor (SDM Vol. 3C, 27.2.1.1).
 */
static inline u64 nested_pin_value(u64 nonce)
{
	return nested_value(nonce, 100) & ~0x16ULL;
}

/* VM exits of L1's VMREADs and VMWRITEs with the course's bitmaps, and without VMCS shadowing. */
#define NESTED_VMREAD_EXITS 14
#define NESTED_VMWRITE_EXITS 10
#define NESTED_VMREAD_EXITS_UNSHADOWED (NESTED_VMREAD_EXITS + NESTED_NRW + 2)
#define NESTED_VMWRITE_EXITS_UNSHADOWED (NESTED_VMWRITE_EXITS + NESTED_NRW)

#endif
