/* The earlier labs, run under trap_catch(), with a clear ABORT when one of them fails. */
#include "prereq.h"
#include "errno.h"
#include "harness.h"

struct prereq_call {
	int (*fn)(struct vmx_caps *caps);
	struct vmx_caps *caps;
	int ret;
};

static void call(void *p)
{
	struct prereq_call *c = p;
	c->ret = c->fn(c->caps);
}

bool prereq_run(int lab, const char *who, int (*fn)(struct vmx_caps *caps), struct vmx_caps *caps)
{
	struct prereq_call c = { .fn = fn, .caps = caps };
	char why[160];

	if (!harness_call(who, call, &c, why, sizeof(why))) {
		harness_abort("this lab builds on lab %d, and %s; fix lab %d, or grade this lab on "
			      "the reference with PRIOR=sol", lab, why, lab);
		return false;
	}
	if (c.ret != 0) {
		harness_abort("this lab builds on lab %d, and %s returned %d (%s); fix lab %d, or "
			      "grade this lab on the reference with PRIOR=sol", lab, who, c.ret,
			      hv_strerror(c.ret), lab);
		return false;
	}
	return true;
}
