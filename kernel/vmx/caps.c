/* A readable report of what lab 1 detected: students compare it with the SDM's Appendix A. */
#include "detect.h"
#include "printf.h"
#include "vmx.h"

static const char *mem_type_name(u8 t)
{
	switch (t) {
	case VMX_MEM_TYPE_UC: return "uncacheable (UC)";
	case VMX_MEM_TYPE_WB: return "write-back (WB)";
	default: return "reserved";
	}
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_ctl(const char *name, const struct vmx_ctl_cap *c)
{
	kprintf("  %-22s must be 1: %08x  may be 1: %08x\n", name, c->allowed0, c->allowed1);
}

void vmx_caps_print(const struct vmx_caps *caps)
{
	const struct vmx_basic *b = &caps->basic;

	kprintf("VMX capabilities:\n");
	kprintf("  VMCS revision id       %#x\n", b->revision_id);
	kprintf("  VMXON/VMCS region      %u bytes, %s\n", b->region_size,
		mem_type_name(b->mem_type));
	kprintf("  32-bit addresses only  %s\n", yes_no(b->phys_addr_32));
	kprintf("  INS/OUTS exit info     %s\n", yes_no(b->inout_info));
	kprintf("  TRUE control MSRs      %s\n", yes_no(b->true_ctls));
	print_ctl("pin-based controls", &caps->pinbased);
	print_ctl("primary proc-based", &caps->procbased);
	if (caps->has_procbased2)
		print_ctl("secondary proc-based", &caps->procbased2);
	print_ctl("VM-exit controls", &caps->exit);
	print_ctl("VM-entry controls", &caps->entry);
	u32 sec = caps->has_procbased2 ? caps->procbased2.allowed1 : 0;
	kprintf("  EPT %s, VPID %s, unrestricted guest %s (EPT/VPID caps %#lx)\n",
		yes_no(sec & SECONDARY_EXEC_ENABLE_EPT), yes_no(sec & SECONDARY_EXEC_ENABLE_VPID),
		yes_no(sec & SECONDARY_EXEC_UNRESTRICTED_GUEST), caps->ept_vpid);
	kprintf("  CR0 fixed: must be 1 %#lx, may be 1 %#lx\n", caps->cr0_fixed0,
		caps->cr0_fixed1);
	kprintf("  CR4 fixed: must be 1 %#lx, may be 1 %#lx\n", caps->cr4_fixed0,
		caps->cr4_fixed1);
}
