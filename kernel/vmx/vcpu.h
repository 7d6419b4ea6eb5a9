/* Running a guest: its registers, one VM entry through to the next VM exit, and the virtual CPU. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "types.h"
#include "vmx.h"
#include "vserial.h"

struct vmx_caps;

/*
 * The guest's general-purpose registers while the host runs, in the order the
 * SDM numbers them in exit qualifications (e.g. Vol. 3C, 28.2.1 "Basic VM-Exit
 * Information", Table "Exit Qualification for Control-Register Accesses":
 * 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15), so that
 * gpr[n] is register n. The guest's RSP lives in the VMCS (GUEST_RSP), as do
 * RIP and RFLAGS: slot 4 is unused. kernel/vmx/vmx_run.asm depends on this layout.
 */
struct guest_regs {
	union {
		struct {
			u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
			u64 r8, r9, r10, r11, r12, r13, r14, r15;
		};
		u64 gpr[16];
	};
};

/* The register number of RSP in exit qualifications: its value is GUEST_RSP, not gpr[4]. */
#define GUEST_GPR_RSP 4

/*
 * Enters the guest of the current VMCS with *regs: VMLAUNCH if launched is
 * false, else VMRESUME. Writes HOST_RSP itself (the VM exit must come back to
 * this very stack frame) and HOST_RIP = vmx_exit_stub. Returns
 * VMX_SUCCEED after the guest ran and a VM exit brought the processor back
 * (*regs then holds the guest's registers; a VM-entry failure also comes back
 * this way, with bit 31 of VM_EXIT_REASON set), or the VMfail outcome of
 * VMLAUNCH/VMRESUME.
 */
enum vmx_status vmx_run(struct guest_regs *regs, bool launched);

/* Where VM exits land (HOST_RIP): the second half of vmx_run. */
void vmx_exit_stub(void);

/*
 * vmx_run()'s own counters, for the harness and the benchmarks: how many VM
 * entries it attempted, and how many VM exits came back for each basic exit
 * reason (bits 15:0 of VM_EXIT_REASON; reasons above VMX_STATS_REASONS - 1 are
 * counted in the last slot). When entry_limit is not 0 and entries would exceed
 * it, vmx_run() calls vmx_run_stuck() instead of entering the guest again.
 */
#define VMX_STATS_REASONS 80
struct vmx_run_stats {
	u64 entries;
	u64 entry_limit;
	u64 exits[VMX_STATS_REASONS];
};
extern struct vmx_run_stats vmx_stats;

/* Clears vmx_stats' counters and sets the entry limit (0: none). */
void vmx_stats_reset(u64 entry_limit);

/* Called by vmx_run() at the entry limit: prints why and raises #UD (never returns). */
__noreturn void vmx_run_stuck(void);

/*
 * One virtual CPU: what the exit handlers of lab 6 work on between VM exits.
 * The VMCS holds the rest of its state (RIP, RSP, RFLAGS, control registers).
 */
struct vcpu {
	struct guest_regs regs;
	const struct vmx_caps *caps;    /* lab 1's capabilities: fixed CR bits, controls */
	bool launched;                  /* VMLAUNCH succeeded: the next VM entry is VMRESUME */
	bool shutdown;                  /* the guest asked to stop (hypercall HC_SHUTDOWN) */
	u64 shutdown_code;              /* ... with this code (RBX of that hypercall) */
	u64 nonce;                      /* what HC_READ of HC_VALUE_NONCE returns */
	u64 breakpoints;                /* the guest's INT3s intercepted so far */
	struct vserial com1;            /* the guest's emulated serial port */
};

/* Prepares v to run guest code g: zeroed, with the registers the guest runtime expects. */
struct guest_program;
void vcpu_init(struct vcpu *v, const struct vmx_caps *caps, const struct guest_program *g,
	       u64 nonce);

/*
 * &v->regs.gpr[n] for register number n of an exit qualification; for RSP (4),
 * the caller must use GUEST_RSP instead, so this returns NULL.
 */
u64 *vcpu_gpr(struct vcpu *v, unsigned n);

/* Prints the guest's registers: the general ones from v, RIP/RSP/RFLAGS/CRs from the VMCS. */
void vcpu_dump(const struct vcpu *v);

#endif
