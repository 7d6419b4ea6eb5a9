/* VMREAD/VMWRITE with names and loud failures. */
#include "vmcs_access.h"
#include "errno.h"
#include "printf.h"

/* VMWRITE (SDM Vol. 3C, 31.3 "VMWRITE—Write Field to Virtual-Machine Control Structure"). */
static enum vmx_status vmwrite(u64 field, u64 value)
{
	bool cf, zf;
	__asm__ volatile("vmwrite %[value], %[field]"
			 : "=@ccc"(cf), "=@ccz"(zf)
			 : [field] "r"(field), [value] "rm"(value)
			 : "memory");
	return VMX_STATUS(cf, zf);
}

int vmcs_write(u32 field, u64 value)
{
	enum vmx_status s = vmwrite(field, value);
	if (s == VMX_SUCCEED)
		return 0;
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

bool vmcs_try_read(u32 field, u64 *value)
{
	return vmx_vmread(field, value) == VMX_SUCCEED;
}

u64 vmcs_read(u32 field)
{
	u64 v = 0;
	return vmcs_try_read(field, &v) ? v : 0;
}
