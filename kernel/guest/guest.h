/*
 * Guest programs: small 64-bit code that the hypervisor runs in VMX non-root
 * operation. They share the kernel's identity map, GDT and TSS, each with a
 * stack of its own. The C guests (lab 6 on) start at guest_start with their
 * main in RDI (vcpu_init() sets that up), use the runtime in runtime.h, and
 * leave their observations as notes that the harness reads back.
 */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include "guest_program.h"
#include "types.h"

/* CPUID (leaf 0), then VMCALL, then HLT: the lab 5 guest. */
extern const struct guest_program guest_hello;

/* The lab 6 guests, one family of VM exits each (kernel/guest/guest_*.c). */
extern const struct guest_program guest_cpuid, guest_io, guest_msr, guest_cr, guest_hlt,
	guest_vmx, guest_breakpoint, guest_hypercall, guest_triple_fault, guest_invd, guest_outs,
	guest_bench;

/*
 * The CPUID leaves and sub-leaves guest "cpuid" asks, each answered differently for
 * another sub-leaf in ECX (SDM Vol. 2A, 3.3 "Instructions (A-L)", CPUID: leaf 04H
 * "Deterministic Cache Parameters", 07H "Structured Extended Feature Flags", 0BH
 * "Extended Topology Enumeration", 0DH "Processor Extended State Enumeration").
 */
#define GUEST_CPUID_SUBLEAVES { { 4, 1 }, { 7, 1 }, { 0xB, 1 }, { 0xD, 1 } }

/*
 * The control-register bits guest "cr" toggles without the hypervisor's say:
 * CR0.TS (bit 3) and CR4.OSXMMEXCPT (bit 10) (SDM Vol. 3A, 2.5 "Control
 * Registers"); VMX pins neither, so no guest/host mask needs them.
 */
#define GUEST_CR0_FREE_BIT BIT(3)
#define GUEST_CR4_FREE_BIT BIT(10)

/* A CR4 bit outside IA32_VMX_CR4_FIXED1 on every processor the course runs on (reserved: SDM Vol. 3A, 2.5). */
#define GUEST_CR4_UNSUPPORTED_BIT BIT(31)

/* How a guest notes an exception it took, for the harness: vector | error code << 8; GUEST_NO_FAULT for none. */
#define GUEST_FAULT(vector, error) ((u64)(vector) | (u64)(error) << 8)
#define GUEST_NO_FAULT 0xFF

/* The shutdown code of a guest that took an exception outside guest_call(): 0xE0 | vector. */
#define GUEST_UNEXPECTED 0xE0

/* For the harness: forget every note; look one up (the latest with that key). */
void guest_notes_reset(void);
bool guest_note_get(const char *key, u64 *value);

#endif
