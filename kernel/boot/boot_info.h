/*
 * What the kernel takes from its loader: GRUB (Multiboot2, for Bochs and real
 * machines) or a PVH loader (QEMU's -kernel, the x86 HVM direct boot ABI).
 */
#ifndef HV_BOOT_INFO_H
#define HV_BOOT_INFO_H

#include "types.h"

#define MULTIBOOT2_LOADER_MAGIC 0x36D76289      /* EAX from a Multiboot2 loader */
#define IDENTITY_MAP_END 0x40000000ULL          /* boot.asm maps [0, 1 GiB): the kernel sees no RAM above */

/* One range of the firmware's memory map; type as in E820 (1 RAM, 2 reserved, 3 ACPI, 4 ACPI NVS, 5 bad). */
struct boot_mem_range {
	u64 base, size;
	u32 type;
};

/* A file the loader put in memory beside the kernel (a Multiboot2 module), [start, end). */
struct boot_module {
	u64 start, end;
	char name[32];          /* the module's string in grub.cfg, cut to fit */
};

#define BOOT_MAP_MAX 32
#define BOOT_MODULES_MAX 4

struct boot_info {
	char cmdline[256];      /* "" when the loader passed none */
	u64 info_end;           /* first byte after the boot information */
	u64 mem_base, mem_end;  /* the largest usable RAM range in [1 MiB, IDENTITY_MAP_END) */
	struct boot_mem_range map[BOOT_MAP_MAX];        /* the firmware's memory map, as given */
	u32 map_entries;
	struct boot_module modules[BOOT_MODULES_MAX];
	u32 nr_modules;
	u64 modules_end;        /* first byte after the last module (0: none) */
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

/*
 * Records one range of the firmware's memory map (the first BOOT_MAP_MAX are kept),
 * and takes it as usable RAM (boot_info_add_ram()) if its type is RAM.
 */
void boot_info_add_range(struct boot_info *out, u64 base, u64 size, u32 type);

/* Records a module [start, end) named name; panics beyond BOOT_MODULES_MAX. */
void boot_info_add_module(struct boot_info *out, u64 start, u64 end, const char *name);

/* The kernel's boot information, read once by kmain() (boot_info_read()). */
const struct boot_info *boot_info(void);

/* Copies the NUL-terminated command line s into out; panics if it does not fit. */
void boot_info_set_cmdline(struct boot_info *out, const char *s);

/*
 * Reads the loader's boot information into the kernel's copy (boot_info()) and
 * returns it: magic says which loader (the EAX value boot.asm passed on), info is
 * its physical address. Panics on an unknown loader, a malformed structure or no
 * usable RAM above 1 MiB.
 */
const struct boot_info *boot_info_read(u32 magic, u64 info);

/* The first byte no loader data occupies: after the kernel image, the boot information and every module. */
u64 boot_info_first_free(const struct boot_info *b, u64 kernel_end);

#endif
