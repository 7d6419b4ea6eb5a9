/*
 * vmx_enter_guest(): one VM entry and back through vmx_world_switch
 * (vmx_switch.asm), counted here on every trip, and the hooks a caller may set
 * to watch the entries and exits. The counts are the kernel's own evidence of what the
 * guest did, whatever the exit handlers report.
 */
#include "vcpu.h"
#include "vmx.h"
#include "x86.h"

/* The assembly world switch: only vmx_enter_guest() calls it, so that no entry goes uncounted. */
enum vmx_status vmx_world_switch(struct guest_regs *regs, bool launched);

/* The constants vmx_switch.asm restates, tied to their C definitions. */
#define ASM_REG_OFFSET(field, off) \
	_Static_assert(offsetof(struct guest_regs, field) == (off), "vmx_switch.asm: R_" #field)
ASM_REG_OFFSET(rax, 0);
ASM_REG_OFFSET(rcx, 8);
ASM_REG_OFFSET(rdx, 16);
ASM_REG_OFFSET(rbx, 24);
ASM_REG_OFFSET(rbp, 40);
ASM_REG_OFFSET(rsi, 48);
ASM_REG_OFFSET(rdi, 56);
ASM_REG_OFFSET(r8, 64);
ASM_REG_OFFSET(r9, 72);
ASM_REG_OFFSET(r10, 80);
ASM_REG_OFFSET(r11, 88);
ASM_REG_OFFSET(r12, 96);
ASM_REG_OFFSET(r13, 104);
ASM_REG_OFFSET(r14, 112);
ASM_REG_OFFSET(r15, 120);
_Static_assert(HOST_RSP == 0x6C14, "vmx_switch.asm: HOST_RSP");
_Static_assert(HOST_RIP == 0x6C16, "vmx_switch.asm: HOST_RIP");
_Static_assert(VMX_SUCCEED == 0 && VMX_FAIL_INVALID == 1 && VMX_FAIL_VALID == 2,
	       "vmx_switch.asm: the status it computes from CF and ZF");

static struct vmx_exit_stats stats;
static vmx_entry_hook_fn *entry_hook;
static vmx_exit_hook_fn *exit_hook;

enum vmx_status vmx_enter_guest(struct guest_regs *regs, bool launched)
{
	stats.entries++;
	if (entry_hook)
		entry_hook(stats.entries);
	u64 start = rdtsc();
	enum vmx_status s = vmx_world_switch(regs, launched);
	stats.guest_ticks += rdtsc() - start;
	if (s == VMX_SUCCEED) {
		u64 reason = 0;
		vmx_vmread(VM_EXIT_REASON, &reason);
		reason &= 0xFFFF;               /* the basic exit reason: bits 15:0 */
		stats.exits[reason < VMX_STATS_REASONS ? reason : VMX_STATS_REASONS - 1]++;
		if (exit_hook)
			exit_hook((u32)reason);
	}
	return s;
}

const struct vmx_exit_stats *vmx_exit_stats(void)
{
	return &stats;
}

void vmx_exit_stats_reset(void)
{
	stats = (struct vmx_exit_stats){ 0 };
}

void vmx_set_entry_hook(vmx_entry_hook_fn *hook)
{
	entry_hook = hook;
}

void vmx_set_exit_hook(vmx_exit_hook_fn *hook)
{
	exit_hook = hook;
}
