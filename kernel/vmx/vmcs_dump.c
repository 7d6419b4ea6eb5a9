/* vmcs_dump(): every field of the current VMCS, by group, from vmcs_fields.def. */
#include "printf.h"
#include "vmcs_access.h"

enum vmcs_group { GUEST, HOST, EXEC, EXIT, ENTRY, INFO, GROUPS };

struct field_row {
	u32 encoding;
	const char *name;
	enum vmcs_group group;
};

static const struct field_row fields[] = {
#define VMCS_FIELD(name, encoding, width, group) { encoding, #name, group },
#include "vmcs_fields.def"
#undef VMCS_FIELD
};

static const char *const group_titles[GROUPS] = {
	[GUEST] = "Guest-state area",
	[HOST] = "Host-state area",
	[EXEC] = "VM-execution control fields",
	[EXIT] = "VM-exit control fields",
	[ENTRY] = "VM-entry control fields",
	[INFO] = "VM-exit information fields",
};

void vmcs_dump(void)
{
	u64 current = ~0ULL, error = 0;

	vmx_vmptrst(&current);
	/* Read first: a VMREAD of a field this CPU lacks fails and overwrites it with 12. */
	vmcs_try_read(VM_INSTRUCTION_ERROR, &error);
	kprintf("VMCS dump (current VMCS %#lx):\n", current);
	for (unsigned g = 0; g < GROUPS; g++) {
		kprintf(" %s\n", group_titles[g]);
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
			u64 v;
			if (fields[i].group != g)
				continue;
			if (fields[i].encoding == VM_INSTRUCTION_ERROR)
				kprintf("  %-30s 0x%016lx (%s)\n", fields[i].name, error,
					error ? vmx_error_text((u32)error) : "none");
			else if (vmcs_try_read(fields[i].encoding, &v))
				kprintf("  %-30s 0x%016lx\n", fields[i].name, v);
			else
				kprintf("  %-30s (not on this CPU)\n", fields[i].name);
		}
	}
}
