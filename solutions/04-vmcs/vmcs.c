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
 * Exercise 1: the value of a control field.
 * Goal: a value the processor accepts for a control field, with the controls the
 * caller wants; and a refusal, not a silent change, when the processor cannot
 * give one of them.
 * SDM Vol. 3D, A.3 "VM-Execution Controls" (A.3.1 explains allowed-0 and
 * allowed-1 settings), A.4, A.5; lab 1 read the capability into cap.
 * Interface: kernel/vmx/vmcs.h. 0 and the value in *ctl, or -HV_EINVAL with
 * *ctl untouched. Pure: no MSR, no VMCS.
 * Hints: README, exercise 1.
 */
int vmx_adjust_ctls(u32 wanted, const struct vmx_ctl_cap *cap, u32 *ctl)
{
	/* BEGIN SOLUTION
	 * todo: a control value the capability accepts, or a refusal
	 * stub: (void)wanted;
	 * stub: (void)cap;
	 * stub: (void)ctl;
	 * stub: return -HV_ENOSYS;
	 */
	/* A 0 in allowed1 forbids the bit; a 1 in allowed0 requires it. */
	if (wanted & ~cap->allowed1)
		return -HV_EINVAL;
	*ctl = wanted | cap->allowed0;
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 2: a segment's access rights, as the VMCS wants them.
 * Goal: from a selector and the descriptor it selects, the 32-bit access-rights
 * value VM entry expects in a GUEST_*_AR_BYTES field.
 * SDM Vol. 3A, 3.4.2 "Segment Selectors" and 3.4.5 "Segment Descriptors" (the
 * descriptor's layout); SDM Vol. 3C, 25.4.1 "Guest Register State", Table
 * "Format of Access Rights" (the VMCS's).
 * Interface: kernel/vmx/vmcs.h. Pure: it reads no GDT; vmcs_setup_guest() finds
 * the descriptors and calls it.
 * Hints: README, exercise 2.
 */
u32 vmx_segment_ar(u16 selector, u64 descriptor)
{
	/* BEGIN SOLUTION
	 * todo: the segment's access rights in the VMCS format
	 * stub: (void)selector;
	 * stub: (void)descriptor;
	 * stub: return 0;
	 */
	/* Index 0 of the GDT (TI = 0), whatever the RPL: the null selector. */
	if ((selector & ~3u) == 0)
		return VMX_AR_UNUSABLE;
	/* Descriptor bits 55:40, without limit bits 19:16 (reserved bits 11:8 of the format). */
	return (u32)(descriptor >> 40) & 0xF0FF;
	/* END SOLUTION */
}

/*
 * Exercise 3: a new VMCS, ready to be filled in.
 * Goal: a VMCS region of your own that is the current VMCS and in the launch
 * state VMLAUNCH will need; nothing allocated and the failure named when it fails.
 * SDM Vol. 3C, 25.1 "Overview" (the states of a VMCS), 25.2 "Format of the VMCS
 * Region"; VMCLEAR and VMPTRLD in 31.3 "VMX Instructions".
 * Interface: kernel/vmx/vmcs.h. 0 and the region in *vmcs; -HV_ENOMEM;
 * -HV_EVMXFAIL after vmx_report_failure("VMCLEAR/VMPTRLD", status).
 * Hints: README, exercise 3.
 */
int vmcs_load_new(const struct vmx_caps *caps, void **vmcs)
{
	/* BEGIN SOLUTION
	 * todo: a new VMCS, current and ready for VMLAUNCH
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
 * Exercise 4: the host-state area.
 * Goal: after any VM exit, the processor is back in the kernel exactly as it
 * runs now, at vmx_exit_stub (kernel/vmx/vcpu.h).
 * SDM Vol. 3C, 25.5 "Host-State Area", 28.5 "Loading Host State", 27.2.3
 * "Checks on Host Segment and Descriptor-Table Registers".
 * Interface: kernel/vmx/vmcs.h. Every host field but HOST_RSP (vmx_enter_guest()
 * writes it); 0 or the first error of vmcs_write().
 * Hints: README, exercise 4.
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
 * Exercise 5: the guest-state area.
 * Goal: a 64-bit guest that starts at g->entry on the stack that ends at
 * stack_top, with the kernel's paging, GDT and TSS, in a state VM entry accepts.
 * SDM Vol. 3C, 25.4 "Guest-State Area" (25.4.1, 25.4.2), 27.3.1 "Checks on the
 * Guest State Area".
 * Interface: kernel/vmx/vmcs.h. Access rights through your vmx_segment_ar();
 * 0 or the first error of vmcs_write().
 * Hints: README, exercise 5.
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
	/* The guest's segments are the kernel's: their descriptors are in its GDT. */
	const u64 *gdt = (const u64 *)gdtr.base;
	const u32 code = vmx_segment_ar(SEL_CODE64, gdt[SEL_CODE64 >> 3]);
	const u32 data = vmx_segment_ar(SEL_DATA, gdt[SEL_DATA >> 3]);
	const u32 tss = vmx_segment_ar(SEL_TSS, gdt[SEL_TSS >> 3]);
	const u32 ldt = vmx_segment_ar(0, gdt[0]);
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
		{ GUEST_TR_AR_BYTES, tss },
		{ GUEST_LDTR_SELECTOR, 0 },
		{ GUEST_LDTR_BASE, 0 },
		{ GUEST_LDTR_LIMIT, 0 },
		{ GUEST_LDTR_AR_BYTES, ldt },
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
 * Exercise 6: the controls.
 * Goal: a guest that exits on HLT, runs in IA-32e mode and returns to a 64-bit
 * host, with no other exit or event than the processor requires; a refusal
 * (-HV_EINVAL) when caps cannot give what it needs.
 * SDM Vol. 3C, 25.6 "VM-Execution Control Fields", 25.7 "VM-Exit Control
 * Fields", 25.8 "VM-Entry Control Fields", 27.2.1 "Checks on VMX Controls".
 * Interface: kernel/vmx/vmcs.h. Each control field through your
 * vmx_adjust_ctls() with the capability in caps.
 * Hints: README, exercise 6.
 */
int vmcs_setup_controls(const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: the control fields, adjusted to caps
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	u32 pin = 0, proc = 0, exit = 0, entry = 0;
	int err = vmx_adjust_ctls(0, &caps->pinbased, &pin);
	if (!err)
		err = vmx_adjust_ctls(CPU_BASED_HLT_EXITING, &caps->procbased, &proc);
	if (!err)
		err = vmx_adjust_ctls(VM_EXIT_HOST_ADDR_SPACE_SIZE, &caps->exit, &exit);
	if (!err)
		err = vmx_adjust_ctls(VM_ENTRY_IA32E_MODE, &caps->entry, &entry);
	if (err)
		return err;
	const struct vmcs_field_value ctls[] = {
		{ PIN_BASED_VM_EXEC_CONTROL, pin },
		{ CPU_BASED_VM_EXEC_CONTROL, proc },
		{ VM_EXIT_CONTROLS, exit },
		{ VM_ENTRY_CONTROLS, entry },
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
 * Exercise 7: the whole VMCS, for lab 5.
 * Goal: exercises 3 to 6 in order on a new VMCS, with a guest stack page; on
 * any failure, nothing left allocated and the error returned.
 * Interface: kernel/vmx/vmcs.h (*vmcs, *stack set only on success).
 * Hints: README, exercise 7.
 */
int vmcs_setup(const struct vmx_caps *caps, const struct guest_program *g, void **vmcs,
	       void **stack)
{
	/* BEGIN SOLUTION
	 * todo: a complete VMCS and a guest stack, or nothing
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
