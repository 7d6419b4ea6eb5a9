/*
 * The lab 9 VM (rm_vm.h): its memory and EPT, its devices and MSRs, the exit loop.
 *
 * Transcript of "realmode" under the reference hypervisor (`make run`: nonce 00000000,
 * Bochs' default CPU; make test checks it):
 *   guest| real mode, CS:IP 0000:7C00, nonce e5926145
 *   guest| protected mode, nonce e5926145
 *   guest| EFER.LME set, paging next
 *   guest| long mode, nonce 5bedc233e5926145
 */
#include "rm_vm.h"
#include "errno.h"
#include "hypercall.h"
#include "io.h"
#include "page.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "x86.h"

/* A stage before lab 9 links no realmode.c: its functions are NULL there, and no harness calls this file. */
#pragma weak rm_handle_io

#define RM_IO_EXIT(port, ports, what) { port, ports, what },
const struct rm_io_policy rm_io_policy[] = {
#define RM_MSR_EXIT(msr, read, write, what)
#include "rm_policy.def"
#undef RM_MSR_EXIT
};
#undef RM_IO_EXIT
const size_t rm_io_policy_count = ARRAY_SIZE(rm_io_policy);

#define RM_MSR_EXIT(msr, read, write, what) { msr, read, write, what },
const struct rm_msr_policy rm_msr_policy[] = {
#define RM_IO_EXIT(port, ports, what)
#include "rm_policy.def"
#undef RM_IO_EXIT
};
#undef RM_MSR_EXIT
const size_t rm_msr_policy_count = ARRAY_SIZE(rm_msr_policy);

/* A guest that exits this often without shutting down makes no progress. */
#define RM_MAX_EXITS 5000

/* IA32_EFER.LMA (SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register"): the processor's to set. */
#define EFER_LMA BIT(10)

/* EPT entries (SDM Vol. 3C, 29.3.2 "EPT Translation Mechanism"): read, write, execute; memory type in bits 5:3. */
#define RM_EPT_RWX 7ULL
#define RM_EPT_WB ((u64)VMX_MEM_TYPE_WB << 3)

void rm_vm_destroy(struct rm_vm *vm)
{
	for (size_t i = 0; i < RM_GUEST_PAGES; i++)
		if (vm->ram[i])
			page_free(vm->ram[i]);
	for (size_t i = 0; i < ARRAY_SIZE(vm->ept); i++)
		if (vm->ept[i])
			page_free(vm->ept[i]);
	if (vm->io_bitmap_a)
		page_free(vm->io_bitmap_a);
	if (vm->io_bitmap_b)
		page_free(vm->io_bitmap_b);
	if (vm->msr_bitmap)
		page_free(vm->msr_bitmap);
	memset(vm, 0, sizeof(*vm));
}

/*
 * The EPT: one table per level, the RAM in 4 KiB pages (SDM Vol. 3C, 29.3.2);
 * the EPTP asks for write-back tables and a 4-level walk (25.6.11
 * "Extended-Page-Table Pointer (EPTP)"). The host pages are taken from last to
 * first, so that guest page n is not host page n's neighbour's neighbour.
 */
static int rm_vm_ept(struct rm_vm *vm)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm->ept); i++)
		if (!(vm->ept[i] = page_alloc()))
			return -HV_ENOMEM;
	for (size_t i = 0; i < RM_GUEST_PAGES; i++)
		if (!(vm->ram[RM_GUEST_PAGES - 1 - i] = page_alloc()))
			return -HV_ENOMEM;
	vm->ept[0][0] = (u64)vm->ept[1] | RM_EPT_RWX;
	vm->ept[1][0] = (u64)vm->ept[2] | RM_EPT_RWX;
	vm->ept[2][0] = (u64)vm->ept[3] | RM_EPT_RWX;
	for (size_t i = 0; i < RM_GUEST_PAGES; i++)
		vm->ept[3][i] = (u64)vm->ram[i] | RM_EPT_RWX | RM_EPT_WB;
	vm->eptp = (u64)vm->ept[0] | VMX_MEM_TYPE_WB | 3 << 3;
	/* The root page may have served an earlier VM: nothing cached for it may survive (29.4.3.1). */
	return vmx_invept(VMX_EPT_EXTENT_CONTEXT, vm->eptp) == VMX_SUCCEED ? 0 : -HV_EVMXFAIL;
}

int rm_vm_create(struct rm_vm *vm, const struct vmx_caps *caps, u64 nonce, u64 task)
{
	const u64 ept_needs = VMX_EPT_PAGE_WALK_4_BIT | VMX_EPTP_WB_BIT | VMX_EPT_INVEPT_BIT |
			      VMX_EPT_EXTENT_CONTEXT_BIT;
	memset(vm, 0, sizeof(*vm));
	if ((caps->ept_vpid & ept_needs) != ept_needs)
		return -HV_ENOEPT;
	vm->caps = caps;
	vm->vcpu.caps = caps;
	vm->vcpu.nonce = nonce;
	int err = rm_vm_ept(vm);
	if (!err && (!(vm->io_bitmap_a = page_alloc()) || !(vm->io_bitmap_b = page_alloc()) ||
		     !(vm->msr_bitmap = page_alloc())))
		err = -HV_ENOMEM;
	if (err) {
		rm_vm_destroy(vm);
		return err;
	}
	size_t size = (size_t)(rm_guest_image_end - rm_guest_image);
	for (size_t off = 0; off < size; off++) {
		u64 gpa = RM_GUEST_IMAGE + off;
		((u8 *)vm->ram[gpa / PAGE_SIZE])[gpa % PAGE_SIZE] = rm_guest_image[off];
	}
	u64 *mailbox = vm->ram[RM_GUEST_MAILBOX / PAGE_SIZE];
	mailbox[RM_MB_TASK] = task;
	u32 id = RM_DEVICE_ID ^ (u32)nonce;
	memcpy(vm->device, &id, sizeof(id));
	vm->misc_enable = RM_MISC_ENABLE_VALUE;
	vm->star = rdmsr(MSR_IA32_STAR);
	return 0;
}

u64 rm_vm_mailbox(const struct rm_vm *vm, unsigned slot)
{
	const u64 *mailbox = vm->ram[RM_GUEST_MAILBOX / PAGE_SIZE];
	return mailbox ? mailbox[slot] : 0;
}

/* Whether port is one of the course's device's. */
static bool device_owns(u16 port)
{
	return port >= RM_DEVICE_PORT && port < RM_DEVICE_PORT + RM_DEVICE_PORTS;
}

u8 rm_vm_port_in(struct rm_vm *vm, u16 port)
{
	if (vserial_owns(port))
		return vserial_in(&vm->vcpu.com1, port);
	if (device_owns(port))
		return vm->device[port - RM_DEVICE_PORT];
	return inb(port);
}

void rm_vm_port_out(struct rm_vm *vm, u16 port, u8 value)
{
	if (vserial_owns(port))
		vserial_out(&vm->vcpu.com1, port, value);
	else if (device_owns(port))
		vm->device_out[port - RM_DEVICE_PORT] = value;
	else
		outb(port, value);
}

/* Moves the guest past the instruction that exited (its length is defined for every exit handled here). */
static int skip_instruction(void)
{
	return vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* VMCALL: HC_READ of the nonce and HC_SHUTDOWN (kernel/guest/hypercall.h). */
static int exit_vmcall(struct rm_vm *vm)
{
	struct guest_regs *r = &vm->vcpu.regs;
	switch (r->rax) {
	case HC_READ:
		r->rax = r->rbx == HC_VALUE_NONCE ? vm->vcpu.nonce : (u64)-HV_EINVAL;
		break;
	case HC_SHUTDOWN:
		vm->vcpu.shutdown = true;
		vm->vcpu.shutdown_code = r->rbx;
		return 0;
	default:
		r->rax = (u64)-HV_ENOSYS;
		break;
	}
	return skip_instruction();
}

/* I/O instruction: logged (SDM Vol. 3C, 28.2.1 "Basic VM-Exit Information", its qualification), then the student's handler. */
static int exit_io(struct rm_vm *vm)
{
	u64 q = vmcs_read(EXIT_QUALIFICATION);
	if (vm->n_io < RM_LOG)
		vm->io[vm->n_io++] = (struct rm_io_event){ VMX_IO_PORT(q), (u8)VMX_IO_SIZE(q), q & VMX_IO_IN };
	return rm_handle_io(vm);
}

/*
 * RDMSR and WRMSR exits: the policy's MSRs emulated; an MSR that should have
 * passed is done as the processor would have (so that a wrong bitmap shows
 * only in the exit log).
 */
static int exit_msr(struct rm_vm *vm, bool write)
{
	struct guest_regs *r = &vm->vcpu.regs;
	u32 msr = (u32)r->rcx;
	u64 value = (r->rdx << 32) | (u32)r->rax, result = 0;
	if (vm->n_msr < RM_LOG)
		vm->msr[vm->n_msr++] = (struct rm_msr_event){ msr, write };
	switch (msr) {
	case MSR_IA32_MISC_ENABLE:
		if (write)
			vm->misc_enable = value;
		result = vm->misc_enable;
		break;
	case MSR_IA32_STAR:
		if (write)
			vm->star = value;
		result = vm->star;
		break;
	case MSR_IA32_APIC_BASE:
		if (write)
			vm->apic_base_writes++;
		result = rdmsr(MSR_IA32_APIC_BASE);
		break;
	case MSR_IA32_SYSENTER_CS:
		if (write)
			vmcs_write(GUEST_SYSENTER_CS, (u32)value);
		result = vmcs_read(GUEST_SYSENTER_CS);
		break;
	case MSR_IA32_EFER: {
		u64 efer = vmcs_read(GUEST_IA32_EFER);
		if (write)
			vmcs_write(GUEST_IA32_EFER, (value & ~EFER_LMA) | (efer & EFER_LMA));
		result = vmcs_read(GUEST_IA32_EFER);
		break;
	}
	default:
		kdiag("the guest's %s of MSR %#x exited, and no MSR of that number is the hypervisor's: VM stopped",
		      write ? "WRMSR" : "RDMSR", msr);
		return -HV_EEXIT;
	}
	if (!write) {
		r->rax = (u32)result;
		r->rdx = result >> 32;
	}
	return skip_instruction();
}

/* The exit loop of rm_vm_run(), without the console's last line. */
static int rm_vm_loop(struct rm_vm *vm)
{
	struct vcpu *v = &vm->vcpu;
	for (u64 n = 0; !v->shutdown; n++) {
		if (n == RM_MAX_EXITS) {
			kdiag("the guest made no progress in %u VM exits (last at RIP %#lx): VM stopped", RM_MAX_EXITS,
			      vmcs_read(GUEST_RIP));
			return -HV_EEXIT;
		}
		u32 reason;
		int entered = vcpu_enter(v, &reason);
		if (entered)
			return entered;
		int err;
		switch (reason) {
		case EXIT_REASON_VMCALL:
			err = exit_vmcall(vm);
			break;
		case EXIT_REASON_IO_INSTRUCTION:
			err = exit_io(vm);
			break;
		case EXIT_REASON_MSR_READ:
		case EXIT_REASON_MSR_WRITE:
			err = exit_msr(vm, reason == EXIT_REASON_MSR_WRITE);
			break;
		case EXIT_REASON_HLT:
			err = skip_instruction();
			break;
		case EXIT_REASON_CR_ACCESS: {
			u64 q = vmcs_read(EXIT_QUALIFICATION);
			vm->cr_exits++;
			kdiag("the guest's MOV %s CR%lu at RIP %#lx exited (CR0 %#lx, CR4 %#lx): its mode changes "
			      "must not: VM stopped", (q >> 4 & 3) == 1 ? "from" : "to", q & 15, vmcs_read(GUEST_RIP),
			      vmcs_read(GUEST_CR0), vmcs_read(GUEST_CR4));
			err = -HV_EEXIT;
			break;
		}
		case EXIT_REASON_EPT_VIOLATION:
			kdiag("the guest touched GPA %#lx, outside its RAM, at RIP %#lx: VM stopped",
			      vmcs_read(GUEST_PHYSICAL_ADDRESS), vmcs_read(GUEST_RIP));
			err = -HV_EACCESS;
			break;
		case EXIT_REASON_TRIPLE_FAULT:
			kdiag("the guest triple-faulted at RIP %#lx (CR0 %#lx, CR4 %#lx, EFER %#lx): VM stopped",
			      vmcs_read(GUEST_RIP), vmcs_read(GUEST_CR0), vmcs_read(GUEST_CR4),
			      vmcs_read(GUEST_IA32_EFER));
			err = -HV_ECRASH;
			break;
		default:
			err = vcpu_unhandled_exit(v, reason);
			break;
		}
		if (err)
			return err;
	}
	return 0;
}

int rm_vm_run(struct rm_vm *vm)
{
	int err = rm_vm_loop(vm);
	vserial_flush(&vm->vcpu.com1);
	return err;
}
