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
	/* BEGIN SOLUTION
	 * todo: check the ELF header, copy each PT_LOAD segment to its physical address, find the PVH entry note
	 * stub: (void)vm;
	 * stub: (void)elf;
	 * stub: (void)size;
	 * stub: return -HV_ENOSYS;
	 */
	if (size < 64 || memcmp(elf, "\177ELF", 4) != 0 || elf[4] != ELF_CLASS64 ||
	    *(const u16 *)(elf + 18) != ELF_MACHINE_X86_64) {
		kdiag("linux: the kernel is not a 64-bit x86 ELF file");
		return -HV_EINVAL;
	}
	u64 phoff = *(const u64 *)(elf + 32);
	u16 phentsize = *(const u16 *)(elf + 54), phnum = *(const u16 *)(elf + 56);
	if (phentsize < sizeof(struct elf64_phdr) || phoff + (u64)phnum * phentsize > size) {
		kdiag("linux: the kernel's program headers lie outside the file");
		return -HV_EINVAL;
	}
	vm->entry = 0;
	for (u16 i = 0; i < phnum; i++) {
		const struct elf64_phdr *ph = (const void *)(elf + phoff + (u64)i * phentsize);
		if (ph->offset + ph->filesz > size || ph->filesz > ph->memsz) {
			kdiag("linux: segment %u's bytes lie outside the file", i);
			return -HV_EINVAL;
		}
		if (ph->type == PT_NOTE) {
			for (u64 at = ph->offset; at + 12 <= ph->offset + ph->filesz;) {
				const u32 *n = (const u32 *)(elf + at);     /* namesz, descsz, type, name, desc */
				u64 desc = at + 12 + ALIGN_UP(n[0], 4);
				if (n[0] == 4 && memcmp(n + 3, "Xen", 4) == 0 && n[2] == XEN_ELFNOTE_PHYS32_ENTRY &&
				    n[1] >= 4)
					vm->entry = *(const u32 *)(elf + desc);
				at = desc + ALIGN_UP(n[1], 4);
			}
		}
		if (ph->type != PT_LOAD)
			continue;
		if (ph->paddr < ONE_MIB || ph->paddr + ph->memsz > LINUX_RAM_SIZE ||
		    ph->paddr + ph->memsz < ph->paddr) {
			kdiag("linux: segment %u, [%#lx, %#lx), is not in the guest's RAM above 1 MiB", i,
			      ph->paddr, ph->paddr + ph->memsz);
			return -HV_EINVAL;
		}
		memcpy(linux_vm_ram(vm, ph->paddr), elf + ph->offset, ph->filesz);
		memset(linux_vm_ram(vm, ph->paddr + ph->filesz), 0, ph->memsz - ph->filesz);
	}
	if (!vm->entry) {
		kdiag("linux: the kernel has no PVH entry (no Xen note of type %u)", XEN_ELFNOTE_PHYS32_ENTRY);
		return -HV_EINVAL;
	}
	return 0;
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: ept_init(), then map the RAM, the legacy hole, the firmware's ranges and the devices as linux_vm.h lays them out
	 * stub: (void)vm;
	 * stub: return -HV_ENOSYS;
	 */
	const u64 wb = EPT_RWX | EPT_MT(VMX_MEM_TYPE_WB), uc = EPT_RWX | EPT_MT(VMX_MEM_TYPE_UC);
	u64 base, size;
	u32 type;
	int err;
	if ((err = ept_init(&vm->ept)) ||
	    (err = ept_map(&vm->ept, 0, vm->ram_hpa, LINUX_LOW_RAM_END, wb)) ||
	    (err = ept_map(&vm->ept, LINUX_LOW_RAM_END, LINUX_LOW_RAM_END, ONE_MIB - LINUX_LOW_RAM_END, uc)) ||
	    (err = ept_map(&vm->ept, ONE_MIB, vm->ram_hpa + ONE_MIB, LINUX_RAM_SIZE - ONE_MIB, wb)) ||
	    (err = ept_map(&vm->ept, LINUX_MMIO_BASE, LINUX_MMIO_BASE, FOUR_GIB - LINUX_MMIO_BASE, uc)))
		return err;
	for (u32 i = 0; linux_vm_firmware_range(vm, i, &base, &size, &type); i++)
		if ((err = ept_map(&vm->ept, base, base, size, type == HVM_MEMMAP_TYPE_RESERVED ? uc : wb)))
			return err;
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 3: what the PVH entry is given. Goal: Linux finds its memory, its
 * initramfs, its command line and the ACPI tables. Xen's public header
 * arch-x86/hvm/start_info.h (kernel/boot/hvm_start_info.h) and docs/misc/pvh.pandoc.
 * Hints: README, exercise 3.
 */
int linux_start_info(struct linux_vm *vm, const char *cmdline)
{
	/* BEGIN SOLUTION
	 * todo: place the initramfs in guest RAM, then write the start information, module list, memory map and command line
	 * stub: (void)vm;
	 * stub: (void)cmdline;
	 * stub: return -HV_ENOSYS;
	 */
	struct hvm_start_info *si = linux_vm_ram(vm, LINUX_START_INFO);
	struct hvm_modlist_entry *mod = (void *)(si + 1);
	struct hvm_memmap_table_entry *map = (void *)(mod + 1);
	const struct boot_module *m = vm->initrd_module;
	size_t len = strlen(cmdline);
	u64 base, size;
	u32 type, n = 0;

	vm->initrd_size = m->end - m->start;
	vm->initrd = (LINUX_RAM_SIZE - vm->initrd_size) & ~(ONE_MIB - 1);
	if (vm->initrd_size >= LINUX_RAM_SIZE / 2 || len >= LINUX_CMDLINE_MAX)
		return -HV_EINVAL;
	memcpy(linux_vm_ram(vm, vm->initrd), (const void *)m->start, vm->initrd_size);

	map[n++] = (struct hvm_memmap_table_entry){ 0, LINUX_LOW_RAM_END, HVM_MEMMAP_TYPE_RAM, 0 };
	map[n++] = (struct hvm_memmap_table_entry){ LINUX_LOW_RAM_END, ONE_MIB - LINUX_LOW_RAM_END,
						    HVM_MEMMAP_TYPE_RESERVED, 0 };
	map[n++] = (struct hvm_memmap_table_entry){ ONE_MIB, LINUX_RAM_SIZE - ONE_MIB, HVM_MEMMAP_TYPE_RAM, 0 };
	for (u32 i = 0; linux_vm_firmware_range(vm, i, &base, &size, &type); i++) {
		if ((u64)&map[n + 2] > (u64)linux_vm_ram(vm, LINUX_START_INFO_END))
			return -HV_EINVAL;
		map[n++] = (struct hvm_memmap_table_entry){ base, size, type, 0 };
	}
	map[n++] = (struct hvm_memmap_table_entry){ LINUX_MMIO_BASE, FOUR_GIB - LINUX_MMIO_BASE,
						    HVM_MEMMAP_TYPE_RESERVED, 0 };

	*mod = (struct hvm_modlist_entry){ .paddr = vm->initrd, .size = vm->initrd_size };
	*si = (struct hvm_start_info){
		.magic = PVH_START_MAGIC, .version = 1, .nr_modules = 1,
		.modlist_paddr = LINUX_START_INFO + sizeof(*si),
		.cmdline_paddr = LINUX_CMDLINE,
		.rsdp_paddr = vm->platform.rsdp,
		.memmap_paddr = LINUX_START_INFO + sizeof(*si) + sizeof(*mod),
		.memmap_entries = n,
	};
	memcpy(linux_vm_ram(vm, LINUX_CMDLINE), cmdline, len + 1);
	return 0;
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: the controls, the bitmaps from the policy, the CR masks and shadows, and the PVH entry's guest state and registers
	 * stub: (void)vm;
	 * stub: return -HV_ENOSYS;
	 */
	const struct vmx_caps *c = vm->caps;
	const u32 proc2_optional = SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID |
				   SECONDARY_EXEC_XSAVES;
	u32 pin, proc, proc2, exit, entry;
	if (vmx_adjust_ctls(0, &c->pinbased, &pin) ||
	    vmx_adjust_ctls(CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS |
			    CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, &c->procbased, &proc) ||
	    vmx_adjust_ctls(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID |
			    SECONDARY_EXEC_UNRESTRICTED_GUEST | (proc2_optional & c->procbased2.allowed1),
			    &c->procbased2, &proc2) ||
	    vmx_adjust_ctls(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER |
			    ((VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT) & c->exit.allowed1),
			    &c->exit, &exit) ||
	    vmx_adjust_ctls(VM_ENTRY_LOAD_IA32_EFER | (VM_ENTRY_LOAD_IA32_PAT & c->entry.allowed1),
			    &c->entry, &entry))
		return -HV_ENOEPT;

	for (size_t i = 0; i < linux_io_policy_count; i++)
		for (u32 p = linux_io_policy[i].port; p < linux_io_policy[i].port + linux_io_policy[i].ports; p++)
			rm_io_exit(vm->io_bitmap_a, vm->io_bitmap_b, (u16)p, true);
	if (vm->platform.pm1a_cnt) {
		rm_io_exit(vm->io_bitmap_a, vm->io_bitmap_b, vm->platform.pm1a_cnt, true);
		rm_io_exit(vm->io_bitmap_a, vm->io_bitmap_b, vm->platform.pm1a_cnt + 1, true);
	}
	for (size_t i = 0; i < linux_msr_policy_count; i++)
		for (u32 m = 0; m < linux_msr_policy[i].count; m++)
			rm_msr_exit(vm->msr_bitmap, linux_msr_policy[i].msr + m, true, true);

	/* PVH: CR0 with only PE set and CR4 clear, as the guest sees them; VMX's fixed bits stay set and hidden. */
	const u64 cr0_shadow = CR0_PE | CR0_ET, cr4_shadow = 0;
	const u64 cr0_mask = (u32)((c->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG)) | ~c->cr0_fixed1);
	const u64 cr4_mask = (u32)(c->cr4_fixed0 | ~c->cr4_fixed1);
	const u32 code = VMX_AR_TYPE(11) | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G;
	const u32 data = VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G;
	const struct vmcs_field_value v[] = {
		{ PIN_BASED_VM_EXEC_CONTROL, pin }, { CPU_BASED_VM_EXEC_CONTROL, proc },
		{ SECONDARY_VM_EXEC_CONTROL, proc2 }, { VM_EXIT_CONTROLS, exit },
		{ VM_ENTRY_CONTROLS, entry }, { EXCEPTION_BITMAP, 0 }, { CR3_TARGET_COUNT, 0 },
		{ IO_BITMAP_A, (u64)vm->io_bitmap_a }, { IO_BITMAP_B, (u64)vm->io_bitmap_b },
		{ MSR_BITMAP, (u64)vm->msr_bitmap },
		{ CR0_GUEST_HOST_MASK, cr0_mask }, { CR0_READ_SHADOW, cr0_shadow },
		{ CR4_GUEST_HOST_MASK, cr4_mask }, { CR4_READ_SHADOW, cr4_shadow },
		{ HOST_IA32_EFER, rdmsr(MSR_IA32_EFER) }, { HOST_IA32_PAT, rdmsr(MSR_IA32_PAT) },
		{ GUEST_CR0, (cr0_shadow | (c->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG))) & c->cr0_fixed1 },
		{ GUEST_CR3, 0 }, { GUEST_CR4, (cr4_shadow | c->cr4_fixed0) & c->cr4_fixed1 },
		{ GUEST_IA32_EFER, 0 }, { GUEST_IA32_PAT, PAT_POWER_ON }, { GUEST_DR7, DR7_POWER_ON },
		{ GUEST_IA32_DEBUGCTL, 0 },
		{ GUEST_RIP, vm->entry }, { GUEST_RSP, 0 }, { GUEST_RFLAGS, RFLAGS_FIXED },
		{ GUEST_CS_SELECTOR, 0x10 }, { GUEST_CS_BASE, 0 }, { GUEST_CS_LIMIT, 0xFFFFFFFF },
		{ GUEST_CS_AR_BYTES, code },
		{ GUEST_SS_SELECTOR, 0x18 }, { GUEST_SS_BASE, 0 }, { GUEST_SS_LIMIT, 0xFFFFFFFF },
		{ GUEST_SS_AR_BYTES, data },
		{ GUEST_DS_SELECTOR, 0x18 }, { GUEST_DS_BASE, 0 }, { GUEST_DS_LIMIT, 0xFFFFFFFF },
		{ GUEST_DS_AR_BYTES, data },
		{ GUEST_ES_SELECTOR, 0x18 }, { GUEST_ES_BASE, 0 }, { GUEST_ES_LIMIT, 0xFFFFFFFF },
		{ GUEST_ES_AR_BYTES, data },
		{ GUEST_FS_SELECTOR, 0x18 }, { GUEST_FS_BASE, 0 }, { GUEST_FS_LIMIT, 0xFFFFFFFF },
		{ GUEST_FS_AR_BYTES, data },
		{ GUEST_GS_SELECTOR, 0x18 }, { GUEST_GS_BASE, 0 }, { GUEST_GS_LIMIT, 0xFFFFFFFF },
		{ GUEST_GS_AR_BYTES, data },
		{ GUEST_TR_SELECTOR, 0x20 }, { GUEST_TR_BASE, 0 }, { GUEST_TR_LIMIT, 0x67 },
		{ GUEST_TR_AR_BYTES, VMX_AR_TYPE(11) | VMX_AR_P },
		{ GUEST_LDTR_SELECTOR, 0 }, { GUEST_LDTR_BASE, 0 }, { GUEST_LDTR_LIMIT, 0 },
		{ GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE },
		{ GUEST_GDTR_BASE, 0 }, { GUEST_GDTR_LIMIT, 0 }, { GUEST_IDTR_BASE, 0 }, { GUEST_IDTR_LIMIT, 0 },
		{ GUEST_SYSENTER_CS, 0 }, { GUEST_SYSENTER_ESP, 0 }, { GUEST_SYSENTER_EIP, 0 },
		{ GUEST_INTERRUPTIBILITY_INFO, 0 }, { GUEST_ACTIVITY_STATE, 0 },
		{ GUEST_PENDING_DBG_EXCEPTIONS, 0 }, { VM_ENTRY_INTR_INFO_FIELD, 0 },
	};
	memset(&vm->vcpu.regs, 0, sizeof(vm->vcpu.regs));
	vm->vcpu.regs.rbx = LINUX_START_INFO;
	vm->vcpu.launched = false;
	return vmcs_write_all(v, ARRAY_SIZE(v)) ? -HV_EVMXFAIL : 0;
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: answer CPUID as the machine would, without VMX and with a hypervisor, consistent with the guest's CR4
	 * stub: (void)vm;
	 * stub: return -HV_EEXIT;
	 */
	struct guest_regs *r = &vm->vcpu.regs;
	u32 leaf = (u32)r->rax, sub = (u32)r->rcx;
	struct cpuid_regs c = cpuid(leaf, sub);
	u64 cr4 = vmcs_read(GUEST_CR4);
	if (leaf == 1) {
		c.ecx &= ~(CPUID_1_ECX_VMX | CPUID_1_ECX_OSXSAVE);
		c.ecx |= CPUID_1_ECX_HYPERVISOR;
		if (cr4 & CR4_OSXSAVE)
			c.ecx |= CPUID_1_ECX_OSXSAVE;
		c.edx &= ~(CPUID_1_EDX_MCE | CPUID_1_EDX_MCA);
	} else if (leaf == 7 && sub == 0) {
		c.ecx &= ~CPUID_7_ECX_OSPKE;
		if (cr4 & CR4_PKE)
			c.ecx |= CPUID_7_ECX_OSPKE;
	} else if (leaf >= CPUID_HV_LEAF && leaf <= CPUID_HV_LEAF_LAST) {
		c = (struct cpuid_regs){ 0 };
	}
	r->rax = c.eax, r->rbx = c.ebx, r->rcx = c.ecx, r->rdx = c.edx;
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/* RDMSR (write false) and WRMSR (write true) of an MSR the policy intercepts. */
static int exit_msr(struct linux_vm *vm, bool write)
{
	/* BEGIN SOLUTION
	 * todo: give the guest what the policy says of each intercepted MSR, and what a processor does for the rest
	 * stub: (void)vm;
	 * stub: (void)write;
	 * stub: return -HV_EEXIT;
	 */
	struct guest_regs *r = &vm->vcpu.regs;
	u32 msr = (u32)r->rcx;
	u64 value;
	if (msr == MSR_IA32_FEAT_CTL && !write) {
		value = FEAT_CTL_LOCKED;
	} else if (msr == MSR_IA32_MISC_ENABLE) {
		value = MISC_ENABLE_FAST_STRING | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL;
	} else {
		vmx_inject_exception(13, true, 0);
		return 0;
	}
	if (!write) {
		r->rax = (u32)value;
		r->rdx = value >> 32;
	}
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/* MOV to CR0 or CR4 that touched a bit of the guest/host mask. */
static int exit_cr(struct linux_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: let the guest have the value it wrote, as it will read it back, while VMX's fixed bits stay set
	 * stub: (void)vm;
	 * stub: return -HV_EEXIT;
	 */
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	const struct vmx_caps *c = vm->caps;
	if (type != 0 || (cr != 0 && cr != 4))
		return -HV_EEXIT;
	u64 v = reg == GUEST_GPR_RSP ? vmcs_read(GUEST_RSP) : vm->vcpu.regs.gpr[reg];
	if (cr == 4) {
		if (v & (CR4_VMXE | ~c->cr4_fixed1)) {
			vmx_inject_exception(13, true, 0);
			return 0;
		}
		vmcs_write(CR4_READ_SHADOW, v);
		vmcs_write(GUEST_CR4, v | c->cr4_fixed0);
	} else {
		vmcs_write(CR0_READ_SHADOW, v);
		vmcs_write(GUEST_CR0, (v | (c->cr0_fixed0 & ~(u64)(CR0_PE | CR0_PG))) & c->cr0_fixed1);
	}
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/* XSETBV: the guest sets XCR0. */
static int exit_xsetbv(struct linux_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: check the value as the processor would, then set XCR0 on the machine for the guest
	 * stub: (void)vm;
	 * stub: return -HV_EEXIT;
	 */
	struct guest_regs *r = &vm->vcpu.regs;
	u64 value = (r->rdx << 32) | (u32)r->rax;
	struct cpuid_regs x = cpuid(0xD, 0);
	u64 supported = ((u64)x.edx << 32) | x.eax;
	if ((u32)r->rcx != 0 || !(value & XCR0_X87) || (value & ~supported) ||
	    ((value & XCR0_AVX) && !(value & XCR0_SSE))) {
		vmx_inject_exception(13, true, 0);
		return 0;
	}
	if (!(read_cr4() & CR4_OSXSAVE)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		vmcs_write(HOST_CR4, read_cr4());
	}
	xsetbv(0, value);
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/* IN or OUT of a port the policy intercepts. */
static int exit_io(struct linux_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: do the access on the machine for the guest, except what would switch off or reset the machine
	 * stub: (void)vm;
	 * stub: return -HV_EEXIT;
	 */
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	unsigned size = VMX_IO_SIZE(q);
	u16 port = VMX_IO_PORT(q), pm = vm->platform.pm1a_cnt;
	u64 *rax = &vm->vcpu.regs.rax;
	if (q & (VMX_IO_STRING | VMX_IO_REP))
		return -HV_EEXIT;
	if (q & VMX_IO_IN) {
		u32 v = port_in(port, size);
		*rax = size == 4 ? v : (*rax & ~((1ULL << (8 * size)) - 1)) | v;
	} else {
		u32 v = (u32)*rax;
		if (pm && ((port == pm && size >= 2 && (v & ACPI_PM1_SLP_EN)) ||
			   (port == pm + 1 && (v & (ACPI_PM1_SLP_EN >> 8))))) {
			vm->powered_off = true;
			vmx_skip_instruction();
			return 0;
		}
		if ((port == LINUX_PORT_RESET && (v & 4)) || (port == LINUX_PORT_I8042 && (u8)v == 0xFE) ||
		    port == LINUX_PORT_BOCHS_POWER || port == LINUX_PORT_QEMU_EXIT) {
			kdiag("linux: the guest tried to reset or switch off the machine (OUT %#x to port %#x): "
			      "VM stopped", v, port);
			return -HV_ECRASH;
		}
		port_out(port, size, v);
	}
	vmx_skip_instruction();
	return 0;
	/* END SOLUTION */
}

/* An EPT violation: the guest touched a GPA that is not its memory. */
static int exit_ept_violation(struct linux_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: refuse the access (never complete it with host memory), record it, and let the guest go on
	 * stub: (void)vm;
	 * stub: return -HV_EEXIT;
	 */
	if (!vm->refused++)
		vm->refused_gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	vmx_inject_exception(13, true, 0);      /* as a processor does for an access it cannot make */
	return 0;
	/* END SOLUTION */
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
