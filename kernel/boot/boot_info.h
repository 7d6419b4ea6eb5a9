/*
 * What the kernel takes from its loader: GRUB (Multiboot2, for Bochs and real
 * machines) or a PVH loader (QEMU's -kernel, the x86 HVM direct boot ABI).
 */
#ifndef HV_BOOT_INFO_H
#define HV_BOOT_INFO_H

#include "types.h"

#define MULTIBOOT2_LOADER_MAGIC 0x36D76289      /* EAX from a Multiboot2 loader */
#define PVH_START_MAGIC 0x336EC578              /* hvm_start_info.magic; boot.asm's PVH entry puts it in EAX */
#define IDENTITY_MAP_END 0x40000000ULL          /* boot.asm maps [0, 1 GiB): the kernel sees no RAM above */

struct boot_info {
	char cmdline[256];      /* "" when the loader passed none */
	u64 info_end;           /* first byte after the boot information */
	u64 mem_base, mem_end;  /* the largest usable RAM range in [1 MiB, IDENTITY_MAP_END) */
};

/* Multiboot2 boot information at physical address info; panics on a malformed one. */
void multiboot_parse(u64 info, struct boot_info *out);

/* PVH start information (struct hvm_start_info) at physical address info; panics on a malformed one. */
void pvh_parse(u64 info, struct boot_info *out);

/*
 * Takes usable RAM [base, top), cut to [1 MiB, IDENTITY_MAP_END), into out if it is the
 * largest such range so far (on a PC with 4 GiB or more, the largest range of the
 * firmware's map usually lies above 4 GiB, where nothing is mapped).
 */
void boot_info_add_ram(struct boot_info *out, u64 base, u64 top);

/* Copies the NUL-terminated command line s into out; panics if it does not fit. */
void boot_info_set_cmdline(struct boot_info *out, const char *s);

/*
 * Fills *out from the loader's boot information: magic says which loader (the
 * EAX value boot.asm passed on), info is its physical address. Panics on an
 * unknown loader, a malformed structure or no usable RAM above 1 MiB.
 */
void boot_info_read(u32 magic, u64 info, struct boot_info *out);

#endif
