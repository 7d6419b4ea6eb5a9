/*
 * Lab 2 "enable VMX": the interface of labs/02-enable/enable.c.
 * After vmx_enable() succeeds, VMXON is allowed (lab 3).
 */
#ifndef HV_ENABLE_H
#define HV_ENABLE_H

#include "detect.h"
#include "types.h"

/*
 * Returns value changed just enough to satisfy the VMX fixed bits that fixed0
 * and fixed1 (an IA32_VMX_CRn_FIXED0/1 pair) describe; bits they leave free keep
 * their value (SDM Vol. 3D, A.7 "VMX-Fixed Bits in CR0" and A.8 "VMX-Fixed Bits
 * in CR4"). Touches no hardware.
 */
u64 vmx_fix_cr(u64 value, u64 fixed0, u64 fixed1);

/*
 * Makes IA32_FEATURE_CONTROL allow VMXON outside SMX (SDM Vol. 3C, 24.7 "Enabling
 * and Entering VMX Operation"). Returns 0, or -HV_EDISABLED when the firmware
 * locked the MSR with VMX disabled. Never faults.
 */
int vmx_feature_control_enable(void);

/*
 * Enables VMX operation: afterwards IA32_FEATURE_CONTROL, CR0 and CR4 (whose
 * fixed bits come from *caps) allow VMXON. Returns 0, or the error of
 * vmx_feature_control_enable() with CR0 and CR4 untouched.
 */
int vmx_enable(const struct vmx_caps *caps);

#endif
