/*
 * Guest: RDMSR and WRMSR: MSRs the hypervisor emulates, and ones that must raise #GP.
 *
 * Transcript of "msr" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| IA32_SYSENTER_ESP: wrote 0x7f03e5926140, read back 0x7f03e5926140
 *   guest| IA32_FEATURE_CONTROL reads 0x1; writing 0x5 raised vector 13
 *   guest| IA32_SYSENTER_EIP: wrote 0xffff8000e5926140, then a non-canonical address; reads 0xffff8000e5926140
 *   guest| unknown MSR 0x4000abcd: RDMSR raised vector 13, WRMSR vector 13
 */
#include "runtime.h"
#include "vmx.h"

/* An MSR index that no processor has, and the hypervisor does not know. */
#define MSR_UNKNOWN 0x4000ABCD

struct msr_probe {
	u32 msr;
	u64 value;
	u64 rip;                /* the address of the RDMSR/WRMSR instruction */
	u64 rax, rdx;           /* RAX and RDX after RDMSR, all 64 bits */
};

/* What RAX and RDX hold before each RDMSR: RDMSR writes EDX:EAX and clears both upper halves. */
#define RDMSR_POISON 0xBAD0BAD0BAD0BAD0ULL

static void rdmsr_probe(void *p)
{
	struct msr_probe *m = p;
	u64 rax = RDMSR_POISON, rdx = RDMSR_POISON;
	__asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[rip]\n1:\trdmsr"
			 : "+a"(rax), "+d"(rdx), [rip] "=m"(m->rip) : "c"(m->msr) : "r8", "memory");
	m->rax = rax;
	m->rdx = rdx;
	m->value = rdx << 32 | (u32)rax;
}

static void wrmsr_probe(void *p)
{
	struct msr_probe *m = p;
	__asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[rip]\n1:\twrmsr"
			 : [rip] "=m"(m->rip)
			 : "c"(m->msr), "a"((u32)m->value), "d"((u32)(m->value >> 32)) : "r8", "memory");
}

/* Runs probe on *m; notes guest_fault_code() as key_vector and whether the fault was at the instruction. */
static void probe(void (*fn)(void *), struct msr_probe *m, const char *key_vector, const char *key_rip)
{
	struct guest_fault f;
	bool faulted = !guest_call(fn, m, &f);
	guest_note(key_vector, guest_fault_code(faulted, &f));
	if (key_rip)
		guest_note(key_rip, faulted && f.rip == m->rip);
}

static int msr_main(void)
{
	u64 n = guest_nonce();
	u64 esp = 0x00007F0000000000ULL | (n & 0xFFFFFFFF0ULL);   /* canonical, nonce-dependent */
	struct msr_probe m = { .msr = MSR_IA32_SYSENTER_ESP, .value = esp };
	probe(wrmsr_probe, &m, "msr.wr_esp", NULL);
	m.value = 0;
	probe(rdmsr_probe, &m, "msr.rd_esp", NULL);
	guest_note("msr.esp_want", esp);
	guest_note("msr.esp", m.value);
	guest_note("msr.esp_rax", m.rax);
	guest_note("msr.esp_rdx", m.rdx);
	guest_printf("IA32_SYSENTER_ESP: wrote %#lx, read back %#lx\n", esp, m.value);

	m = (struct msr_probe){ .msr = MSR_IA32_FEAT_CTL };
	probe(rdmsr_probe, &m, "msr.rd_featctl", NULL);
	guest_note("msr.featctl", m.value);
	u64 featctl = m.value;
	m.value = FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	probe(wrmsr_probe, &m, "msr.wr_featctl", "msr.wr_featctl_rip");
	u64 wr_featctl;
	guest_note_get("msr.wr_featctl", &wr_featctl);
	guest_printf("IA32_FEATURE_CONTROL reads %#lx; writing %#lx raised vector %lu\n", featctl,
		     (u64)(FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX), wr_featctl & 0xFF);

	m = (struct msr_probe){ .msr = MSR_UNKNOWN };
	probe(rdmsr_probe, &m, "msr.rd_unknown", "msr.rd_unknown_rip");
	m = (struct msr_probe){ .msr = MSR_UNKNOWN, .value = n };
	probe(wrmsr_probe, &m, "msr.wr_unknown", "msr.wr_unknown_rip");
	u64 eip = 0xFFFF800000000000ULL | (n & 0xFFFFFFF0ULL);      /* canonical, in the upper half */
	m = (struct msr_probe){ .msr = MSR_IA32_SYSENTER_EIP, .value = eip };
	probe(wrmsr_probe, &m, "msr.wr_eip_high", NULL);
	m = (struct msr_probe){ .msr = MSR_IA32_SYSENTER_EIP, .value = 0x8000000000000000ULL | n };
	probe(wrmsr_probe, &m, "msr.wr_noncanonical", "msr.wr_noncanonical_rip");
	m = (struct msr_probe){ .msr = MSR_IA32_SYSENTER_EIP };
	probe(rdmsr_probe, &m, "msr.rd_eip", NULL);
	guest_note("msr.eip_want", eip);
	guest_note("msr.eip", m.value);
	guest_printf("IA32_SYSENTER_EIP: wrote %#lx, then a non-canonical address; reads %#lx\n", eip,
		     m.value);
	u64 rd, wr;
	guest_note_get("msr.rd_unknown", &rd);
	guest_note_get("msr.wr_unknown", &wr);
	guest_printf("unknown MSR %#x: RDMSR raised vector %lu, WRMSR vector %lu\n", MSR_UNKNOWN,
		     rd & 0xFF, wr & 0xFF);
	return 0;
}

GUEST_PROGRAM(guest_msr, "msr", msr_main, "RDMSR/WRMSR: emulated MSRs and #GP(0) for the rest");
