/* Result lines, fault containment and dispatch to the lab harnesses. */
#include "harness.h"
#include "cmdline.h"
#include "printf.h"
#include "string.h"

extern const struct harness __harness_start[], __harness_end[];

static struct {
	int lab;
	char nonce[20];
	int passed, failed;
} run;

bool check(const char *id, bool ok, const char *what, const char *why, ...)
{
	kprintf("%s: lab%d/%s [%s] %s", ok ? "PASS" : "FAIL", run.lab, id, run.nonce, what);
	if (!ok) {
		va_list ap;
		va_start(ap, why);
		kprintf(" -- ");
		kvprintf(why, ap);
		va_end(ap);
		run.failed++;
	} else {
		run.passed++;
	}
	kprintf("\n");
	return ok;
}

bool why_not(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(why, size, fmt, ap);
	va_end(ap);
	return false;
}

void harness_abort(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kprintf("ABORT: lab%d [%s] ", run.lab, run.nonce);
	kvprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
}

bool harness_call(const char *who, void (*fn)(void *), void *arg, char *why, size_t size)
{
	struct fault f;
	if (trap_call(fn, arg, &f))
		return true;
	char desc[96];
	trap_describe(&f, desc, sizeof(desc));
	ksnprintf(why, size, "%s raised %s", who, desc);
	kprintf("(the fault was caught: %s)\n", why);
	return false;
}

u64 harness_nonce(void)
{
	u64 h = 0xcbf29ce484222325ULL;          /* FNV-1a, 64 bits */
	for (const char *p = run.nonce; *p; p++)
		h = (h ^ (u8)*p) * 0x100000001b3ULL;
	return h;
}

void harness_main(const char *cmdline)
{
	char scenario[32] = "default";

	run.lab = (int)cmdline_get_long(cmdline, "lab", -1);
	cmdline_get(cmdline, "scenario", scenario, sizeof(scenario));
	if (!cmdline_get(cmdline, "nonce", run.nonce, sizeof(run.nonce)))
		memcpy(run.nonce, "-", 2);

	kprintf("BEGIN: lab%d [%s] scenario=%s\n", run.lab, run.nonce, scenario);
	const struct harness *h = __harness_start;
	while (h < __harness_end && h->lab != run.lab)
		h++;
	if (h == __harness_end)
		harness_abort("this kernel has no harness for lab %d (build it with LAB=%d)",
			      run.lab, run.lab);
	else if (!h->run(scenario))
		harness_abort("lab %d (%s) has no scenario \"%s\"", run.lab, h->name, scenario);
	kprintf("SUMMARY: lab%d [%s] %d passed, %d failed\n", run.lab, run.nonce, run.passed,
		run.failed);
}
