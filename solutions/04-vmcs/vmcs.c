/*
 * Lab 4: build the VMCS.
 *
 * The VMCS (virtual-machine control structure) tells the processor everything
 * about one guest: the state to load on VM entry (guest-state area), the state
 * to return to on VM exit (host-state area), and what the guest may do without
 * a VM exit (the controls). You fill one in for a small 64-bit guest that shares
 * the kernel's page tables, GDT and TSS. The handout is labs/04-vmcs/README.md;
 * the interface is kernel/vmx/vmcs.h.
 */
#include "errno.h"
#include "gdt.h"
#include "page.h"
#include "todo.h"
#include "vcpu.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "x86.h"

/*
 * Exercise 1: adjust a control value to what the processor supports.
 * SDM Vol. 3D, A.3.1 "Pin-Based VM-Execution Controls": a bit that is 1 in
 * allowed0 must be 1; a bit that is 0 in allowed1 must be 0 (lab 1 read both).
 */
u32 vmx_adjust_ctls(u32 wanted, const struct vmx_ctl_cap *cap)
{
	/* BEGIN SOLUTION
	 * todo: force the must-be-1 bits on and the must-be-0 bits off
	 * stub: (void)cap;
	 * stub: return wanted;
	 */
	return (wanted | cap->allowed0) & cap->allowed1;
	/* END SOLUTION */
}

/*
 * Exercise 2: a new, clear, current VMCS.
 * SDM Vol. 3C, 25.2 "Format of the VMCS Region": the first 32 bits hold the VMCS
 * revision identifier in bits 30:0 (bit 31: 0, not a shadow VMCS). 25.1 "Overview":
 * VMCLEAR makes a VMCS clear (the launch state VMLAUNCH requires) and writes its
 * state to memory; VMPTRLD makes it current, the one VMREAD/VMWRITE/VMLAUNCH use.
 * On a failure, report it (vmx_report_failure()), free the page, return -HV_EVMXFAIL.
 * Hint: your lab 3 vmxon_region_alloc() stamps a page the same way.
 */
int vmcs_load_new(const struct vmx_caps *caps, void **vmcs)
{
	/* BEGIN SOLUTION
	 * todo: allocate and stamp a VMCS region, then VMCLEAR and VMPTRLD it
	 * stub: (void)caps;
	 * stub: (void)vmcs;
	 * stub: return -HV_ENOSYS;
	 */
	u32 *region = page_alloc();
	if (!region)
		return -HV_ENOMEM;
	region[0] = caps->basic.revision_id & VMX_BASIC_REVISION_ID_MASK;

	enum vmx_status s = vmx_vmclear((u64)region);
	if (s == VMX_SUCCEED)
		s = vmx_vmptrld((u64)region);
	if (s != VMX_SUCCEED) {
		vmx_report_failure("VMCLEAR/VMPTRLD", s);
		page_free(region);
		return -HV_EVMXFAIL;
	}
	*vmcs = region;
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 3: the host-state area (SDM Vol. 3C, 25.5 "Host-State Area").
 * On every VM exit the processor loads these, so they must describe the kernel
 * as it runs now: CR0, CR3, CR4; the selectors of CS, SS, DS, ES, FS, GS, TR
 * (read_cs() ... read_tr() in kernel/arch/x86.h); the bases of FS and GS (MSRs
 * MSR_FS_BASE, MSR_GS_BASE), TR (gdt_tss_base()), GDTR and IDTR (sgdt(), sidt());
 * the SYSENTER MSRs; and HOST_RIP, where exits land: vmx_exit_stub (vcpu.h).
 * HOST_RSP is left to vmx_enter_guest(), which knows the stack pointer at entry.
 * Hint: vmcs_write() returns 0 or an error; stop at the first error.
 * vmcs_write_all() (kernel/vmx/vmcs_access.h) does that for a table of
 * { field, value } pairs, which keeps this function a readable list.
 */
int vmcs_setup_host(void)
{
	/* BEGIN SOLUTION
	 * todo: write the host-state area from the running kernel
	 * stub: return -HV_ENOSYS;
	 */
	struct dtr gdtr, idtr;
	sgdt(&gdtr);
	sidt(&idtr);
	const struct vmcs_field_value host[] = {
		{ HOST_CR0, read_cr0() },
		{ HOST_CR3, read_cr3() },
		{ HOST_CR4, read_cr4() },
		{ HOST_CS_SELECTOR, read_cs() },
		{ HOST_SS_SELECTOR, read_ss() },
		{ HOST_DS_SELECTOR, read_ds() },
		{ HOST_ES_SELECTOR, read_es() },
		{ HOST_FS_SELECTOR, read_fs() },
		{ HOST_GS_SELECTOR, read_gs() },
		{ HOST_TR_SELECTOR, read_tr() },
		{ HOST_FS_BASE, rdmsr(MSR_FS_BASE) },
		{ HOST_GS_BASE, rdmsr(MSR_GS_BASE) },
		{ HOST_TR_BASE, gdt_tss_base() },
		{ HOST_GDTR_BASE, gdtr.base },
		{ HOST_IDTR_BASE, idtr.base },
		{ HOST_IA32_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS) },
		{ HOST_IA32_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP) },
		{ HOST_IA32_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP) },
		{ HOST_RIP, (u64)vmx_exit_stub },
	};
	return vmcs_write_all(host, ARRAY_SIZE(host));
	/* END SOLUTION */
}

/*
 * Exercise 4: the guest-state area (SDM Vol. 3C, 25.4 "Guest-State Area") for a
 * 64-bit guest that shares the kernel's paging, GDT and TSS:
 * - CR0, CR3, CR4 as the kernel's (they already satisfy the fixed bits);
 *   DR7 0x400 (its reset value); RFLAGS 0x2 (bit 1 is always 1);
 *   RIP = g->entry, RSP = stack_top.
 * - CS: the kernel's 64-bit code selector, base 0, limit 0xFFFFFFFF, access
 *   rights type 11 (execute/read, accessed), S, P, L, G. SS, DS, ES, FS, GS:
 *   the data selector, base 0, limit 0xFFFFFFFF, type 3 (read/write, accessed),
 *   S, P, D/B, G. TR: the kernel's TSS selector and base, limit 0x67, type 11
 *   (busy 64-bit TSS), P. LDTR: unusable (access rights bit 16).
 *   The access-rights format: SDM Vol. 3C, 25.4.1 "Guest Register State"; the
 *   VMX_AR_* macros in kernel/vmx/vmx.h build it.
 * - GDTR, IDTR as the kernel's (sgdt(), sidt()).
 * - VMCS_LINK_POINTER all ones (no shadow VMCS: 25.4.2 "Guest Non-Register
 *   State"); activity state 0 (active), interruptibility 0, pending debug
 *   exceptions 0; IA32_DEBUGCTL and the SYSENTER fields 0.
 */
int vmcs_setup_guest(const struct guest_program *g, u64 stack_top)
{
	/* BEGIN SOLUTION
	 * todo: write the guest-state area of a 64-bit guest that shares the kernel's paging and GDT
	 * stub: (void)g;
	 * stub: (void)stack_top;
	 * stub: return -HV_ENOSYS;
	 */
	struct dtr gdtr, idtr;
	sgdt(&gdtr);
	sidt(&idtr);
	const u32 code = VMX_AR_TYPE(11) | VMX_AR_S | VMX_AR_P | VMX_AR_L | VMX_AR_G;
	const u32 data = VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G;
	const struct vmcs_field_value guest[] = {
		{ GUEST_CR0, read_cr0() },
		{ GUEST_CR3, read_cr3() },
		{ GUEST_CR4, read_cr4() },
		{ GUEST_DR7, 0x400 },
		{ GUEST_RFLAGS, 0x2 },
		{ GUEST_RIP, (u64)g->entry },
		{ GUEST_RSP, stack_top },
		{ GUEST_CS_SELECTOR, SEL_CODE64 },
		{ GUEST_CS_BASE, 0 },
		{ GUEST_CS_LIMIT, 0xFFFFFFFF },
		{ GUEST_CS_AR_BYTES, code },
		{ GUEST_SS_SELECTOR, SEL_DATA },
		{ GUEST_SS_BASE, 0 },
		{ GUEST_SS_LIMIT, 0xFFFFFFFF },
		{ GUEST_SS_AR_BYTES, data },
		{ GUEST_DS_SELECTOR, SEL_DATA },
		{ GUEST_DS_BASE, 0 },
		{ GUEST_DS_LIMIT, 0xFFFFFFFF },
		{ GUEST_DS_AR_BYTES, data },
		{ GUEST_ES_SELECTOR, SEL_DATA },
		{ GUEST_ES_BASE, 0 },
		{ GUEST_ES_LIMIT, 0xFFFFFFFF },
		{ GUEST_ES_AR_BYTES, data },
		{ GUEST_FS_SELECTOR, SEL_DATA },
		{ GUEST_FS_BASE, 0 },
		{ GUEST_FS_LIMIT, 0xFFFFFFFF },
		{ GUEST_FS_AR_BYTES, data },
		{ GUEST_GS_SELECTOR, SEL_DATA },
		{ GUEST_GS_BASE, 0 },
		{ GUEST_GS_LIMIT, 0xFFFFFFFF },
		{ GUEST_GS_AR_BYTES, data },
		{ GUEST_TR_SELECTOR, SEL_TSS },
		{ GUEST_TR_BASE, gdt_tss_base() },
		{ GUEST_TR_LIMIT, 0x67 },
		{ GUEST_TR_AR_BYTES, VMX_AR_TYPE(11) | VMX_AR_P },
		{ GUEST_LDTR_SELECTOR, 0 },
		{ GUEST_LDTR_BASE, 0 },
		{ GUEST_LDTR_LIMIT, 0 },
		{ GUEST_LDTR_AR_BYTES, VMX_AR_UNUSABLE },
		{ GUEST_GDTR_BASE, gdtr.base },
		{ GUEST_GDTR_LIMIT, gdtr.limit },
		{ GUEST_IDTR_BASE, idtr.base },
		{ GUEST_IDTR_LIMIT, idtr.limit },
		{ VMCS_LINK_POINTER, ~0ULL },
		{ GUEST_ACTIVITY_STATE, 0 },
		{ GUEST_INTERRUPTIBILITY_INFO, 0 },
		{ GUEST_PENDING_DBG_EXCEPTIONS, 0 },
		{ GUEST_IA32_DEBUGCTL, 0 },
		{ GUEST_SYSENTER_CS, 0 },
		{ GUEST_SYSENTER_ESP, 0 },
		{ GUEST_SYSENTER_EIP, 0 },
	};
	return vmcs_write_all(guest, ARRAY_SIZE(guest));
	/* END SOLUTION */
}

/*
 * Exercise 5: the controls (SDM Vol. 3C, 25.6 "VM-Execution Control Fields",
 * 25.7 "VM-Exit Control Fields", 25.8 "VM-Entry Control Fields").
 * - pin-based: nothing wanted; primary processor-based: "HLT exiting".
 * - VM-exit: "host address-space size" (the host runs in 64-bit mode).
 * - VM-entry: "IA-32e mode guest" (so is the guest).
 * Each through vmx_adjust_ctls() with the capability lab 1 read (the TRUE
 * MSRs' values when IA32_VMX_BASIC bit 55 is 1: caps already holds those).
 * Exception bitmap 0, CR3-target count 0, VM-exit/VM-entry MSR counts 0 and
 * VM-entry interruption information 0 (no event to inject).
 */
int vmcs_setup_controls(const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: write the four control fields, each adjusted to the capability MSRs
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	const struct vmcs_field_value ctls[] = {
		{ PIN_BASED_VM_EXEC_CONTROL, vmx_adjust_ctls(0, &caps->pinbased) },
		{ CPU_BASED_VM_EXEC_CONTROL, vmx_adjust_ctls(CPU_BASED_HLT_EXITING, &caps->procbased) },
		{ VM_EXIT_CONTROLS, vmx_adjust_ctls(VM_EXIT_HOST_ADDR_SPACE_SIZE, &caps->exit) },
		{ VM_ENTRY_CONTROLS, vmx_adjust_ctls(VM_ENTRY_IA32E_MODE, &caps->entry) },
		{ EXCEPTION_BITMAP, 0 },
		{ CR3_TARGET_COUNT, 0 },
		{ VM_EXIT_MSR_STORE_COUNT, 0 },
		{ VM_EXIT_MSR_LOAD_COUNT, 0 },
		{ VM_ENTRY_MSR_LOAD_COUNT, 0 },
		{ VM_ENTRY_INTR_INFO_FIELD, 0 },
	};
	return vmcs_write_all(ctls, ARRAY_SIZE(ctls));
	/* END SOLUTION */
}

/*
 * Exercise 6: everything, in order, with a stack for the guest (page_alloc();
 * the stack grows down from the end of the page). Free what you allocated if a
 * step fails.
 */
int vmcs_setup(const struct vmx_caps *caps, const struct guest_program *g, void **vmcs,
	       void **stack)
{
	/* BEGIN SOLUTION
	 * todo: load a new VMCS, then set up host, guest and controls
	 * stub: (void)caps;
	 * stub: (void)g;
	 * stub: (void)vmcs;
	 * stub: (void)stack;
	 * stub: return -HV_ENOSYS;
	 */
	void *s = page_alloc();
	if (!s)
		return -HV_ENOMEM;
	int err = vmcs_load_new(caps, vmcs);
	if (err) {
		page_free(s);
		return err;
	}
	err = vmcs_setup_host();
	if (!err)
		err = vmcs_setup_guest(g, (u64)s + PAGE_SIZE);
	if (!err)
		err = vmcs_setup_controls(caps);
	if (err) {
		vmx_vmclear((u64)*vmcs);
		page_free(*vmcs);
		page_free(s);
		return err;
	}
	*stack = s;
	return 0;
	/* END SOLUTION */
}
