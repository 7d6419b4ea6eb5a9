/* The capstone's VM (linux_vm.h): Linux on its own memory, started at its PVH entry. */
#include "linux_vm.h"
#include "errno.h"
#include "hvm_start_info.h"
#include "launch.h"
#include "page.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "x86.h"

#pragma weak ept_init
#pragma weak ept_map

#define X86_EFER_LME BIT(8)            /* SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register" */
#define X86_EFER_LMA BIT(10)
#define MSR_IA32_MISC_ENABLE 0x1A0      /* SDM Vol. 4, Table 2-2 "IA-32 Architectural MSRs" */
#define MSR_IA32_PAT 0x277
#define TWO_MIB (2ULL << 20)
#define ONE_MIB (1ULL << 20)
#define FOUR_GIB (4ULL << 30)

/* ELF64 (System V ABI, "Program Header"): the fields the loader reads. */
#define PT_LOAD 1
#define PT_NOTE 4
struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};
#define XEN_ELFNOTE_PHYS32_ENTRY 18     /* Xen's public/elfnote.h: the 32-bit PVH entry */

/* ---- the platform: what the firmware left ---- */

/* A checksum of n bytes that must be 0 (ACPI 6.x, 5.2.5.3 "Root System Description Pointer (RSDP) Structure"). */
static bool acpi_sum_ok(const u8 *p, size_t n)
{
	u8 s = 0;
	while (n--)
		s += *p++;
	return s == 0;
}

/* The RSDP in the BIOS read-only area [0xE0000, 0x100000), on a 16-byte boundary; 0 if none. */
static u64 acpi_find_rsdp(void)
{
	for (u64 a = 0xE0000; a < 0x100000; a += 16)
		if (memcmp((const void *)a, "RSD PTR ", 8) == 0 && acpi_sum_ok((const u8 *)a, 20))
			return a;
	return 0;
}

/* The FADT's PM1a control block port (ACPI 5.2.9 "Fixed ACPI Description Table", offset 64), via the RSDT; 0 if none. */
static u16 acpi_pm1a_cnt(u64 rsdp)
{
	if (!rsdp)
		return 0;
	u64 rsdt = *(const u32 *)(rsdp + 16);
	u32 len = *(const u32 *)(rsdt + 4);
	for (u64 e = rsdt + 36; e + 4 <= rsdt + len; e += 4) {
		u64 t = *(const u32 *)e;
		if (memcmp((const void *)t, "FACP", 4) == 0)
			return (u16)*(const u32 *)(t + 64);
	}
	return 0;
}

/* ---- memory ---- */

/* HPA of the guest's byte at gpa in its RAM block; gpa must be guest RAM. */
static void *ram(const struct linux_vm *vm, u64 gpa)
{
	return (void *)(vm->block + gpa);
}

static int map(struct linux_vm *vm, u64 gpa, u64 hpa, u64 size, u64 flags)
{
	int err = ept_map(&vm->ept, gpa, hpa, size, flags);
	if (err)
		kdiag("linux: mapping GPA [%#lx, %#lx) failed: %s", gpa, gpa + size, hv_strerror(err));
	return err;
}

/* Host ranges the guest sees as they are: the firmware's ACPI and reserved ranges above 1 MiB and below the chipset's. */
static bool passed_through(const struct boot_mem_range *r)
{
	return r->type != HVM_MEMMAP_TYPE_RAM && r->base >= ONE_MIB && r->base < LINUX_MMIO_BASE &&
	       r->base + r->size <= LINUX_MMIO_BASE;
}

static int build_memory(struct linux_vm *vm, const struct boot_info *b)
{
	const u64 wb = EPT_RWX | EPT_MT(VMX_MEM_TYPE_WB), uc = EPT_RWX | EPT_MT(VMX_MEM_TYPE_UC);
	int err;
	vm->block = (b->mem_end - LINUX_RAM_SIZE) & ~(TWO_MIB - 1);
	if (b->mem_end < LINUX_RAM_SIZE || vm->block < page_pool_end()) {
		kdiag("linux: the machine has too little RAM for a %lu MiB guest above the hypervisor "
		      "(usable RAM ends at %#lx, the hypervisor's at %#lx)", (u64)(LINUX_RAM_SIZE >> 20),
		      b->mem_end, page_pool_end());
		return -HV_ENOMEM;
	}
	if ((err = ept_init(&vm->ept)) ||
	    (err = map(vm, 0, vm->block, LINUX_LOW_RAM_END, wb)) ||
	    (err = map(vm, LINUX_LOW_RAM_END, LINUX_LOW_RAM_END, ONE_MIB - LINUX_LOW_RAM_END, uc)) ||
	    (err = map(vm, ONE_MIB, vm->block + ONE_MIB, LINUX_RAM_SIZE - ONE_MIB, wb)) ||
	    (err = map(vm, LINUX_MMIO_BASE, LINUX_MMIO_BASE, FOUR_GIB - LINUX_MMIO_BASE, uc)))
		return err;
	for (u32 i = 0; i < b->map_entries; i++) {
		const struct boot_mem_range *r = &b->map[i];
		if (!passed_through(r))
			continue;
		u64 lo = r->base & ~(PAGE_SIZE - 1), hi = ALIGN_UP(r->base + r->size, PAGE_SIZE);
		if (lo < LINUX_RAM_SIZE)
			continue;
		if ((err = map(vm, lo, lo, hi - lo, r->type == HVM_MEMMAP_TYPE_RESERVED ? uc : wb)))
			return err;
	}
	memset(ram(vm, 0), 0, LINUX_LOW_RAM_END);
	return 0;
}

/* ---- loading ---- */

static const struct boot_module *module(const struct boot_info *b, const char *name)
{
	for (u32 i = 0; i < b->nr_modules; i++)
		if (strcmp(b->modules[i].name, name) == 0)
			return &b->modules[i];
	kdiag("linux: no boot module \"%s\" (the ISO's grub.cfg loads it)", name);
	return NULL;
}

/* The PVH entry from the kernel's notes; 0 if it has none. */
static u64 pvh_entry(const u8 *elf, const struct elf64_phdr *ph)
{
	for (u64 at = ph->offset; at + 12 <= ph->offset + ph->filesz;) {
		const u32 *n = (const u32 *)(elf + at);
		u64 desc = at + 12 + ALIGN_UP(n[0], 4);
		if (n[0] == 4 && memcmp(n + 3, "Xen", 4) == 0 && n[2] == XEN_ELFNOTE_PHYS32_ENTRY)
			return *(const u32 *)(elf + desc);
		at = desc + ALIGN_UP(n[1], 4);
	}
	return 0;
}

static int load_kernel(struct linux_vm *vm, const struct boot_module *m)
{
	const u8 *elf = (const u8 *)m->start;
	if (memcmp(elf, "\177ELF\2", 5) != 0) {
		kdiag("linux: the vmlinux module is not a 64-bit ELF");
		return -HV_EINVAL;
	}
	u64 phoff = *(const u64 *)(elf + 0x20);
	u16 phnum = *(const u16 *)(elf + 0x38);
	for (u16 i = 0; i < phnum; i++) {
		const struct elf64_phdr *ph = (const void *)(elf + phoff + i * sizeof(*ph));
		if (ph->type == PT_NOTE && !vm->entry)
			vm->entry = pvh_entry(elf, ph);
		if (ph->type != PT_LOAD)
			continue;
		if (ph->paddr < ONE_MIB || ph->paddr + ph->memsz > LINUX_RAM_SIZE || ph->filesz > ph->memsz) {
			kdiag("linux: a segment at %#lx (%#lx bytes) does not fit the guest's RAM",
			      ph->paddr, ph->memsz);
			return -HV_EINVAL;
		}
		memcpy(ram(vm, ph->paddr), elf + ph->offset, ph->filesz);
		memset(ram(vm, ph->paddr + ph->filesz), 0, ph->memsz - ph->filesz);
	}
	if (!vm->entry) {
		kdiag("linux: the kernel has no PVH entry note");
		return -HV_EINVAL;
	}
	return 0;
}

static int load_initrd(struct linux_vm *vm, const struct boot_module *m)
{
	vm->initrd_size = m->end - m->start;
	vm->initrd = (LINUX_RAM_SIZE - vm->initrd_size - TWO_MIB) & ~(TWO_MIB - 1);
	memcpy(ram(vm, vm->initrd), (const void *)m->start, vm->initrd_size);
	return 0;
}

/* The start information, module list, memory map and command line, in low guest RAM. */
static void write_start_info(struct linux_vm *vm, const struct boot_info *b, const char *cmdline)
{
	struct hvm_start_info *si = ram(vm, LINUX_START_INFO);
	struct hvm_modlist_entry *mod = (void *)(si + 1);
	struct hvm_memmap_table_entry *e = (void *)(mod + 1);
	u32 n = 0;
	e[n++] = (struct hvm_memmap_table_entry){ 0, LINUX_LOW_RAM_END, HVM_MEMMAP_TYPE_RAM, 0 };
	e[n++] = (struct hvm_memmap_table_entry){ LINUX_LOW_RAM_END, ONE_MIB - LINUX_LOW_RAM_END,
						  HVM_MEMMAP_TYPE_RESERVED, 0 };
	e[n++] = (struct hvm_memmap_table_entry){ ONE_MIB, LINUX_RAM_SIZE - ONE_MIB, HVM_MEMMAP_TYPE_RAM, 0 };
	for (u32 i = 0; i < b->map_entries; i++)
		if (passed_through(&b->map[i]) && b->map[i].base >= LINUX_RAM_SIZE)
			e[n++] = (struct hvm_memmap_table_entry){ b->map[i].base, b->map[i].size, b->map[i].type, 0 };
	e[n++] = (struct hvm_memmap_table_entry){ LINUX_MMIO_BASE, FOUR_GIB - LINUX_MMIO_BASE,
						  HVM_MEMMAP_TYPE_RESERVED, 0 };
	*mod = (struct hvm_modlist_entry){ .paddr = vm->initrd, .size = vm->initrd_size };
	*si = (struct hvm_start_info){
		.magic = PVH_START_MAGIC, .version = 1, .nr_modules = 1,
		.modlist_paddr = LINUX_START_INFO + sizeof(*si), .cmdline_paddr = LINUX_CMDLINE,
		.rsdp_paddr = vm->platform.rsdp,
		.memmap_paddr = LINUX_START_INFO + sizeof(*si) + sizeof(*mod), .memmap_entries = n,
	};
	memcpy(ram(vm, LINUX_CMDLINE), cmdline, strlen(cmdline) + 1);
}

/* ---- the bitmaps (SDM Vol. 3C, 25.6.4 "I/O-Bitmap Addresses", 25.6.9 "MSR-Bitmap Address") ---- */

static void io_intercept(struct linux_vm *vm, u16 port)
{
	u8 *bits = vm->io_bitmaps;       /* A (ports 0-0x7FFF) then B (0x8000-0xFFFF): one bit per port */
	bits[port / 8] |= (u8)(1u << (port % 8));
}

static void msr_intercept(struct linux_vm *vm, u32 msr)
{
	u8 *bits = vm->msr_bitmap;       /* read low, read high, write low, write high: 1 KiB each */
	u32 base = msr >= 0xC0000000 ? 1024 : 0, index = msr & 0x1FFF;
	bits[base + index / 8] |= (u8)(1u << (index % 8));
	bits[2048 + base + index / 8] |= (u8)(1u << (index % 8));
}

#define PORT_COM1_THR 0x3F8
#define PORT_COM1_LCR 0x3FB
#define PORT_RESET_CONTROL 0xCF9        /* the chipset's reset control register */
#define PORT_I8042_COMMAND 0x64         /* the keyboard controller: command 0xFE pulses the reset line */
#define PORT_BOCHS_SHUTDOWN 0x8900      /* Bochs' power-off port: the hypervisor's, not the guest's */

static int build_bitmaps(struct linux_vm *vm)
{
	vm->io_bitmaps = page_alloc_contig(2, PAGE_SIZE);
	vm->msr_bitmap = page_alloc();
	if (!vm->io_bitmaps || !vm->msr_bitmap)
		return -HV_ENOMEM;
	io_intercept(vm, PORT_COM1_THR);
	io_intercept(vm, PORT_COM1_LCR);
	io_intercept(vm, PORT_RESET_CONTROL);
	io_intercept(vm, PORT_I8042_COMMAND);
	io_intercept(vm, PORT_BOCHS_SHUTDOWN);
	if (vm->platform.pm1a_cnt) {
		io_intercept(vm, vm->platform.pm1a_cnt);
		io_intercept(vm, vm->platform.pm1a_cnt + 1);
	}
	msr_intercept(vm, MSR_IA32_FEAT_CTL);
	msr_intercept(vm, MSR_IA32_MISC_ENABLE);
	for (u32 msr = MSR_IA32_VMX_BASIC; msr <= MSR_IA32_VMX_TRUE_ENTRY_CTLS + 1; msr++)
		msr_intercept(vm, msr);
	return 0;
}

int linux_vm_create(struct linux_vm *vm, const struct vmx_caps *caps, const struct boot_info *b,
		    const char *cmdline, u16 vpid)
{
	(void)vpid;
	memset(vm, 0, sizeof(*vm));
	vm->caps = caps;
	vm->vcpu.caps = caps;
	vm->platform.rsdp = acpi_find_rsdp();
	vm->platform.pm1a_cnt = acpi_pm1a_cnt(vm->platform.rsdp);
	const struct boot_module *kernel = module(b, "vmlinux"), *initrd = module(b, "initramfs");
	if (!kernel || !initrd)
		return -HV_EINVAL;
	if (!ept_init)
		return -HV_ENOSYS;
	int err;
	if ((err = build_memory(vm, b)) || (err = load_kernel(vm, kernel)) ||
	    (err = load_initrd(vm, initrd)) || (err = build_bitmaps(vm)))
		return err;
	write_start_info(vm, b, cmdline);
	kprintf("linux: kernel entry %#x, initramfs at GPA %#lx (%lu KiB), RAM %lu MiB at HPA %#lx, "
		"RSDP %#lx, PM1a_CNT port %#x\n", (u32)vm->entry, vm->initrd, vm->initrd_size >> 10,
		(u64)(LINUX_RAM_SIZE >> 20), vm->block, vm->platform.rsdp, vm->platform.pm1a_cnt);
	return 0;
}

/* ---- the VMCS ---- */

/* The value of a control field with every bit of wanted and the bits cap requires; -HV_EINVAL if cap forbids one. */
static int control(u32 wanted, const struct vmx_ctl_cap *cap, u32 optional, u64 *out)
{
	if (wanted & ~cap->allowed1) {
		kdiag("linux: this processor cannot set the controls %#x", wanted & ~cap->allowed1);
		return -HV_ENOSYS;
	}
	*out = cap->allowed0 | wanted | (optional & cap->allowed1);
	return 0;
}

#define PAT_POWER_ON 0x0007040600070406ULL     /* SDM Vol. 3A, 13.12.4 "Programming the PAT": the value at reset */

int linux_vm_vmcs_setup(struct linux_vm *vm, u16 vpid)
{
	(void)vpid;
	const struct vmx_caps *c = vm->caps;
	u64 pin, proc, proc2, exit, entry;
	int err;
	if ((err = control(0, &c->pinbased, 0, &pin)) ||
	    (err = control(CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS |
			   CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, &c->procbased, 0, &proc)) ||
	    (err = control((u32)vmcs_read(SECONDARY_VM_EXEC_CONTROL) | SECONDARY_EXEC_UNRESTRICTED_GUEST,
			   &c->procbased2, SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID |
			   SECONDARY_EXEC_XSAVES, &proc2)) ||
	    (err = control(VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER,
			   &c->exit, VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT, &exit)) ||
	    (err = control(VM_ENTRY_LOAD_IA32_EFER, &c->entry, VM_ENTRY_LOAD_IA32_PAT, &entry)))
		return err;
	const u32 code = VMX_AR_TYPE(11) | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G;
	const u32 data = VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G;
	const u64 cr0 = CR0_PE | CR0_ET, cr4 = 0;
	const struct vmcs_field_value v[] = {
		{ PIN_BASED_VM_EXEC_CONTROL, pin }, { CPU_BASED_VM_EXEC_CONTROL, proc },
		{ SECONDARY_VM_EXEC_CONTROL, proc2 }, { VM_EXIT_CONTROLS, exit },
		{ VM_ENTRY_CONTROLS, entry }, { EXCEPTION_BITMAP, 0 },
		{ IO_BITMAP_A, (u64)vm->io_bitmaps }, { IO_BITMAP_B, (u64)vm->io_bitmaps + PAGE_SIZE },
		{ MSR_BITMAP, (u64)vm->msr_bitmap },
		{ CR0_GUEST_HOST_MASK, CR0_NE }, { CR0_READ_SHADOW, cr0 },
		{ CR4_GUEST_HOST_MASK, CR4_VMXE }, { CR4_READ_SHADOW, cr4 },
		{ HOST_IA32_EFER, rdmsr(MSR_IA32_EFER) }, { HOST_IA32_PAT, rdmsr(MSR_IA32_PAT) },
		{ GUEST_CR0, cr0 | CR0_NE }, { GUEST_CR3, 0 }, { GUEST_CR4, cr4 | CR4_VMXE },
		{ GUEST_IA32_EFER, 0 }, { GUEST_IA32_PAT, PAT_POWER_ON }, { GUEST_DR7, 0x400 },
		{ GUEST_RIP, vm->entry }, { GUEST_RSP, 0 }, { GUEST_RFLAGS, 0x2 },
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
		{ GUEST_LDTR_SELECTOR, 0 }, { GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE },
		{ GUEST_GDTR_BASE, 0 }, { GUEST_GDTR_LIMIT, 0xFFFF },
		{ GUEST_IDTR_BASE, 0 }, { GUEST_IDTR_LIMIT, 0xFFFF },
		{ GUEST_SYSENTER_CS, 0 }, { GUEST_SYSENTER_ESP, 0 }, { GUEST_SYSENTER_EIP, 0 },
		{ GUEST_INTERRUPTIBILITY_INFO, 0 }, { GUEST_ACTIVITY_STATE, 0 },
		{ GUEST_PENDING_DBG_EXCEPTIONS, 0 },
	};
	memset(&vm->vcpu.regs, 0, sizeof(vm->vcpu.regs));
	vm->vcpu.regs.rbx = LINUX_START_INFO;
	return vmcs_write_all(v, ARRAY_SIZE(v));
}

/* ---- exits ---- */

static void skip(void)
{
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* Makes the next VM entry deliver hardware exception vector (with error code 0 where it has one). */
static void inject(u8 vector)
{
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;
	if (vector == 13 || vector == 14 || vector == 8 || vector == 10 || vector == 11 || vector == 12 ||
	    vector == 17)
		info |= INTR_INFO_DELIVER_CODE_MASK;
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, info);
	vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, 0);
}


/* CPUID on the guest's behalf: the machine's answer, with VMX hidden and the hypervisor bit set. */
static void exit_cpuid(struct linux_vm *vm)
{
	struct guest_regs *r = &vm->vcpu.regs;
	u32 leaf = (u32)r->rax, sub = (u32)r->rcx;
	struct cpuid_regs c = cpuid(leaf, sub);
	u64 cr4 = vmcs_read(GUEST_CR4);
	if (leaf == 1) {
		c.ecx &= ~(BIT(5) | BIT(27));                    /* VMX; OSXSAVE is the guest's CR4 */
		c.ecx |= BIT(31);                                /* a hypervisor is present */
		if (cr4 & CR4_OSXSAVE)
			c.ecx |= BIT(27);
		c.edx &= ~(BIT(7) | BIT(14));                   /* MCE, MCA: Bochs has no machine-check MSRs */
	} else if (leaf == 7 && sub == 0) {
		c.ecx &= ~BIT(4);                                /* OSPKE is the guest's CR4.PKE */
		if (cr4 & CR4_PKE)
			c.ecx |= BIT(4);
	} else if (leaf >= 0x40000000 && leaf <= 0x4FFFFFFF) {
		c = (struct cpuid_regs){ 0 };
	}
	r->rax = c.eax, r->rbx = c.ebx, r->rcx = c.ecx, r->rdx = c.edx;
	skip();
}

static int exit_msr(struct linux_vm *vm, bool write)
{
	struct guest_regs *r = &vm->vcpu.regs;
	u32 msr = (u32)r->rcx;
	u64 value = 0;
	if (msr == MSR_IA32_FEAT_CTL && !write) {
		value = BIT(0);                                  /* locked, VMX off */
	} else if (msr == MSR_IA32_MISC_ENABLE) {
		value = BIT(0) | BIT(11) | BIT(12);              /* fast strings; no BTS, no PEBS */
		if (write)
			value = 0;
	} else {
		inject(13);                                      /* VMX is not this guest's */
		return 0;
	}
	if (!write) {
		r->rax = (u32)value;
		r->rdx = value >> 32;
	}
	skip();
	return 0;
}

static int exit_cr(struct linux_vm *vm)
{
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 v = reg == GUEST_GPR_RSP ? vmcs_read(GUEST_RSP) : vm->vcpu.regs.gpr[reg];
	if (type != 0 || (cr != 0 && cr != 4)) {
		kdiag("linux: unexpected control-register access, qualification %#lx", q);
		return -HV_EEXIT;
	}
	if (cr == 4) {
		if (v & CR4_VMXE) {
			inject(13);
			return 0;
		}
		vmcs_write(CR4_READ_SHADOW, v);
		vmcs_write(GUEST_CR4, v | CR4_VMXE);
		skip();
		return 0;
	}
	u64 old = vmcs_read(GUEST_CR0), efer = vmcs_read(GUEST_IA32_EFER);
	if ((v ^ old) & CR0_PG && efer & X86_EFER_LME) {     /* paging switched: IA-32e mode follows */
		u64 entry = vmcs_read(VM_ENTRY_CONTROLS);
		bool on = v & CR0_PG;
		vmcs_write(GUEST_IA32_EFER, on ? efer | X86_EFER_LMA : efer & ~X86_EFER_LMA);
		vmcs_write(VM_ENTRY_CONTROLS, on ? entry | VM_ENTRY_IA32E_MODE : entry & ~VM_ENTRY_IA32E_MODE);
	}
	vmcs_write(CR0_READ_SHADOW, v);
	vmcs_write(GUEST_CR0, v | CR0_NE);
	skip();
	return 0;
}

static int exit_xsetbv(struct linux_vm *vm)
{
	struct guest_regs *r = &vm->vcpu.regs;
	u64 value = (r->rdx << 32) | (u32)r->rax;
	struct cpuid_regs x = cpuid(0xD, 0);
	u64 supported = ((u64)x.edx << 32) | x.eax;
	if ((u32)r->rcx != 0 || !(value & 1) || (value & ~supported) || ((value & 4) && !(value & 2))) {
		inject(13);
		return 0;
	}
	if (!(read_cr4() & CR4_OSXSAVE)) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		vmcs_write(HOST_CR4, read_cr4());
	}
	__asm__ volatile("xsetbv" : : "a"((u32)value), "d"((u32)(value >> 32)), "c"(0));
	skip();
	return 0;
}

static void console_byte(struct linux_vm *vm, u8 b)
{
	if (vm->console_len < sizeof(vm->console) - 1)
		vm->console[vm->console_len++] = (char)b;
}

static int exit_io(struct linux_vm *vm)
{
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	unsigned size = (q & 7) + 1;
	bool in = q & BIT(3);
	u16 port = (u16)(q >> 16);
	struct guest_regs *r = &vm->vcpu.regs;
	if (q & (BIT(4) | BIT(5))) {
		kdiag("linux: string or REP I/O on port %#x is not emulated", port);
		return -HV_EEXIT;
	}
	if (!in) {
		u32 v = (u32)r->rax;
		if (port == PORT_COM1_THR && !(vm->com1_lcr & 0x80))
			console_byte(vm, (u8)v);
		if (port == PORT_COM1_LCR)
			vm->com1_lcr = (u8)v;
		if ((port == vm->platform.pm1a_cnt && size >= 2 && (v & BIT(13))) ||
		    (port == vm->platform.pm1a_cnt + 1 && (v & BIT(5)))) {
			vm->powered_off = true;                  /* SLP_EN: the guest switched itself off */
			skip();
			return 0;
		}
		if ((port == PORT_RESET_CONTROL && (v & 4)) || (port == PORT_I8042_COMMAND && (u8)v == 0xFE) ||
		    port == PORT_BOCHS_SHUTDOWN) {
			kdiag("linux: the guest reset or switched off the machine (port %#x, value %#x): VM stopped",
			      port, v);
			return -HV_ECRASH;
		}
		if (size == 1)
			outb(port, (u8)v);
		else if (size == 2)
			outw(port, (u16)v);
		else
			__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
	} else {
		u32 v;
		if (size == 1)
			v = inb(port);
		else if (size == 2)
			__asm__ volatile("inw %1, %w0" : "=a"(v) : "Nd"(port));
		else
			__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
		u64 mask = size == 4 ? 0xFFFFFFFFULL : (1ULL << (8 * size)) - 1;
		r->rax = size == 4 ? v : (r->rax & ~mask) | (v & mask);
	}
	skip();
	return 0;
}

int linux_vm_run(struct linux_vm *vm)
{
	struct vcpu *v = &vm->vcpu;
	while (!vm->powered_off) {
		enum vmx_status s = vmx_enter_guest(&v->regs, v->launched);
		if (s != VMX_SUCCEED) {
			vmx_report_failure(v->launched ? "VMRESUME" : "VMLAUNCH", s);
			if (s == VMX_FAIL_VALID)
				vmcs_check(true);
			return -HV_EVMXFAIL;
		}
		v->launched = true;
		u32 reason = (u32)vmcs_read(VM_EXIT_REASON);
		if (reason & VMX_EXIT_REASON_FAILED_VMENTRY) {
			kdiag("VM entry failed: %s", vmx_exit_reason_name(reason & 0xFFFF));
			vmcs_check(true);
			return -HV_EENTRY;
		}
		int err = 0;
		switch (reason) {
		case EXIT_REASON_CPUID:
			exit_cpuid(vm);
			break;
		case EXIT_REASON_MSR_READ:
		case EXIT_REASON_MSR_WRITE:
			err = exit_msr(vm, reason == EXIT_REASON_MSR_WRITE);
			break;
		case EXIT_REASON_CR_ACCESS:
			err = exit_cr(vm);
			break;
		case EXIT_REASON_XSETBV:
			err = exit_xsetbv(vm);
			break;
		case EXIT_REASON_IO_INSTRUCTION:
			err = exit_io(vm);
			break;
		case EXIT_REASON_INVD:
			skip();
			break;
		case EXIT_REASON_EPT_VIOLATION:
			if (!vm->refused++)
				vm->refused_gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
			kdiag("linux: refused the guest's access to GPA %#lx (not its memory), qualification %#lx, "
			      "RIP %#lx: VM stopped", vmcs_read(GUEST_PHYSICAL_ADDRESS), vmcs_read(EXIT_QUALIFICATION),
			      vmcs_read(GUEST_RIP));
			err = -HV_EACCESS;
			break;
		case EXIT_REASON_TRIPLE_FAULT:
			kdiag("linux: the guest triple-faulted at RIP %#lx: VM stopped", vmcs_read(GUEST_RIP));
			err = -HV_ECRASH;
			break;
		case EXIT_REASON_VMCALL: case EXIT_REASON_VMCLEAR: case EXIT_REASON_VMLAUNCH:
		case EXIT_REASON_VMPTRLD: case EXIT_REASON_VMPTRST: case EXIT_REASON_VMREAD:
		case EXIT_REASON_VMRESUME: case EXIT_REASON_VMWRITE: case EXIT_REASON_VMOFF:
		case EXIT_REASON_VMON: case EXIT_REASON_INVEPT: case EXIT_REASON_INVVPID:
			inject(6);                               /* #UD: this guest has no VMX */
			break;
		default:
			kdiag("linux: unhandled VM exit: %s (reason %u), qualification %#lx",
			      vmx_exit_reason_name(reason), reason, vmcs_read(EXIT_QUALIFICATION));
			vcpu_dump(v);
			err = -HV_EEXIT;
			break;
		}
		if (err)
			return err;
	}
	return 0;
}
