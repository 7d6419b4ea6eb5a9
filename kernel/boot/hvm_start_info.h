/*
 * The x86 HVM direct boot ABI ("PVH"): the start information a PVH loader passes
 * in EBX. The layout is Xen's public header arch-x86/hvm/start_info.h (version 0
 * has the command line and modules, version 1 adds the memory map). The kernel
 * reads it when QEMU's -kernel starts it (pvh.c); the capstone (lab 11) writes one
 * for the Linux it boots.
 */
#ifndef HV_HVM_START_INFO_H
#define HV_HVM_START_INFO_H

#include "types.h"

#define PVH_START_MAGIC 0x336EC578      /* hvm_start_info.magic; boot.asm's PVH entry puts it in EAX */

struct hvm_start_info {
	u32 magic;                      /* PVH_START_MAGIC */
	u32 version;                    /* 1: memmap_paddr and memmap_entries are valid */
	u32 flags;
	u32 nr_modules;                 /* entries of the module list */
	u64 modlist_paddr;              /* the module list: struct hvm_modlist_entry[nr_modules] */
	u64 cmdline_paddr;              /* a NUL-terminated command line, or 0 */
	u64 rsdp_paddr;                 /* the ACPI RSDP, or 0 */
	u64 memmap_paddr;               /* version 1 and later: struct hvm_memmap_table_entry[] */
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_modlist_entry {
	u64 paddr;                      /* the module's first byte */
	u64 size;
	u64 cmdline_paddr;              /* its command line, or 0 */
	u64 reserved;
};

/* The memory map's types are the E820 types. */
#define HVM_MEMMAP_TYPE_RAM 1
#define HVM_MEMMAP_TYPE_RESERVED 2
#define HVM_MEMMAP_TYPE_ACPI 3
#define HVM_MEMMAP_TYPE_NVS 4

struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

#endif
