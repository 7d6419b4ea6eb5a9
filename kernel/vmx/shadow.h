/*
 * Lab 12 "shadow": the interface of labs/12-shadow/shadow.c.
 * VMCS shadowing, the first step of nested virtualization: this hypervisor (L0)
 * runs a guest that is itself a hypervisor (L1). L1's VMREAD and VMWRITE of
 * the fields the VMREAD/VMWRITE bitmaps pass go to a shadow VMCS, which the
 * current VMCS's link pointer references, without a VM exit; every other VMX
 * instruction of L1 exits, and L0 emulates it on a VMCS of its own making.
 * SDM Vol. 3C, 25.10 "VMCS Types: Ordinary and Shadow", 25.6.15 "VMCS Shadowing
 * Bitmap Addresses", 26.1.3 "Instructions That Cause VM Exits Conditionally".
 */
#ifndef HV_SHADOW_H
#define HV_SHADOW_H

#include "detect.h"
#include "types.h"
#include "vcpu.h"
#include "vmx_operand.h"

/* L1's current-VMCS pointer when it has none (SDM Vol. 3C, 31.3 "VMX Instructions", VMPTRST). */
#define SHADOW_NO_VMCS (~0ULL)

/* How many fields of L1's VMCS the emulation keeps (the fields the bitmaps intercept). */
#define SHADOW_SOFT_FIELDS 32

/* One field of L1's VMCS that L0 keeps in memory of its own. */
struct shadow_soft_field {
	u32 field;              /* the encoding */
	u64 value;              /* what L1 wrote, at the field's width */
};

/*
 * One guest hypervisor's VMX state, as L0 emulates it. The caller owns the
 * three pages (zeroed when it hands them over, but see shadow_vmcs_init()).
 */
struct shadow {
	void *vmcs;                     /* the shadow VMCS region (shadow_vmcs_init()) */
	u8 *read_bitmap;                /* the VMREAD bitmap (4 KiB) */
	u8 *write_bitmap;               /* the VMWRITE bitmap (4 KiB) */
	bool shadowing;                 /* shadow_setup() turned VMCS shadowing on in the current VMCS */
	bool vmxon;                     /* L1 executed VMXON (emulated) */
	u64 vmxon_ptr;                  /* ... with this VMXON pointer */
	u64 current;                    /* L1's current-VMCS pointer, or SHADOW_NO_VMCS */
	size_t nsoft;                   /* the fields in soft[] */
	struct shadow_soft_field soft[SHADOW_SOFT_FIELDS];
};

/*
 * Exercise 1: whether the processor (caps, from lab 1) lets this hypervisor use
 * VMCS shadowing. Returns 0, or -HV_ENOSHADOW after printing a line that says
 * what is missing.
 */
int shadow_check_caps(const struct vmx_caps *caps);

/*
 * Exercise 2: makes region (a 4 KiB page the caller owns, holding whatever an
 * earlier use left in it) a shadow VMCS of this processor, ready to be
 * referenced by a VMCS link pointer. Returns 0, or -HV_EVMXFAIL (printed).
 */
int shadow_vmcs_init(void *region, const struct vmx_caps *caps);

/*
 * Exercise 3: marks the VMCS field encoding field as passed (no VM exit) in
 * bitmap, a VMREAD or VMWRITE bitmap; every other bit stays as it was.
 */
void shadow_bitmap_pass(u8 *bitmap, u32 field);

/*
 * Exercise 3: on the current VMCS (lab 4's), turns on VMCS shadowing with
 * s->read_bitmap and s->write_bitmap filled as kernel/vmx/shadow_fields.def
 * says, and no VMCS for L1 yet. s->vmcs was made by shadow_vmcs_init(); resets
 * the rest of *s to "L1 has not executed VMXON". 0, or a VMWRITE error.
 */
int shadow_setup(struct shadow *s, const struct vmx_caps *caps);

/*
 * Exercise 4: handles a VM exit of reason (EXIT_REASON_VMON, _VMPTRLD, _VMREAD,
 * _VMWRITE, _VMLAUNCH) caused by L1, as a processor with VMX would have executed
 * the instruction for it (README, "The VMX that L1 sees"). Returns 0 (L1 goes
 * on), or -HV_EEXIT for an instruction this hypervisor does not emulate.
 */
int shadow_handle_exit(struct shadow *s, struct vcpu *v, u32 reason);

/*
 * Exercise 5: reads field of the shadow VMCS from VMX root operation into
 * *value, and leaves the VMCS that was current before the call current again.
 * 0, or -HV_EVMXFAIL (printed).
 */
int shadow_read(struct shadow *s, u32 field, u64 *value);

#endif
