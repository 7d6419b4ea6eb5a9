/* Names for VMX outcomes and VM-instruction errors, generated from vmx_errors.def. */
#include "printf.h"
#include "vmx.h"

struct vmx_error_row {
	u32 number;
	const char *name;
	const char *text;
};

static const struct vmx_error_row vmx_errors[] = {
#define VMX_ERROR(n, name, text) { n, #name, text },
#include "vmx_errors.def"
#undef VMX_ERROR
};

static const struct vmx_error_row *find_error(u32 n)
{
	for (size_t i = 0; i < ARRAY_SIZE(vmx_errors); i++)
		if (vmx_errors[i].number == n)
			return &vmx_errors[i];
	return NULL;
}

const char *vmx_status_name(enum vmx_status s)
{
	switch (s) {
	case VMX_SUCCEED: return "VMsucceed";
	case VMX_FAIL_INVALID: return "VMfailInvalid";
	case VMX_FAIL_VALID: return "VMfailValid";
	}
	return "not a VMX status";
}

const char *vmx_error_text(u32 n)
{
	const struct vmx_error_row *e = find_error(n);
	return e ? e->text : "unknown VM-instruction error";
}

const char *vmx_error_name(u32 n)
{
	const struct vmx_error_row *e = find_error(n);
	return e ? e->name : "VMXERR_UNKNOWN";
}

void vmx_report_failure(const char *insn, enum vmx_status s)
{
	u64 err = 0;

	if (s != VMX_FAIL_VALID) {
		kprintf("%s failed: %s\n", insn, vmx_status_name(s));
		return;
	}
	if (vmx_vmread(VM_INSTRUCTION_ERROR, &err) != VMX_SUCCEED) {
		kprintf("%s failed: VMfailValid (VM_INSTRUCTION_ERROR unreadable)\n", insn);
		return;
	}
	kprintf("%s failed: VMfailValid, error %lu (%s)\n", insn, err, vmx_error_text((u32)err));
}
