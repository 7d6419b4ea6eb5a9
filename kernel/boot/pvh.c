/*
 * PVH start information: what a loader that follows the x86 HVM direct boot ABI
 * (QEMU's -kernel with an ELF that has a XEN_ELFNOTE_PHYS32_ENTRY note) passes in
 * EBX (hvm_start_info.h).
 */
#include "boot_info.h"
#include "hvm_start_info.h"
#include "panic.h"

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
		boot_info_add_range(out, e[i].addr, e[i].size, e[i].type);
}
