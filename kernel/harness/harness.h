/*
 * The lab harness: runs one scenario of one lab against the student's code and
 * prints the result lines the grader reads (the run protocol, CONTRIBUTING.md):
 *
 *   BEGIN: lab1 [nonce] scenario=vmx
 *   PASS: lab1/detect [nonce] vmx_detect() recognizes a CPU with VMX and succeeds
 *   FAIL: lab1/basic [nonce] caps->basic describes this CPU's IA32_VMX_BASIC -- revision_id is 0, want 0x10
 *   ABORT: lab1 [nonce] <why the remaining checks cannot run>
 *   SUMMARY: lab1 [nonce] 1 passed, 1 failed
 *
 * Every lab, scenario and check is a row of checks.def. A lab's harness file
 * (labN.c, labN_*.c) defines one function per scenario, labN_<scenario>(), which
 * reports that scenario's checks with check(); the harness core finds it by name,
 * runs the earlier labs the row's .after names (prereq.h), then calls it.
 */
#ifndef HV_HARNESS_H
#define HV_HARNESS_H

#include "prereq.h"
#include "trap.h"
#include "types.h"

/* The processor a scenario needs (checks.def's .vmx). */
/* VMX_EPT: VMX with the secondary control "enable EPT" (lab 8 on). */
enum scenario_vmx { VMX_ANY, VMX_REQUIRED, VMX_ABSENT, VMX_EPT };

/* Each scenario of checks.def: void labN_<scenario>(struct prereq *p). */
#define LAB(...)
#define CHECK(...)
#define QUESTION(...)
#define SCENARIO(n, name, ...) void lab##n##_##name(struct prereq *p);
#include "checks.def"
#undef LAB
#undef CHECK
#undef QUESTION
#undef SCENARIO

/* Parses lab=, scenario=, nonce= and vmcs_dump= from cmdline and runs that scenario. */
void harness_main(const char *cmdline);

/*
 * True when the command line says vmcs_dump=1: the harness dumps the VMCS it is about
 * to enter (lab 4's launch), for the maintainers' reference data of the HTML report
 * (grader/vmcs_reference.py). The grader never sets it.
 */
extern bool harness_vmcs_dump;

/*
 * Reports check id of the running scenario (its text comes from checks.def):
 * PASS, or FAIL with the reason formatted from why. Returns ok.
 */
__printf(3, 4) bool check(const char *id, bool ok, const char *why, ...);

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
