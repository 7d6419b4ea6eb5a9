/* The operands of a VMX instruction that caused a VM exit, for hypervisors that emulate it (lab 12). */
#ifndef HV_VMX_OPERAND_H
#define HV_VMX_OPERAND_H

#include "types.h"
#include "vcpu.h"

/*
 * The linear address of the memory operand of the VMX instruction whose VM exit
 * is being handled (VMXON, VMCLEAR, VMPTRLD, VMPTRST, or VMREAD/VMWRITE with
 * bit 10 of the instruction information clear): base + index * scale +
 * displacement, cut to the address size, from the current VMCS's
 * VMX_INSTRUCTION_INFO and EXIT_QUALIFICATION and the guest's registers in v
 * (RSP from GUEST_RSP). The segment's base is taken as 0, as it is in 64-bit
 * mode for every segment but FS and GS (SDM Vol. 3A, 3.4.4 "Segment Loading
 * Instructions in IA-32e Mode"); an FS or GS operand adds that base.
 */
u64 vmx_operand_address(const struct vcpu *v);

#endif
