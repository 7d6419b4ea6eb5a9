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
	todo(4, __func__, "a control value the capability accepts, or a refusal");
	(void)wanted;
	(void)cap;
	(void)ctl;
	return -HV_ENOSYS;
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
	todo(4, __func__, "the segment's access rights in the VMCS format");
	(void)selector;
	(void)descriptor;
	return 0;
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
	todo(4, __func__, "a new VMCS, current and ready for VMLAUNCH");
	(void)caps;
	(void)vmcs;
	return -HV_ENOSYS;
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
	todo(4, __func__, "write the host-state area from the running kernel");
	return -HV_ENOSYS;
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
	todo(4, __func__, "write the guest-state area of a 64-bit guest that shares the kernel's paging and GDT");
	(void)g;
	(void)stack_top;
	return -HV_ENOSYS;
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
	todo(4, __func__, "the control fields, adjusted to caps");
	(void)caps;
	return -HV_ENOSYS;
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
	todo(4, __func__, "a complete VMCS and a guest stack, or nothing");
	(void)caps;
	(void)g;
	(void)vmcs;
	(void)stack;
	return -HV_ENOSYS;
}
