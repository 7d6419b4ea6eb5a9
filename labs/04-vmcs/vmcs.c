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
	todo(4, __func__, "force the must-be-1 bits on and the must-be-0 bits off");
	(void)cap;
	return wanted;
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
	todo(4, __func__, "allocate and stamp a VMCS region, then VMCLEAR and VMPTRLD it");
	(void)caps;
	(void)vmcs;
	return -HV_ENOSYS;
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
	todo(4, __func__, "write the host-state area from the running kernel");
	return -HV_ENOSYS;
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
	todo(4, __func__, "write the guest-state area of a 64-bit guest that shares the kernel's paging and GDT");
	(void)g;
	(void)stack_top;
	return -HV_ENOSYS;
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
	todo(4, __func__, "write the four control fields, each adjusted to the capability MSRs");
	(void)caps;
	return -HV_ENOSYS;
}

/*
 * Exercise 6: everything, in order, with a stack for the guest (page_alloc();
 * the stack grows down from the end of the page). Free what you allocated if a
 * step fails.
 */
int vmcs_setup(const struct vmx_caps *caps, const struct guest_program *g, void **vmcs,
	       void **stack)
{
	todo(4, __func__, "load a new VMCS, then set up host, guest and controls");
	(void)caps;
	(void)g;
	(void)vmcs;
	(void)stack;
	return -HV_ENOSYS;
}
