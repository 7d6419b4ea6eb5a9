/*
 * Lab 2 "enable VMX": the interface of labs/02-enable/enable.c.
 * After vmx_enable() succeeds, VMXON is allowed (lab 3).
 */
#ifndef HV_ENABLE_H
#define HV_ENABLE_H

#include "detect.h"
#include "types.h"

/*
 * Returns value with every bit that fixed0 has set forced to 1 and every bit
 * that fixed1 has clear forced to 0 (SDM Vol. 3D, A.7 "VMX-Fixed Bits in CR0"
 * and A.8 "VMX-Fixed Bits in CR4"). Touches no hardware.
 */
u64 vmx_fix_cr(u64 value, u64 fixed0, u64 fixed1);

/*
 * Makes IA32_FEATURE_CONTROL allow VMXON outside SMX (SDM Vol. 3C, 24.7 "Enabling
 * and Entering VMX Operation"). Returns 0, or -HV_EDISABLED when the firmware
 * locked the MSR with VMX disabled. Never faults.
 */
int vmx_feature_control_enable(void);

/*
 * Enables VMX operation: IA32_FEATURE_CONTROL, then CR0 and CR4 made to satisfy
 * the fixed bits in *caps, with CR4.VMXE set. Returns 0, or the error of
 * vmx_feature_control_enable() with CR0 and CR4 untouched.
 */
int vmx_enable(const struct vmx_caps *caps);

#endif
