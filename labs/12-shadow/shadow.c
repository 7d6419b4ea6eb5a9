/*
 * Lab 12: VMCS shadowing.
 *
 * The guest of this lab is a hypervisor itself (L1): it executes VMXON, loads
 * a VMCS of its own, reads and writes its fields, and tries to launch it. This
 * file lets the processor serve most of its VMREADs and VMWRITEs from a shadow
 * VMCS, without a VM exit, and emulates the rest. The handout is
 * labs/12-shadow/README.md; the interface is kernel/vmx/shadow.h, the policy
 * (which fields pass) kernel/vmx/shadow_fields.def.
 */
#include "errno.h"
#include "exits.h"
#include "printf.h"
#include "shadow.h"
#include "string.h"
#include "todo.h"
#include "trap.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmx.h"
#include "x86.h"

/*
 * Exercise 1: refuse a processor without VMCS shadowing. Goal: 0 on every model
 * that lets this hypervisor turn VMCS shadowing on, -HV_ENOSHADOW with what is
 * missing printed otherwise.
 * SDM Vol. 3C, 25.6.2 "Processor-Based VM-Execution Controls"; Vol. 3D, A.3.2
 * "Primary Processor-Based VM-Execution Controls" and A.3.3 "Secondary
 * Processor-Based VM-Execution Controls".
 * Interface: caps is lab 1's. Hints: README, exercise 1.
 */
int shadow_check_caps(const struct vmx_caps *caps)
{
	todo(12, __func__, "decide from the capability MSRs whether VMCS shadowing can be turned on");
	(void)caps;
	return -HV_ENOSYS;
}

/*
 * Exercise 2: a shadow VMCS. Goal: region becomes a VMCS that a link pointer may
 * reference while VMCS shadowing is on, whatever a previous use of the page
 * left in it.
 * SDM Vol. 3C, 25.2 "Format of the VMCS Region", 25.10 "VMCS Types: Ordinary and
 * Shadow", 25.11.3 "Initializing a VMCS".
 * Interface: returns 0, or -HV_EVMXFAIL after vmx_report_failure().
 * Hints: README, exercise 2.
 */
int shadow_vmcs_init(void *region, const struct vmx_caps *caps)
{
	todo(12, __func__, "make region a shadow VMCS of this processor, ready for its first use");
	(void)region;
	(void)caps;
	return -HV_ENOSYS;
}

/*
 * Exercise 3: the bitmaps. Goals: shadow_bitmap_pass() lets the field through
 * the bitmap it is given; shadow_setup() turns VMCS shadowing on, with the
 * bitmaps passing exactly what kernel/vmx/shadow_fields.def says and L1 having
 * no VMCS yet.
 * SDM Vol. 3C, 25.6.15 "VMCS Shadowing Bitmap Addresses", 26.1.3 "Instructions
 * That Cause VM Exits Conditionally", 25.4.2 "Guest Non-Register State" (the
 * VMCS link pointer), 27.3.1.5 "Checks on Guest Non-Register State".
 * Interface (shadow.h): your lab 4 vmx_adjust_ctls() adjusts controls; the
 * SHADOW_FIELD rows are read with an X-macro, as vmcs_fields.def is in vmx.h.
 * Hints: README, exercise 3.
 */
void shadow_bitmap_pass(u8 *bitmap, u32 field)
{
	todo(12, __func__, "clear the bit that decides whether an access to field exits");
	(void)bitmap;
	(void)field;
}

int shadow_setup(struct shadow *s, const struct vmx_caps *caps)
{
	todo(12, __func__, "turn VMCS shadowing on with bitmaps that pass exactly the policy's fields");
	(void)s;
	(void)caps;
	return -HV_ENOSYS;
}

/* Given for exercise 4: L1's VMCS as this hypervisor keeps it (the fields the bitmaps intercept). */

/* The width in bits of field: its encoding's bits 14:13, and bit 0 (the high half of a 64-bit field) (25.11.2). */
static unsigned field_bits(u32 field)
{
	switch ((field >> 13) & 3) {
	case 0: return 16;
	case 1: return field & 1 ? 32 : 64;
	case 2: return 32;
	default: return 64;
	}
}

/* Whether field (a whole register: L1's operand) names a VMCS field this hypervisor emulates for L1. */
static bool field_supported(u64 field)
{
	return field < 0x8000 && vmcs_field_name((u32)field & ~1u) &&
	       (((field >> 13) & 3) == 1 || !(field & 1));
}

/* Field of L1's VMCS as this hypervisor keeps it (0 if L1 never wrote it). */
static u64 soft_read(const struct shadow *s, u32 field)
{
	u32 full = field & ~1u;
	for (size_t i = 0; i < s->nsoft; i++)
		if (s->soft[i].field == full)
			return field & 1 ? s->soft[i].value >> 32 : s->soft[i].value;
	return 0;
}

/* Writes value into field of L1's VMCS as this hypervisor keeps it, cut to the field's width; false if s->soft is full. */
static bool soft_write(struct shadow *s, u32 field, u64 value)
{
	u32 full = field & ~1u;
	unsigned bits = field_bits(field);
	size_t i = 0;
	while (i < s->nsoft && s->soft[i].field != full)
		i++;
	if (i == s->nsoft) {
		if (i == SHADOW_SOFT_FIELDS)
			return false;
		s->soft[s->nsoft++] = (struct shadow_soft_field){ full, 0 };
	}
	if (bits < 64)
		value &= (1ULL << bits) - 1;
	if (field & 1)
		s->soft[i].value = (s->soft[i].value & 0xFFFFFFFFULL) | value << 32;
	else
		s->soft[i].value = value;
	return true;
}

/*
 * Exercise 4: the VMX instructions L1 executes that exit. Goal: L1 sees what a
 * processor with VMX would do for it (README, "The VMX that L1 sees"): the
 * status flags, the error number in its VM_INSTRUCTION_ERROR, field values at
 * their width, #UD outside VMX operation.
 * SDM Vol. 3C: 31.2 "Conventions" (VMsucceed, VMfailInvalid, VMfailValid), 31.3
 * "VMX Instructions" (VMXON, VMPTRLD, VMREAD, VMWRITE, VMLAUNCH), 31.4 "VM
 * Instruction Error Numbers", 25.11.2 "VMREAD, VMWRITE, and Encodings of VMCS
 * Fields", 28.2.5 "Information for VM Exits Due to Instruction Execution".
 * Interface: returns 0 when L1 goes on, -HV_EEXIT (printed) for what this
 * hypervisor does not emulate. Given: vmx_operand_address() (a memory operand),
 * VMX_INSN_* (the instruction information, vmx.h), vcpu_gpr(), and your lab 6
 * vmx_skip_instruction() and vmx_inject_exception().
 * Hints: README, exercise 4.
 */
/*
 * Ends L1's VMX instruction with outcome st, as the SDM's VMsucceed, VMfailInvalid
 * and VMfail(error) do (31.2): L1's RFLAGS, and for VMfailValid its
 * VM_INSTRUCTION_ERROR (soft_write()).
 */
static void l1_result(struct shadow *s, enum vmx_status st, u32 error)
{
	todo(12, __func__, "set L1's status flags (and error number) as the SDM's conventions say");
	(void)s;
	(void)st;
	(void)error;
}

int shadow_handle_exit(struct shadow *s, struct vcpu *v, u32 reason)
{
	todo(12, __func__, "execute L1's VMX instruction for it, as a processor with VMX would");
	(void)s;
	(void)v;
	(void)reason;
	(void)field_supported;
	(void)soft_read;
	(void)soft_write;
	(void)l1_result;
	return -HV_ENOSYS;
}

/*
 * Exercise 5: read the shadow from VMX root operation. Goal: *value is what L1
 * last wrote into field of its VMCS through the shadow, and the VMCS that was
 * current before the call is current again, so that the next VM entry works.
 * SDM Vol. 3C, 25.1 "Overview" (active and current VMCSs), 25.11.1 "Software Use
 * of Virtual-Machine Control Structures", 27.1 "Basic VM-Entry Checks".
 * Interface: returns 0, or -HV_EVMXFAIL after vmx_report_failure().
 * Hints: README, exercise 5.
 */
int shadow_read(struct shadow *s, u32 field, u64 *value)
{
	todo(12, __func__, "read field of the shadow VMCS, and leave the current VMCS as it was");
	(void)s;
	(void)field;
	(void)value;
	return -HV_ENOSYS;
}
