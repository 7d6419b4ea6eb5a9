/* Reading and writing fields of the current VMCS, and printing all of them. */
#ifndef HV_VMCS_ACCESS_H
#define HV_VMCS_ACCESS_H

#include "types.h"
#include "vmx.h"

/* Prints why VMWRITE of field failed with status s (e.g. "VMWRITE GUEST_RIP failed: VMfailValid, error 12 (...)"); returns -HV_EVMXFAIL. */
int vmcs_write_failed(u32 field, enum vmx_status s);

/*
 * VMWRITE field := value: 0, or on failure a printed report and -HV_EVMXFAIL.
 * Inline, like vmcs_read(): exit handlers call both on every VM exit.
 */
static inline int vmcs_write(u32 field, u64 value)
{
	enum vmx_status s = vmx_vmwrite(field, value);
	return s == VMX_SUCCEED ? 0 : vmcs_write_failed(field, s);
}

/* One field and the value to write into it. */
struct vmcs_field_value {
	u32 field;
	u64 value;
};

/* vmcs_write() of each of the n pairs in order; stops at, and returns, the first error. */
int vmcs_write_all(const struct vmcs_field_value *fv, size_t n);

/* VMREAD of field into *value; false (nothing printed) if it fails, e.g. for a field this CPU lacks. */
static inline bool vmcs_try_read(u32 field, u64 *value)
{
	return vmx_vmread(field, value) == VMX_SUCCEED;
}

/* VMREAD of field; 0 if it fails. */
static inline u64 vmcs_read(u32 field)
{
	u64 v = 0;
	return vmcs_try_read(field, &v) ? v : 0;
}

/*
 * Prints every field of the current VMCS with its name, in the six groups of
 * the SDM (guest state, host state, VM-execution, VM-exit and VM-entry
 * controls, VM-exit information; SDM Vol. 3C, 25.3 "Organization of VMCS Data").
 */
void vmcs_dump(void);

#endif
