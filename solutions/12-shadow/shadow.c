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
	/* BEGIN SOLUTION
	 * todo: decide from the capability MSRs whether VMCS shadowing can be turned on
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	if (!caps->has_procbased2) {
		kprintf("no VMCS shadowing: the secondary controls cannot be activated\n");
		return -HV_ENOSHADOW;
	}
	if (!(caps->procbased2.allowed1 & SECONDARY_EXEC_SHADOW_VMCS)) {
		kprintf("no VMCS shadowing: IA32_VMX_PROCBASED_CTLS2 does not allow \"VMCS shadowing\" to be 1\n");
		return -HV_ENOSHADOW;
	}
	return 0;
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: make region a shadow VMCS of this processor, ready for its first use
	 * stub: (void)region;
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	*(u32 *)region = caps->basic.revision_id | VMCS_SHADOW_INDICATOR;
	enum vmx_status s = vmx_vmclear((u64)region);
	if (s != VMX_SUCCEED) {
		vmx_report_failure("VMCLEAR", s);
		return -HV_EVMXFAIL;
	}
	return 0;
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: clear the bit that decides whether an access to field exits
	 * stub: (void)bitmap;
	 * stub: (void)field;
	 */
	u32 n = field & 0x7FFF;
	bitmap[n / 8] &= (u8)~(1u << (n % 8));
	/* END SOLUTION */
}

int shadow_setup(struct shadow *s, const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: turn VMCS shadowing on with bitmaps that pass exactly the policy's fields
	 * stub: (void)s;
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	memset(s->read_bitmap, 0xFF, PAGE_SIZE);
	memset(s->write_bitmap, 0xFF, PAGE_SIZE);
#define SHADOW_FIELD(name, write)                               \
	shadow_bitmap_pass(s->read_bitmap, name);               \
	if (write)                                              \
		shadow_bitmap_pass(s->write_bitmap, name);
#include "shadow_fields.def"
#undef SHADOW_FIELD
	u32 proc, proc2;
	int err = vmx_adjust_ctls((u32)vmcs_read(CPU_BASED_VM_EXEC_CONTROL) | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
				  &caps->procbased, &proc);
	if (!err)
		err = vmx_adjust_ctls((u32)vmcs_read(SECONDARY_VM_EXEC_CONTROL) | SECONDARY_EXEC_SHADOW_VMCS,
				      &caps->procbased2, &proc2);
	if (err)
		return err;
	const struct vmcs_field_value fields[] = {
		{ CPU_BASED_VM_EXEC_CONTROL, proc },
		{ SECONDARY_VM_EXEC_CONTROL, proc2 },
		{ VMREAD_BITMAP, (u64)s->read_bitmap },
		{ VMWRITE_BITMAP, (u64)s->write_bitmap },
		{ VMCS_LINK_POINTER, ~0ULL },
	};
	s->shadowing = true;
	s->vmxon = false;
	s->vmxon_ptr = 0;
	s->current = SHADOW_NO_VMCS;
	s->nsoft = 0;
	return vmcs_write_all(fields, ARRAY_SIZE(fields));
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: set L1's status flags (and error number) as the SDM's conventions say
	 * stub: (void)s;
	 * stub: (void)st;
	 * stub: (void)error;
	 */
	u64 flags = 0;
	if (st == VMX_FAIL_VALID && s->current == SHADOW_NO_VMCS)
		st = VMX_FAIL_INVALID;
	if (st == VMX_FAIL_INVALID) {
		flags = RFLAGS_CF;
	} else if (st == VMX_FAIL_VALID) {
		soft_write(s, VM_INSTRUCTION_ERROR, error);
		flags = RFLAGS_ZF;
	}
	vmcs_write(GUEST_RFLAGS, (vmcs_read(GUEST_RFLAGS) & ~VMX_RFLAGS_STATUS) | flags);
	/* END SOLUTION */
}

int shadow_handle_exit(struct shadow *s, struct vcpu *v, u32 reason)
{
	/* BEGIN SOLUTION
	 * todo: execute L1's VMX instruction for it, as a processor with VMX would
	 * stub: (void)s;
	 * stub: (void)v;
	 * stub: (void)reason;
	 * stub: (void)field_supported;
	 * stub: (void)soft_read;
	 * stub: (void)soft_write;
	 * stub: (void)l1_result;
	 * stub: return -HV_ENOSYS;
	 */
	u32 info = (u32)vmcs_read(VMX_INSTRUCTION_INFO);
	if (reason != EXIT_REASON_VMON && reason != EXIT_REASON_VMPTRLD && reason != EXIT_REASON_VMREAD &&
	    reason != EXIT_REASON_VMWRITE && reason != EXIT_REASON_VMLAUNCH) {
		kdiag("unhandled VM exit: %s (reason %u): this hypervisor does not emulate it",
		      vmx_exit_reason_name(reason), reason);
		return -HV_EEXIT;
	}
	/* Outside VMX operation, every VMX instruction but VMXON raises #UD (31.3). */
	if (reason != EXIT_REASON_VMON && !s->vmxon) {
		vmx_inject_exception(VEC_UD, false, 0);
		return 0;
	}
	switch (reason) {
	case EXIT_REASON_VMON: {
		u64 ptr = *(const u64 *)vmx_operand_address(v);
		if (s->vmxon) {
			l1_result(s, VMX_FAIL_VALID, VMXERR_VMXON_IN_VMX_ROOT_OPERATION);
		} else if (ptr & 0xFFF) {
			l1_result(s, VMX_FAIL_INVALID, 0);
		} else {
			s->vmxon = true;
			s->vmxon_ptr = ptr;
			s->current = SHADOW_NO_VMCS;
			l1_result(s, VMX_SUCCEED, 0);
		}
		break;
	}
	case EXIT_REASON_VMPTRLD: {
		u64 ptr = *(const u64 *)vmx_operand_address(v);
		if (ptr & 0xFFF) {
			l1_result(s, VMX_FAIL_VALID, VMXERR_VMPTRLD_INVALID_ADDRESS);
		} else if (ptr == s->vmxon_ptr) {
			l1_result(s, VMX_FAIL_VALID, VMXERR_VMPTRLD_VMXON_POINTER);
		} else {
			/* L1's VMCS is now the shadow: its VMREADs and VMWRITEs that pass go there. */
			if (s->shadowing && vmcs_write(VMCS_LINK_POINTER, (u64)s->vmcs))
				return -HV_EEXIT;
			s->current = ptr;
			l1_result(s, VMX_SUCCEED, 0);
		}
		break;
	}
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMWRITE: {
		u64 *field = vcpu_gpr(v, VMX_INSN_REG2(info));
		bool reg = info & VMX_INSN_REG_OPERAND;
		u64 *operand = reg ? vcpu_gpr(v, VMX_INSN_REG1(info)) : (u64 *)vmx_operand_address(v);
		if (!field || !operand) {
			kdiag("unhandled VM exit: %s with RSP as an operand", vmx_exit_reason_name(reason));
			return -HV_EEXIT;
		}
		if (s->current == SHADOW_NO_VMCS) {
			l1_result(s, VMX_FAIL_INVALID, 0);
		} else if (!field_supported(*field)) {
			l1_result(s, VMX_FAIL_VALID, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
		} else if (reason == EXIT_REASON_VMREAD) {
			*operand = soft_read(s, (u32)*field);
			l1_result(s, VMX_SUCCEED, 0);
		} else if (((*field >> 10) & 3) == 1) {
			/* a read-only field: this processor for L1 has IA32_VMX_MISC bit 29 clear */
			l1_result(s, VMX_FAIL_VALID, VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT);
		} else if (!soft_write(s, (u32)*field, *operand)) {
			kdiag("L1 wrote more than %u fields: VM stopped", SHADOW_SOFT_FIELDS);
			return -HV_EEXIT;
		} else {
			l1_result(s, VMX_SUCCEED, 0);
		}
		break;
	}
	case EXIT_REASON_VMLAUNCH:
		/*
		 * This hypervisor runs no L2: it refuses every launch as a processor
		 * refuses a VMCS whose controls fail their checks (27.2.1.1).
		 */
		l1_result(s, VMX_FAIL_VALID, VMXERR_ENTRY_INVALID_CONTROL_FIELD);
		break;
	}
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: read field of the shadow VMCS, and leave the current VMCS as it was
	 * stub: (void)s;
	 * stub: (void)field;
	 * stub: (void)value;
	 * stub: return -HV_ENOSYS;
	 */
	u64 current;
	enum vmx_status st = vmx_vmptrst(&current);
	const char *insn = "VMPTRST";
	if (st == VMX_SUCCEED) {
		insn = "VMPTRLD";
		st = vmx_vmptrld((u64)s->vmcs);
	}
	if (st == VMX_SUCCEED) {
		insn = "VMREAD";
		st = vmx_vmread(field, value);
		/* not active any more: only the next VM entry makes it active again */
		enum vmx_status c = vmx_vmclear((u64)s->vmcs);
		if (st == VMX_SUCCEED && c != VMX_SUCCEED) {
			insn = "VMCLEAR";
			st = c;
		}
		enum vmx_status back = vmx_vmptrld(current);
		if (st == VMX_SUCCEED && back != VMX_SUCCEED) {
			insn = "VMPTRLD";
			st = back;
		}
	}
	if (st != VMX_SUCCEED) {
		vmx_report_failure(insn, st);
		return -HV_EVMXFAIL;
	}
	return 0;
	/* END SOLUTION */
}
