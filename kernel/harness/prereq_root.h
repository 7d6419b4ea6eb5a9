/*
 * For the harnesses of labs 3 and later: the student's labs 1-3 run first, and
 * leave the processor in VMX root operation. Header-only, because the stages
 * before lab 3 have no vmx_on() to link against.
 */
#ifndef HV_PREREQ_ROOT_H
#define HV_PREREQ_ROOT_H

#include "enable.h"
#include "prereq.h"
#include "vmxon.h"

/* Lab 2's vmx_enable() in the shape prereq_run() calls. */
static inline int prereq_enable(struct vmx_caps *caps)
{
	return vmx_enable(caps);
}

/* The VMXON region of the last prereq_vmxon(); lab 7 frees it, earlier labs leave it to the machine. */
static void *prereq_vmxon_region;

/* Lab 3's vmx_on() in the shape prereq_run() calls. */
static inline int prereq_vmxon(struct vmx_caps *caps)
{
	return vmx_on(caps, &prereq_vmxon_region);
}

/* Runs the student's labs 1, 2 and 3 into *caps; false (after an ABORT line naming the lab) on a failure. */
static inline bool prereq_vmx_root(struct vmx_caps *caps)
{
	return prereq_run(1, "vmx_detect()", vmx_detect, caps) &&
	       prereq_run(2, "vmx_enable()", prereq_enable, caps) && prereq_vmx_enabled() &&
	       prereq_run(3, "vmx_on()", prereq_vmxon, caps);
}

#endif
