/* The loader-independent part of reading the boot information (boot_info.h). */
#include "boot_info.h"
#include "panic.h"
#include "string.h"

#define ONE_MIB 0x100000ULL

void boot_info_add_ram(struct boot_info *out, u64 base, u64 top)
{
	if (base < ONE_MIB)
		base = ONE_MIB;
	if (top > IDENTITY_MAP_END)
		top = IDENTITY_MAP_END;
	if (top <= base)
		return;
	if (top - base > out->mem_end - out->mem_base) {
		out->mem_base = base;
		out->mem_end = top;
	}
}

void boot_info_set_cmdline(struct boot_info *out, const char *s)
{
	size_t n = strlen(s);
	if (n >= sizeof(out->cmdline))
		panic("kernel command line longer than %zu bytes", sizeof(out->cmdline) - 1);
	memcpy(out->cmdline, s, n + 1);
}

void boot_info_read(u32 magic, u64 info, struct boot_info *out)
{
	memset(out, 0, sizeof(*out));
	if (magic == MULTIBOOT2_LOADER_MAGIC)
		multiboot_parse(info, out);
	else if (magic == PVH_START_MAGIC)
		pvh_parse(info, out);
	else
		panic("not started by a Multiboot2 or PVH loader (magic %#x)", magic);
	if (out->mem_end <= out->mem_base)
		panic("no usable memory above 1 MiB in the loader's memory map");
}
