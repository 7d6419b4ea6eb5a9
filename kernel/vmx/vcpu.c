/* The virtual CPU's helpers. */
#include "vcpu.h"
#include "errno.h"
#include "guest_program.h"
#include "launch.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "vmcs_check.h"

void vcpu_init(struct vcpu *v, const struct vmx_caps *caps, const struct guest_program *g,
	       u64 nonce)
{
	memset(v, 0, sizeof(*v));
	v->caps = caps;
	v->nonce = nonce;
	v->regs.rdi = (u64)g->main;     /* guest_start calls it */
}

u64 *vcpu_gpr(struct vcpu *v, unsigned n)
{
	return n < 16 && n != GUEST_GPR_RSP ? &v->regs.gpr[n] : NULL;
}

void vcpu_dump(const struct vcpu *v)
{
	static const char *const names[16] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	};
	kprintf("guest registers:\n");
	for (unsigned n = 0; n < 16; n++) {
		u64 value = n == GUEST_GPR_RSP ? vmcs_read(GUEST_RSP) : v->regs.gpr[n];
		kprintf("  %-3s %016lx%s", names[n], value, n % 4 == 3 ? "\n" : "");
	}
	kprintf("  rip %016lx  rflags %016lx  cr0 %016lx  cr4 %016lx\n", vmcs_read(GUEST_RIP),
		vmcs_read(GUEST_RFLAGS), vmcs_read(GUEST_CR0), vmcs_read(GUEST_CR4));
}

int vcpu_enter(struct vcpu *v, u32 *reason)
{
	enum vmx_status s = vmx_enter_guest(&v->regs, v->launched);
	if (s != VMX_SUCCEED) {
		vmx_report_failure(v->launched ? "VMRESUME" : "VMLAUNCH", s);
		if (s == VMX_FAIL_VALID)
			vmcs_check(true);
		return -HV_EVMXFAIL;
	}
	v->launched = true;
	*reason = (u32)vmcs_read(VM_EXIT_REASON);
	if (*reason & VMX_EXIT_REASON_FAILED_VMENTRY) {
		kdiag("VM entry failed: %s", vmx_exit_reason_name(*reason & 0xFFFF));
		vmcs_check(true);
		return -HV_EENTRY;
	}
	return 0;
}

int vcpu_unhandled_exit(const struct vcpu *v, u32 reason)
{
	kdiag("unhandled VM exit: %s (reason %u), qualification %#lx", vmx_exit_reason_name(reason), reason,
	      vmcs_read(EXIT_QUALIFICATION));
	vcpu_dump(v);
	return -HV_EEXIT;
}
