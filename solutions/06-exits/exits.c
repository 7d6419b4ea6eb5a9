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
 * Exercise 1: choose the exits. Goal: on the current VMCS (lab 4's), the guest's
 * port I/O and its INT3 cause VM exits, and its MOVs to CR0/CR4 exit exactly when
 * they touch what VMX must keep for itself, while the guest reads CR0 and CR4 as
 * if VMX were not there.
 * SDM Vol. 3C: 25.6.2 "Processor-Based VM-Execution Controls", 25.6.3 "Exception
 * Bitmap", 25.6.6 "Guest/Host Masks and Read Shadows for CR0 and CR4", 26.1.3
 * "Instructions That Cause VM Exits Conditionally".
 * Interface: caps holds the capability MSRs (lab 1), the CR fixed bits included;
 * use your lab 4 vmx_adjust_ctls() for the controls. Returns 0, or the first
 * VMWRITE error (vmcs_write_all() gives it).
 * Hints: README, exercise 1.
 */
int vm_setup_exits(const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: make port I/O and INT3 exit, and give the host the CR0/CR4 bits it must own
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	u32 proc;
	int err = vmx_adjust_ctls(CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING,
				  &caps->procbased, &proc);
	if (err)
		return err;
	/*
	 * The host owns exactly the bits VMX pins (1 in FIXED0 or 0 in FIXED1): a
	 * write of one of them must exit, a write of any other bit need not.
	 */
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
 * Exercise 4 (with exit_hlt() below): complete the instruction that exited. Goal:
 * the guest goes on after it exactly as if the processor had executed it: at the
 * next instruction, with no interrupt blocking left over from before it, and with
 * the single-step trap it is owed if it runs with RFLAGS.TF.
 * SDM Vol. 3C: 28.2.5 "Information for VM Exits Due to Instruction Execution",
 * 25.4.2 "Guest Non-Register State"; Vol. 3A, 6.8.3 "Masking Exceptions and
 * Interrupts When Switching Stacks", 18.3.1.4 "Single-Step Exception Condition".
 * Interface: acts on the current VMCS; call it from every handler that has done
 * its instruction's work, and from no other.
 * Hints: README, exercise 4.
 */
void vmx_skip_instruction(void)
{
	/* BEGIN SOLUTION
	 * todo: let the guest continue after the instruction, as the processor would have
	 */
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	/*
	 * Blocking by STI or MOV SS covers only the instruction that follows them,
	 * which was this one: it ends here. A guest single-stepping owes a #DB trap
	 * after this instruction; BS makes the next VM entry deliver it.
	 */
	u64 blocking = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	if (blocking & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO,
			   blocking & ~(u64)(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	if (vmcs_read(GUEST_RFLAGS) & RFLAGS_TF)
		vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
	/* END SOLUTION */
}

/*
 * Exercise 7 (with the MSR handlers below): refuse an instruction. Goal: the next
 * VM entry delivers hardware exception `vector` through the guest's own IDT, as if
 * the instruction at GUEST_RIP had raised it, with error_code pushed when
 * has_error_code, and the entry succeeds on every CPU model.
 * SDM Vol. 3C: 25.8.3 "VM-Entry Controls for Event Injection", 27.6 "Event
 * Injection", 27.2.1.3 "Checks on VM-Entry Control Fields"; Vol. 3D, A.1 "Basic
 * VMX Information" (IA32_VMX_BASIC bit 56).
 * Interface: writes the current VMCS's entry fields; the caller decides whether
 * the vector has an error code. inject_gp() below is the refusal: #GP(0).
 * Hints: README, exercise 7.
 */
void vmx_inject_exception(u8 vector, bool has_error_code, u32 error_code)
{
	/* BEGIN SOLUTION
	 * todo: make the next VM entry deliver the hardware exception
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
 * Exercise 5: CPUID (exit reason 10). Goal: the guest gets the processor's answer
 * for the leaf and sub-leaf it asked, except that VMX is hidden, a hypervisor is
 * announced, and the hypervisor leaves answer as the course's ABI says (README,
 * "CPUID"; CPUID_HV_* in vmx.h).
 * SDM Vol. 2A, 3.3 "Instructions (A-L)", CPUID; Vol. 3C, 26.1.2 "Instructions
 * That Cause VM Exits Unconditionally".
 * Interface: returns 0 (the guest goes on). cpuid() in x86.h executes it here.
 * Hints: README, exercise 5.
 */
static int exit_cpuid(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: answer CPUID for the guest as the course's CPUID ABI says
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
 * Exercise 6: I/O instructions (exit reason 30). Goal: the guest's IN and OUT
 * behave as on a machine whose only device is the emulated COM1 (vserial.h):
 * other ports are an empty bus. An IN changes exactly the register bits the real
 * instruction would. String I/O (INS/OUTS) is not emulated: it is an unhandled exit.
 * SDM Vol. 3C, 28.2.1 "Basic VM-Exit Information", Table "Exit Qualification for
 * I/O Instructions"; Vol. 1, 3.4.1.1 "General-Purpose Registers in 64-Bit Mode";
 * Vol. 2A, 3.3 "Instructions (A-L)", IN.
 * Interface: returns 0, or exit_unhandled()'s result. VMX_IO_* in vmx.h decode
 * the qualification.
 * Hints: README, exercise 6.
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
 * Exercise 7: RDMSR and WRMSR (exit reasons 31, 32). Goal: the guest sees the MSRs
 * of the course's MSR policy (README, "MSRs") and a #GP(0) for everything else,
 * exactly as a processor would deliver it; no value the guest writes may make the
 * next VM entry fail.
 * SDM Vol. 2B, 4.3 "Instructions (M-U)", RDMSR; Vol. 2D, 6.1 "Instructions (W-Z)",
 * WRMSR; Vol. 3C, 25.6.9 "MSR-Bitmap Address", 27.3.1.1 "Checks on Guest Control
 * Registers, Debug Registers, and MSRs".
 * Interface: each returns 0 (the guest goes on, or takes the #GP). sysenter_field()
 * below names the VMCS field of a SYSENTER MSR; is_canonical() and addr_widths()
 * are in kernel/arch/x86.h.
 * Hints: README, exercise 7.
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
	 * todo: emulate RDMSR as the course's MSR policy says
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
	 * todo: emulate WRMSR as the course's MSR policy says
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
 * Exercise 8: control-register accesses (exit reason 28). Goal: a MOV to CR0 or
 * CR4 that exits does for the guest what it would do on a processor without VMX:
 * the guest reads back what it wrote, a value such a processor refuses raises
 * #GP(0), and the processor underneath keeps every bit VMX needs. Other CR
 * accesses are unhandled exits.
 * SDM Vol. 3C: 25.6.6 "Guest/Host Masks and Read Shadows for CR0 and CR4", 26.1.3
 * "Instructions That Cause VM Exits Conditionally", 26.3 "Changes to Instruction
 * Behavior in VMX Non-Root Operation", 28.2.1, Table "Exit Qualification for
 * Control-Register Accesses".
 * Interface: returns 0, or exit_unhandled()'s result. VMX_CR_* in vmx.h decode
 * the qualification; vcpu_gpr() finds a register by its number (vcpu.h says
 * which one it cannot); vmx_fix_cr() is your lab 2 function.
 * Hints: README, exercise 8.
 */
static int exit_cr_access(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: emulate MOV to CR0 and CR4 for a guest that must not see VMX
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
 * Exercise 3: VMCALL (exit reason 18). Goal: the course's hypercall ABI (README,
 * "The hypercall ABI"; kernel/guest/hypercall.h), results and errors in RAX, and
 * the guest continues after its VMCALL.
 * SDM Vol. 3C, 26.1.2 "Instructions That Cause VM Exits Unconditionally"; Vol. 2B,
 * "VMCALL".
 * Interface: returns 0. vserial_write() prints onto v->com1.
 * Hints: README, exercise 3.
 */
static int exit_vmcall(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: implement the course's hypercall ABI
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
 * Exercise 4: HLT (exit reason 12). Goal: the guest's HLT ends at once (this
 * hypervisor delivers no interrupt that could end the wait) and the guest goes on.
 * SDM Vol. 3C, 26.1.3 "Instructions That Cause VM Exits Conditionally".
 * Interface: returns 0.
 * Hints: README, exercise 4.
 */
static int exit_hlt(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: end the guest's HLT
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	(void)v;
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 9: exceptions, VMX instructions and the triple fault.
 * Goals: a VMX instruction in the guest behaves as on a processor without VMX;
 * the guest's INT3, which the exception bitmap makes exit, still reaches the
 * guest's own #BP handler exactly as it would without the hypervisor (counted in
 * v->breakpoints on the way); any other exception exit is unhandled; a triple
 * fault stops this VM (printing a line that says "triple") and the host goes on.
 * SDM Vol. 3C: 26.1.2, 26.2 "Other Causes of VM Exits", 25.9.2 "Information for
 * VM Exits Due to Vectored Events", 25.8.3 "VM-Entry Controls for Event
 * Injection", 27.6.1.1 "Details of Vectored-Event Injection"; Vol. 3A, 6.5
 * "Exception Classifications".
 * Interface: each returns 0 when the guest may go on; exit_triple_fault() returns
 * -HV_ECRASH.
 * Hints: README, exercise 9.
 */
static int exit_vmx_instruction(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: answer a VMX instruction as a processor without VMX would
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
	 * todo: count the guest's INT3 and deliver it to the guest's own #BP handler
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	u32 info = (u32)vmcs_read(VM_EXIT_INTR_INFO);
	if ((info & INTR_INFO_VECTOR_MASK) != VEC_BP)
		return exit_unhandled(v, EXIT_REASON_EXCEPTION_NMI);
	v->breakpoints++;
	/*
	 * INT3 is a software exception, a trap: its handler returns to the next
	 * instruction. Re-injected as one, with the exit's instruction length, the
	 * entry delivers it as INT3 itself would (27.6.1.1). RIP stays on the INT3.
	 */
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, VEC_BP | INTR_TYPE_SOFT_EXCEPTION | INTR_INFO_VALID_MASK);
	vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	return 0;
	/* END SOLUTION */
}

static int exit_triple_fault(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: report the triple fault and stop this VM
	 * stub: (void)v;
	 * stub: return -HV_ENOSYS;
	 */
	(void)v;
	kprintf("the guest triple-faulted at RIP %#lx: VM stopped\n", vmcs_read(GUEST_RIP));
	return -HV_ECRASH;
	/* END SOLUTION */
}

/*
 * Exercise 2 (with vm_run() below): an exit nobody handles. Goal: the VM stops,
 * the host goes on, and the grade report shows what the guest did: a kdiag()
 * line "unhandled VM exit: <name> (reason <n>), qualification <q>", then the
 * whole VMCS and the guest's registers.
 * SDM Vol. 3D, Appendix C "VMX Basic Exit Reasons"; Vol. 3C, 28.2.1 "Basic
 * VM-Exit Information".
 * Interface: returns -HV_EEXIT. Given: vmx_exit_reason_name(), vmcs_dump(),
 * vcpu_dump().
 * Hints: README, exercise 2.
 */
static int exit_unhandled(struct vcpu *v, u32 reason)
{
	/* BEGIN SOLUTION
	 * todo: report the exit, the VMCS and the guest's registers, and stop this VM
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
 * Exercise 2: the loop. Goal: the guest runs, exit after exit, each exit handled
 * by its reason's handler (exit_handlers[]), until the guest shuts down
 * (v->shutdown) or something stops it; every entry uses the instruction the
 * VMCS's launch state allows.
 * SDM Vol. 3C: 31.3 "VMX Instructions", VMLAUNCH/VMRESUME; 25.11.3 "Initializing
 * a VMCS"; 28.2.1 "Basic VM-Exit Information" (the exit reason, bit 31).
 * Interface (exits.h): 0 after the guest's shutdown; -HV_EVMXFAIL when VMLAUNCH or
 * VMRESUME fails (report it with vmx_report_failure()); -HV_EENTRY when the entry
 * fails (report it with kdiag(): "VM entry failed: <name>"); a handler's error.
 * Given: vmx_enter_guest() (lab 5), v->launched.
 * Hints: README, exercise 2.
 */
int vm_run(struct vcpu *v)
{
	/* BEGIN SOLUTION
	 * todo: run the guest, exit after exit, until it shuts down or must stop
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
		u32 reason = (u32)vmcs_read(VM_EXIT_REASON);
		if (reason & VMX_EXIT_REASON_FAILED_VMENTRY) {
			kdiag("VM entry failed: %s", vmx_exit_reason_name(reason & 0xFFFF));
			return -HV_EENTRY;
		}
		/* only a successful entry launches the VMCS: a VMfail or a failed entry leaves it clear */
		v->launched = true;
		int (*handler)(struct vcpu *) = reason < ARRAY_SIZE(exit_handlers) ? exit_handlers[reason] : NULL;
		int err = handler ? handler(v) : exit_unhandled(v, reason);
		if (err)
			return err;
	}
	return 0;
	/* END SOLUTION */
}
