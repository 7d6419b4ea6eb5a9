/* What the kernel takes from the Multiboot2 boot information. */
#ifndef HV_MULTIBOOT_H
#define HV_MULTIBOOT_H

#include "types.h"

#define MULTIBOOT2_LOADER_MAGIC 0x36D76289

struct boot_info {
	char cmdline[256];      /* "" when the loader passed none */
	u64 info_end;           /* first byte after the boot information */
	u64 mem_base, mem_end;  /* the largest usable RAM range at or above 1 MiB */
};

/* Parses the boot information at physical address info; panics on a malformed one. */
void multiboot_parse(u32 magic, u64 info, struct boot_info *out);

#endif
