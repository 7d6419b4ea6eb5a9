/* The memory operand of a VMX instruction's VM exit (vmx_operand.h). */
#include "vmx_operand.h"
#include "vmcs_access.h"
#include "vmx.h"

/* Register n of the guest: RSP from the VMCS, the others from v. */
static u64 guest_reg(const struct vcpu *v, unsigned n)
{
	return n == GUEST_GPR_RSP ? vmcs_read(GUEST_RSP) : v->regs.gpr[n];
}

u64 vmx_operand_address(const struct vcpu *v)
{
	u32 info = (u32)vmcs_read(VMX_INSTRUCTION_INFO);
	/* SDM Vol. 3C, 28.2.1 "Basic VM-Exit Information": the qualification holds the displacement. */
	u64 addr = vmcs_read(EXIT_QUALIFICATION);
	if (!(info & VMX_INSN_BASE_INVALID))
		addr += guest_reg(v, VMX_INSN_BASE(info));
	if (!(info & VMX_INSN_INDEX_INVALID))
		addr += guest_reg(v, VMX_INSN_INDEX(info)) << VMX_INSN_SCALE(info);
	unsigned seg = VMX_INSN_SEGMENT(info);
	if (seg == 4)
		addr += vmcs_read(GUEST_FS_BASE);
	else if (seg == 5)
		addr += vmcs_read(GUEST_GS_BASE);
	switch (VMX_INSN_ADDR_SIZE(info)) {
	case 0: return addr & 0xFFFF;
	case 1: return addr & 0xFFFFFFFF;
	default: return addr;
	}
}
