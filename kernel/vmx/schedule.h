/*
 * Lab 10 "schedule": the interface of labs/10-schedule/schedule.c.
 * Two VMs share one CPU: each has its own VMCS, EPT (lab 8), VPID and
 * registers; the VMX-preemption timer takes the CPU back from a guest after a
 * time slice, whatever the guest does; each guest gets a virtual timer whose
 * ticks the hypervisor injects as external interrupts when the guest can take
 * them; a guest that executes HLT sleeps until its next tick.
 * The VMs themselves (memory, image, hypercalls) are kernel/guest/sched_vm.h.
 */
#ifndef HV_SCHEDULE_H
#define HV_SCHEDULE_H

#include "detect.h"
#include "types.h"

/* What this processor's VMX-preemption timer is (exercise 1). */
struct sched_timer {
	unsigned rate;          /* the timer counts down by 1 every 2^rate TSC ticks */
	bool save;              /* the processor can save the timer's value at VM exit */
};

struct sched_vm;
struct sched;

/*
 * Exercise 1: fills *t from caps (lab 1's capabilities): whether this
 * processor has a VMX-preemption timer, its rate, and whether VM exits can
 * save its value. 0, or -HV_ENOTIMER (a line printed saying what is missing)
 * when there is no timer. Reads no MSR: caps says all.
 */
int sched_timer_init(const struct vmx_caps *caps, struct sched_timer *t);

/*
 * Exercise 1: the VMX-preemption timer value that lets a guest run for
 * ticks TSC ticks (as close as the timer's rate allows, never 0 for ticks > 0,
 * at most what the 32-bit field holds).
 */
u32 sched_timer_value(const struct sched_timer *t, u64 ticks);

/*
 * Exercise 2: makes the current VMCS (built by lab 4's vmcs_setup(), on lab 8's
 * EPT) preemptible: the VMX-preemption timer on, its value saved at each VM
 * exit where the processor can (t->save), every control adjusted to caps.
 * 0, -HV_ENOTIMER, -HV_EINVAL (a control caps does not allow), -HV_EVMXFAIL.
 */
int sched_vmcs_setup(const struct sched_timer *t, const struct vmx_caps *caps);

/*
 * Exercise 3: just before a VM entry of vm (its VMCS current): if a tick is
 * pending (vm->pending), injects it as an external interrupt with the guest's
 * vector when the guest can take it now, and clears vm->pending; otherwise
 * asks for a VM exit as soon as it can. With no tick pending, asks for no such
 * exit. 0 or -HV_EVMXFAIL.
 */
int sched_inject(struct sched_vm *vm);

/*
 * Exercise 4: just after a VM exit of vm (its VMCS current): if the exit
 * interrupted the delivery of an event, makes the next VM entry deliver it
 * again. 0 or -HV_EVMXFAIL.
 */
int sched_redeliver(struct sched_vm *vm);

/*
 * Exercise 5: runs the VMs of s round-robin on this CPU until every one has
 * shut down (HC_SHUTDOWN): a time slice of s->slice TSC ticks each, VMPTRLD
 * to switch, each VM's own launch state, its virtual timer's ticks (every
 * s->period TSC ticks once it asked, HC_TIMER) injected, HLT that sleeps until
 * the VM's next tick, and the hypercalls (sched_hypercall()) and EPT
 * violations (lab 8's ept_handle_violation()) handled. Returns 0, or the first
 * error (the VMs are then stopped where they are).
 */
int sched_run(struct sched *s);

#endif
