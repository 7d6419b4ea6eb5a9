/* One guest through the student's vm_setup_exits() and vm_run() (lab6_guest.h). */
#include "lab6_guest.h"
#include "errno.h"
#include "exits.h"
#include "harness.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"

struct setup_call {
	const struct vmx_caps *caps;
	int ret;
};

static void call_setup_exits(void *p)
{
	struct setup_call *c = p;
	c->ret = vm_setup_exits(c->caps);
}

static void call_vm_run(void *p)
{
	struct guest_run *r = p;
	r->ret = vm_run(&r->v);
}

/* The VM entries this run allows, for stop_stuck_guest(). */
static u64 entry_limit;

/*
 * The basic exit reasons of the current guest_run(), in order, for its exit trace
 * line, each with the guest's TSC ticks of its trip (vmx_exit_stats()->guest_ticks:
 * from its VM entry to this exit); traced counts them all, the first TRACE_MAX are
 * kept. ticks_seen: guest_ticks when the last exit was traced.
 */
#define TRACE_MAX 512
static u16 trace[TRACE_MAX];
static u64 trace_ticks[TRACE_MAX];
static u64 traced, ticks_seen;
static bool tracing;

/* Adds the VM exit that just happened to the trace. */
static void trace_exit(void)
{
	u64 reason = 0, ticks = vmx_exit_stats()->guest_ticks;

	if (vmcs_try_read(VM_EXIT_REASON, &reason) && traced < TRACE_MAX) {
		trace[traced] = (u16)(reason & 0xFFFF);
		trace_ticks[traced] = ticks - ticks_seen;
	}
	ticks_seen = ticks;
	traced++;
}

/*
 * vmx_enter_guest()'s entry hook during a run: records the exit that preceded this
 * entry (the entries after the first), and past entry_limit entries (if set) the
 * guest makes no progress, so this prints why and raises #UD, which ends the
 * student's vm_run() under harness_call().
 */
static void stop_stuck_guest(u64 entries)
{
	if (tracing && entries > 1)
		trace_exit();
	if (!entry_limit || entries <= entry_limit)
		return;
	kprintf(DIAG_TAG "watchdog: %lu VM entries, the limit for this guest: it is making no progress "
		"(is the guest's RIP advanced past each instruction it exits on?)\n", entry_limit);
	__asm__ volatile("ud2");
	__builtin_unreachable();
}

void guest_watchdog(u64 limit)
{
	entry_limit = limit;
	vmx_set_entry_hook(limit || tracing ? stop_stuck_guest : NULL);
}

void guest_trace_print(const char *name, int vm)
{
	if (!traced)
		return;
	kprintf("exit trace of \"%s\"", name);
	if (vm)
		kprintf(" (VM %d)", vm);
	kprintf(": %lu exits:", traced);
	u64 kept = traced < TRACE_MAX ? traced : TRACE_MAX;
	for (u64 i = 0; i < kept;) {
		u64 n = 1, ticks = trace_ticks[i];
		for (; i + n < kept && trace[i + n] == trace[i]; n++)
			ticks += trace_ticks[i + n];
		kprintf(n > 1 ? " %u*%lu" : " %u", trace[i], n);
		kprintf(":%lu", ticks);
		i += n;
	}
	kprintf(kept < traced ? " ...\n" : "\n");
}

bool guest_run(struct guest_run *r, const struct vmx_caps *caps, const struct guest_program *g,
	       u64 nonce, u64 limit)
{
	struct setup_call setup = { .caps = caps };

	memset(r, 0, sizeof(*r));
	traced = ticks_seen = 0;
	if (!harness_call("vm_setup_exits()", call_setup_exits, &setup, r->why, sizeof(r->why)))
		return false;
	if (setup.ret)
		return why_not(r->why, sizeof(r->why), "vm_setup_exits() returned %d (%s)", setup.ret,
			       hv_strerror(setup.ret));
	vcpu_init(&r->v, caps, g, nonce);
	guest_notes_reset();
	vmx_exit_stats_reset();
	tracing = true;
	guest_watchdog(limit);
	r->ran = harness_call("vm_run()", call_vm_run, r, r->why, sizeof(r->why));
	tracing = false;
	guest_watchdog(0);
	vserial_flush(&r->v.com1);
	u64 entries = vmx_exit_stats()->entries;
	u64 exits = 0;
	for (unsigned i = 0; i < VMX_STATS_REASONS; i++)
		exits += vmx_exit_stats()->exits[i];
	if (exits > traced)
		trace_exit();           /* the exit after the last entry: no entry hook saw it */
	if (!r->ran && entries > limit)
		why_not(r->why, sizeof(r->why), "the guest made no progress: %lu VM entries "
			"(a handler that does not move RIP past its instruction?)", entries - 1);
	return r->ran;
}
