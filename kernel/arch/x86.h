/*
 * Inline wrappers for the x86-64 instructions the kernel and the labs use.
 * Each is one instruction; the SDM's Vol. 2 describes them by mnemonic.
 */
#ifndef HV_X86_H
#define HV_X86_H

#include "types.h"

/* CPUID registers for leaf eax, subleaf ecx. */
struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

/* Executes CPUID with EAX = leaf and ECX = subleaf. */
static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/* Reads model-specific register msr (#GP(0) if the MSR does not exist). */
static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

/* Writes model-specific register msr. */
static inline void wrmsr(u32 msr, u64 value)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((u32)value), "d"((u32)(value >> 32))
			 : "memory");
}

#define DEFINE_CR_ACCESSORS(n)                                          \
	static inline u64 read_cr##n(void)                              \
	{                                                               \
		u64 v;                                                  \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));       \
		return v;                                               \
	}                                                               \
	static inline void write_cr##n(u64 v)                           \
	{                                                               \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

/* Control-register bits (SDM Vol. 3A, 2.5 "Control Registers"). */
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_VMXE BIT(13)
#define CR4_SMXE BIT(14)
#define CR4_OSXSAVE BIT(18)
#define CR4_PKE BIT(22)

/* XCR0 (SDM Vol. 1, 13.3 "Enabling the XSAVE Feature Set and XSAVE-Enabled Features"). */
#define XCR0_X87 BIT(0)
#define XCR0_SSE BIT(1)
#define XCR0_AVX BIT(2)

/* XSETBV: XCR[index] = value (CR4.OSXSAVE must be set). */
static inline void xsetbv(u32 index, u64 value)
{
	__asm__ volatile("xsetbv" : : "c"(index), "a"((u32)value), "d"((u32)(value >> 32)));
}

/* IA32_PAT at reset (MSR_IA32_PAT in vmx.h). */
#define PAT_POWER_ON 0x0007040600070406ULL      /* SDM Vol. 3A, 13.12.4 "Programming the PAT": after reset */

/* DR7 after reset (SDM Vol. 3A, 18.2.4 "Debug Control Register (DR7)"): bit 10 reads 1. */
#define DR7_POWER_ON 0x400

/* RFLAGS bits (SDM Vol. 1, 3.4.3 "EFLAGS Register"). */
#define RFLAGS_FIXED BIT(1)                     /* reserved, always 1 */
#define RFLAGS_CF BIT(0)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_TF BIT(8)
#define RFLAGS_IF BIT(9)

/* The current RFLAGS. */
static inline u64 read_rflags(void)
{
	u64 v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

/* The time-stamp counter (under Bochs: a count of instructions). */
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* Port I/O (outb, outw, inb) and cpu_relax(): in io.h, which the console uses too. */
#include "io.h"

/* Segment selectors and descriptor-table registers. */
struct __attribute__((packed)) dtr {
	u16 limit;
	u64 base;
};

/* A 64-bit IDT gate descriptor (SDM Vol. 3A, 6.14.1 "64-Bit Mode IDT"). */
struct __attribute__((packed)) idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;                 /* bits 2:0: the interrupt-stack-table slot, 0 for none */
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
};

#define GATE_INTERRUPT 0x8E     /* present, DPL 0, 64-bit interrupt gate (type 14): IF cleared on entry */

/* An interrupt gate to handler, through code segment selector, on IST slot ist (0: the current stack). */
static inline struct idt_gate idt_interrupt_gate(u64 handler, u16 selector, u8 ist)
{
	return (struct idt_gate){
		.offset_lo = (u16)handler, .selector = selector, .ist = ist,
		.type_attr = GATE_INTERRUPT, .offset_mid = (u16)(handler >> 16),
		.offset_hi = (u32)(handler >> 32),
	};
}

/* Load or store the GDT/IDT registers, load the task register. */
static inline void lgdt(const struct dtr *d) { __asm__ volatile("lgdt %0" : : "m"(*d)); }
static inline void lidt(const struct dtr *d) { __asm__ volatile("lidt %0" : : "m"(*d)); }
static inline void ltr(u16 sel) { __asm__ volatile("ltr %0" : : "r"(sel)); }
static inline void sgdt(struct dtr *d) { __asm__ volatile("sgdt %0" : "=m"(*d)); }
static inline void sidt(struct dtr *d) { __asm__ volatile("sidt %0" : "=m"(*d)); }

#define DEFINE_SEG_READER(seg)                                     \
	static inline u16 read_##seg(void)                         \
	{                                                          \
		u16 v;                                             \
		__asm__ volatile("mov %%" #seg ", %0" : "=r"(v));  \
		return v;                                          \
	}
DEFINE_SEG_READER(cs)
DEFINE_SEG_READER(ds)
DEFINE_SEG_READER(es)
DEFINE_SEG_READER(ss)
DEFINE_SEG_READER(fs)
DEFINE_SEG_READER(gs)
#undef DEFINE_SEG_READER

/* The task register's selector (STR). */
static inline u16 read_tr(void)
{
	u16 v;
	__asm__ volatile("str %0" : "=r"(v));
	return v;
}

/*
 * The processor's address widths: CPUID.80000008H:EAX[7:0] (physical) and [15:8]
 * (linear), or 36 and 48 where that leaf is missing (SDM Vol. 2A, 3.3 "Instructions
 * (A-L)", CPUID).
 */
struct addr_widths {
	unsigned phys, lin;
};

static inline struct addr_widths addr_widths(void)
{
	if (cpuid(0x80000000, 0).eax < 0x80000008)
		return (struct addr_widths){ 36, 48 };
	u32 eax = cpuid(0x80000008, 0).eax;
	return (struct addr_widths){ eax & 0xFF, (eax >> 8) & 0xFF };
}

/* a is canonical with lin_bits linear-address bits: bits 63:lin_bits-1 all equal (SDM Vol. 1, 3.3.7.1 "Canonical Addressing"). */
static inline bool is_canonical(u64 a, unsigned lin_bits)
{
	unsigned shift = 64 - lin_bits;
	return (u64)((s64)(a << shift) >> shift) == a;
}

/* A Bochs magic breakpoint: stops in the Bochs debugger (`make debug`), a no-op elsewhere. */
static inline void bochs_break(void) { __asm__ volatile("xchg %bx, %bx"); }

#endif
