/* Exception dispatch: recover into an armed trap_catch(), or dump and panic. */
#include "trap.h"
#include "gdt.h"
#include "panic.h"
#include "printf.h"
#include "x86.h"

/* Callee-saved state recorded by trap_try() (isr.asm relies on this layout). */
struct trap_jmp {
	u64 rbx, rbp, r12, r13, r14, r15, rsp, rip;
	struct trap_jmp *outer;
	struct fault fault;
};

__attribute__((returns_twice)) u64 trap_try(struct trap_jmp *j);

extern const u64 isr_table[32];

/* The innermost armed trap_catch(), or NULL. */
static struct trap_jmp *catcher;

struct __attribute__((packed)) idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
};

static struct idt_gate idt[32] __attribute__((aligned(16)));

#define GATE_INTERRUPT 0x8E     /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */

static const char *const mnemonics[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	"#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static const char *const names[32] = {
	[VEC_DE] = "divide error", [VEC_DB] = "debug", [VEC_NMI] = "non-maskable interrupt",
	[VEC_BP] = "breakpoint", [VEC_OF] = "overflow", [VEC_BR] = "BOUND range exceeded",
	[VEC_UD] = "invalid opcode", [VEC_NM] = "device not available",
	[VEC_DF] = "double fault", [VEC_TS] = "invalid TSS", [VEC_NP] = "segment not present",
	[VEC_SS] = "stack-segment fault", [VEC_GP] = "general protection",
	[VEC_PF] = "page fault", [VEC_MF] = "x87 floating-point error",
	[VEC_AC] = "alignment check", [VEC_MC] = "machine check",
	[VEC_XM] = "SIMD floating-point", [VEC_VE] = "virtualization exception",
	[VEC_CP] = "control protection",
};

static bool has_error_code(unsigned v)
{
	return v == VEC_DF || (v >= VEC_TS && v <= VEC_PF) || v == VEC_AC || v == VEC_CP ||
	       v == 29 || v == 30;
}

const char *trap_mnemonic(unsigned v)
{
	return v < 32 ? mnemonics[v] : "#??";
}

void trap_describe(const struct fault *f, char *buf, size_t size)
{
	if (f->vector == VEC_PF)
		ksnprintf(buf, size, "#PF(%#lx) at rip %#lx, address %#lx", f->error_code, f->rip,
			  f->cr2);
	else if (has_error_code(f->vector))
		ksnprintf(buf, size, "%s(%#lx) at rip %#lx", trap_mnemonic(f->vector),
			  f->error_code, f->rip);
	else
		ksnprintf(buf, size, "%s at rip %#lx", trap_mnemonic(f->vector), f->rip);
}

void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++) {
		u64 a = isr_table[v];
		idt[v] = (struct idt_gate){
			.offset_lo = a & 0xFFFF,
			.selector = SEL_CODE64,
			.ist = v == VEC_DF ? IST_DOUBLE_FAULT
			     : v == VEC_NMI ? IST_NMI
			     : v == VEC_MC ? IST_MACHINE_CHECK : 0,
			.type_attr = GATE_INTERRUPT,
			.offset_mid = (a >> 16) & 0xFFFF,
			.offset_hi = a >> 32,
		};
	}
	struct dtr d = { .limit = sizeof(idt) - 1, .base = (u64)idt };
	lidt(&d);
}

static void dump(const struct trap_frame *t, u64 cr2)
{
	kprintf("EXCEPTION: %s %s, error code %#lx\n", trap_mnemonic(t->vector),
		names[t->vector] ? names[t->vector] : "reserved", t->error_code);
	kprintf("  rip %016lx  cs %04lx  rflags %016lx  cr2 %016lx\n", t->rip, t->cs,
		t->rflags, cr2);
	kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", t->rax, t->rbx, t->rcx,
		t->rdx);
	kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  rsp %016lx\n", t->rsi, t->rdi, t->rbp,
		t->rsp);
	kprintf("  r8  %016lx  r9  %016lx  r10 %016lx  r11 %016lx\n", t->r8, t->r9, t->r10,
		t->r11);
	kprintf("  r12 %016lx  r13 %016lx  r14 %016lx  r15 %016lx\n", t->r12, t->r13, t->r14,
		t->r15);
	kprintf("  cr0 %016lx  cr3 %016lx  cr4 %016lx\n", read_cr0(), read_cr3(), read_cr4());
}

/* Called by isr_common with the saved state; returning resumes at frame->rip. */
__used void trap_dispatch(struct trap_frame *t)
{
	u64 cr2 = read_cr2();
	struct trap_jmp *j = catcher;

	if (!j || t->vector == VEC_MC) {
		dump(t, cr2);
		panic("unexpected %s in the kernel at rip %#lx", trap_mnemonic(t->vector), t->rip);
	}

	/* Unwind into trap_catch(): trap_try() returns a second time, with 1. */
	catcher = j->outer;
	j->fault = (struct fault){ .vector = (u8)t->vector, .error_code = t->error_code,
				   .rip = t->rip, .cr2 = t->vector == VEC_PF ? cr2 : 0 };
	t->rbx = j->rbx;
	t->rbp = j->rbp;
	t->r12 = j->r12;
	t->r13 = j->r13;
	t->r14 = j->r14;
	t->r15 = j->r15;
	t->rsp = j->rsp;
	t->rip = j->rip;
	t->rax = 1;
	t->cs = SEL_CODE64;
	t->ss = SEL_DATA;
	t->rflags = read_rflags() & ~RFLAGS_IF;
}

bool trap_catch(void (*fn)(void *), void *arg, struct fault *f)
{
	struct trap_jmp j = { .outer = catcher };

	if (trap_try(&j) == 0) {
		catcher = &j;
		fn(arg);
		catcher = j.outer;
		return false;
	}
	*f = j.fault;
	return true;
}
