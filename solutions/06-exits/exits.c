/*
 * Lab 6: handle VM exits.
 *
 * A hypervisor spends its life in one loop: enter the guest, wait for a VM exit,
 * look at why it happened, do what the guest wanted done (or refuse it), and
 * enter again. Each exit reason gets a handler of its own; the table at the end
 * of this file maps reasons to handlers. The handout is labs/06-exits/README.md;
 * the interface is kernel/vmx/exits.h, the hypercall ABI kernel/guest/hypercall.h.
 */
#include "enable.h"
#include "errno.h"
#include "exits.h"
#include "hypercall.h"
#include "launch.h"
#include "printf.h"
#include "string.h"
#include "todo.h"
#include "trap.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "x86.h"

/*
 * Exercise 1: choose the exits. Lab 4's VMCS exits on HLT (and on the
 * instructions that always exit: CPUID, VMCALL, the VMX instructions). Add:
 * - "unconditional I/O exiting" in the primary processor-based controls, through
 *   vmx_adjust_ctls() (SDM Vol. 3C, 25.6.2 "Processor-Based VM-Execution Controls");
 * - the exception bitmap: bit 3, so that the guest's #BP (INT3) exits (25.6.3
 *   "Exception Bitmap");
 * - CR0 and CR4 guest/host masks: the bits VMX pins (1 in FIXED0 or 0 in FIXED1)
 *   belong to the host; read shadows: what the guest reads for those bits, its
 *   current CR0, and its CR4 without VMXE, so VMX stays hidden (25.6.6
 *   "Guest/Host Masks and Read Shadows for CR0 and CR4").
 */
int vm_setup_exits(const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: enable I/O exiting, the #BP exception exit, and the CR0/CR4 masks and shadows
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	u32 proc;
	int err = vmx_adjust_ctls(CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING,
				  &caps->procbased, &proc);
	if (err)
		return err;
	const struct vmcs_field_value exits[] = {
		{ CPU_BASED_VM_EXEC_CONTROL, proc },
		{ EXCEPTION_BITMAP, BIT(VEC_BP) },
		{ CR0_GUEST_HOST_MASK, caps->cr0_fixed0 | ~caps->cr0_fixed1 },
		{ CR0_READ_SHADOW, vmcs_read(GUEST_CR0) },
		{ CR4_GUEST_HOST_MASK, caps->cr4_fixed0 | ~caps->cr4_fixed1 },
		{ CR4_READ_SHADOW, vmcs_read(GUEST_CR4) & ~CR4_VMXE },
	};
	return vmcs_write_all(exits, ARRAY_SIZE(exits));
	/* END SOLUTION */
}

/*
 * Exercise 2: after an exit caused by an instruction that the hypervisor has now
 * carried out, the guest must continue after it: GUEST_RIP += VM_EXIT_INSTRUCTION_LEN
 * (SDM Vol. 3C, 28.2.5 "Information for VM Exits Due to Instruction Execution").
 */
void vmx_skip_instruction(void)
{
	/* BEGIN SOLUTION
	 * todo: move GUEST_RIP past the instruction that exited
	 */
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	/* END SOLUTION */
}

/*
 * Exercise 3: event injection (SDM Vol. 3C, 25.8.3 "VM-Entry Controls for Event
 * Injection"; 27.6 "Event Injection"): VM_ENTRY_INTR_INFO_FIELD = the vector in
 * bits 7:0, type 3 (hardware exception) in bits 10:8, bit 11 if an error code is
 * delivered (then in VM_ENTRY_EXCEPTION_ERROR_CODE), bit 31 valid. The next VM
 * entry delivers it through the guest's IDT, as if the instruction at GUEST_RIP
 * had faulted: so do not skip that instruction.
 */
void vmx_inject_exception(u8 vector, bool has_error_code, u32 error_code)
{
	/* BEGIN SOLUTION
	 * todo: fill VM_ENTRY_INTR_INFO_FIELD (and the error code) for a hardware exception
	 * stub: (void)vector;
	 * stub: (void)has_error_code;
	 * stub: (void)error_code;
	 */
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;
	if (has_error_code) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	}
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	/* END SOLUTION */
}

/* #GP(0), the answer to what the guest may not do. */
static void inject_gp(void)
{
	vmx_inject_exception(VEC_GP, true, 0);
}

/*
 * Exercise 4: CPUID (exit reason 10). Execute it for the guest (leaf EAX,
 * subleaf ECX) and return the four results in its EAX, EBX, ECX, EDX (which
 * clears their upper halves, as CPUID does), with three changes:
 * - leaf 1: clear ECX.VMX (bit 5): this guest gets no VMX; set bit 31, "a
 *   hypervisor is present" (CPUID_1_ECX_HYPERVISOR);
 * - leaf CPUID_HV_LEAF: EAX = CPUID_HV_LEAF (the highest hypervisor leaf),
 *   EBX, ECX, EDX = the 12 bytes of CPUID_HV_SIGNATURE;
 * - the other leaves up to CPUID_HV_LEAF_LAST: all zeros.
 */
static int exit_cpuid(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: answer CPUID for the guest, with VMX hidden and the hvlabs leaf
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	u32 leaf = (u32)v->regs.rax;
	struct cpuid_regs r = { 0 };
	if (leaf == CPUID_HV_LEAF) {
		r.eax = CPUID_HV_LEAF;
		memcpy(&r.ebx, CPUID_HV_SIGNATURE, 4);
		memcpy(&r.ecx, CPUID_HV_SIGNATURE + 4, 4);
		memcpy(&r.edx, CPUID_HV_SIGNATURE + 8, 4);
	} else if (leaf < CPUID_HV_LEAF || leaf > CPUID_HV_LEAF_LAST) {
		r = cpuid(leaf, (u32)v->regs.rcx);
	}
	if (leaf == 1)
		r.ecx = (r.ecx & ~CPUID_1_ECX_VMX) | CPUID_1_ECX_HYPERVISOR;
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 5: I/O instructions (exit reason 30). The exit qualification says
 * everything: size, direction, string or not, port (VMX_IO_* in vmx.h; SDM Vol.
 * 3C, Table "Exit Qualification for I/O Instructions").
 * - COM1 (vserial_owns()): vserial_in()/vserial_out() on v->com1.
 * - Any other port: an OUT goes nowhere; an IN reads all ones.
 * An IN writes only the low 1, 2 or 4 bytes of RAX, as the processor would: IN AL
 * and IN AX keep the rest of RAX; IN EAX, like every 32-bit write, clears bits 63:32.
 * String I/O (INS/OUTS) is not handled: treat it as an unhandled exit.
 */
static int exit_unhandled(struct vcpu *v, u32 reason);

static int exit_io(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: emulate the IN or OUT the qualification describes
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	u16 port = VMX_IO_PORT(q);
	unsigned size = VMX_IO_SIZE(q);
	if (q & VMX_IO_STRING)
		return exit_unhandled(v, EXIT_REASON_IO_INSTRUCTION);
	if (q & VMX_IO_IN) {
		u32 value = vserial_owns(port) ? vserial_in(&v->com1, port) : 0xFFFFFFFF;
		if (size == 4)
			v->regs.rax = value;
		else if (size == 2)
			v->regs.rax = (v->regs.rax & ~0xFFFFULL) | (u16)value;
		else
			v->regs.rax = (v->regs.rax & ~0xFFULL) | (u8)value;
	} else if (vserial_owns(port)) {
		vserial_out(&v->com1, port, (u8)v->regs.rax);
	}
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 6: RDMSR and WRMSR (exit reasons 31, 32): the MSR index is in ECX,
 * the value in EDX:EAX (SDM Vol. 2B, 4.3 "Instructions (M-U)", RDMSR; Vol. 2D,
 * 6.1 "Instructions (W-Z)", WRMSR). Lab 4's VMCS has no MSR
 * bitmaps, so every one exits (25.6.9 "MSR-Bitmap Address"). Emulate:
 * - IA32_SYSENTER_CS/ESP/EIP: they live in the VMCS (GUEST_SYSENTER_*). A write
 *   of a non-canonical address to ESP or EIP raises #GP(0), as on a real
 *   processor (and the next VM entry would fail on it: 27.3.1.1 "Checks on Guest
 *   Control Registers, Debug Registers, and MSRs"). is_canonical() and
 *   addr_widths() in kernel/arch/x86.h tell.
 * - IA32_FEATURE_CONTROL: reads FEAT_CTL_LOCKED (locked, VMX off: consistent
 *   with the hidden CPUID bit); a write raises #GP(0), as for a locked MSR.
 * - Any other MSR: #GP(0), and the guest's RIP stays on the instruction.
 * RDMSR returns the value in EDX:EAX, clearing the upper halves of RAX and RDX.
 */
static u32 sysenter_field(u32 msr)
{
	switch (msr) {
	case MSR_IA32_SYSENTER_CS: return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP: return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP: return GUEST_SYSENTER_EIP;
	default: return 0;
	}
}

static int exit_rdmsr(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: emulate RDMSR of the SYSENTER MSRs and IA32_FEATURE_CONTROL; #GP(0) for others
	 * stub: (void)v;
	 * stub: (void)inject_gp;
	 * stub: (void)sysenter_field;
	 * stub: return -HV_ENOSYS;
	 */
	u32 msr = (u32)v->regs.rcx, field = sysenter_field(msr);
	u64 value;
	if (field) {
		value = vmcs_read(field);
	} else if (msr == MSR_IA32_FEAT_CTL) {
		value = FEAT_CTL_LOCKED;
	} else {
		inject_gp();
		return 0;
	}
	v->regs.rax = (u32)value;
	v->regs.rdx = value >> 32;
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

static int exit_wrmsr(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: emulate WRMSR of the SYSENTER MSRs (canonical addresses only); #GP(0) for others
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	u32 msr = (u32)v->regs.rcx, field = sysenter_field(msr);
	u64 value = (v->regs.rdx << 32) | (u32)v->regs.rax;
	if (!field || (msr != MSR_IA32_SYSENTER_CS && !is_canonical(value, addr_widths().lin))) {
		inject_gp();
		return 0;
	}
	vmcs_write(field, value);
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 7: control-register accesses (exit reason 28). With the masks of
 * exercise 1, a MOV to CR0 or CR4 exits when it would change a host-owned bit
 * from its read-shadow value (SDM Vol. 3C, 26.1.3 "Instructions That Cause VM
 * Exits Conditionally"); a MOV from CR0/CR4 does not exit and reads the shadow
 * for those bits (26.3 "Changes to Instruction Behavior in VMX Non-Root Operation"). The qualification
 * gives the CR number, the access type and the source register (VMX_CR_* in
 * vmx.h); vcpu_gpr() finds the register, except RSP, which is GUEST_RSP.
 * For MOV to CR0 or CR4 with value x:
 * - CR4 with VMXE (or a bit FIXED1 says must be 0): #GP(0), the instruction not done;
 * - otherwise the guest sees x: the read shadow := x; and the processor gets x
 *   with VMX's fixed bits applied: GUEST_CRn := vmx_fix_cr(x, FIXED0, FIXED1)
 *   (your lab 2 function), so CR0.NE or CR4.VMXE stay set however the guest writes.
 * Anything else (CR3, CR8, CLTS, LMSW, MOV from CR) is unhandled here.
 */
static int exit_cr_access(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: emulate MOV to CR0 and CR4 through the read shadows
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	unsigned cr = VMX_CR_NUMBER(q);
	if (VMX_CR_ACCESS_TYPE(q) != VMX_CR_ACCESS_MOV_TO || (cr != 0 && cr != 4))
		return exit_unhandled(v, EXIT_REASON_CR_ACCESS);
	u64 *reg = vcpu_gpr(v, VMX_CR_GPR(q));
	u64 x = reg ? *reg : vmcs_read(GUEST_RSP);
	if (cr == 4 && (x & (CR4_VMXE | ~v->caps->cr4_fixed1))) {
		inject_gp();
		return 0;
	}
	if (cr == 0) {
		vmcs_write(CR0_READ_SHADOW, x);
		vmcs_write(GUEST_CR0, vmx_fix_cr(x, v->caps->cr0_fixed0, v->caps->cr0_fixed1));
	} else {
		vmcs_write(CR4_READ_SHADOW, x);
		vmcs_write(GUEST_CR4, vmx_fix_cr(x, v->caps->cr4_fixed0, v->caps->cr4_fixed1));
	}
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 8: VMCALL (exit reason 18): the hypercalls of kernel/guest/hypercall.h.
 * HC_PRINT: vserial_write() the text onto v->com1; HC_READ: HC_VALUE_NONCE is
 * v->nonce; HC_SHUTDOWN: set v->shutdown and v->shutdown_code. Results and errors
 * go in RAX, as the ABI says; then skip the VMCALL.
 */
static int exit_vmcall(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: implement the hypercall ABI
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	struct guest_regs *r = &v->regs;
	switch (r->rax) {
	case HC_PRINT:
		if (r->rcx > HC_PRINT_MAX) {
			r->rax = (u64)-HV_EINVAL;
			break;
		}
		vserial_write(&v->com1, (const char *)r->rbx, r->rcx);
		r->rax = 0;
		break;
	case HC_READ:
		r->rax = r->rbx == HC_VALUE_NONCE ? v->nonce : (u64)-HV_EINVAL;
		break;
	case HC_SHUTDOWN:
		v->shutdown = true;
		v->shutdown_code = r->rbx;
		break;
	default:
		r->rax = (u64)-HV_ENOSYS;
		break;
	}
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 9: the small ones.
 * - HLT (reason 12): the guest waits for an interrupt, but this hypervisor
 *   delivers none, so the wait ends at once: skip it.
 * - A VMX instruction (reasons 19-27): this guest has no VMX: inject #UD.
 * - An exception (reason 0): VM_EXIT_INTR_INFO says which (25.9.2 "Information
 *   for VM Exits Due to Vectored Events"). For #BP, count it in v->breakpoints,
 *   print "guest breakpoint at RIP <rip>", and skip the INT3. Any other: unhandled.
 * - A triple fault (reason 2): the guest cannot go on. Print "the guest
 *   triple-faulted at RIP <rip>: VM stopped" and return -HV_ECRASH.
 */
static int exit_hlt(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: let the guest continue after HLT
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	(void)v;
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

static int exit_vmx_instruction(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: inject #UD
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	(void)v;
	vmx_inject_exception(VEC_UD, false, 0);
	return 0;
	/* END SOLUTION */
}

static int exit_exception(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: count and skip the guest's INT3
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	u32 info = (u32)vmcs_read(VM_EXIT_INTR_INFO);
	if ((info & INTR_INFO_VECTOR_MASK) != VEC_BP)
		return exit_unhandled(v, EXIT_REASON_EXCEPTION_NMI);
	v->breakpoints++;
	kprintf("guest breakpoint at RIP %#lx\n", vmcs_read(GUEST_RIP));
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

static int exit_triple_fault(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: report the triple fault and stop the VM
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	(void)v;
	kprintf("the guest triple-faulted at RIP %#lx: VM stopped\n", vmcs_read(GUEST_RIP));
	return -HV_ECRASH;
	/* END SOLUTION */
}

/*
 * Exercise 10: an exit nobody handles. Report "unhandled VM exit: <name> (reason
 * <n>), qualification <q>" with kdiag() (a line for the grade report; the name
 * from vmx_exit_reason_name()), then vmcs_dump() and vcpu_dump(v), and return
 * -HV_EEXIT: the VM stops, the host goes on.
 */
static int exit_unhandled(struct vcpu *v, u32 reason)
{
	/* BEGIN SOLUTION
	 * todo: name the exit, dump the VMCS and the guest's registers, stop the VM
	 * stub: (void)v;
	 * stub: (void)reason;
	 * stub: return -HV_ENOSYS;
	 */
	kdiag("unhandled VM exit: %s (reason %u), qualification %#lx",
		vmx_exit_reason_name(reason), reason, vmcs_read(EXIT_QUALIFICATION));
	vmcs_dump();
	vcpu_dump(v);
	return -HV_EEXIT;
	/* END SOLUTION */
}

/* One handler per basic exit reason; a reason without one is unhandled. */
static int (*const exit_handlers[])(struct vcpu *v) = {
	[EXIT_REASON_EXCEPTION_NMI] = exit_exception,
	[EXIT_REASON_TRIPLE_FAULT] = exit_triple_fault,
	[EXIT_REASON_CPUID] = exit_cpuid,
	[EXIT_REASON_HLT] = exit_hlt,
	[EXIT_REASON_VMCALL] = exit_vmcall,
	[EXIT_REASON_VMCLEAR] = exit_vmx_instruction,
	[EXIT_REASON_VMLAUNCH] = exit_vmx_instruction,
	[EXIT_REASON_VMPTRLD] = exit_vmx_instruction,
	[EXIT_REASON_VMPTRST] = exit_vmx_instruction,
	[EXIT_REASON_VMREAD] = exit_vmx_instruction,
	[EXIT_REASON_VMRESUME] = exit_vmx_instruction,
	[EXIT_REASON_VMWRITE] = exit_vmx_instruction,
	[EXIT_REASON_VMOFF] = exit_vmx_instruction,
	[EXIT_REASON_VMON] = exit_vmx_instruction,
	[EXIT_REASON_CR_ACCESS] = exit_cr_access,
	[EXIT_REASON_IO_INSTRUCTION] = exit_io,
	[EXIT_REASON_MSR_READ] = exit_rdmsr,
	[EXIT_REASON_MSR_WRITE] = exit_wrmsr,
};

/*
 * Exercise 11: the loop. Until v->shutdown:
 * - enter the guest: vmx_enter_guest(&v->regs, v->launched): VMLAUNCH the first time,
 *   VMRESUME after (31.3 "VMRESUME": VMRESUME needs a launched VMCS, VMLAUNCH a
 *   clear one); a VMfail: vmx_report_failure() and return -HV_EVMXFAIL;
 * - read VM_EXIT_REASON: bit 31 set means the entry failed (print the reason's
 *   name, return -HV_EENTRY); bits 15:0 are the basic reason;
 * - call its handler from exit_handlers[] (exit_unhandled() if there is none)
 *   and stop with the handler's error if it returns one.
 * Return 0 once the guest has shut down.
 */
int vm_run(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: enter the guest, dispatch each exit to its handler, and enter again
	 * stub: (void)v;
	 * stub: (void)exit_handlers;
	 * stub: (void)exit_unhandled;
	 * stub: return -HV_ENOSYS;
	 */
	while (!v->shutdown) {
		enum vmx_status s = vmx_enter_guest(&v->regs, v->launched);
		if (s != VMX_SUCCEED) {
			vmx_report_failure(v->launched ? "VMRESUME" : "VMLAUNCH", s);
			return -HV_EVMXFAIL;
		}
		v->launched = true;
		u32 reason = (u32)vmcs_read(VM_EXIT_REASON);
		if (reason & VMX_EXIT_REASON_FAILED_VMENTRY) {
			kdiag("VM entry failed: %s", vmx_exit_reason_name(reason & 0xFFFF));
			return -HV_EENTRY;
		}
		int (*handler)(struct vcpu *) = reason < ARRAY_SIZE(exit_handlers) ? exit_handlers[reason] : NULL;
		int err = handler ? handler(v) : exit_unhandled(v, reason);
		if (err)
			return err;
	}
	return 0;
	/* END SOLUTION */
}
