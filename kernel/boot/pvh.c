/*
 * PVH start information: what a loader that follows the x86 HVM direct boot ABI
 * (QEMU's -kernel with an ELF that has a XEN_ELFNOTE_PHYS32_ENTRY note) passes in
 * EBX. The layout is Xen's public header arch-x86/hvm/start_info.h: version 0
 * has the command line, version 1 adds the memory map.
 */
#include "boot_info.h"
#include "panic.h"

#define MEMMAP_RAM 1            /* XEN_HVM_MEMMAP_TYPE_RAM, the E820 type for usable RAM */

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;       /* version 1 and later */
	u32 memmap_entries;
	u32 reserved;
};

struct hvm_memmap_table_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
};

void pvh_parse(u64 info, struct boot_info *out)
{
	const struct hvm_start_info *si = (const struct hvm_start_info *)info;

	if (si->magic != PVH_START_MAGIC)
		panic("PVH start information with magic %#x", si->magic);
	if (si->cmdline_paddr)
		boot_info_set_cmdline(out, (const char *)si->cmdline_paddr);
	if (si->version < 1 || !si->memmap_paddr)
		panic("the PVH loader passed no memory map (start information version %u)",
		      si->version);
	const struct hvm_memmap_table_entry *e =
		(const struct hvm_memmap_table_entry *)si->memmap_paddr;
	for (u32 i = 0; i < si->memmap_entries; i++)
		if (e[i].type == MEMMAP_RAM)
			boot_info_add_ram(out, e[i].addr, e[i].addr + e[i].size);
}
