/*
 * GDT layout: null, 64-bit code, data, then the 16-byte TSS descriptor
 * (SDM Vol. 3A, 3.4.5 "Segment Descriptors" and 8.2.3 "TSS Descriptor in 64-bit Mode").
 * VM entry rejects a host TR selector of 0 (SDM Vol. 3C, "Checks on Host Segment
 * and Descriptor-Table Registers"), so the kernel always runs with a loaded TSS.
 */
#include "gdt.h"
#include "x86.h"

/* The 64-bit TSS (SDM Vol. 3A, 8.7 "Task Management in 64-bit Mode"). */
struct __attribute__((packed)) tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
};

#define IST_STACK_SIZE 8192

static struct tss64 tss;
static u8 ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
static u64 gdt[5] __attribute__((aligned(16)));

#define DESC_CODE64 0x00AF9A000000FFFFULL   /* present, DPL 0, execute/read, L = 1 */
#define DESC_DATA 0x00CF92000000FFFFULL     /* present, DPL 0, read/write, 4 GiB */
#define DESC_TSS_AVAILABLE 0x89ULL          /* present, type 9: 64-bit TSS (available) */

/* Reloads CS with a far return, and the data segment registers. */
static void reload_segments(void)
{
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w[ds], %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs"
			 :
			 : [cs] "i"(SEL_CODE64), [ds] "i"(SEL_DATA)
			 : "rax", "memory");
}

void gdt_init(void)
{
	u64 base = (u64)&tss;
	u64 limit = sizeof(tss) - 1;

	for (int i = 0; i < 3; i++)
		tss.ist[i] = (u64)&ist_stacks[i][IST_STACK_SIZE];
	tss.iomap_base = sizeof(tss);           /* no I/O permission bitmap */

	gdt[0] = 0;
	gdt[1] = DESC_CODE64;
	gdt[2] = DESC_DATA;
	gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (DESC_TSS_AVAILABLE << 40) |
		 (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[4] = base >> 32;

	struct dtr d = { .limit = sizeof(gdt) - 1, .base = (u64)gdt };
	lgdt(&d);
	reload_segments();
	ltr(SEL_TSS);
}

u64 gdt_tss_base(void)
{
	return (u64)&tss;
}
