/* The capstone's VM (linux_vm.h): what the machine offers, the VM's state, the exit loop. */
#include "linux_vm.h"
#include "errno.h"
#include "hvm_start_info.h"
#include "linux.h"
#include "page.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"

/* A stage before lab 11 links no linux.c, and one before lab 8 no ept.c. */
#pragma weak linux_handle_exit
#pragma weak ept_destroy

#define TWO_MIB (2ULL << 20)

const struct linux_io_exit linux_io_policy[] = {
#define LINUX_IO_EXIT(port, ports, what) { port, ports, what },
#define LINUX_MSR_EXIT(...)
#include "linux_policy.def"
#undef LINUX_IO_EXIT
#undef LINUX_MSR_EXIT
};
const size_t linux_io_policy_count = ARRAY_SIZE(linux_io_policy);

const struct linux_msr_exit linux_msr_policy[] = {
#define LINUX_IO_EXIT(...)
#define LINUX_MSR_EXIT(msr, count, what) { msr, count, what },
#include "linux_policy.def"
#undef LINUX_IO_EXIT
#undef LINUX_MSR_EXIT
};
const size_t linux_msr_policy_count = ARRAY_SIZE(linux_msr_policy);

/* Whether n bytes at p sum to 0 (ACPI 6.0, 5.2.5.3 "Root System Description Pointer (RSDP) Structure"). */
static bool acpi_checksum_ok(const u8 *p, size_t n)
{
	u8 sum = 0;
	while (n--)
		sum += *p++;
	return sum == 0;
}

/* The RSDP the BIOS left in [0xE0000, 0x100000) on a 16-byte boundary (ACPI 6.0, 5.2.5.1 "Finding the RSDP on IA-PC Systems"); 0 if none. */
static u64 acpi_find_rsdp(void)
{
	for (u64 a = 0xE0000; a < 0x100000; a += 16)
		if (memcmp((const void *)a, "RSD PTR ", 8) == 0 && acpi_checksum_ok((const u8 *)a, 20))
			return a;
	return 0;
}

/*
 * The PM1a control block's port: the FADT's PM1a_CNT_BLK (ACPI 6.0, 5.2.9 "Fixed
 * ACPI Description Table (FADT)", offset 64), found through the RSDT (5.2.7); 0 if none.
 */
static u16 acpi_pm1a_cnt(u64 rsdp)
{
	if (!rsdp)
		return 0;
	u64 rsdt = *(const u32 *)(rsdp + 16);
	u32 length = *(const u32 *)(rsdt + 4);
	for (u64 e = rsdt + 36; e + 4 <= rsdt + length; e += 4) {
		u64 table = *(const u32 *)e;
		if (memcmp((const void *)table, "FACP", 4) == 0)
			return (u16)*(const u32 *)(table + 64);
	}
	return 0;
}

static const struct boot_module *find_module(const struct boot_info *b, const char *name)
{
	for (u32 i = 0; i < b->nr_modules; i++)
		if (strcmp(b->modules[i].name, name) == 0)
			return &b->modules[i];
	kdiag("linux: the boot loader passed no module \"%s\": boot the stage's hvlabs-linux.iso "
	      "(make linux builds it)", name);
	return NULL;
}

int linux_vm_create(struct linux_vm *vm, const struct vmx_caps *caps, const struct boot_info *b)
{
	memset(vm, 0, sizeof(*vm));
	vm->caps = caps;
	vm->vcpu.caps = caps;
	vm->boot = b;
	vm->kernel_module = find_module(b, "vmlinux");
	vm->initrd_module = find_module(b, "initramfs");
	if (!vm->kernel_module || !vm->initrd_module)
		return -HV_EINVAL;
	vm->ram_hpa = (b->mem_end - LINUX_RAM_SIZE) & ~(TWO_MIB - 1);
	if (b->mem_end < LINUX_RAM_SIZE || vm->ram_hpa < page_pool_end()) {
		kdiag("linux: %llu MiB of guest RAM do not fit above the hypervisor (usable RAM ends at "
		      "%#lx, the hypervisor's memory at %#lx): give the machine more RAM",
		      LINUX_RAM_SIZE >> 20, b->mem_end, page_pool_end());
		return -HV_ENOMEM;
	}
	vm->io_bitmap_a = page_alloc();
	vm->io_bitmap_b = page_alloc();
	vm->msr_bitmap = page_alloc();
	if (!vm->io_bitmap_a || !vm->io_bitmap_b || !vm->msr_bitmap) {
		linux_vm_destroy(vm);
		return -HV_ENOMEM;
	}
	vm->platform.rsdp = acpi_find_rsdp();
	vm->platform.pm1a_cnt = acpi_pm1a_cnt(vm->platform.rsdp);
	return 0;
}

void *linux_vm_ram(const struct linux_vm *vm, u64 gpa)
{
	return (void *)(vm->ram_hpa + gpa);
}

bool linux_vm_firmware_range(const struct linux_vm *vm, u32 i, u64 *base, u64 *size, u32 *type)
{
	for (u32 k = 0; k < vm->boot->map_entries; k++) {
		const struct boot_mem_range *r = &vm->boot->map[k];
		u64 lo = r->base & ~(PAGE_SIZE - 1), hi = ALIGN_UP(r->base + r->size, PAGE_SIZE);
		if (r->type == HVM_MEMMAP_TYPE_RAM || lo < LINUX_RAM_SIZE || hi > LINUX_MMIO_BASE)
			continue;
		if (i-- == 0) {
			*base = lo;
			*size = hi - lo;
			*type = r->type;
			return true;
		}
	}
	return false;
}

int linux_vm_run(struct linux_vm *vm)
{
	struct vcpu *v = &vm->vcpu;
	if (!linux_handle_exit)
		return -HV_ENOSYS;
	while (!vm->powered_off) {
		u32 reason;
		int entered = vcpu_enter(v, &reason);
		if (entered)
			return entered;
		int err = linux_handle_exit(vm);
		if (err == -HV_EEXIT)
			vcpu_unhandled_exit(v, reason);
		if (err)
			return err;
	}
	return 0;
}

void linux_vm_destroy(struct linux_vm *vm)
{
	if (vm->ept.pml4 && ept_destroy)
		ept_destroy(&vm->ept);
	u8 *pages[] = { vm->io_bitmap_a, vm->io_bitmap_b, vm->msr_bitmap };
	for (size_t i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i])
			page_free(pages[i]);
	vm->io_bitmap_a = vm->io_bitmap_b = vm->msr_bitmap = NULL;
}
