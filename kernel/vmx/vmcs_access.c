/* VMREAD/VMWRITE with names and loud failures. */
#include "vmcs_access.h"
#include "errno.h"
#include "printf.h"

int vmcs_write_failed(u32 field, enum vmx_status s)
{
	const char *name = vmcs_field_name(field);
	char insn[64];
	if (name)
		ksnprintf(insn, sizeof(insn), "VMWRITE %s", name);
	else
		ksnprintf(insn, sizeof(insn), "VMWRITE field %#x", field);
	vmx_report_failure(insn, s);
	return -HV_EVMXFAIL;
}

int vmcs_write_all(const struct vmcs_field_value *fv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = vmcs_write(fv[i].field, fv[i].value);
		if (err)
			return err;
	}
	return 0;
}
