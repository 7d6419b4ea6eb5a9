/*
 * Multiboot2 boot information (Multiboot2 Specification, 3.6 "Boot information
 * format"): a u32 total size, a reserved u32, then 8-byte-aligned tags ending
 * with a tag of type 0.
 */
#include "multiboot.h"
#include "panic.h"
#include "string.h"

#define TAG_END 0
#define TAG_CMDLINE 1
#define TAG_MMAP 6
#define MMAP_AVAILABLE 1
#define ONE_MIB 0x100000ULL

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
		u64 base = e->base, top = e->base + e->length;
		if (e->type != MMAP_AVAILABLE || top <= ONE_MIB)
			continue;
		if (base < ONE_MIB)
			base = ONE_MIB;
		if (top - base > out->mem_end - out->mem_base) {
			out->mem_base = base;
			out->mem_end = top;
		}
	}
}

void multiboot_parse(u32 magic, u64 info, struct boot_info *out)
{
	memset(out, 0, sizeof(*out));
	if (magic != MULTIBOOT2_LOADER_MAGIC)
		panic("not started by a Multiboot2 loader (magic %#x)", magic);

	u32 total = *(const u32 *)info;
	out->info_end = info + total;
	for (const struct tag *t = (const struct tag *)(info + 8); t->type != TAG_END;
	     t = (const struct tag *)ALIGN_UP((u64)t + t->size, 8)) {
		if ((u64)t + t->size > out->info_end)
			panic("multiboot2 tag runs past the boot information");
		if (t->type == TAG_CMDLINE) {
			const char *s = (const char *)(t + 1);
			size_t n = strlen(s);
			if (n >= sizeof(out->cmdline))
				panic("kernel command line longer than %zu bytes", sizeof(out->cmdline) - 1);
			memcpy(out->cmdline, s, n + 1);
		} else if (t->type == TAG_MMAP) {
			parse_mmap(t, out);
		}
	}
	if (out->mem_end <= out->mem_base)
		panic("no usable memory above 1 MiB in the multiboot2 memory map");
}
