/*
 * Guest: VMX instructions, which a guest without VMX must see raise #UD, at the instruction.
 *
 * Transcript of "vmx" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| 9 of 9 VMX instructions raised #UD, 9 of them at the instruction
 */
#include "runtime.h"

static u64 operand;

/*
 * Runs the VMX instruction insn (assembly text, operands %1 = the memory operand,
 * %2 = a register) after storing its own address in *p, so that the fault's RIP
 * can be compared with it.
 */
#define VMX_PROBE(fn, insn)                                                             \
	static void fn(void *p)                                                         \
	{                                                                               \
		__asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %0\n1:\t" insn       \
				 : "=m"(*(u64 *)p), "+m"(operand)                        \
				 : "r"(0x681EULL) : "r8", "memory");                     \
	}

VMX_PROBE(do_vmxon, "vmxon %1")
VMX_PROBE(do_vmclear, "vmclear %1")
VMX_PROBE(do_vmptrld, "vmptrld %1")
VMX_PROBE(do_vmptrst, "vmptrst %1")
VMX_PROBE(do_vmread, "vmread %2, %1")
VMX_PROBE(do_vmwrite, "vmwrite %1, %2")
VMX_PROBE(do_vmlaunch, "vmlaunch")
VMX_PROBE(do_vmresume, "vmresume")
VMX_PROBE(do_vmxoff, "vmxoff")

static const struct {
	const char *name;       /* also the note's key */
	void (*fn)(void *);
} insns[] = {
	{ "vmx.vmxon", do_vmxon }, { "vmx.vmclear", do_vmclear }, { "vmx.vmptrld", do_vmptrld },
	{ "vmx.vmptrst", do_vmptrst }, { "vmx.vmread", do_vmread }, { "vmx.vmwrite", do_vmwrite },
	{ "vmx.vmlaunch", do_vmlaunch }, { "vmx.vmresume", do_vmresume }, { "vmx.vmxoff", do_vmxoff },
};

static int vmx_main(void)
{
	unsigned ud = 0, at_insn = 0;
	for (size_t i = 0; i < ARRAY_SIZE(insns); i++) {
		struct guest_fault f;
		u64 rip = 0;
		bool faulted = !guest_call(insns[i].fn, &rip, &f);
		guest_note(insns[i].name, guest_fault_code(faulted, &f));
		ud += faulted && f.vector == 6;
		at_insn += faulted && f.rip == rip;
	}
	guest_note("vmx.at_instruction", at_insn);
	guest_note("vmx.count", ARRAY_SIZE(insns));
	guest_printf("%u of %zu VMX instructions raised #UD, %u of them at the instruction\n", ud,
		     ARRAY_SIZE(insns), at_insn);
	return 0;
}

GUEST_PROGRAM(guest_vmx, "vmx", vmx_main, "VMXON and the other VMX instructions: #UD");
