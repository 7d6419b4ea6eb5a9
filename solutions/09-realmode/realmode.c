/*
 * Lab 9: a guest that starts like a real PC, and the bitmaps that decide which
 * of its port and MSR accesses the hypervisor sees.
 *
 * The guest (kernel/guest/images/rm_guest.asm) is a boot sector's world: real
 * mode at 0000:7C00, paging off. It switches to protected mode and long mode by
 * itself, and only an unrestricted guest may do that under VMX. The handout is
 * labs/09-realmode/README.md; the interface is kernel/vmx/realmode.h, the VM
 * around it (memory, EPT, devices, policy, exit loop) is kernel/guest/rm_vm.h.
 */
#include "realmode.h"
#include "errno.h"
#include "printf.h"
#include "rm_vm.h"
#include "todo.h"
#include "vmcs_access.h"
#include "vmx.h"
#include "x86.h"

/*
 * Exercise 1: refuse a processor that cannot run this VM. Goal: 0 on every
 * model with unrestricted guest, -HV_ENOEPT naming what is missing otherwise.
 * SDM Vol. 3D, A.3.2 "Primary Processor-Based VM-Execution Controls", A.3.3
 * "Secondary Processor-Based VM-Execution Controls", A.4 "VM-Exit Controls",
 * A.5 "VM-Entry Controls". Hints: README, exercise 1.
 */
int rm_check_caps(const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: check the allowed-1 settings of every control this lab turns on
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	/* Lab 1 leaves procbased2 zero where the secondary controls do not exist. */
	const struct {
		u32 allowed1, bit;
		const char *what;
	} needed[] = {
		{ caps->procbased.allowed1, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, "the secondary controls" },
		{ caps->procbased.allowed1, CPU_BASED_USE_IO_BITMAPS, "\"use I/O bitmaps\"" },
		{ caps->procbased.allowed1, CPU_BASED_USE_MSR_BITMAPS, "\"use MSR bitmaps\"" },
		{ caps->procbased2.allowed1, SECONDARY_EXEC_ENABLE_EPT, "\"enable EPT\"" },
		{ caps->procbased2.allowed1, SECONDARY_EXEC_UNRESTRICTED_GUEST, "\"unrestricted guest\"" },
		{ caps->exit.allowed1, VM_EXIT_SAVE_IA32_EFER, "\"save IA32_EFER\" at VM exit" },
		{ caps->exit.allowed1, VM_EXIT_LOAD_IA32_EFER, "\"load IA32_EFER\" at VM exit" },
		{ caps->entry.allowed1, VM_ENTRY_LOAD_IA32_EFER, "\"load IA32_EFER\" at VM entry" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(needed); i++) {
		if (!(needed[i].allowed1 & needed[i].bit)) {
			kprintf("this processor cannot run a real-mode guest: it lacks %s\n", needed[i].what);
			return -HV_ENOEPT;
		}
	}
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 2: the guest state of a processor about to run a boot sector.
 * Goal: VM entry accepts it and the guest starts at 0000:7C00 in real mode.
 * SDM Vol. 3A, 10.1.1 "Processor State After Reset" and 21.1 "Real-Address Mode
 * Operation"; Vol. 3C, 25.4.1 "Guest Register State", 27.3.1.1 "Checks on Guest
 * Control Registers, Debug Registers, and MSRs", 27.3.1.2 "Checks on Guest
 * Segment Registers". Hints: README, exercise 2.
 */
int rm_guest_state(const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: write the real-mode guest state: control registers, every segment, the descriptor tables, RIP, RSP, RFLAGS, EFER and the non-register state
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	const u32 code = VMX_AR_TYPE(11) | VMX_AR_S | VMX_AR_P;        /* 0x9b: execute/read, accessed */
	const u32 data = VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_P;         /* 0x93: read/write, accessed */
	const struct vmcs_field_value guest[] = {
		/* PE and PG clear: the two FIXED0 bits an unrestricted guest may clear (27.3.1.1). */
		{ GUEST_CR0, (caps->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG)) | CR0_ET },
		{ GUEST_CR3, 0 },
		{ GUEST_CR4, caps->cr4_fixed0 },
		{ GUEST_DR7, 0x400 },
		{ GUEST_RIP, RM_GUEST_IMAGE },
		{ GUEST_RSP, RM_GUEST_IMAGE },
		{ GUEST_RFLAGS, 0x2 },
		{ GUEST_CS_SELECTOR, 0 }, { GUEST_CS_BASE, 0 },
		{ GUEST_CS_LIMIT, 0xFFFF }, { GUEST_CS_AR_BYTES, code },
		{ GUEST_SS_SELECTOR, 0 }, { GUEST_SS_BASE, 0 },
		{ GUEST_SS_LIMIT, 0xFFFF }, { GUEST_SS_AR_BYTES, data },
		{ GUEST_DS_SELECTOR, 0 }, { GUEST_DS_BASE, 0 },
		{ GUEST_DS_LIMIT, 0xFFFF }, { GUEST_DS_AR_BYTES, data },
		{ GUEST_ES_SELECTOR, 0 }, { GUEST_ES_BASE, 0 },
		{ GUEST_ES_LIMIT, 0xFFFF }, { GUEST_ES_AR_BYTES, data },
		{ GUEST_FS_SELECTOR, 0 }, { GUEST_FS_BASE, 0 },
		{ GUEST_FS_LIMIT, 0xFFFF }, { GUEST_FS_AR_BYTES, data },
		{ GUEST_GS_SELECTOR, 0 }, { GUEST_GS_BASE, 0 },
		{ GUEST_GS_LIMIT, 0xFFFF }, { GUEST_GS_AR_BYTES, data },
		{ GUEST_LDTR_SELECTOR, 0 }, { GUEST_LDTR_BASE, 0 },
		{ GUEST_LDTR_LIMIT, 0xFFFF }, { GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE },
		/*
		 * TR is never unusable (27.3.1.2). Real mode never looks at it, but the
		 * guest's switch to long mode does: a busy 32-bit TSS.
		 */
		{ GUEST_TR_SELECTOR, 0 }, { GUEST_TR_BASE, 0 },
		{ GUEST_TR_LIMIT, 0xFFFF }, { GUEST_TR_AR_BYTES, VMX_AR_TYPE(11) | VMX_AR_P },
		{ GUEST_GDTR_BASE, 0 }, { GUEST_GDTR_LIMIT, 0xFFFF },
		{ GUEST_IDTR_BASE, 0 }, { GUEST_IDTR_LIMIT, 0x3FF },
		{ GUEST_IA32_EFER, 0 },
		{ GUEST_SYSENTER_CS, 0 }, { GUEST_SYSENTER_ESP, 0 }, { GUEST_SYSENTER_EIP, 0 },
		{ GUEST_ACTIVITY_STATE, 0 },
		{ GUEST_INTERRUPTIBILITY_INFO, 0 },
		{ GUEST_PENDING_DBG_EXCEPTIONS, 0 },
	};
	return vmcs_write_all(guest, ARRAY_SIZE(guest)) ? -HV_EVMXFAIL : 0;
	/* END SOLUTION */
}

/*
 * Exercise 3: one port's bit in the I/O bitmaps. Goal: an access to port exits
 * exactly when exit was last true for it. SDM Vol. 3C, 25.6.4 "I/O-Bitmap
 * Addresses", 26.1.3 "Instructions That Cause VM Exits Conditionally" (I/O
 * instructions). Hints: README, exercise 3.
 */
void rm_io_exit(u8 *bitmap_a, u8 *bitmap_b, u16 port, bool exit)
{
	/* BEGIN SOLUTION
	 * todo: find the bitmap, byte and bit of port, and set or clear it
	 * stub: (void)bitmap_a;
	 * stub: (void)bitmap_b;
	 * stub: (void)port;
	 * stub: (void)exit;
	 */
	u8 *map = port < 0x8000 ? bitmap_a : bitmap_b;
	u16 n = port & 0x7FFF;
	if (exit)
		map[n / 8] |= (u8)(1 << (n % 8));
	else
		map[n / 8] &= (u8)~(1 << (n % 8));
	/* END SOLUTION */
}

/*
 * Exercise 3: one MSR's bits in the MSR bitmap. Goal: RDMSR of msr exits
 * exactly when read, WRMSR when write. SDM Vol. 3C, 25.6.9 "MSR-Bitmap
 * Address", 26.1.3 (RDMSR, WRMSR). Hints: README, exercise 3.
 */
void rm_msr_exit(u8 *bitmap, u32 msr, bool read, bool write)
{
	/* BEGIN SOLUTION
	 * todo: find the two bits of msr, if the bitmap has them, and set or clear each
	 * stub: (void)bitmap;
	 * stub: (void)msr;
	 * stub: (void)read;
	 * stub: (void)write;
	 */
	u32 half;
	if (msr <= 0x1FFF)
		half = 0;
	else if (msr >= 0xC0000000 && msr <= 0xC0001FFF)
		half = 1024;
	else
		return;
	u32 n = msr & 0x1FFF;
	u8 *r = bitmap + half + n / 8, *w = bitmap + 2048 + half + n / 8, bit = (u8)(1 << (n % 8));
	*r = read ? (u8)(*r | bit) : (u8)(*r & ~bit);
	*w = write ? (u8)(*w | bit) : (u8)(*w & ~bit);
	/* END SOLUTION */
}

/*
 * Exercise 4: the controls of the real-mode VM. Goal: the guest runs from real
 * mode to long mode, exactly the policy's accesses exit, and its IA32_EFER
 * goes with it across every VM exit. SDM Vol. 3C, 25.6.2 "Processor-Based
 * VM-Execution Controls", 25.6.6 "Guest/Host Masks and Read Shadows for CR0
 * and CR4", 25.7.1 "VM-Exit Controls", 25.8.1 "VM-Entry Controls", 26.3
 * "Changes to Instruction Behavior in VMX Non-Root Operation" (MOV to CR0 and
 * CR4), 28.2 "Recording VM-Exit Information and Updating VM-Entry Control
 * Fields". Hints: README, exercise 4.
 */
int rm_vmcs_setup(struct rm_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: turn on EPT and unrestricted guest, fill and install the bitmaps, set the CR0/CR4 masks and shadows and the IA32_EFER controls
	 * stub: (void)vm;
	 * stub: return -HV_ENOSYS;
	 */
	const struct vmx_caps *caps = vm->caps;
	u32 proc = (u32)vmcs_read(CPU_BASED_VM_EXEC_CONTROL) | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS |
		   CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS;
	u32 proc2 = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST;
	u32 exit = (u32)vmcs_read(VM_EXIT_CONTROLS) | VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER;
	/*
	 * Every VM exit stores the guest's EFER.LMA into "IA-32e mode guest" (28.2; IA32_VMX_MISC
	 * bit 5, 1 wherever unrestricted guest exists: Vol. 3D, A.6): never written after this.
	 */
	u32 entry = ((u32)vmcs_read(VM_ENTRY_CONTROLS) | VM_ENTRY_LOAD_IA32_EFER) & ~VM_ENTRY_IA32E_MODE;
	if ((proc & ~caps->procbased.allowed1) || (proc2 & ~caps->procbased2.allowed1) ||
	    (exit & ~caps->exit.allowed1) || (entry & ~caps->entry.allowed1) || !caps->has_procbased2)
		return -HV_ENOEPT;

	for (size_t i = 0; i < rm_io_policy_count; i++)
		for (u32 p = rm_io_policy[i].port; p < (u32)rm_io_policy[i].port + rm_io_policy[i].ports; p++)
			rm_io_exit(vm->io_bitmap_a, vm->io_bitmap_b, (u16)p, true);
	for (size_t i = 0; i < rm_msr_policy_count; i++)
		rm_msr_exit(vm->msr_bitmap, rm_msr_policy[i].msr, rm_msr_policy[i].read, rm_msr_policy[i].write);

	/* Masks: the bits VMX fixes, except PE and PG, which are the guest's own now. */
	u64 cr0_mask = (u32)((caps->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG)) | ~caps->cr0_fixed1);
	u64 cr4_mask = (u32)(caps->cr4_fixed0 | ~caps->cr4_fixed1);
	const struct vmcs_field_value fields[] = {
		{ CPU_BASED_VM_EXEC_CONTROL, proc },
		{ SECONDARY_VM_EXEC_CONTROL, proc2 },
		{ EPT_POINTER, vm->eptp },
		{ IO_BITMAP_A, (u64)vm->io_bitmap_a },
		{ IO_BITMAP_B, (u64)vm->io_bitmap_b },
		{ MSR_BITMAP, (u64)vm->msr_bitmap },
		{ CR0_GUEST_HOST_MASK, cr0_mask },
		{ CR0_READ_SHADOW, CR0_ET },        /* what a CPU a BIOS left in real mode shows */
		{ CR4_GUEST_HOST_MASK, cr4_mask },
		{ CR4_READ_SHADOW, 0 },
		{ VM_EXIT_CONTROLS, exit },
		{ VM_ENTRY_CONTROLS, entry },
		{ HOST_IA32_EFER, rdmsr(MSR_IA32_EFER) },
	};
	return vmcs_write_all(fields, ARRAY_SIZE(fields)) ? -HV_EVMXFAIL : 0;
	/* END SOLUTION */
}

/*
 * Exercise 5: the I/O-instruction exit. Goal: the guest's IN and OUT behave
 * as on the machine, port by port, whoever owns each port. SDM Vol. 3C, 28.2.1
 * "Basic VM-Exit Information" (the exit qualification for I/O instructions),
 * 28.2.5 "Information for VM Exits Due to Instruction Execution"; Vol. 2A, IN;
 * Vol. 2B, OUT; Vol. 1, 3.4.1.1 "General-Purpose Registers in 64-Bit Mode".
 * Hints: README, exercise 5.
 */
int rm_handle_io(struct rm_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: decode the exit qualification, do each byte with rm_vm_port_in()/rm_vm_port_out(), update RAX, move RIP on
	 * stub: (void)vm;
	 * stub: return -HV_ENOSYS;
	 */
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	unsigned size = VMX_IO_SIZE(q);
	u16 port = VMX_IO_PORT(q);
	u64 *rax = &vm->vcpu.regs.rax;
	if ((q & VMX_IO_STRING) || (size != 1 && size != 2 && size != 4)) {
		kprintf("I/O exit: cannot emulate qualification %#lx\n", q);
		return -HV_EEXIT;
	}
	if (q & VMX_IO_IN) {
		u32 value = 0;
		for (unsigned k = 0; k < size; k++)
			value |= (u32)rm_vm_port_in(vm, (u16)(port + k)) << (8 * k);
		if (size == 4)
			*rax = value;
		else
			*rax = (*rax & ~((1ULL << (8 * size)) - 1)) | value;
	} else {
		for (unsigned k = 0; k < size; k++)
			rm_vm_port_out(vm, (u16)(port + k), (u8)(*rax >> (8 * k)));
	}
	return vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN)) ? -HV_EVMXFAIL : 0;
	/* END SOLUTION */
}
