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
 * RIP and RFLAGS: slot 4 is unused. kernel/vmx/vmx_switch.asm depends on this layout
 * (kernel/vmx/vmx_enter.c asserts each offset it uses).
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
 * false, else VMRESUME, through the world switch of kernel/vmx/vmx_switch.asm,
 * which writes HOST_RSP itself (the VM exit must come back to this very stack
 * frame) and HOST_RIP = vmx_exit_stub. Returns VMX_SUCCEED after the guest ran
 * and a VM exit brought the processor back (*regs then holds the guest's
 * registers; a VM-entry failure also comes back this way, with bit 31 of
 * VM_EXIT_REASON set), or the VMfail outcome of VMLAUNCH/VMRESUME. Counts
 * every entry and exit in vmx_exit_stats(), and calls the entry hook first and
 * the exit hook after a VM exit.
 */
enum vmx_status vmx_enter_guest(struct guest_regs *regs, bool launched);

/* Where VM exits land (HOST_RIP): the second half of the world switch. */
void vmx_exit_stub(void);

/*
 * vmx_enter_guest()'s own counters, like KVM's exit statistics: how many VM
 * entries it attempted, and how many VM exits came back for each basic exit
 * reason (bits 15:0 of VM_EXIT_REASON; reasons above VMX_STATS_REASONS - 1 are
 * counted in the last slot), and the TSC ticks spent inside the world switch
 * (from just before VMLAUNCH/VMRESUME to just after the VM exit): under Bochs,
 * whose TSC counts emulated instructions, the guest's instructions plus a constant
 * per trip. Only vmx_enter_guest() writes them.
 */
#define VMX_STATS_REASONS 80
struct vmx_exit_stats {
	u64 entries;
	u64 exits[VMX_STATS_REASONS];
	u64 guest_ticks;
};

/* The counters since the last vmx_exit_stats_reset(). */
const struct vmx_exit_stats *vmx_exit_stats(void);

/* Sets every counter to 0. */
void vmx_exit_stats_reset(void);

/*
 * A function vmx_enter_guest() calls before each VM entry, with the entries
 * counted so far (this one included); it may stop a guest that makes no
 * progress by not returning (e.g. by raising an exception).
 */
typedef void vmx_entry_hook_fn(u64 entries);

/* Installs hook (NULL: none) for the next calls of vmx_enter_guest(). */
void vmx_set_entry_hook(vmx_entry_hook_fn *hook);

/*
 * A function vmx_enter_guest() calls after each VM exit (a VM-entry failure
 * included), with the basic exit reason (bits 15:0 of VM_EXIT_REASON), before
 * any exit handler of the caller runs: a harness may play a processor there.
 */
typedef void vmx_exit_hook_fn(u32 reason);

/* Installs hook (NULL: none) for the next calls of vmx_enter_guest(). */
void vmx_set_exit_hook(vmx_exit_hook_fn *hook);

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

/*
 * One trip into the guest of the current VMCS and back (VMLAUNCH the first time, then
 * VMRESUME; v->launched follows), for the given VMs' exit loops. Returns 0 with the VM
 * exit's basic reason in *reason; -HV_EVMXFAIL if VMLAUNCH/VMRESUME failed, or
 * -HV_EENTRY if VM entry failed its checks on the guest, each explained on the console
 * (vmx_report_failure(), vmcs_check()).
 */
int vcpu_enter(struct vcpu *v, u32 *reason);

/*
 * Reports a VM exit the given exit loops do not handle (its reason and qualification,
 * then the guest's registers, vcpu_dump()) and returns -HV_EEXIT, which stops the VM.
 */
int vcpu_unhandled_exit(const struct vcpu *v, u32 reason);

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
