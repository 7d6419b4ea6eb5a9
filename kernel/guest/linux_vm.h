/*
 * The capstone's VM (lab 11), given: Debian's Linux on memory of its own. The
 * student's part (linux.h) loads the kernel, maps the memory, writes the start
 * information and the VMCS, and handles the exits; this file finds what the
 * machine offers, holds the VM's state, and runs the exit loop.
 *
 * The guest-physical address space (GPA -> HPA), built by linux_map_memory():
 *   [0, LINUX_LOW_RAM_END)            RAM: ram_hpa + GPA
 *   [LINUX_LOW_RAM_END, 1 MiB)        the PC's legacy hole (VGA memory, option and BIOS
 *                                     ROMs, where the firmware's RSDP lies): identity, uncached
 *   [1 MiB, LINUX_RAM_SIZE)           RAM: ram_hpa + GPA
 *   the firmware's ranges             the host's memory map's ACPI, ACPI NVS and reserved
 *     (linux_vm_firmware_range())     ranges between LINUX_RAM_SIZE and LINUX_MMIO_BASE: identity
 *   [LINUX_MMIO_BASE, 4 GiB)          the chipset's devices (IOAPIC, HPET, local APIC, BIOS
 *                                     flash): identity, uncached
 *   anything else                     not the VM's: an access is refused
 * The RAM block lies in host RAM above everything the hypervisor uses (its image,
 * the boot modules, its page pool), so no GPA reaches the hypervisor's memory.
 */
#ifndef HV_LINUX_VM_H
#define HV_LINUX_VM_H

#include "boot_info.h"
#include "ept.h"
#include "types.h"
#include "vcpu.h"

#define LINUX_RAM_SIZE (256ULL << 20)           /* the guest's RAM, 2 MiB-aligned */
#define LINUX_LOW_RAM_END 0xA0000ULL            /* the end of conventional memory (640 KiB) */
#define LINUX_MMIO_BASE 0xFEC00000ULL           /* IOAPIC, HPET, local APIC, BIOS flash up to 4 GiB */
#define LINUX_START_INFO 0x6000ULL              /* GPA of struct hvm_start_info and what follows it */
#define LINUX_START_INFO_END 0x7000ULL          /* ... which must end before this GPA */
#define LINUX_CMDLINE 0x7000ULL                 /* GPA of the kernel's command line */
#define LINUX_CMDLINE_MAX 512
#define LINUX_CONSOLE_MAX 16384                 /* bytes of the guest's console the harness keeps */

/* The ports and MSRs whose accesses exit (kernel/guest/linux_policy.def); the rest are the guest's. */
struct linux_io_exit {
	u16 port, ports;
	const char *what;
};
struct linux_msr_exit {
	u32 msr, count;
	const char *what;
};
extern const struct linux_io_exit linux_io_policy[];
extern const size_t linux_io_policy_count;
extern const struct linux_msr_exit linux_msr_policy[];
extern const size_t linux_msr_policy_count;

/* Ports of the policy that exercise 5 treats specially. */
#define LINUX_PORT_COM1_THR 0x3F8
#define LINUX_PORT_COM1_LCR 0x3FB
#define LINUX_PORT_I8042 0x64
#define LINUX_PORT_RESET 0xCF9
#define LINUX_PORT_BOCHS_POWER 0x8900
#define LINUX_PORT_QEMU_EXIT 0xF4

/* SLP_EN in the PM1 control register (ACPI 6.0, 4.8.3.2.1 "PM1 Control Registers"): sleep, here S5 (off). */
#define ACPI_PM1_SLP_EN BIT(13)

/* What the firmware left, found by linux_vm_create(). */
struct linux_platform {
	u64 rsdp;               /* GPA (= HPA) of the ACPI RSDP, in the legacy hole; 0 if none */
	u16 pm1a_cnt;           /* the ACPI PM1a control port (the FADT's): SLP_EN there powers off; 0: none */
};

struct linux_vm {
	struct ept ept;                 /* the student's tables (lab 8) */
	struct vcpu vcpu;               /* the guest's registers; launched */
	const struct vmx_caps *caps;
	const struct boot_info *boot;   /* the host's memory map and the boot modules */
	u64 ram_hpa;                    /* HPA of GPA 0: LINUX_RAM_SIZE bytes, 2 MiB-aligned, as the machine left them */
	const struct boot_module *kernel_module, *initrd_module;
	struct linux_platform platform;
	u8 *io_bitmap_a, *io_bitmap_b, *msr_bitmap;     /* zeroed pages, for linux_vmcs_setup() */
	u64 entry;                      /* exercise 1: the PVH entry point */
	u64 initrd, initrd_size;        /* exercise 3: where the initramfs is (GPA) */
	bool powered_off;               /* exercise 5: the guest switched the machine off */
	u64 refused;                    /* exercise 5: accesses outside its memory refused */
	u64 refused_gpa;                /* ... the first one's guest-physical address */
};

/*
 * Prepares vm to run the boot modules "vmlinux" and "initramfs" of b: the RAM
 * block (above everything the hypervisor uses), the bitmaps, the platform. The
 * guest's memory is not mapped yet. 0, -HV_EINVAL (a module is missing), or
 * -HV_ENOMEM (the machine has too little RAM; it says how much).
 */
int linux_vm_create(struct linux_vm *vm, const struct vmx_caps *caps, const struct boot_info *b);

/* The host address of guest RAM byte gpa (gpa < LINUX_RAM_SIZE), through the RAM block. */
void *linux_vm_ram(const struct linux_vm *vm, u64 gpa);

/*
 * The i-th range of the host's memory map that the guest sees as it is (an ACPI,
 * ACPI NVS or reserved range between LINUX_RAM_SIZE and LINUX_MMIO_BASE), rounded
 * out to pages; false past the last.
 */
bool linux_vm_firmware_range(const struct linux_vm *vm, u32 i, u64 *base, u64 *size, u32 *type);

/*
 * Runs the guest of the current VMCS until it powers off or stops: each VM exit
 * goes to linux_handle_exit(); a failed VM entry is explained (vmcs_check()).
 * Returns 0 after a power-off, or the error that stopped the VM.
 */
int linux_vm_run(struct linux_vm *vm);

/* Frees the bitmaps and the student's EPT (ept_destroy()); the RAM block is not the pool's. */
void linux_vm_destroy(struct linux_vm *vm);

#endif
