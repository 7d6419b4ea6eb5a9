/*
 * The capstone's VM (lab 11): Debian's Linux, started through its PVH entry, on
 * memory of its own.
 *
 * Guest-physical layout (GPA -> HPA):
 *   [0, 640 KiB)            RAM -> the VM's block + GPA
 *   [640 KiB, 1 MiB)        the PC's legacy hole (VGA memory, option and BIOS ROMs):
 *                           identity, uncached, reported reserved
 *   [1 MiB, LINUX_RAM_SIZE) RAM -> the VM's block + GPA
 *   the firmware's ACPI tables and reserved ranges above RAM: identity
 *   [LINUX_MMIO_BASE, 4 GiB) the chipset's devices (IOAPIC, HPET, local APIC, flash): identity, uncached
 *   anything else           not the VM's: an access stops it
 * The block is host RAM above everything the hypervisor uses (its image, the boot
 * modules, its page pool), so no GPA reaches the hypervisor's memory.
 */
#ifndef HV_LINUX_VM_H
#define HV_LINUX_VM_H

#include "boot_info.h"
#include "ept.h"
#include "types.h"
#include "vcpu.h"

#define LINUX_RAM_SIZE (256ULL << 20)
#define LINUX_LOW_RAM_END 0xA0000ULL            /* the end of conventional memory */
#define LINUX_MMIO_BASE 0xFEC00000ULL           /* IOAPIC, HPET, local APIC, BIOS flash */
#define LINUX_START_INFO 0x6000ULL              /* GPA of hvm_start_info, module list, memory map */
#define LINUX_CMDLINE 0x7000ULL                 /* GPA of the command line */
#define LINUX_CONSOLE_MAX 16384                 /* bytes of the guest's console kept for the checks */

/* What the hypervisor intercepts of the platform. */
struct linux_platform {
	u64 rsdp;               /* the ACPI RSDP the firmware left, or 0 */
	u16 pm1a_cnt;           /* the ACPI PM1a control port (FADT), where SLP_EN powers off; 0: none */
};

struct linux_vm {
	struct ept ept;
	struct vcpu vcpu;
	const struct vmx_caps *caps;
	u64 block;              /* HPA of guest-physical 0 (2 MiB-aligned) */
	u64 entry;              /* the kernel's PVH entry (a GPA) */
	u64 initrd, initrd_size;        /* where the initramfs was put (GPA) */
	struct linux_platform platform;
	void *io_bitmaps, *msr_bitmap;
	bool powered_off;       /* the guest wrote SLP_EN: it asked to be switched off */
	u64 refused;            /* accesses outside its memory (EPT violations) refused */
	u64 refused_gpa;        /* the first one's GPA */
	char console[LINUX_CONSOLE_MAX];        /* what the guest wrote to COM1 */
	size_t console_len;
	u8 com1_lcr;            /* the guest's last line-control value (bit 7: divisor latch) */
};

/*
 * Builds vm for the kernel and initramfs modules of b: the block, the EPT, the
 * loaded kernel, the start information and command line, the bitmaps. 0 or an error.
 */
int linux_vm_create(struct linux_vm *vm, const struct vmx_caps *caps, const struct boot_info *b,
		    const char *cmdline, u16 vpid);

/* Writes the controls and guest state of the current VMCS (built by lab 4) for the PVH entry. */
int linux_vm_vmcs_setup(struct linux_vm *vm, u16 vpid);

/* Runs the guest until it powers off or stops; 0 after a power-off, else the error. */
int linux_vm_run(struct linux_vm *vm);

#endif
