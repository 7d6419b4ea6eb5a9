/*
 * Guest: the cost of a VM-exit round trip, per kind of exit, in guest TSC ticks
 * (under Bochs, one tick per instruction executed, host and guest alike).
 */
#include "runtime.h"
#include "vmx.h"
#include "x86.h"

#define ROUNDS 1000

static void op_none(void) { __asm__ volatile("" ::: "memory"); }
static void op_cpuid(void) { cpuid(0, 0); }
static void op_vmcall(void) { hypercall(HC_READ, HC_VALUE_NONCE, 0, 0); }
static void op_in(void) { __asm__ volatile("inb %%dx, %%al" : : "d"((u16)0x5A5A) : "rax"); }
static void op_rdmsr(void) { rdmsr(MSR_IA32_SYSENTER_CS); }

/* TSC ticks for ROUNDS calls of op. */
static u64 ticks(void (*op)(void))
{
	u64 t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		op();
	return rdtsc() - t0;
}

static int bench_main(void)
{
	static const struct {
		const char *name;       /* also the note's key */
		void (*op)(void);
	} kinds[] = {
		{ "bench.cpuid", op_cpuid }, { "bench.vmcall", op_vmcall },
		{ "bench.io", op_in }, { "bench.rdmsr", op_rdmsr },
	};
	u64 base = ticks(op_none);
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		u64 t = ticks(kinds[i].op);
		guest_note(kinds[i].name, (t - base) / ROUNDS);
	}
	guest_note("bench.rounds", ROUNDS);
	return 0;
}

GUEST_PROGRAM(guest_bench, "bench", bench_main, "VM-exit round trips, timed");
