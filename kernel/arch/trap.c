/* Exception dispatch: recover into an armed trap_call(), or dump and panic. */
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

/* The innermost armed trap_call(), or NULL. */
static struct trap_jmp *catcher;

static struct idt_gate idt[32] __attribute__((aligned(16)));

const char *trap_mnemonic(unsigned v)
{
#define EXCEPTION(vector, symbol, mnemonic, name, error_code) if (v == vector) return mnemonic;
#include "vectors.def"
#undef EXCEPTION
	return "#??";
}

/* Table 6-1's name of exception vector v (vectors.def), e.g. "general protection". */
static const char *trap_name(unsigned v)
{
#define EXCEPTION(vector, symbol, mnemonic, name, error_code) if (v == vector) return name;
#include "vectors.def"
#undef EXCEPTION
	return "reserved";
}

void trap_describe(const struct fault *f, char *buf, size_t size)
{
	if (f->vector == VEC_PF)
		ksnprintf(buf, size, "#PF(%#lx) at rip %#lx, address %#lx", f->error_code, f->rip,
			  f->cr2);
	else if (exception_has_error_code(f->vector))
		ksnprintf(buf, size, "%s(%#lx) at rip %#lx", trap_mnemonic(f->vector),
			  f->error_code, f->rip);
	else
		ksnprintf(buf, size, "%s at rip %#lx", trap_mnemonic(f->vector), f->rip);
}

void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		idt[v] = idt_interrupt_gate(isr_table[v], SEL_CODE64,
					    v == VEC_DF ? IST_DOUBLE_FAULT
					    : v == VEC_NMI ? IST_NMI
					    : v == VEC_MC ? IST_MACHINE_CHECK : 0);
	struct dtr d = { .limit = sizeof(idt) - 1, .base = (u64)idt };
	lidt(&d);
}

static void dump(const struct trap_frame *t, u64 cr2)
{
	kprintf(DIAG_TAG "EXCEPTION: %s %s, error code %#lx\n", trap_mnemonic(t->vector),
		trap_name(t->vector), t->error_code);
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

	/* Unwind into trap_call(): trap_try() returns a second time, with 1. */
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

bool trap_call(void (*fn)(void *), void *arg, struct fault *f)
{
	struct trap_jmp j = { .outer = catcher };

	if (trap_try(&j) == 0) {
		catcher = &j;
		fn(arg);
		catcher = j.outer;
		return true;
	}
	*f = j.fault;
	return false;
}
