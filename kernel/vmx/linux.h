/*
 * Lab 11 "linux" (the capstone): the interface of labs/11-linux/linux.c.
 * Debian's Linux kernel, unmodified, boots under your hypervisor through its PVH
 * entry (the x86 HVM direct boot ABI): no firmware runs in the VM; the hypervisor
 * loads the kernel's ELF image, describes the machine in a struct hvm_start_info
 * (hvm_start_info.h), and starts the virtual CPU in 32-bit protected mode with
 * paging off, which VT-x runs as an unrestricted guest (lab 9) on an EPT of yours
 * (lab 8). Linux then drives the PC's devices itself; the hypervisor intercepts
 * only what it must. The VM around it (the guest's RAM, the modules, the exit
 * loop) is given: linux_vm.h.
 */
#ifndef HV_LINUX_H
#define HV_LINUX_H

#include "types.h"

struct linux_vm;

/*
 * Exercise 1: loads the kernel image elf (size bytes, an ELF64 file) into vm's
 * RAM: every loadable segment at its physical address, the bytes the file does not
 * hold zeroed; sets vm->entry to the 32-bit PVH entry point its notes give.
 * Returns 0; -HV_EINVAL (saying why) for a file that is not a 64-bit x86 ELF, a
 * segment outside the guest's RAM, or a kernel without a PVH entry.
 */
int linux_load_kernel(struct linux_vm *vm, const u8 *elf, u64 size);

/*
 * Exercise 2: builds vm's guest-physical address space with lab 8's ept_init() and
 * ept_map() on vm->ept, following the layout of linux_vm.h: the guest's RAM on
 * vm's RAM block, the PC's legacy hole, the firmware's ranges above RAM and the
 * chipset's devices as the machine has them, and nothing else. 0 or an error.
 */
int linux_map_memory(struct linux_vm *vm);

/*
 * Exercise 3: puts the initramfs (vm->initrd_module) into the guest's RAM and writes
 * the start information the PVH entry expects at LINUX_START_INFO: the memory
 * map the guest has (exercise 2), the initramfs as its one module, the command line
 * cmdline, and the firmware's ACPI tables. 0, or -HV_EINVAL if something does not fit.
 */
int linux_start_info(struct linux_vm *vm, const char *cmdline);

/*
 * Exercise 4: the current VMCS (lab 4's vmcs_setup() made it; lab 8's
 * ept_vmcs_setup() put vm->ept in it) for the PVH entry: the controls (unrestricted
 * guest, the I/O and MSR bitmaps of vm filled with lab 9's rm_io_exit() and
 * rm_msr_exit(), what the exits of exercise 5 need), the guest state the PVH entry
 * requires, and vm->vcpu.regs. 0, -HV_ENOEPT if a control cannot be set, or -HV_EVMXFAIL.
 */
int linux_vmcs_setup(struct linux_vm *vm);

/*
 * Exercise 5: the VM exit that just happened (the current VMCS's exit reason): do
 * for Linux what it needs and the machine must not let it do itself, then let it
 * go on. A guest that powers the machine off sets vm->powered_off. An access outside
 * its memory is refused: counted in vm->refused (the first one's GPA in
 * vm->refused_gpa; the hypervisor reports them once the VM stops), never completed
 * with host memory, and the guest goes on. Returns 0 to go on, or an error
 * (-HV_EEXIT for an exit it does not handle) that stops the VM.
 */
int linux_handle_exit(struct linux_vm *vm);

#endif
