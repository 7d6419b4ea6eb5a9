/* Result lines, fault containment, and dispatch to the scenarios of checks.def. */
#include "harness.h"
#include "cmdline.h"
#include "printf.h"
#include "string.h"
#include "trap.h"
#include "vmx.h"
#include "vmxroot.h"
#include "x86.h"

/* Questions (answers-labN.txt) are the grader's alone. */
#define QUESTION(...)

/* A stage links the harnesses of its labs only: the others' scenario functions are NULL. */
#define LAB(...)
#define CHECK(...)
#define SCENARIO(n, name, ...) extern __typeof__(lab##n##_##name) lab##n##_##name __attribute__((weak));
#include "checks.def"
#undef SCENARIO

struct lab_row {
	int lab;
	const char *name;
	int after;                      /* the student's labs 1..after run first */
	const char *files[4];
};

struct scenario_row {
	int lab;
	const char *name;
	void (*run)(struct prereq *p);
	enum scenario_vmx vmx;
	/* for the grader only: */
	const char *firmware, *cpu;
	int timeout, megs;
	bool hidden, linux;
	const char *provoked[8];
};

struct check_row {
	int lab;
	const char *scenario, *id;
	int points;
	const char *what;
};

#undef LAB
#define LAB(n, name_, ...) { .lab = n, .name = #name_, __VA_ARGS__ },
#define SCENARIO(...)
static const struct lab_row lab_rows[] = {
#include "checks.def"
};
#undef LAB
#undef SCENARIO
#define LAB(...)
#define SCENARIO(n, name_, ...) { .lab = n, .name = #name_, .run = lab##n##_##name_, __VA_ARGS__ },
static const struct scenario_row scenario_rows[] = {
#include "checks.def"
};
#undef SCENARIO
#undef CHECK
#define SCENARIO(...)
#define CHECK(n, scenario_, id_, points_, what_) \
	{ .lab = n, .scenario = #scenario_, .id = #id_, .points = points_, .what = what_ },
static const struct check_row check_rows[] = {
#include "checks.def"
};
#undef LAB
#undef SCENARIO
#undef CHECK
#undef QUESTION

static struct {
	int lab;
	const char *scenario;
	char nonce[20];
	int passed, failed;
} run;

bool check(const char *id, bool ok, const char *why, ...)
{
	const char *what = "(a check that checks.def does not list for this scenario)";
	for (size_t i = 0; i < ARRAY_SIZE(check_rows); i++)
		if (check_rows[i].lab == run.lab && strcmp(check_rows[i].scenario, run.scenario) == 0 &&
		    strcmp(check_rows[i].id, id) == 0)
			what = check_rows[i].what;

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
	kdiag("(the fault was caught: %s)", why);
	return false;
}

u64 harness_nonce(void)
{
	u64 h = 0xcbf29ce484222325ULL;          /* FNV-1a, 64 bits */
	for (const char *p = run.nonce; *p; p++)
		h = (h ^ (u8)*p) * 0x100000001b3ULL;
	return h;
}

/* Lab n's row of checks.def, or NULL. */
static const struct lab_row *lab_row(int n)
{
	for (size_t i = 0; i < ARRAY_SIZE(lab_rows); i++)
		if (lab_rows[i].lab == n)
			return &lab_rows[i];
	return NULL;
}

/* Scenario name of lab n, or NULL. */
static const struct scenario_row *scenario_row(int n, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(scenario_rows); i++)
		if (scenario_rows[i].lab == n && strcmp(scenario_rows[i].name, name) == 0)
			return &scenario_rows[i];
	return NULL;
}

/* Whether this processor is the one scenario s needs; if not, an ABORT line says what to run it on. */
static bool processor_fits(const struct scenario_row *s)
{
	bool vmx = cpuid(1, 0).ecx & CPUID_1_ECX_VMX;
	/* "enable EPT" may be 1: allowed-1 bit 31 of the primary, bit 1 of the secondary controls (Vol. 3D, A.3). */
	bool ept = vmx && (rdmsr(MSR_IA32_VMX_PROCBASED_CTLS) & BIT(32 + 31)) &&
		   (rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) & BIT(32 + 1));
	if (s->vmx == VMX_EPT && !ept)
		harness_abort("this CPU has no EPT, but the \"%s\" scenario needs it: run it on Bochs "
			      "with a model that has EPT (every VMX model but core2_penryn_t9600)", s->name);
	else if (s->vmx == VMX_REQUIRED && !vmx)
		harness_abort("this CPU has no VMX, but the \"%s\" scenario needs it: run it on Bochs "
			      "with a VMX CPU model, or on KVM with nested VMX", s->name);
	else if (s->vmx == VMX_ABSENT && vmx)
		harness_abort("this CPU has VMX, but the \"%s\" scenario needs one without: run it on "
			      "Bochs with CPU=ryzen, or on QEMU TCG", s->name);
	else
		return true;
	return false;
}

bool harness_vmcs_dump;

void harness_main(const char *cmdline)
{
	static char scenario[32] = "default";

	run.lab = (int)cmdline_get_long(cmdline, "lab", -1);
	run.scenario = scenario;
	harness_vmcs_dump = cmdline_get_long(cmdline, "vmcs_dump", 0) == 1;
	cmdline_get(cmdline, "scenario", scenario, sizeof(scenario));
	if (!cmdline_get(cmdline, "nonce", run.nonce, sizeof(run.nonce)))
		memcpy(run.nonce, "-", 2);

	kprintf("BEGIN: lab%d [%s] scenario=%s\n", run.lab, run.nonce, scenario);
	const struct lab_row *lab = lab_row(run.lab);
	const struct scenario_row *s = scenario_row(run.lab, scenario);
	struct prereq p = { 0 };

	if (!lab || (s && !s->run))
		harness_abort("this kernel has no harness for lab %d (build it with LAB=%d)",
			      run.lab, run.lab);
	else if (!s)
		harness_abort("lab %d (%s) has no scenario \"%s\"", run.lab, lab->name, scenario);
	else if (processor_fits(s) && prereq_labs(&p, 1, lab->after))
		s->run(&p);
	if (s && (s->vmx == VMX_REQUIRED || s->vmx == VMX_EPT))
		vmxroot_leave();
	kprintf("SUMMARY: lab%d [%s] %d passed, %d failed\n", run.lab, run.nonce, run.passed,
		run.failed);
}
