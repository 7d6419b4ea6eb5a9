/* Names for VMX outcomes, VM-instruction errors, exit reasons and VMCS fields, from the .def tables. */
#include "printf.h"
#include "vmx.h"

struct name_row {
	u32 number;
	const char *name;
	const char *text;       /* the SDM's description, where the table has one */
};

static const struct name_row vmx_errors[] = {
#define VMX_ERROR(n, name, text) { n, #name, text },
#include "vmx_errors.def"
#undef VMX_ERROR
};

static const struct name_row exit_reasons[] = {
#define EXIT_REASON(n, name, text) { n, #name, text },
#include "exit_reasons.def"
#undef EXIT_REASON
};

static const struct name_row vmcs_fields[] = {
#define VMCS_FIELD(name, encoding, width, group) { encoding, #name, NULL },
#include "vmcs_fields.def"
#undef VMCS_FIELD
};

/* The row of rows[0..n) numbered number, or NULL. */
static const struct name_row *find(const struct name_row *rows, size_t n, u32 number)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].number == number)
			return &rows[i];
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
	const struct name_row *e = find(vmx_errors, ARRAY_SIZE(vmx_errors), n);
	return e ? e->text : "unknown VM-instruction error";
}

const char *vmx_exit_reason_name(u32 n)
{
	const struct name_row *r = find(exit_reasons, ARRAY_SIZE(exit_reasons), n);
	return r ? r->name : "EXIT_REASON_UNKNOWN";
}

const char *vmcs_field_name(u32 f)
{
	const struct name_row *r = find(vmcs_fields, ARRAY_SIZE(vmcs_fields), f);
	return r ? r->name : NULL;
}

void vmx_report_failure(const char *insn, enum vmx_status s)
{
	u64 err = 0;

	if (s != VMX_FAIL_VALID) {
		kdiag("%s failed: %s", insn, vmx_status_name(s));
		return;
	}
	if (vmx_vmread(VM_INSTRUCTION_ERROR, &err) != VMX_SUCCEED) {
		kdiag("%s failed: VMfailValid (VM_INSTRUCTION_ERROR unreadable)", insn);
		return;
	}
	kdiag("%s failed: VMfailValid, error %lu (%s)", insn, err, vmx_error_text((u32)err));
}
