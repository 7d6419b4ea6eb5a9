/*
 * Lab 11 (the capstone): Debian's Linux kernel, unmodified, boots under your
 * hypervisor through its PVH entry.
 *
 * The handout is labs/11-linux/README.md; the interface is kernel/vmx/linux.h;
 * the VM around it (the RAM block, the modules, the platform, the exit loop) is
 * kernel/guest/linux_vm.h, the boot protocol's structures kernel/boot/hvm_start_info.h.
 */
#include "linux.h"
#include "ept.h"
#include "errno.h"
#include "exits.h"
#include "hvm_start_info.h"
#include "linux_vm.h"
#include "printf.h"
#include "realmode.h"
#include "string.h"
#include "todo.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmx.h"
#include "x86.h"

#define ONE_MIB (1ULL << 20)
#define FOUR_GIB (4ULL << 30)

/* ELF-64 Object File Format: the file header's fields at these offsets, and a program header. */
#define ELF_CLASS64 2                   /* e_ident[EI_CLASS] */
#define ELF_MACHINE_X86_64 62           /* e_machine */
#define PT_LOAD 1
#define PT_NOTE 4
struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};
#define XEN_ELFNOTE_PHYS32_ENTRY 18     /* Xen's public/elfnote.h: the 32-bit PVH entry point */

/*
 * Exercise 1: the PVH loader. Goal: every loadable segment of the kernel's ELF
 * image at its physical address in guest RAM, and the entry point its notes give.
 * The ELF-64 Object File Format (file header, program headers, notes); Linux's
 * Documentation/arch/x86/boot.rst and Xen's docs/misc/pvh.pandoc (the PVH entry).
 * Hints: README, exercise 1.
 */
int linux_load_kernel(struct linux_vm *vm, const u8 *elf, u64 size)
{
	todo(11, __func__, "check the ELF header, copy each PT_LOAD segment to its physical address, find the PVH entry note");
	(void)vm;
	(void)elf;
	(void)size;
	return -HV_ENOSYS;
}

/*
 * Exercise 2: the guest's address space. Goal: the layout of linux_vm.h and
 * nothing more; none of the hypervisor's memory reachable. SDM Vol. 3C, 29.3
 * "The Extended Page Table Mechanism (EPT)", 29.3.7 "EPT and Memory Typing";
 * the memory types: SDM Vol. 3A, 13.3 "Methods of Caching Available".
 * Hints: README, exercise 2.
 */
int linux_map_memory(struct linux_vm *vm)
{
	todo(11, __func__, "ept_init(), then map the RAM, the legacy hole, the firmware's ranges and the devices as linux_vm.h lays them out");
	(void)vm;
	return -HV_ENOSYS;
}

/*
 * Exercise 3: what the PVH entry is given. Goal: Linux finds its memory, its
 * initramfs, its command line and the ACPI tables. Xen's public header
 * arch-x86/hvm/start_info.h (kernel/boot/hvm_start_info.h) and docs/misc/pvh.pandoc.
 * Hints: README, exercise 3.
 */
int linux_start_info(struct linux_vm *vm, const char *cmdline)
{
	todo(11, __func__, "place the initramfs in guest RAM, then write the start information, module list, memory map and command line");
	(void)vm;
	(void)cmdline;
	return -HV_ENOSYS;
}

/*
 * Exercise 4: the VMCS for the PVH entry. Goal: VM entry accepts it, and Linux
 * runs from its first instruction with only the exits exercise 5 handles.
 * Xen's docs/misc/pvh.pandoc (the entry state); SDM Vol. 3C, 27.3.1 "Checks on the
 * Guest State Area"; 25.6 "VM-Execution Control Fields"; 26.3 "Changes to
 * Instruction Behavior in VMX Non-Root Operation". Hints: README, exercise 4.
 */
int linux_vmcs_setup(struct linux_vm *vm)
{
	todo(11, __func__, "the controls, the bitmaps from the policy, the CR masks and shadows, and the PVH entry's guest state and registers");
	(void)vm;
	return -HV_ENOSYS;
}

/*
 * Exercise 5: the exits Linux causes, one function each (linux_handle_exit() below
 * calls them). Goal: Linux boots to its shell and powers off, seeing no VMX and none
 * of the hypervisor's memory. Each returns 0 for the guest to go on, or an error
 * that stops the VM. SDM Vol. 3C, 26.1 "Instructions That Cause VM Exits", 28.2.1
 * "Basic VM-Exit Information" (the exit qualifications). Hints: README, exercise 5.
 */

/* CPUID: what this virtual CPU has. */
static int exit_cpuid(struct linux_vm *vm)
{
	todo(11, __func__, "answer CPUID as the machine would, without VMX and with a hypervisor, consistent with the guest's CR4");
	(void)vm;
	return -HV_EEXIT;
}

/* RDMSR (write false) and WRMSR (write true) of an MSR the policy intercepts. */
static int exit_msr(struct linux_vm *vm, bool write)
{
	todo(11, __func__, "give the guest what the policy says of each intercepted MSR, and what a processor does for the rest");
	(void)vm;
	(void)write;
	return -HV_EEXIT;
}

/* MOV to CR0 or CR4 that touched a bit of the guest/host mask. */
static int exit_cr(struct linux_vm *vm)
{
	todo(11, __func__, "let the guest have the value it wrote, as it will read it back, while VMX's fixed bits stay set");
	(void)vm;
	return -HV_EEXIT;
}

/* XSETBV: the guest sets XCR0. */
static int exit_xsetbv(struct linux_vm *vm)
{
	todo(11, __func__, "check the value as the processor would, then set XCR0 on the machine for the guest");
	(void)vm;
	return -HV_EEXIT;
}

/* IN or OUT of a port the policy intercepts. */
static int exit_io(struct linux_vm *vm)
{
	todo(11, __func__, "do the access on the machine for the guest, except what would switch off or reset the machine");
	(void)vm;
	return -HV_EEXIT;
}

/* An EPT violation: the guest touched a GPA that is not its memory. */
static int exit_ept_violation(struct linux_vm *vm)
{
	todo(11, __func__, "refuse the access (never complete it with host memory), record it, and let the guest go on");
	(void)vm;
	return -HV_EEXIT;
}

int linux_handle_exit(struct linux_vm *vm)
{
	u32 reason = (u32)vmcs_read(VM_EXIT_REASON);
	switch (reason) {
	case EXIT_REASON_CPUID:
		return exit_cpuid(vm);
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
		return exit_msr(vm, reason == EXIT_REASON_MSR_WRITE);
	case EXIT_REASON_CR_ACCESS:
		return exit_cr(vm);
	case EXIT_REASON_XSETBV:
		return exit_xsetbv(vm);
	case EXIT_REASON_IO_INSTRUCTION:
		return exit_io(vm);
	case EXIT_REASON_EPT_VIOLATION:
		return exit_ept_violation(vm);
	case EXIT_REASON_INVD:          /* no cache of its own to drop: nothing to do */
		vmx_skip_instruction();
		return 0;
	case EXIT_REASON_TRIPLE_FAULT:
		kdiag("linux: the guest triple-faulted at RIP %#lx: VM stopped", vmcs_read(GUEST_RIP));
		return -HV_ECRASH;
	case EXIT_REASON_VMCALL: case EXIT_REASON_VMCLEAR: case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD: case EXIT_REASON_VMPTRST: case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME: case EXIT_REASON_VMWRITE: case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON: case EXIT_REASON_INVEPT: case EXIT_REASON_INVVPID:
		vmx_inject_exception(6, false, 0);      /* #UD: this virtual CPU has no VMX */
		return 0;
	default:
		return -HV_EEXIT;
	}
}
