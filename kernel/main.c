/*
 * hvlabs kernel entry. The init list below is the whole boot, in order; then the
 * harness named on the command line runs the lab's checks, and the machine
 * powers off so that the emulator exits at once.
 */
#include "gdt.h"
#include "harness.h"
#include "boot_info.h"
#include "cmdline.h"
#include "page.h"
#include "power.h"
#include "printf.h"
#include "serial.h"
#include "string.h"
#include "trap.h"
#include "vga.h"

extern char __kernel_end[];

/* Called by boot.asm in 64-bit mode with the Multiboot2 magic and boot-information address. */
__noreturn void kmain(u32 magic, u64 info);

/* True when the command line says vga=off: COM1 only (the screendump test's broken case). */
static bool vga_off(const char *cmdline)
{
	char value[8];
	return cmdline_get(cmdline, "vga", value, sizeof(value)) && strcmp(value, "off") == 0;
}

__noreturn void kmain(u32 magic, u64 info)
{
	serial_init();                          /* COM1 first: everything else may print */
	gdt_init();                             /* 64-bit GDT and a loaded TSS */
	idt_init();                             /* all 32 exceptions reported or caught */
	const struct boot_info *boot = boot_info_read(magic, info);    /* command line, memory, modules */
	vga_init(!vga_off(boot->cmdline));      /* the screen mirrors COM1 from here on */
	u64 first_free = boot_info_first_free(boot, (u64)__kernel_end);
	page_init(first_free > boot->mem_base ? first_free : boot->mem_base, boot->mem_end);

	kprintf("hvlabs kernel: %s\n", boot->cmdline);
	harness_main(boot->cmdline);
	power_off();
}
