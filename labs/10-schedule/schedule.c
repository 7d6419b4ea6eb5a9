/*
 * Lab 10: two VMs on one CPU.
 *
 * Each VM is a lab 8 VM (its own RAM behind its own EPT, its own VPID) with its
 * own VMCS; this file shares the CPU between them: the VMX-preemption timer
 * takes the CPU back after a time slice, VMPTRLD switches VMCSs, each VM's
 * virtual timer ticks are injected as external interrupts when the guest can
 * take them, and HLT puts a VM to sleep until its next tick. The handout is
 * labs/10-schedule/README.md; the interface is kernel/vmx/schedule.h, the VMs
 * around it (image, hypercalls) kernel/guest/sched_vm.h.
 */
#include "schedule.h"
#include "ept.h"
#include "errno.h"
#include "launch.h"
#include "printf.h"
#include "sched_vm.h"
#include "todo.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmx.h"
#include "x86.h"

/*
 * Exercise 1: the VMX-preemption timer of this processor. Goal: whether it
 * exists, how fast it counts, whether a VM exit can save it. SDM Vol. 3C,
 * 26.5.1 "VMX-Preemption Timer"; Vol. 3D, A.3.1 "Pin-Based VM-Execution
 * Controls", A.4 "VM-Exit Controls", A.6 "Miscellaneous Data". Hints: README,
 * exercise 1.
 */
int sched_timer_init(const struct vmx_caps *caps, struct sched_timer *t)
{
	todo(10, __func__, "find the timer, its rate and whether its value can be saved in caps");
	(void)caps;
	(void)t;
	return -HV_ENOSYS;
}

u32 sched_timer_value(const struct sched_timer *t, u64 ticks)
{
	todo(10, __func__, "convert TSC ticks into the timer's units");
	(void)t;
	(void)ticks;
	return 0;
}

/*
 * Exercise 2: a VMCS whose guest can be preempted. Goal: the timer counts down
 * while the guest runs and a VM exit comes when it reaches 0. SDM Vol. 3C,
 * 25.6.1 "Pin-Based VM-Execution Controls", 25.7.1 "VM-Exit Controls", 28.3.4
 * "Saving Non-Register State" (the timer's value at VM exit). Hints: README, exercise 2.
 */
int sched_vmcs_setup(const struct sched_timer *t, const struct vmx_caps *caps)
{
	todo(10, __func__, "turn the timer on in the current VMCS, and its saving where the processor has it");
	(void)t;
	(void)caps;
	return -HV_ENOSYS;
}

/* Sets or clears interrupt-window exiting in the current VMCS. */
static int sched_window(bool on)
{
	todo(10, __func__, "set or clear the control that makes a VM exit when the guest can take an interrupt");
	(void)on;
	return -HV_ENOSYS;
}

/*
 * Exercise 3: a virtual interrupt, delivered when the guest can take one.
 * SDM Vol. 3C, 27.3.1.5 "Checks on Guest Non-Register State", 25.4.2 "Guest
 * Non-Register State" (the interruptibility state), 25.8.3 "VM-Entry Controls
 * for Event Injection", 26.2 "Other Causes of VM Exits" (interrupt-window
 * exiting). Hints: README, exercise 3.
 */
int sched_inject(struct sched_vm *vm)
{
	todo(10, __func__, "inject the pending tick if the guest can take it now, else ask for the window");
	(void)vm;
	(void)sched_window;
	return -HV_ENOSYS;
}

/*
 * Exercise 4: an event whose delivery a VM exit interrupted. SDM Vol. 3C,
 * 28.2.4 "Information for VM Exits During Event Delivery", 25.8.3 "VM-Entry
 * Controls for Event Injection". Hints: README, exercise 4.
 */
int sched_redeliver(struct sched_vm *vm)
{
	todo(10, __func__, "if the exit interrupted an event's delivery, have the next VM entry deliver it");
	(void)vm;
	return -HV_ENOSYS;
}

/*
 * Exercise 5: the scheduler. Goal: both VMs make progress, neither keeps the CPU
 * longer than a slice while the other could run, each tick reaches its guest
 * once, a halted VM costs nothing until its tick. SDM Vol. 3C, 26.5.1
 * "VMX-Preemption Timer", 25.11.3 "Initializing a VMCS" and 27.1 "Basic VM-Entry
 * Checks" (the launch state), 25.11.2 "VMREAD, VMWRITE, and Encodings of VMCS
 * Fields". Hints: README, exercise 5.
 */

/* Marks the tick of every VM whose timer is due at now pending, and moves its deadline past now. */
static void sched_ticks(struct sched *s, u64 now)
{
	todo(10, __func__, "make the due ticks pending");
	(void)s;
	(void)now;
}

/* Whether v can use the CPU now. */
static bool sched_runnable(const struct sched_vm *v)
{
	todo(10, __func__, "decide whether the VM has something to do");
	(void)v;
	return false;
}

/* The VM to run next (-1: none can run now); keep says whether the current one's slice goes on. */
static int sched_pick(const struct sched *s, bool keep)
{
	todo(10, __func__, "choose the next VM, round-robin");
	(void)s;
	(void)keep;
	(void)sched_runnable;
	return -1;
}

/* No VM can run: waits until the earliest tick of a sleeping VM. 0 when every VM has shut down, 1 after a wait, or an error. */
static int sched_idle(struct sched *s)
{
	todo(10, __func__, "wait for the earliest timer of a halted VM, or end when every VM is done");
	(void)s;
	return -HV_ENOSYS;
}

int sched_run(struct sched *s)
{
	todo(10, __func__, "the round-robin loop: switch, arm the timer, inject, enter, handle the exit");
	(void)s;
	(void)sched_ticks;
	(void)sched_pick;
	(void)sched_idle;
	return -HV_ENOSYS;
}
