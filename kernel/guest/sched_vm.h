/*
 * Two VMs on one CPU (lab 10), given: each a lab 8 VM (struct ept_vm: its own
 * RAM behind its own EPT, its registers, its nonce) running the image
 * kernel/guest/images/sched_guest.asm, plus what the scheduler keeps for it;
 * the hypercalls of these guests. The scheduling itself is the student's
 * (schedule.h).
 *
 * The hypercalls: those of hypercall.h (HC_READ of the nonce, HC_SHUTDOWN),
 * and HC_TIMER (sched_layout.def): RBX = a vector (32-255); the VM's virtual
 * timer starts: a tick is due every s->period TSC ticks from now on, to be
 * injected as an external interrupt with that vector. Result: the period.
 */
#ifndef HV_SCHED_VM_H
#define HV_SCHED_VM_H

#include "ept_vm.h"
#include "schedule.h"
#include "types.h"

#define LAYOUT(name, value) enum { name = value };
#include "sched_layout.def"
#undef LAYOUT

/* The image, embedded in the kernel (kernel/guest/sched_image.asm). */
extern const u8 sched_guest_image[], sched_guest_image_end[];

/* One VM as the scheduler sees it. */
struct sched_vm {
	struct ept_vm vm;       /* memory, EPT, registers (vm.vcpu.regs), nonce, shutdown */
	unsigned index;         /* 0 or 1: which VM (the guest reads it from its boot page) */
	u64 vmcs;               /* the physical address of its VMCS (lab 4's vmcs_setup()) */
	bool launched;          /* its VMCS is launched: the next VM entry is VMRESUME */
	bool halted;            /* it executed HLT and waits for its next tick */
	/* Its virtual timer, started by HC_TIMER. */
	bool timer_on;
	u8 vector;              /* the guest's timer vector */
	u64 deadline;           /* the TSC at which its next tick is due */
	bool pending;           /* a tick is due and not injected yet */
};

/* The scheduler's state: the VMs and the policy. */
struct sched {
	struct sched_vm *vms[SCHED_VMS];
	struct sched_timer timer;       /* exercise 1 */
	u64 slice;                      /* TSC ticks of guest time per time slice */
	u64 period;                     /* TSC ticks between two ticks of a virtual timer */
	int current;                    /* the index of the VM whose VMCS is current (-1: none) */
};

/*
 * Builds VM index of a run: the lab 8 VM (ept_vm_create(), the student's EPT)
 * with this image in its RAM and its boot page saying nonce and index; vmcs
 * is its VMCS's address. 0 or the first error (what was built is then freed).
 */
int sched_vm_create(struct sched_vm *v, const struct vmx_caps *caps, u16 vpid, u64 nonce,
		    unsigned index, u64 vmcs);

/* Writes the guest-state area of the current VMCS (v's) for the image. */
int sched_vm_guest_state(const struct sched_vm *v);

/*
 * The VMCALL exit of v (its VMCS current): HC_READ, HC_SHUTDOWN and HC_TIMER
 * (with s->period), the result in RAX, RIP moved past the VMCALL. 0, or
 * -HV_EVMXFAIL.
 */
int sched_hypercall(struct sched *s, struct sched_vm *v);

/* Frees v's memory and EPT (ept_vm_destroy()); not its VMCS. */
void sched_vm_destroy(struct sched_vm *v);

#endif
