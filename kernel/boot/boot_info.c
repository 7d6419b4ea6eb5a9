/* The loader-independent part of reading the boot information (boot_info.h). */
#include "boot_info.h"
#include "hvm_start_info.h"
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

void boot_info_add_range(struct boot_info *out, u64 base, u64 size, u32 type)
{
	if (out->map_entries < BOOT_MAP_MAX)
		out->map[out->map_entries++] = (struct boot_mem_range){ base, size, type };
	if (type == HVM_MEMMAP_TYPE_RAM)
		boot_info_add_ram(out, base, base + size);
}

void boot_info_add_module(struct boot_info *out, u64 start, u64 end, const char *name)
{
	if (out->nr_modules == BOOT_MODULES_MAX)
		panic("more than %u boot modules", BOOT_MODULES_MAX);
	struct boot_module *m = &out->modules[out->nr_modules++];
	m->start = start;
	m->end = end;
	size_t n = strlen(name);
	if (n >= sizeof(m->name))
		n = sizeof(m->name) - 1;
	memcpy(m->name, name, n);
	m->name[n] = 0;
	if (end > out->modules_end)
		out->modules_end = end;
}

static struct boot_info kernel_boot;

const struct boot_info *boot_info(void)
{
	return &kernel_boot;
}

u64 boot_info_first_free(const struct boot_info *b, u64 kernel_end)
{
	u64 end = kernel_end;
	if (b->info_end > end)
		end = b->info_end;
	if (b->modules_end > end)
		end = b->modules_end;
	return end;
}

void boot_info_set_cmdline(struct boot_info *out, const char *s)
{
	size_t n = strlen(s);
	if (n >= sizeof(out->cmdline))
		panic("kernel command line longer than %zu bytes", sizeof(out->cmdline) - 1);
	memcpy(out->cmdline, s, n + 1);
}

const struct boot_info *boot_info_read(u32 magic, u64 info)
{
	struct boot_info *out = &kernel_boot;
	memset(out, 0, sizeof(*out));
	if (magic == MULTIBOOT2_LOADER_MAGIC)
		multiboot_parse(info, out);
	else if (magic == PVH_START_MAGIC)
		pvh_parse(info, out);
	else
		panic("not started by a Multiboot2 or PVH loader (magic %#x)", magic);
	if (out->mem_end <= out->mem_base)
		panic("no usable memory above 1 MiB in the loader's memory map");
	return out;
}
