/* One guest through the student's vm_setup_exits() and vm_run() (lab6_guest.h). */
#include "lab6_guest.h"
#include "errno.h"
#include "exits.h"
#include "harness.h"
#include "printf.h"
#include "string.h"

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
 * vmx_enter_guest()'s entry hook during a run: past entry_limit entries the
 * guest makes no progress, so this prints why and raises #UD, which ends the
 * student's vm_run() under harness_call().
 */
static void stop_stuck_guest(u64 entries)
{
	if (entries <= entry_limit)
		return;
	kprintf(DIAG_TAG "watchdog: %lu VM entries, the limit for this guest: it is making no progress "
		"(is the guest's RIP advanced past each instruction it exits on?)\n", entry_limit);
	__asm__ volatile("ud2");
	__builtin_unreachable();
}

void guest_watchdog(u64 limit)
{
	entry_limit = limit;
	vmx_set_entry_hook(limit ? stop_stuck_guest : NULL);
}

bool guest_run(struct guest_run *r, const struct vmx_caps *caps, const struct guest_program *g,
	       u64 nonce, u64 limit)
{
	struct setup_call setup = { .caps = caps };

	memset(r, 0, sizeof(*r));
	if (!harness_call("vm_setup_exits()", call_setup_exits, &setup, r->why, sizeof(r->why)))
		return false;
	if (setup.ret)
		return why_not(r->why, sizeof(r->why), "vm_setup_exits() returned %d (%s)", setup.ret,
			       hv_strerror(setup.ret));
	vcpu_init(&r->v, caps, g, nonce);
	guest_notes_reset();
	vmx_exit_stats_reset();
	guest_watchdog(limit);
	r->ran = harness_call("vm_run()", call_vm_run, r, r->why, sizeof(r->why));
	guest_watchdog(0);
	vserial_flush(&r->v.com1);
	u64 entries = vmx_exit_stats()->entries;
	if (!r->ran && entries > limit)
		why_not(r->why, sizeof(r->why), "the guest made no progress: %lu VM entries "
			"(a handler that does not move RIP past its instruction?)", entries - 1);
	return r->ran;
}
