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
	/* BEGIN SOLUTION
	 * todo: find the timer, its rate and whether its value can be saved in caps
	 * stub: (void)caps;
	 * stub: (void)t;
	 * stub: return -HV_ENOSYS;
	 */
	if (!(caps->pinbased.allowed1 & PIN_BASED_VMX_PREEMPTION_TIMER)) {
		kprintf("no VMX-preemption timer: the pin-based control cannot be set\n");
		return -HV_ENOTIMER;
	}
	t->rate = (unsigned)(caps->misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);
	t->save = caps->exit.allowed1 & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
	return 0;
	/* END SOLUTION */
}

u32 sched_timer_value(const struct sched_timer *t, u64 ticks)
{
	/* BEGIN SOLUTION
	 * todo: convert TSC ticks into the timer's units
	 * stub: (void)t;
	 * stub: (void)ticks;
	 * stub: return 0;
	 */
	u64 v = ticks >> t->rate;
	if (!v && ticks)
		return 1;
	return v > 0xFFFFFFFFULL ? 0xFFFFFFFFU : (u32)v;
	/* END SOLUTION */
}

/*
 * Exercise 2: a VMCS whose guest can be preempted. Goal: the timer counts down
 * while the guest runs and a VM exit comes when it reaches 0. SDM Vol. 3C,
 * 25.6.1 "Pin-Based VM-Execution Controls", 25.7.1 "VM-Exit Controls", 28.3.4
 * "Saving Non-Register State" (the timer's value at VM exit). Hints: README, exercise 2.
 */
int sched_vmcs_setup(const struct sched_timer *t, const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: turn the timer on in the current VMCS, and its saving where the processor has it
	 * stub: (void)t;
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	u32 pin, exit;
	u32 want_exit = (u32)vmcs_read(VM_EXIT_CONTROLS) & ~VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
	if (t->save)
		want_exit |= VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
	int err = vmx_adjust_ctls((u32)vmcs_read(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_VMX_PREEMPTION_TIMER,
				  &caps->pinbased, &pin);
	if (!err)
		err = vmx_adjust_ctls(want_exit, &caps->exit, &exit);
	if (err) {
		kprintf("the VMX-preemption timer's controls are not allowed here\n");
		return -HV_ENOTIMER;
	}
	if ((err = vmcs_write(PIN_BASED_VM_EXEC_CONTROL, pin)))
		return err;
	return vmcs_write(VM_EXIT_CONTROLS, exit);
	/* END SOLUTION */
}

/* Sets or clears interrupt-window exiting in the current VMCS. */
static int sched_window(bool on)
{
	/* BEGIN SOLUTION
	 * todo: set or clear the control that makes a VM exit when the guest can take an interrupt
	 * stub: (void)on;
	 * stub: return -HV_ENOSYS;
	 */
	u64 proc = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	proc = on ? proc | CPU_BASED_INTR_WINDOW_EXITING : proc & ~(u64)CPU_BASED_INTR_WINDOW_EXITING;
	return vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc);
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: inject the pending tick if the guest can take it now, else ask for the window
	 * stub: (void)vm;
	 * stub: (void)sched_window;
	 * stub: return -HV_ENOSYS;
	 */
	if (!vm->pending)
		return sched_window(false);
	bool busy = vmcs_read(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID_MASK;
	bool open = (vmcs_read(GUEST_RFLAGS) & RFLAGS_IF) &&
		    !(vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
	if (busy || !open)
		return sched_window(true);
	int err = vmcs_write(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR | vm->vector);
	if (err)
		return err;
	vm->pending = false;
	return sched_window(false);
	/* END SOLUTION */
}

/*
 * Exercise 4: an event whose delivery a VM exit interrupted. SDM Vol. 3C,
 * 28.2.4 "Information for VM Exits During Event Delivery", 25.8.3 "VM-Entry
 * Controls for Event Injection". Hints: README, exercise 4.
 */
int sched_redeliver(struct sched_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: if the exit interrupted an event's delivery, have the next VM entry deliver it
	 * stub: (void)vm;
	 * stub: return -HV_ENOSYS;
	 */
	(void)vm;       /* the current VMCS says all: what was interrupted, and where it goes */
	u64 idt = vmcs_read(IDT_VECTORING_INFO_FIELD);
	if (!(idt & INTR_INFO_VALID_MASK))
		return 0;
	u32 type = (u32)idt & INTR_INFO_INTR_TYPE_MASK;
	int err = 0;
	if (idt & INTR_INFO_DELIVER_CODE_MASK)
		err = vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read(IDT_VECTORING_ERROR_CODE));
	if (!err && (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
		     type == INTR_TYPE_SOFT_EXCEPTION))
		err = vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	if (err)
		return err;
	/* bits 30:12 of the entry field are reserved: bit 12 of the vectoring field is not for it */
	return vmcs_write(VM_ENTRY_INTR_INFO_FIELD, idt & (INTR_INFO_VALID_MASK | INTR_INFO_DELIVER_CODE_MASK |
							   INTR_INFO_INTR_TYPE_MASK | INTR_INFO_VECTOR_MASK));
	/* END SOLUTION */
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
	/* BEGIN SOLUTION
	 * todo: make the due ticks pending
	 * stub: (void)s;
	 * stub: (void)now;
	 */
	for (int i = 0; i < SCHED_VMS; i++) {
		struct sched_vm *v = s->vms[i];
		if (!v->timer_on || now < v->deadline)
			continue;
		v->pending = true;
		while (v->deadline <= now)
			v->deadline += s->period;
	}
	/* END SOLUTION */
}

/* Whether v can use the CPU now. */
static bool sched_runnable(const struct sched_vm *v)
{
	/* BEGIN SOLUTION
	 * todo: decide whether the VM has something to do
	 * stub: (void)v;
	 * stub: return false;
	 */
	return !v->vm.vcpu.shutdown && (!v->halted || v->pending);
	/* END SOLUTION */
}

/* The VM to run next (-1: none can run now); keep says whether the current one's slice goes on. */
static int sched_pick(const struct sched *s, bool keep)
{
	/* BEGIN SOLUTION
	 * todo: choose the next VM, round-robin
	 * stub: (void)s;
	 * stub: (void)keep;
	 * stub: (void)sched_runnable;
	 * stub: return -1;
	 */
	if (keep && s->current >= 0 && sched_runnable(s->vms[s->current]))
		return s->current;
	for (int i = 1; i <= SCHED_VMS; i++) {
		int n = ((s->current < 0 ? -1 : s->current) + i + SCHED_VMS) % SCHED_VMS;
		if (sched_runnable(s->vms[n]))
			return n;
	}
	return -1;
	/* END SOLUTION */
}

/* No VM can run: waits until the earliest tick of a sleeping VM. 0 when every VM has shut down, 1 after a wait, or an error. */
static int sched_idle(struct sched *s)
{
	/* BEGIN SOLUTION
	 * todo: wait for the earliest timer of a halted VM, or end when every VM is done
	 * stub: (void)s;
	 * stub: return -HV_ENOSYS;
	 */
	u64 earliest = ~0ULL;
	bool alive = false;
	for (int i = 0; i < SCHED_VMS; i++) {
		const struct sched_vm *v = s->vms[i];
		if (v->vm.vcpu.shutdown)
			continue;
		alive = true;
		if (v->timer_on && v->deadline < earliest)
			earliest = v->deadline;
	}
	if (!alive)
		return 0;
	if (earliest == ~0ULL) {
		kprintf("every VM sleeps and none has a timer: nothing can wake them\n");
		return -HV_EINVAL;
	}
	while (rdtsc() < earliest)
		__asm__ volatile("pause");
	return 1;
	/* END SOLUTION */
}

int sched_run(struct sched *s)
{
	/* BEGIN SOLUTION
	 * todo: the round-robin loop: switch, arm the timer, inject, enter, handle the exit
	 * stub: (void)s;
	 * stub: (void)sched_ticks;
	 * stub: (void)sched_pick;
	 * stub: (void)sched_idle;
	 * stub: return -HV_ENOSYS;
	 */
	bool slice_over = true;
	u64 left = 0;
	for (;;) {
		sched_ticks(s, rdtsc());
		int next = sched_pick(s, !slice_over);
		if (next < 0) {
			int r = sched_idle(s);
			if (r <= 0)
				return r;
			continue;
		}
		struct sched_vm *v = s->vms[next];
		if (next != s->current) {
			enum vmx_status st = vmx_vmptrld(v->vmcs);
			if (st != VMX_SUCCEED) {
				vmx_report_failure("VMPTRLD", st);
				return -HV_EVMXFAIL;
			}
			s->current = next;
			slice_over = true;
		}
		int err = 0;
		if (slice_over) {
			left = s->slice;
			slice_over = false;
			err = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, sched_timer_value(&s->timer, left));
		} else if (!s->timer.save) {
			err = vmcs_write(VMX_PREEMPTION_TIMER_VALUE, sched_timer_value(&s->timer, left));
		}
		v->halted = false;
		if (err || (err = sched_inject(v)))
			return err;
		u64 start = rdtsc();
		enum vmx_status st = vmx_enter_guest(&v->vm.vcpu.regs, v->launched);
		if (st != VMX_SUCCEED) {
			vmx_report_failure(v->launched ? "VMRESUME" : "VMLAUNCH", st);
			return -HV_EVMXFAIL;
		}
		u64 used = rdtsc() - start;
		left = used < left ? left - used : 0;
		v->launched = true;
		u32 reason = (u32)vmcs_read(VM_EXIT_REASON);
		if (reason & VMX_EXIT_REASON_FAILED_VMENTRY) {
			kdiag("VM %u: VM entry failed: %s", v->index, vmx_exit_reason_name(reason & 0xFFFF));
			return -HV_EENTRY;
		}
		if ((err = sched_redeliver(v)))
			return err;
		switch (reason) {
		case EXIT_REASON_PREEMPTION_TIMER:
			slice_over = true;
			break;
		case EXIT_REASON_HLT:
			v->halted = true;
			slice_over = true;
			err = vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
			break;
		case EXIT_REASON_INTERRUPT_WINDOW:
			break;
		case EXIT_REASON_VMCALL:
			err = sched_hypercall(s, v);
			if (v->vm.vcpu.shutdown)
				slice_over = true;
			break;
		case EXIT_REASON_EPT_VIOLATION:
			err = ept_handle_violation(&v->vm);
			break;
		default:
			kdiag("VM %u: unhandled VM exit: %s (reason %u)", v->index, vmx_exit_reason_name(reason), reason);
			err = -HV_EEXIT;
			break;
		}
		if (err)
			return err;
	}
	/* END SOLUTION */
}
