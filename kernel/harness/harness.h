/*
 * The lab harness: runs one lab's checks against the student's code and prints
 * the result lines the grader reads (the run protocol in DESIGN.md):
 *
 *   BEGIN: lab1 [nonce] scenario=vmx
 *   PASS: lab1/cpuid [nonce] vmx_cpu_has_vmx() reports CPUID.1:ECX.VMX
 *   FAIL: lab1/basic [nonce] vmx_detect() decodes IA32_VMX_BASIC -- revision_id is 0, want 0x10
 *   ABORT: lab1 [nonce] <why the remaining checks cannot run>
 *   SUMMARY: lab1 [nonce] 1 passed, 1 failed
 */
#ifndef HV_HARNESS_H
#define HV_HARNESS_H

#include "trap.h"
#include "types.h"

/* One lab's test driver, registered with HARNESS(). */
struct harness {
	int lab;
	const char *name;
	/* Runs the checks of scenario; returns false if the scenario is unknown. */
	bool (*run)(const char *scenario);
};

#define HARNESS(n, name_, fn)                                                   \
	static const struct harness harness_lab##n                               \
		__attribute__((section(".harness"), used, aligned(8))) = { n, name_, fn }

/* Parses lab=, scenario= and nonce= from cmdline and runs that lab's harness. */
void harness_main(const char *cmdline);

/* Reports check id: PASS, or FAIL with the reason formatted from why. Returns ok. */
__printf(4, 5) bool check(const char *id, bool ok, const char *what, const char *why, ...);

/*
 * Formats the reason a check fails into why and returns false, so that a test reads
 * `else if (cond) ok = why_not(why, sizeof(why), "...", ...);`.
 */
__printf(3, 4) bool why_not(char *why, size_t size, const char *fmt, ...);

/* Ends the run early: the grader fails every check not yet reported, giving this reason. */
__printf(1, 2) void harness_abort(const char *fmt, ...);

/*
 * Runs fn(arg), which calls into the student's code named who, under trap_call().
 * Returns true if it returned normally; otherwise writes e.g.
 * "vmx_detect() raised #GP(0) at rip 0x1034a2" into why and returns false.
 */
bool harness_call(const char *who, void (*fn)(void *), void *arg, char *why, size_t size);

/* This run's nonce as a number (a hash of the nonce= string), for values a guest must echo. */
u64 harness_nonce(void);

#endif
