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
	todo(9, __func__, "check the allowed-1 settings of every control this lab turns on");
	(void)caps;
	return -HV_ENOSYS;
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
	todo(9, __func__, "write the real-mode guest state: control registers, every segment, the descriptor tables, RIP, RSP, RFLAGS, EFER and the non-register state");
	(void)caps;
	return -HV_ENOSYS;
}

/*
 * Exercise 3: one port's bit in the I/O bitmaps. Goal: an access to port exits
 * exactly when exit was last true for it. SDM Vol. 3C, 25.6.4 "I/O-Bitmap
 * Addresses", 26.1.3 "Instructions That Cause VM Exits Conditionally" (I/O
 * instructions). Hints: README, exercise 3.
 */
void rm_io_exit(u8 *bitmap_a, u8 *bitmap_b, u16 port, bool exit)
{
	todo(9, __func__, "find the bitmap, byte and bit of port, and set or clear it");
	(void)bitmap_a;
	(void)bitmap_b;
	(void)port;
	(void)exit;
}

/*
 * Exercise 3: one MSR's bits in the MSR bitmap. Goal: RDMSR of msr exits
 * exactly when read, WRMSR when write. SDM Vol. 3C, 25.6.9 "MSR-Bitmap
 * Address", 26.1.3 (RDMSR, WRMSR). Hints: README, exercise 3.
 */
void rm_msr_exit(u8 *bitmap, u32 msr, bool read, bool write)
{
	todo(9, __func__, "find the two bits of msr, if the bitmap has them, and set or clear each");
	(void)bitmap;
	(void)msr;
	(void)read;
	(void)write;
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
	todo(9, __func__, "turn on EPT and unrestricted guest, fill and install the bitmaps, set the CR0/CR4 masks and shadows and the IA32_EFER controls");
	(void)vm;
	return -HV_ENOSYS;
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
	todo(9, __func__, "decode the exit qualification, do each byte with rm_vm_port_in()/rm_vm_port_out(), update RAX, move RIP on");
	(void)vm;
	return -HV_ENOSYS;
}
