/*
 * Multiboot2 boot information (Multiboot2 Specification, 3.6 "Boot information
 * format"): a u32 total size, a reserved u32, then 8-byte-aligned tags ending
 * with a tag of type 0.
 */
#include "boot_info.h"
#include "panic.h"
#include "string.h"

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_MODULE 3
#define TAG_MMAP 6

struct tag {
	u32 type;
	u32 size;
};

struct mmap_entry {
	u64 base;
	u64 length;
	u32 type;
	u32 reserved;
};

static void parse_mmap(const struct tag *t, struct boot_info *out)
{
	const u8 *p = (const u8 *)t + 16;       /* type, size, entry_size, entry_version */
	u32 entry_size = ((const u32 *)t)[2];
	const u8 *end = (const u8 *)t + t->size;

	for (; p + entry_size <= end; p += entry_size) {
		const struct mmap_entry *e = (const struct mmap_entry *)p;
		boot_info_add_range(out, e->base, e->length, e->type);
	}
}

void multiboot_parse(u64 info, struct boot_info *out)
{
	u32 total = *(const u32 *)info;
	out->info_end = info + total;
	for (const struct tag *t = (const struct tag *)(info + 8); t->type != TAG_END;
	     t = (const struct tag *)ALIGN_UP((u64)t + t->size, 8)) {
		if ((u64)t + t->size > out->info_end)
			panic("multiboot2 tag runs past the boot information");
		if (t->type == TAG_CMDLINE)
			boot_info_set_cmdline(out, (const char *)(t + 1));
		else if (t->type == TAG_MMAP)
			parse_mmap(t, out);
		else if (t->type == TAG_MODULE) /* "Modules": mod_start, mod_end, then the string */
			boot_info_add_module(out, ((const u32 *)t)[2], ((const u32 *)t)[3],
					     (const char *)t + 16);
	}
}
