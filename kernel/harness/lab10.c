/*
 * Lab 10 harness: two VMs on one CPU, judged by what the guests note in their
 * own memory (values derived from the run's nonce, read through the harness's
 * own walk of each VM's EPT) and by the harness's own watch of every VM entry
 * and exit: vmx_enter_guest()'s entry and exit hooks, which tell the VMs apart
 * by VMPTRST, time each trip with the TSC, read what is about to be injected
 * and what an exit interrupted. Each VM is a lab 8 VM (the student's EPT and
 * ept_vmcs_setup()) with a VMCS from the student's lab 4 vmcs_setup().
 * Scenario "vmx" runs the two VMs twice: on this processor, then on a made-up one
 * like it that cannot save the timer's value (checks nosave_*), in the same boot
 * (a third boot would take make grade LAB=10 past 3 s). The "notimer" scenario runs
 * on a model without the VMX-preemption timer.
 */
#include "capture.h"
#include "ept.h"
#include "ept_vm.h"
#include "errno.h"
#include "guest.h"
#include "io.h"
#include "harness.h"
#include "page.h"
#include "prereq.h"
#include "printf.h"
#include "sched_vm.h"
#include "schedule.h"
#include "string.h"
#include "vmcs_access.h"
#include "vmcs_check.h"
#include "vmxroot.h"
#include "x86.h"

/* The policy the harness asks for, in TSC ticks (on Bochs: emulated instructions). */
#define LAB10_SLICE 6000
#define LAB10_PERIOD 14000
/* More VM entries than a run of the reference needs many times over: the scheduler is stuck. */
#define LAB10_MAX_ENTRIES 20000
/* How late the first entry after both VMs slept may come after the earliest tick was due. */
#define LAB10_IDLE_SLACK 2000
/* The made-up timer rate of the nosave run: the hardware counts at its own rate, a slice becomes 2^rate times shorter. */
#define LAB10_NOSAVE_RATE 2

static const struct vmx_caps *lab_caps;

/* The check ids of the run being judged: "" for the main run, "nosave_" for the one without a saved timer. */
static const char *id_prefix = "";

/* id with the current run's prefix (valid until the next call). */
static const char *cid(const char *id)
{
	static char buf[40];
	ksnprintf(buf, sizeof(buf), "%s%s", id_prefix, id);
	return buf;
}

/* The guest's generator (kernel/guest/images/sched_guest.asm, lcg_next). */
static u64 lcg_next(u64 x)
{
	return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

/* The leaf EPT entry the processor would use for gpa in ept (NULL: none), as it walks. */
static u64 *hw_leaf(const struct ept *ept, u64 gpa)
{
	u64 *table = ept->pml4;
	for (int level = 4; level >= 1 && table; level--) {
		u64 *e = &table[(gpa >> (12 + 9 * (level - 1))) & 511];
		if (!(*e & EPT_RWX))
			return NULL;
		if (level == 1 || (level == 2 && (*e & EPT_LARGE)))
			return e;
		table = (u64 *)(*e & EPT_ADDR_MASK);
	}
	return NULL;
}

/* ---- calls into the student's code ---- */

struct call {
	const struct vmx_caps *caps;
	struct sched_timer *timer;
	struct sched_vm *vm;
	struct sched *s;
	u64 ticks;
	u32 value;
	int ret;
};

static void call_timer_init(void *p) { struct call *c = p; c->ret = sched_timer_init(c->caps, c->timer); }
static void call_timer_value(void *p) { struct call *c = p; c->value = sched_timer_value(c->timer, c->ticks); }
static void call_vmcs_setup(void *p) { struct call *c = p; c->ret = sched_vmcs_setup(c->timer, c->caps); }
static void call_inject(void *p) { struct call *c = p; c->ret = sched_inject(c->vm); }
static void call_run(void *p) { struct call *c = p; c->ret = sched_run(c->s); }

/* ---- exercise 1 ---- */

/* The timer values the harness accepts for ticks TSC ticks at rate: [*lo, *hi] (SDM Vol. 3C, 26.5.1 "VMX-Preemption Timer"). */
static void timer_want(unsigned rate, u64 ticks, u64 *lo, u64 *hi)
{
	u64 unit = 1ULL << rate;
	*lo = ticks / unit;
	*hi = ticks % unit ? *lo + 1 : *lo;
	if (ticks && !*lo)
		*lo = 1;
	if (*hi > 0xFFFFFFFFULL)
		*lo = *hi = 0xFFFFFFFFULL;
}

static bool timer_of(const struct vmx_caps *caps, struct sched_timer *t, char *why, size_t size)
{
	struct call c = { .caps = caps, .timer = t };
	if (!harness_call("sched_timer_init()", call_timer_init, &c, why, size))
		return false;
	if (c.ret)
		return why_not(why, size, "sched_timer_init() returned %d (%s) on a processor with the "
			       "VMX-preemption timer (pin-based may be 1: %#x)", c.ret, hv_strerror(c.ret),
			       caps->pinbased.allowed1);
	return true;
}

static void check_timer(struct sched_timer *t)
{
	char why[240] = "";
	/* What a caller's stack may hold before the call. */
	*t = (struct sched_timer){ .rate = 0xA5, .save = true };
	bool ok = timer_of(lab_caps, t, why, sizeof(why));
	unsigned rate = (unsigned)(lab_caps->misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);
	bool save = lab_caps->exit.allowed1 & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
	if (ok && (t->rate != rate || t->save != save))
		ok = why_not(why, sizeof(why), "sched_timer_init() says rate %u, save %s; this processor "
			     "(IA32_VMX_MISC %#lx, VM-exit controls may be 1: %#x) says rate %u, save %s",
			     t->rate, t->save ? "yes" : "no", lab_caps->misc, lab_caps->exit.allowed1, rate,
			     save ? "yes" : "no");
	check("timer_caps", ok, "%s", why);

	/* Made-up processors: another rate each, then no timer at all. */
	static const struct { unsigned rate; u64 ticks; } conv[] = {
		{ 0, 6000 }, { 5, 6000 }, { 3, 100000 }, { 7, 50 }, { 0, 1ULL << 40 }, { 2, 0 },
		{ 16, 1ULL << 40 }, { 31, 1ULL << 40 },
	};
	ok = true;
	for (size_t i = 0; ok && i < ARRAY_SIZE(conv); i++) {
		struct vmx_caps fake = *lab_caps;
		struct sched_timer ft = { 0 };
		fake.misc = (fake.misc & ~VMX_MISC_PREEMPTION_TIMER_RATE_MASK) | conv[i].rate;
		fake.pinbased.allowed1 |= PIN_BASED_VMX_PREEMPTION_TIMER;
		ok = timer_of(&fake, &ft, why, sizeof(why));
		struct call c = { .timer = &ft, .ticks = conv[i].ticks };
		ok = ok && harness_call("sched_timer_value()", call_timer_value, &c, why, sizeof(why));
		u64 lo, hi;
		timer_want(conv[i].rate, conv[i].ticks, &lo, &hi);
		if (ok && (c.value < lo || c.value > hi))
			ok = why_not(why, sizeof(why), "on a processor whose IA32_VMX_MISC bits 4:0 are %u, "
				     "sched_timer_value(%lu TSC ticks) returned %u; want %lu%s", conv[i].rate,
				     conv[i].ticks, c.value, lo, hi != lo ? " or the next" : "");
	}
	check("timer_value", ok, "%s", why);

	struct vmx_caps fake = *lab_caps;
	struct sched_timer ft = { 0 };
	fake.pinbased.allowed1 &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	struct call c = { .caps = &fake, .timer = &ft };
	ok = harness_call("sched_timer_init()", call_timer_init, &c, why, sizeof(why));
	if (ok && c.ret != -HV_ENOTIMER)
		ok = why_not(why, sizeof(why), "on a processor like this one but without the VMX-preemption "
			     "timer, sched_timer_init() returned %d (%s), want -HV_ENOTIMER", c.ret,
			     hv_strerror(c.ret));
	check("timer_refuse", ok, "%s", why);
}

/* ---- the run: two VMs, watched entry by entry ---- */

struct run {
	struct sched s;
	struct sched_vm vms[SCHED_VMS];
	struct prereq_vm pvm[SCHED_VMS];
	bool built[SCHED_VMS];
	size_t free_before;
	int ret;
	bool ran;
	char why[240];
};

/* What the hooks saw of each VM. */
struct watch_vm {
	u64 entries, exits[VMX_STATS_REASONS], failed_entries;
	u64 guest_ticks;
	u64 new_ticks;          /* entries that injected a new tick */
	u64 redelivered;        /* entries that delivered again what an exit interrupted */
	u64 interrupted;        /* exits that interrupted the delivery of an event */
	u64 stolen;             /* times the harness took the timer's stack page away */
	u64 preempted_if0;      /* VMX-preemption timer exits with the guest's RFLAGS.IF = 0 */
	u32 last_reason;        /* of its last exit (0 before any) */
	u32 outstanding;        /* IDT-vectoring information of its last exit (valid bit: pending) */
	u64 outstanding_exit;
	u64 injected_deadline;  /* the VM's next deadline when its last new tick went in */
};

static struct {
	struct run *r;
	struct watch_vm vm[SCHED_VMS];
	int last;               /* the VM of the last entry (-1: none) */
	u64 first_entry;        /* vmx_exit_stats()->entries when the run began */
	u64 entry_tsc;
	u64 switches;           /* entries of another VM than the last one */
	/* the current stint: the consecutive trips of one VM */
	u64 stint_ticks;        /* its guest ticks while the other VM could run */
	bool other_could_run;
	u64 worst_stint;
	int worst_vm;
	u64 trips;
	char inject_why[240], redeliver_why[240], halt_why[240], launch_why[240], slice_why[240];
	char grid_why[240], idle_why[240];
	u64 grid0[SCHED_VMS];   /* each VM's first deadline (0: its timer is not on yet) */
	u64 exit_tsc;           /* when the hook of the last exit returned */
	u64 idle_due;           /* both VMs slept at the last exit: the earliest deadline then (0: not both) */
	bool gapped;            /* the harness has stalled the host once */
	u64 trace[2][256];      /* make run: (VM << 16 | reason) per exit, and its guest ticks */
	size_t traced;
} w;

static int vm_of_current(void)
{
	u64 pa = 0;
	if (vmx_vmptrst(&pa) != VMX_SUCCEED || !w.r)
		return -1;
	for (int i = 0; i < SCHED_VMS; i++)
		if (w.r->vms[i].vmcs == pa)
			return i;
	return -1;
}

/* Whether VM i could use the CPU, as the harness sees it: not shut down, and not halted since its last exit. */
static bool could_run(int i)
{
	return !w.r->vms[i].vm.vcpu.shutdown && w.vm[i].last_reason != EXIT_REASON_HLT;
}

static void stint_end(void)
{
	if (w.last >= 0 && w.stint_ticks > w.worst_stint) {
		w.worst_stint = w.stint_ticks;
		w.worst_vm = w.last;
	}
	w.stint_ticks = 0;
}

/* The IST page's EPT entry of VM i gone, as if the host had taken the page back: the next delivery touches it. */
static void steal_stack(int i)
{
	struct ept *ept = &w.r->vms[i].vm.ept;
	u64 *e = hw_leaf(ept, SCHED_IST_PAGE);
	if (!e)
		return;
	*e = 0;
	vmx_invept(VMX_EPT_EXTENT_CONTEXT, ept->eptp);
	w.vm[i].stolen++;
}

static void watch_entry(u64 entries)
{
	int i = vm_of_current();
	if (entries - w.first_entry > LAB10_MAX_ENTRIES) {
		kprintf(DIAG_TAG "watchdog: %u VM entries and the VMs have not finished: the scheduler makes "
			"no progress (is the VMX-preemption timer armed again for each slice?)\n", LAB10_MAX_ENTRIES);
		__asm__ volatile("ud2");
		__builtin_unreachable();
	}
	if (i < 0)
		return;
	u64 now = rdtsc();
	struct watch_vm *m = &w.vm[i];
	int other = 1 - i;
	/* every deadline on its VM's grid (HC_TIMER's first one + k periods), and after the last exit */
	for (int k = 0; k < SCHED_VMS; k++) {
		const struct sched_vm *v = &w.r->vms[k];
		if (!v->timer_on || v->vm.vcpu.shutdown)
			continue;
		if (!w.grid0[k])
			w.grid0[k] = v->deadline;
		if (w.grid_why[0])
			continue;
		if (v->deadline < w.grid0[k] || (v->deadline - w.grid0[k]) % w.r->s.period)
			why_not(w.grid_why, sizeof(w.grid_why), "VM %d's tick is due at TSC %lu, %lu ticks after its "
				"first deadline: not a multiple of its period %lu (its ticks drift)", k, v->deadline,
				v->deadline - w.grid0[k], w.r->s.period);
		else if (v->deadline <= w.exit_tsc)
			why_not(w.grid_why, sizeof(w.grid_why), "VM %d was about to be entered with its next deadline "
				"%lu ticks in the past (the host was busy for a few periods): due ticks must move the "
				"deadline past now", k, w.exit_tsc - v->deadline);
	}
	/* both slept: the wait ends when the earliest tick is due (or at once if it is already) */
	u64 wake = w.idle_due > w.exit_tsc ? w.idle_due : w.exit_tsc;
	if (w.idle_due && now > wake + LAB10_IDLE_SLACK && !w.idle_why[0])
		why_not(w.idle_why, sizeof(w.idle_why), "both VMs slept and VM %d was entered %lu TSC ticks after "
			"the earliest of their ticks was due", i, now - wake);
	w.idle_due = 0;
	if (i != w.last) {
		stint_end();
		if (w.last >= 0)
			w.switches++;
		w.other_could_run = false;
		/* a new stint: a whole slice in the timer of the VMCS being entered */
		u64 lo, hi, value = vmcs_read(VMX_PREEMPTION_TIMER_VALUE);
		unsigned rate = (unsigned)(lab_caps->misc & VMX_MISC_PREEMPTION_TIMER_RATE_MASK);
		timer_want(rate, w.r->s.slice, &lo, &hi);
		if ((value < lo || value > hi) && !w.slice_why[0])
			why_not(w.slice_why, sizeof(w.slice_why), "VM %d was entered for a new slice of %lu TSC ticks "
				"with %lu in its VMCS's VMX-preemption timer; at rate %u (IA32_VMX_MISC bits 4:0) want %lu",
				i, w.r->s.slice, value, rate, lo);
	}
	w.other_could_run = could_run(other);
	w.last = i;
	m->entries++;

	u64 info = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
	bool valid = info & INTR_INFO_VALID_MASK;
	if (m->outstanding & INTR_INFO_VALID_MASK) {
		u32 want = m->outstanding & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK | INTR_INFO_VECTOR_MASK);
		const struct sched_vm *v = &w.r->vms[i];
		bool again = (info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK | INTR_INFO_VECTOR_MASK)) == want;
		if (again && v->deadline != m->injected_deadline && !v->pending) {
			/* a tick came due since (its deadline moved on), and it is not pending: it went in instead */
			if (!w.redeliver_why[0])
				why_not(w.redeliver_why, sizeof(w.redeliver_why), "exit %lu of VM %d (%s) interrupted the "
					"delivery of vector %#x; a new tick came due before the VM's next entry, which "
					"injected one tick and left none pending: the other one is lost",
					m->outstanding_exit, i, vmx_exit_reason_name(m->last_reason), m->outstanding & 0xFF);
		} else if (again)
			m->redelivered++;
		else if (!w.redeliver_why[0])
			why_not(w.redeliver_why, sizeof(w.redeliver_why), "exit %lu of VM %d (%s) interrupted the "
				"delivery of vector %#x (IDT-vectoring information %#x); the VM's next entry injected "
				"%#lx: that event is lost", m->outstanding_exit, i,
				vmx_exit_reason_name(m->last_reason), m->outstanding & 0xFF, m->outstanding, info);
		m->outstanding = 0;
	} else if (valid) {
		m->new_ticks++;
		m->injected_deadline = w.r->vms[i].deadline;
		if (m->new_ticks % 3 == 0)
			steal_stack(i);
	}
	if (m->last_reason == EXIT_REASON_HLT && !valid && !w.halt_why[0])
		why_not(w.halt_why, sizeof(w.halt_why), "VM %d executed HLT (its exit %lu) and was entered again "
			"with no interrupt to deliver: a halted VM must sleep until its next tick", i, m->entries - 1);
	if (valid) {
		u64 rflags = vmcs_read(GUEST_RFLAGS), intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
		u32 type = (u32)info & INTR_INFO_INTR_TYPE_MASK, vector = (u32)info & 0xFF;
		if (type == INTR_TYPE_EXT_INTR && !w.inject_why[0]) {
			if (!(rflags & RFLAGS_IF))
				why_not(w.inject_why, sizeof(w.inject_why), "entry %lu of VM %d injects vector %#x while "
					"the guest's RFLAGS.IF is 0 (RFLAGS %#lx)", m->entries, i, vector, rflags);
			else if (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
				why_not(w.inject_why, sizeof(w.inject_why), "entry %lu of VM %d injects vector %#x while "
					"the guest is in an interrupt shadow (interruptibility state %#lx)", m->entries, i,
					vector, intr);
			else if (vector != w.r->vms[i].vector)
				why_not(w.inject_why, sizeof(w.inject_why), "entry %lu of VM %d injects vector %#x; the "
					"guest asked for its ticks on vector %#x", m->entries, i, vector,
					w.r->vms[i].vector);
		}
	}
	w.entry_tsc = rdtsc();
}

static void watch_exit(u32 reason)
{
	u64 ticks = rdtsc() - w.entry_tsc;
	int i = vm_of_current();
	if (i < 0)
		return;
	struct watch_vm *m = &w.vm[i];
	m->exits[reason < VMX_STATS_REASONS ? reason : VMX_STATS_REASONS - 1]++;
	m->guest_ticks += ticks;
	if (w.other_could_run)
		w.stint_ticks += ticks;
	m->last_reason = reason;
	if (w.traced < ARRAY_SIZE(w.trace[0])) {
		w.trace[0][w.traced] = (u64)i << 16 | reason;
		w.trace[1][w.traced++] = ticks;
	}
	u64 exit_reason = vmcs_read(VM_EXIT_REASON);
	if (exit_reason & BIT(31)) {
		m->failed_entries++;
		if (!w.launch_why[0])
			why_not(w.launch_why, sizeof(w.launch_why), "entry %lu of VM %d failed: %s", m->entries, i,
				vmx_exit_reason_name(reason));
		return;
	}
	if (reason == EXIT_REASON_PREEMPTION_TIMER && !(vmcs_read(GUEST_RFLAGS) & RFLAGS_IF))
		m->preempted_if0++;
	u64 idt = vmcs_read(IDT_VECTORING_INFO_FIELD);
	if (idt & INTR_INFO_VALID_MASK) {
		m->interrupted++;
		m->outstanding = (u32)idt;
		m->outstanding_exit = m->entries;
	}
	if (reason == EXIT_REASON_HLT && !could_run(1 - i)) {
		w.idle_due = ~0ULL;
		for (int k = 0; k < SCHED_VMS; k++) {
			const struct sched_vm *v = &w.r->vms[k];
			if (v->timer_on && !v->vm.vcpu.shutdown && v->deadline < w.idle_due)
				w.idle_due = v->deadline;
		}
		if (w.idle_due == ~0ULL)
			w.idle_due = 0;
	}
	/* once, the host busy for three periods (as if it served a device): the due ticks pile up */
	if (reason == EXIT_REASON_PREEMPTION_TIMER && !w.gapped && w.r->vms[i].timer_on &&
	    m->exits[EXIT_REASON_PREEMPTION_TIMER] >= 4) {
		w.gapped = true;
		u64 until = rdtsc() + 3 * w.r->s.period;
		while (rdtsc() < until)
			__asm__ volatile("pause");
	}
	w.exit_tsc = rdtsc();
}

/* Builds the two VMs: VMCS (lab 4), VM and EPT (lab 8), the preemptible VMCS (this lab). */
static bool run_build(struct run *r, const struct sched_timer *t)
{
	memset(r, 0, sizeof(*r));
	r->free_before = page_free_count();
	r->s.timer = *t;
	r->s.slice = LAB10_SLICE;
	r->s.period = LAB10_PERIOD;
	r->s.current = -1;
	for (int i = 0; i < SCHED_VMS; i++) {
		r->s.vms[i] = &r->vms[i];
		if (!prereq_vm_new(&r->pvm[i], lab_caps, &guest_hello))
			return why_not(r->why, sizeof(r->why), "lab 4's vmcs_setup() failed (see the ABORT line)");
		int err = sched_vm_create(&r->vms[i], lab_caps, (u16)(0x10 + i), harness_nonce(), (unsigned)i,
					  (u64)r->pvm[i].vmcs);
		if (err)
			return why_not(r->why, sizeof(r->why), "building VM %d on your lab 8 EPT failed: %d (%s)", i,
				       err, hv_strerror(err));
		r->built[i] = true;
		if ((err = sched_vm_guest_state(&r->vms[i])))
			return why_not(r->why, sizeof(r->why), "VM %d's guest state: %s", i, hv_strerror(err));
		if ((err = ept_vmcs_setup(&r->vms[i].vm.ept, lab_caps, r->vms[i].vm.vpid)))
			return why_not(r->why, sizeof(r->why), "VM %d: lab 8's ept_vmcs_setup() returned %d (%s)", i,
				       err, hv_strerror(err));
		struct call c = { .caps = lab_caps, .timer = &r->s.timer };
		if (!harness_call("sched_vmcs_setup()", call_vmcs_setup, &c, r->why, sizeof(r->why)))
			return false;
		if (c.ret)
			return why_not(r->why, sizeof(r->why), "sched_vmcs_setup() returned %d (%s)", c.ret,
				       hv_strerror(c.ret));
	}
	return true;
}

/*
 * The legacy PICs (8259A) masked: the kernel takes no interrupt of its own, and
 * with "external-interrupt exiting" 0 a device's interrupt would go to the
 * running guest through its IDT (the BIOS's timer arrives as vector 8).
 */
static void pic_mask(void)
{
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
}

static void run_go(struct run *r)
{
	pic_mask();
	memset(&w, 0, sizeof(w));
	w.r = r;
	w.last = -1;
	w.worst_vm = -1;
	w.first_entry = vmx_exit_stats()->entries;
	struct call c = { .s = &r->s };
	vmx_set_entry_hook(watch_entry);
	vmx_set_exit_hook(watch_exit);
	r->ran = harness_call("sched_run()", call_run, &c, r->why, sizeof(r->why));
	vmx_set_entry_hook(NULL);
	vmx_set_exit_hook(NULL);
	stint_end();
	r->ret = c.ret;
}

static void run_free(struct run *r)
{
	for (int i = 0; i < SCHED_VMS; i++) {
		if (r->built[i])
			sched_vm_destroy(&r->vms[i]);
		if (r->pvm[i].vmcs)
			prereq_vm_free(&r->pvm[i]);
	}
	w.r = NULL;
}

/* Mailbox qword n of VM i, through the processor's walk of its EPT. */
static u64 mailbox(const struct run *r, int i, unsigned n)
{
	u64 *e = hw_leaf(&r->vms[i].vm.ept, EPT_GUEST_MAILBOX + 8 * n);
	if (!e)
		return 0xDEADDEADDEADDEADULL;
	return *(const u64 *)((*e & EPT_ADDR_MASK) + ((EPT_GUEST_MAILBOX + 8 * n) & (PAGE_SIZE - 1)));
}

/* Why the run did not end with both guests' shutdown (false), or true. */
static bool run_ended_well(const struct run *r, char *why, size_t size)
{
	if (!r->ran)
		return why_not(why, size, "%s", r->why);
	if (r->ret)
		return why_not(why, size, "sched_run() returned %d (%s) before both VMs finished", r->ret,
			       hv_strerror(r->ret));
	for (int i = 0; i < SCHED_VMS; i++) {
		if (!r->vms[i].vm.vcpu.shutdown)
			return why_not(why, size, "sched_run() returned 0, but VM %d has not shut down", i);
		if (r->vms[i].vm.vcpu.shutdown_code)
			return why_not(why, size, "VM %d stopped with code %#lx (0xE0 | vector: it took an "
				       "exception)", i, r->vms[i].vm.vcpu.shutdown_code);
	}
	return true;
}

/* ---- exercise 3 on its own: states the harness sets ---- */

static void check_inject_rules(struct run *r)
{
	static const struct {
		const char *state;
		bool pending;
		u64 rflags, intr, queued;
		bool inject;
		bool window_before;     /* interrupt-window exiting set before the call */
	} cases[] = {
		{ "RFLAGS.IF = 1, no blocking, nothing queued", true, 0x202, 0, 0, true, false },
		{ "RFLAGS.IF = 1, no blocking, interrupt-window exiting on from an earlier entry", true, 0x202, 0, 0, true,
		  true },
		{ "RFLAGS.IF = 0", true, 0x2, 0, 0, false, false },
		{ "RFLAGS.IF = 1 and blocking by STI", true, 0x202, GUEST_INTR_STATE_STI, 0, false, false },
		{ "RFLAGS.IF = 1 and blocking by MOV SS", true, 0x202, GUEST_INTR_STATE_MOV_SS, 0, false, false },
		{ "RFLAGS.IF = 1 and blocking by NMI only", true, 0x202, GUEST_INTR_STATE_NMI, 0, true, false },
		{ "RFLAGS.IF = 1 and a #PF already queued for this entry", true, 0x202, 0,
		  INTR_INFO_VALID_MASK | INTR_INFO_DELIVER_CODE_MASK | INTR_TYPE_HARD_EXCEPTION | 14, false, false },
		{ "no tick pending", false, 0x202, 0, 0, false, true },
	};
	char why[240] = "";
	bool ok = true;
	struct sched_vm *v = &r->vms[0];
	if (vmx_vmptrld(r->vms[0].vmcs) != VMX_SUCCEED) {
		check("inject_rules", false, "VMPTRLD of VM 0's VMCS failed");
		return;
	}
	u64 proc0 = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	v->vector = (u8)(SCHED_VECTOR_BASE + (harness_nonce() & 0x3F));
	for (size_t k = 0; ok && k < ARRAY_SIZE(cases); k++) {
		bool window_before = cases[k].window_before;
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, window_before ? proc0 | CPU_BASED_INTR_WINDOW_EXITING
								    : proc0 & ~(u64)CPU_BASED_INTR_WINDOW_EXITING);
		vmcs_write(GUEST_RFLAGS, cases[k].rflags);
		vmcs_write(GUEST_INTERRUPTIBILITY_INFO, cases[k].intr);
		vmcs_write(VM_ENTRY_INTR_INFO_FIELD, cases[k].queued);
		v->pending = cases[k].pending;
		struct call c = { .vm = v };
		ok = harness_call("sched_inject()", call_inject, &c, why, sizeof(why));
		if (!ok)
			break;
		u64 info = vmcs_read(VM_ENTRY_INTR_INFO_FIELD);
		bool window = vmcs_read(CPU_BASED_VM_EXEC_CONTROL) & CPU_BASED_INTR_WINDOW_EXITING;
		u64 want_info = cases[k].inject ? (INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR | v->vector)
						: cases[k].queued;
		bool want_window = cases[k].pending && !cases[k].inject;
		bool want_pending = cases[k].pending && !cases[k].inject;
		if (c.ret)
			ok = why_not(why, sizeof(why), "with %s, sched_inject() returned %d (%s)", cases[k].state,
				     c.ret, hv_strerror(c.ret));
		else if ((info & 0x80000FFFULL) != want_info)
			ok = why_not(why, sizeof(why), "with %s%s, sched_inject() left the VM-entry "
				     "interruption information %#lx; want %#lx", cases[k].state,
				     cases[k].pending ? " and a tick pending" : "", info, want_info);
		else if (window != want_window)
			ok = why_not(why, sizeof(why), "with %s%s, sched_inject() %s interrupt-window exiting",
				     cases[k].state, cases[k].pending ? " and a tick pending" : "",
				     window ? "left on" : "did not turn on");
		else if (v->pending != want_pending)
			ok = why_not(why, sizeof(why), "with %s, sched_inject() left vm->pending %s", cases[k].state,
				     v->pending ? "true" : "false");
	}
	/* as the image's guest state had them */
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc0);
	vmcs_write(GUEST_RFLAGS, 0x2);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	v->pending = false;
	v->vector = 0;
	check("inject_rules", ok, "%s", why);
}

/* ---- the run's checks ---- */

static const char *const run_ids[] = {
	"progress", "launch", "isolation", "preempt", "fair", "inject_if", "window", "ticks", "redeliver", "halt",
};

static void check_controls(const struct run *r)
{
	char why[240] = "";
	bool ok = true;
	for (int i = 0; ok && i < SCHED_VMS; i++) {
		vmx_vmptrld(r->vms[i].vmcs);
		u64 pin = vmcs_read(PIN_BASED_VM_EXEC_CONTROL), exit = vmcs_read(VM_EXIT_CONTROLS);
		if (!(pin & PIN_BASED_VMX_PREEMPTION_TIMER))
			ok = why_not(why, sizeof(why), "VM %d: the pin-based controls %#lx leave the VMX-preemption "
				     "timer off", i, pin);
		else if (!(exit & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER) != !r->s.timer.save)
			ok = why_not(why, sizeof(why), "VM %d: the VM-exit controls %#lx %s the timer's value, and "
				     "this processor %s", i, exit,
				     exit & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER ? "save" : "do not save",
				     r->s.timer.save ? "can" : "cannot");
		else if (vmcs_check(false).violations)
			ok = why_not(why, sizeof(why), "VM %d: vmcs_check() finds a VM-entry rule broken (printed "
				     "below)", i);
		if (!ok)
			vmcs_check(true);
	}
	/* refusal: VM 0's VMCS with the timer off, on a processor like this one without it */
	if (ok && vmx_vmptrld(r->vms[0].vmcs) == VMX_SUCCEED) {
		u64 pin = vmcs_read(PIN_BASED_VM_EXEC_CONTROL), exit = vmcs_read(VM_EXIT_CONTROLS);
		u64 off = pin & ~(u64)PIN_BASED_VMX_PREEMPTION_TIMER;
		struct vmx_caps fake = *lab_caps;
		fake.pinbased.allowed1 &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
		struct sched_timer t = r->s.timer;
		struct call c = { .caps = &fake, .timer = &t };
		vmcs_write(PIN_BASED_VM_EXEC_CONTROL, off);
		ok = harness_call("sched_vmcs_setup()", call_vmcs_setup, &c, why, sizeof(why));
		u64 after = vmcs_read(PIN_BASED_VM_EXEC_CONTROL);
		if (ok && (c.ret != -HV_ENOTIMER || after != off))
			ok = why_not(why, sizeof(why), "on a processor like this one without the VMX-preemption timer "
				     "(pin-based may be 1: %#x), sched_vmcs_setup() returned %d (%s) and left the pin-based "
				     "controls %#lx (were %#lx); want -HV_ENOTIMER and them unchanged",
				     fake.pinbased.allowed1, c.ret, hv_strerror(c.ret), after, off);
		vmcs_write(PIN_BASED_VM_EXEC_CONTROL, pin);
		vmcs_write(VM_EXIT_CONTROLS, exit);
	}
	check(cid("controls"), ok, "%s", why);
}

/* fair: no stint longer than a slice (and slack) while the other VM could run */
static void check_fair(const struct run *r)
{
	char why[300] = "";
	u64 limit = r->s.slice + r->s.slice / 2;
	bool ok = w.worst_stint <= limit && w.vm[0].entries && w.vm[1].entries && !w.slice_why[0];
	if (w.slice_why[0])
		why_not(why, sizeof(why), "%s", w.slice_why);
	else if (!w.vm[0].entries || !w.vm[1].entries)
		why_not(why, sizeof(why), "VM %d never ran", w.vm[0].entries ? 1 : 0);
	else if (!ok)
		why_not(why, sizeof(why), "VM %d ran %lu TSC ticks of guest time in a row while VM %d could run; "
			"a slice is %lu", w.worst_vm, w.worst_stint, 1 - w.worst_vm, r->s.slice);
	check(cid("fair"), ok, "%s", why);
}

/* The run's checks; only progress, launch and fair unless all. */
static void check_run(struct run *r, bool all)
{
	char why[300] = "";
	u64 nonce = harness_nonce();
	bool ended = run_ended_well(r, why, sizeof(why));
	char ended_why[300];
	memcpy(ended_why, why, sizeof(why));

	/* progress: both finished, with the notes their nonce says */
	bool ok = ended;
	for (int i = 0; ok && i < SCHED_VMS; i++) {
		u64 vector = SCHED_VECTOR_BASE + ((nonce >> (8 * i)) & 0x3F);
		if (mailbox(r, i, SCHED_MB_DONE) != SCHED_DONE || mailbox(r, i, SCHED_MB_NONCE) != nonce ||
		    mailbox(r, i, SCHED_MB_INDEX) != (u64)i || mailbox(r, i, SCHED_MB_VECTOR) != vector)
			ok = why_not(why, sizeof(why), "VM %d's notes {done %#lx, nonce %#lx, index %lu, vector %#lx}; "
				     "want {%#x, %#lx, %d, %#lx}", i, mailbox(r, i, SCHED_MB_DONE),
				     mailbox(r, i, SCHED_MB_NONCE), mailbox(r, i, SCHED_MB_INDEX),
				     mailbox(r, i, SCHED_MB_VECTOR), SCHED_DONE, nonce, i, vector);
	}
	check(cid("progress"), ok, "%s", ok ? "" : why);

	/* launch: every entry of each VMCS succeeded, and the VMs took turns */
	ok = !w.launch_why[0];
	if (!ok)
		why_not(why, sizeof(why), "%s", w.launch_why);
	for (int i = 0; ok && i < SCHED_VMS; i++) {
		u64 exits = 0;
		for (int k = 0; k < VMX_STATS_REASONS; k++)
			exits += w.vm[i].exits[k];
		if (exits != w.vm[i].entries) {
			vmx_vmptrld(r->vms[i].vmcs);
			ok = why_not(why, sizeof(why), "VM %d: %lu VM entries were tried and %lu came back with a VM "
				     "exit; its VMCS says VM-instruction error %lu (%s)", i, w.vm[i].entries, exits,
				     vmcs_read(VM_INSTRUCTION_ERROR), vmx_error_text((u32)vmcs_read(VM_INSTRUCTION_ERROR)));
		}
	}
	if (ok && w.switches < 4)
		ok = why_not(why, sizeof(why), "the CPU went from one VM to the other %lu times", w.switches);
	check(cid("launch"), ok, "%s", why);
	if (!all) {
		check_fair(r);
		return;
	}

	/* isolation: each VM's checksum, in a register and in memory, is its own */
	ok = true;
	for (int i = 0; ok && i < SCHED_VMS; i++) {
		u64 x = lcg_next(nonce + (u64)i);
		for (unsigned k = 0; k < SCHED_STEPS_CALLS + SCHED_STEPS_CLI; k++)
			x = lcg_next(x ^ (u64)i);
		u64 mismatch = mailbox(r, i, SCHED_MB_MISMATCH), badcall = mailbox(r, i, SCHED_MB_BADCALL);
		if (mismatch || badcall)
			ok = why_not(why, sizeof(why), "VM %d: its register and memory copies of its checksum "
				     "differed %lu times and %lu hypercalls returned another nonce: its state mixed "
				     "with another's", i, mismatch, badcall);
		else if (!ended)
			ok = why_not(why, sizeof(why), "%s", ended_why);
		else if (mailbox(r, i, SCHED_MB_SUM) != x)
			ok = why_not(why, sizeof(why), "VM %d: final checksum %#lx, want %#lx: its state mixed with "
				     "another's", i, mailbox(r, i, SCHED_MB_SUM), x);
	}
	check("isolation", ok, "%s", why);

	/* preempt: the spin with IF = 0 was interrupted by the timer */
	ok = true;
	for (int i = 0; ok && i < SCHED_VMS; i++)
		if (!w.vm[i].preempted_if0 && !ended)
			ok = why_not(why, sizeof(why), "%s", ended_why);
		else if (!w.vm[i].preempted_if0)
			ok = why_not(why, sizeof(why), "VM %d spun %u steps with RFLAGS.IF = 0 and never exited "
				     "for the VMX-preemption timer there (%lu timer exits in all)", i,
				     SCHED_STEPS_CLI, w.vm[i].exits[EXIT_REASON_PREEMPTION_TIMER]);
	check("preempt", ok, "%s", why);

	check_fair(r);

	/* inject_if: never injected into a guest that cannot take it */
	ok = !w.inject_why[0];
	if (!ok)
		why_not(why, sizeof(why), "%s", w.inject_why);
	for (int i = 0; ok && i < SCHED_VMS; i++)
		if (mailbox(r, i, SCHED_MB_MASKED))
			ok = why_not(why, sizeof(why), "VM %d's timer handler ran %lu times over code running "
				     "with interrupts disabled", i, mailbox(r, i, SCHED_MB_MASKED));
	check("inject_if", ok, "%s", why);

	/* window: the tick due during the IF = 0 stretch arrived as soon as the guest could take it */
	ok = ended;
	if (!ok)
		memcpy(why, ended_why, sizeof(why));
	for (int i = 0; ok && i < SCHED_VMS; i++)
		if (mailbox(r, i, SCHED_MB_LATE) || !w.vm[i].exits[EXIT_REASON_INTERRUPT_WINDOW])
			ok = why_not(why, sizeof(why), "VM %d: the tick that came due while its interrupts were "
				     "disabled %s after its STI (%lu interrupt-window exits)", i,
				     mailbox(r, i, SCHED_MB_LATE) ? "was not delivered right" : "was delivered right",
				     w.vm[i].exits[EXIT_REASON_INTERRUPT_WINDOW]);
	check("window", ok, "%s", why);

	/* ticks: each injected tick reached the handler once, none early, every deadline on the period's grid */
	ok = ended && !w.grid_why[0];
	if (w.grid_why[0])
		why_not(why, sizeof(why), "%s", w.grid_why);
	else if (!ended)
		memcpy(why, ended_why, sizeof(why));
	for (int i = 0; ok && i < SCHED_VMS; i++) {
		u64 got = mailbox(r, i, SCHED_MB_TICKS), early = mailbox(r, i, SCHED_MB_EARLY);
		if (got != w.vm[i].new_ticks || early || got < SCHED_HALTS + 1)
			ok = why_not(why, sizeof(why), "VM %d: %lu ticks were injected, its handler counted %lu "
				     "(%lu of them before they were due)", i, w.vm[i].new_ticks, got, early);
	}
	check("ticks", ok, "%s", why);

	/* redeliver: after an exit that interrupted a delivery, the event came again */
	ok = !w.redeliver_why[0] && ended;
	if (w.redeliver_why[0])
		why_not(why, sizeof(why), "%s", w.redeliver_why);
	else if (!ended)
		memcpy(why, ended_why, sizeof(why));
	for (int i = 0; ok && i < SCHED_VMS; i++)
		if (!w.vm[i].interrupted)
			ok = why_not(why, sizeof(why), "VM %d: no exit interrupted a delivery (the harness took its "
				     "timer's stack page %lu times)", i, w.vm[i].stolen);
	check("redeliver", ok, "%s", why);

	/* halt: a halted VM comes back only with its tick, and HLT never returned without one */
	ok = !w.halt_why[0] && !w.idle_why[0] && ended;
	if (w.halt_why[0])
		why_not(why, sizeof(why), "%s", w.halt_why);
	else if (w.idle_why[0])
		why_not(why, sizeof(why), "%s", w.idle_why);
	else if (!ended)
		memcpy(why, ended_why, sizeof(why));
	for (int i = 0; ok && i < SCHED_VMS; i++)
		if (mailbox(r, i, SCHED_MB_WAKES) || w.vm[i].exits[EXIT_REASON_HLT] < SCHED_HALTS)
			ok = why_not(why, sizeof(why), "VM %d: HLT returned %lu times without a tick (%lu HLT exits)", i,
				     mailbox(r, i, SCHED_MB_WAKES), w.vm[i].exits[EXIT_REASON_HLT]);
	check("halt", ok, "%s", why);
}

/*
 * The run's exits: per VM, an exit trace line (the run protocol's format, CONTRIBUTING.md:
 * the HTML report draws a row per VM), then the interleaved order of the first
 * ARRAY_SIZE(w.trace[0]) exits, "VM/reason:ticks" each (the slides' timeline).
 */
static void trace_print(void)
{
	for (int vm = 0; vm < SCHED_VMS; vm++) {
		u64 total = 0;
		for (int k = 0; k < VMX_STATS_REASONS; k++)
			total += w.vm[vm].exits[k];
		kprintf("exit trace of \"schedule\" (VM %d): %lu exits:", vm + 1, total);
		u64 listed = 0;
		for (size_t k = 0; k < w.traced;) {
			if ((int)(w.trace[0][k] >> 16) != vm) {
				k++;
				continue;
			}
			u64 reason = w.trace[0][k] & 0xFFFF, n = 0, ticks = 0;
			for (; k < w.traced && w.trace[0][k] == ((u64)vm << 16 | reason); k++, n++)
				ticks += w.trace[1][k];
			listed += n;
			if (n > 1)
				kprintf(" %lu*%lu:%lu", reason, n, ticks);
			else
				kprintf(" %lu:%lu", reason, ticks);
		}
		kprintf("%s\n", listed < total ? " ..." : "");
	}
	kprintf("switch trace of \"schedule\": %zu exits:", w.traced);
	for (size_t k = 0; k < w.traced; k++)
		kprintf(" %lu/%lu:%lu", w.trace[0][k] >> 16, w.trace[0][k] & 0xFFFF, w.trace[1][k]);
	kprintf("%s\n", w.traced == ARRAY_SIZE(w.trace[0]) ? " ..." : "");
}

/*
 * The same run on a processor like this one that cannot save the timer's value
 * at VM exit (its VM-exit capability without that bit, SDM Vol. 3D, A.4): the
 * save control stays off, and each VM entry must arm the timer with what is
 * left of the slice; its timer rate is LAB10_NOSAVE_RATE (IA32_VMX_MISC bits 4:0,
 * SDM Vol. 3D, A.6), so the slice must be converted.
 */
static void run_nosave(struct prereq *p)
{
	static struct run r;
	static struct sched_timer t;
	static struct vmx_caps caps;
	caps = p->caps;
	caps.exit.allowed1 &= ~VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
	/* and a timer rate of its own (every Bochs model says 0): the slice must be converted */
	caps.misc = (caps.misc & ~VMX_MISC_PREEMPTION_TIMER_RATE_MASK) | LAB10_NOSAVE_RATE;
	lab_caps = &caps;
	id_prefix = "nosave_";
	bool built = timer_of(lab_caps, &t, r.why, sizeof(r.why)) && run_build(&r, &t);
	if (!built) {
		static const char *const ids[] = { "controls", "progress", "launch", "fair" };
		for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
			check(cid(ids[i]), false, "%s", r.why);
	} else {
		check_controls(&r);
		run_go(&r);
		check_run(&r, false);
	}
	run_free(&r);
	id_prefix = "";
	lab_caps = &p->caps;
}

void lab10_vmx(struct prereq *p)
{
	static struct run r;
	static struct sched_timer t;
	lab_caps = &p->caps;
	check_timer(&t);
	if (!timer_of(lab_caps, &t, r.why, sizeof(r.why)) || !run_build(&r, &t)) {
		static const char *const ids[] = { "controls", "inject_rules" };
		static const char *const nosave[] = { "nosave_controls", "nosave_progress", "nosave_launch",
						      "nosave_fair" };
		for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
			check(ids[i], false, "%s", r.why);
		for (size_t i = 0; i < ARRAY_SIZE(run_ids); i++)
			check(run_ids[i], false, "%s", r.why);
		for (size_t i = 0; i < ARRAY_SIZE(nosave); i++)
			check(nosave[i], false, "%s", r.why);
		run_free(&r);
		return;
	}
	check_controls(&r);
	check_inject_rules(&r);
	run_go(&r);
	trace_print();
	check_run(&r, true);
	run_free(&r);
	run_nosave(p);
}

/* On a model without the VMX-preemption timer: refused. */
void lab10_notimer(struct prereq *p)
{
	char why[200] = "";
	struct sched_timer t = { 0 };
	struct call c = { .caps = &p->caps, .timer = &t };
	bool ok = harness_call("sched_timer_init()", call_timer_init, &c, why, sizeof(why));
	if (ok && c.ret != -HV_ENOTIMER)
		ok = why_not(why, sizeof(why), "sched_timer_init() returned %d (%s) on a processor without the "
			     "VMX-preemption timer, want -HV_ENOTIMER", c.ret, hv_strerror(c.ret));
	check("refuse", ok, "%s", why);
}

/* ---- make run: the two VMs, narrated ---- */

/* Prints the run stint by stint: which VM ran, what its trips ended with, its guest ticks. */
static void demo_stints(void)
{
	static const struct { u32 reason; const char *what; } names[] = {
		{ EXIT_REASON_VMCALL, "hypercall" }, { EXIT_REASON_PREEMPTION_TIMER, "slice over" },
		{ EXIT_REASON_HLT, "HLT" }, { EXIT_REASON_INTERRUPT_WINDOW, "window open" },
		{ EXIT_REASON_EPT_VIOLATION, "EPT violation" },
	};
	size_t shown = 0;
	for (size_t k = 0; k < w.traced && shown < 40; shown++) {
		int vm = (int)(w.trace[0][k] >> 16);
		u64 ticks = 0;
		kprintf("   VM %d:", vm);
		for (; k < w.traced && (int)(w.trace[0][k] >> 16) == vm; k++) {
			u32 reason = (u32)(w.trace[0][k] & 0xFFFF);
			const char *what = vmx_exit_reason_name(reason);
			for (size_t n = 0; n < ARRAY_SIZE(names); n++)
				if (names[n].reason == reason)
					what = names[n].what;
			ticks += w.trace[1][k];
			kprintf(" %s", what);
		}
		kprintf(" (%lu ticks)\n", ticks);
	}
	if (shown == 40)
		kprintf("   ...\n");
}

/*
 * `make run`: the whole hypervisor up to lab 8 (lab 8's demo), then lab 10's two VMs
 * sharing the CPU, stint by stint, and what each guest noted.
 */
void lab10_demo(struct prereq *p)
{
	static struct run r;
	static struct sched_timer t;
	lab9_demo(p);
	lab_caps = &p->caps;
	kprintf("== lab 10, schedule: two VMs on one CPU\n");
	if (!timer_of(lab_caps, &t, r.why, sizeof(r.why))) {
		kprintf("   %s\n", r.why);
		return;
	}
	kprintf("   VMX-preemption timer: 1 unit = 2^%u TSC ticks, value saved at VM exit: %s; slice %u "
		"ticks, each guest's tick every %u\n", t.rate, t.save ? "yes" : "no", LAB10_SLICE, LAB10_PERIOD);
	if (!run_build(&r, &t)) {
		kprintf("   %s\n", r.why);
		run_free(&r);
		return;
	}
	vmx_exit_stats_reset();
	run_go(&r);
	demo_stints();
	char why[300] = "";
	kprintf("   %s after %lu VM entries and %lu VMCS switches\n",
		run_ended_well(&r, why, sizeof(why)) ? "both VMs shut down" : why, vmx_exit_stats()->entries,
		w.switches);
	for (int i = 0; i < SCHED_VMS; i++)
		kprintf("   VM %d: vector %#lx, %lu ticks received (%lu injected, %lu delivered again after an "
			"exit), %lu slices ended by the timer (%lu with IF = 0), %lu HLTs, checksum %#lx\n", i,
			mailbox(&r, i, SCHED_MB_VECTOR), mailbox(&r, i, SCHED_MB_TICKS), w.vm[i].new_ticks,
			w.vm[i].redelivered, w.vm[i].exits[EXIT_REASON_PREEMPTION_TIMER], w.vm[i].preempted_if0,
			w.vm[i].exits[EXIT_REASON_HLT], mailbox(&r, i, SCHED_MB_SUM));
	run_free(&r);
}

/* ---- make bench: what a VM switch costs ---- */

#define LAB10_BENCH_TRIPS 256

/*
 * The mean TSC ticks (on Bochs: emulated instructions) of a VM entry to a guest that
 * exits at once (its VMCALL, run again each time: RIP is left on it) and back, without
 * and with a VMPTRLD of the other VM's VMCS before each entry.
 */
void lab10_bench(struct prereq *p)
{
	static struct run r;
	static struct sched_timer t;
	lab_caps = &p->caps;
	if (!timer_of(lab_caps, &t, r.why, sizeof(r.why)) || !run_build(&r, &t)) {
		harness_abort("the bench VMs could not be built: %s", r.why);
		run_free(&r);
		return;
	}
	pic_mask();
	bool ok = true;
	for (int i = 0; ok && i < SCHED_VMS; i++) {
		struct sched_vm *v = &r.vms[i];
		ok = vmx_vmptrld(v->vmcs) == VMX_SUCCEED && vmcs_write(VMX_PREEMPTION_TIMER_VALUE, 0xFFFFFFFF) == 0 &&
		     vmx_enter_guest(&v->vm.vcpu.regs, false) == VMX_SUCCEED &&
		     vmcs_read(VM_EXIT_REASON) == EXIT_REASON_VMCALL;
	}
	u64 same = 0, switched = 0;
	for (unsigned k = 0; ok && k < LAB10_BENCH_TRIPS; k++) {
		struct sched_vm *v = &r.vms[1];
		u64 start = rdtsc();
		ok = vmx_enter_guest(&v->vm.vcpu.regs, true) == VMX_SUCCEED;
		same += rdtsc() - start;
	}
	for (unsigned k = 0; ok && k < LAB10_BENCH_TRIPS; k++) {
		struct sched_vm *v = &r.vms[k & 1];
		u64 start = rdtsc();
		ok = vmx_vmptrld(v->vmcs) == VMX_SUCCEED && vmx_enter_guest(&v->vm.vcpu.regs, true) == VMX_SUCCEED;
		switched += rdtsc() - start;
	}
	if (!ok) {
		harness_abort("a bench VM entry failed");
	} else {
		kprintf("BENCH: same_vmcs %lu ticks per round trip\n", same / LAB10_BENCH_TRIPS);
		kprintf("BENCH: vm_switch %lu ticks per round trip\n", switched / LAB10_BENCH_TRIPS);
	}
	run_free(&r);
}
