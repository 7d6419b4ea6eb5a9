/* One guest through the student's vm_setup_exits() and vm_run() (lab6_guest.h). */
#include "lab6_guest.h"
#include "errno.h"
#include "exits.h"
#include "harness.h"
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
	vmx_stats_reset(limit);
	r->ran = harness_call("vm_run()", call_vm_run, r, r->why, sizeof(r->why));
	vmx_stats.entry_limit = 0;
	vserial_flush(&r->v.com1);
	if (!r->ran && vmx_stats.entries > limit)
		why_not(r->why, sizeof(r->why), "the guest made no progress: %lu VM entries "
			"(a handler that does not move RIP past its instruction?)", vmx_stats.entries - 1);
	return r->ran;
}
