/* A VM with memory of its own (ept_vm.h): loader, guest state, exit loop. */
#include "ept_vm.h"
#include "ept_explain.h"
#include "errno.h"
#include "gdt.h"
#include "hypercall.h"
#include "page.h"
#include "printf.h"
#include "string.h"
#include "vmcs_access.h"
#include "x86.h"

/* A stage before lab 8 links no ept.c: its functions are NULL there, and no harness calls this file. */
#pragma weak ept_init
#pragma weak ept_map
#pragma weak ept_walk
#pragma weak ept_destroy
#pragma weak ept_handle_violation
#pragma weak ept_dirty_log

/* A guest that exits this often without stopping makes no progress (e.g. an instruction retried forever). */
#define EPT_VM_MAX_EXITS 20000

enum ept_region ept_region_of(u64 gpa)
{
	if (gpa < EPT_GUEST_BOOT + EPT_GUEST_RAM_SIZE)
		return EPT_REGION_RAM;
	if (gpa >= EPT_GUEST_BIG && gpa < EPT_GUEST_BIG + EPT_GUEST_BIG_SIZE)
		return EPT_REGION_BIG;
	if (gpa >= EPT_GUEST_DEMAND && gpa < EPT_GUEST_DEMAND + EPT_GUEST_DEMAND_SIZE)
		return EPT_REGION_DEMAND;
	if (gpa >= EPT_GUEST_DIRTY && gpa < EPT_GUEST_DIRTY + EPT_GUEST_DIRTY_PAGES * PAGE_SIZE)
		return EPT_REGION_DIRTY;
	if (gpa >= EPT_GUEST_MMIO && gpa < EPT_GUEST_MMIO + PAGE_SIZE)
		return EPT_REGION_MMIO;
	return EPT_REGION_NONE;
}

void *ept_vm_alloc_page(struct ept_vm *vm)
{
	if (vm->npages >= EPT_VM_MAX_PAGES)
		return NULL;
	void *p = page_alloc();
	if (p)
		vm->pages[vm->npages++] = p;
	return p;
}

int ept_vm_write(struct ept_vm *vm, u64 gpa, const void *src, size_t n)
{
	const u8 *s = src;
	while (n) {
		u64 hpa, flags;
		size_t chunk = PAGE_SIZE - (gpa & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		if (ept_walk(&vm->ept, gpa, &hpa, &flags))
			return -HV_EINVAL;
		memcpy((void *)hpa, s, chunk);
		gpa += chunk;
		s += chunk;
		n -= chunk;
	}
	return 0;
}

/*
 * RAM: the host pages are taken first, then handed out from the last to the
 * first, and a page is taken for nothing between every two (given back at the
 * end), so that GPA n and n + 1 are never on neighbouring host pages.
 */
static int create_ram(struct ept_vm *vm)
{
	enum { N = EPT_GUEST_RAM_SIZE / PAGE_SIZE };
	void *spacers[N];
	size_t first = vm->npages, nspacers = 0;
	int err = 0;

	for (size_t i = 0; i < N && !err; i++) {
		if (!ept_vm_alloc_page(vm) || !(spacers[nspacers++] = page_alloc()))
			err = -HV_ENOMEM;
	}
	for (size_t i = 0; i < nspacers; i++)
		if (spacers[i])
			page_free(spacers[i]);
	for (size_t i = 0; i < N && !err; i++)
		err = ept_map(&vm->ept, EPT_GUEST_BOOT + i * PAGE_SIZE, (u64)vm->pages[first + N - 1 - i],
			      PAGE_SIZE, EPT_RWX | EPT_MT(VMX_MEM_TYPE_WB));
	return err;
}

int ept_vm_create(struct ept_vm *vm, const struct vmx_caps *caps, u16 vpid, u64 nonce,
		  u64 task, u64 arg)
{
	memset(vm, 0, sizeof(*vm));
	if (!ept_init)
		return -HV_ENOSYS;
	vm->caps = caps;
	vm->vpid = vpid;
	vm->vcpu.caps = caps;
	vm->vcpu.nonce = nonce;
	u32 id = EPT_MMIO_ID ^ (u32)nonce;
	memcpy(vm->mmio.regs, &id, sizeof(id));
	int err = ept_init(&vm->ept);
	if (err)
		return err;
	if ((err = create_ram(vm)))
		goto fail;
	u64 boot[4] = { EPT_BOOT_MAGIC, nonce, task, arg };
	if ((err = ept_vm_write(vm, EPT_GUEST_IMAGE, ept_guest_image,
				(size_t)(ept_guest_image_end - ept_guest_image))) ||
	    (err = ept_vm_write(vm, EPT_GUEST_BOOT, boot, sizeof(boot))))
		goto fail;
	vm->big = page_alloc_contig(EPT_GUEST_BIG_SIZE / PAGE_SIZE, EPT_LARGE_SIZE);
	if (!vm->big) {
		err = -HV_ENOMEM;
		goto fail;
	}
	if ((err = ept_map(&vm->ept, EPT_GUEST_BIG, (u64)vm->big, EPT_GUEST_BIG_SIZE,
			   EPT_READ | EPT_WRITE | EPT_MT(VMX_MEM_TYPE_WB))))
		goto fail;
	for (u64 i = 0; i < EPT_GUEST_DIRTY_PAGES; i++) {
		void *p = ept_vm_alloc_page(vm);
		if (!p) {
			err = -HV_ENOMEM;
			goto fail;
		}
		if ((err = ept_map(&vm->ept, EPT_GUEST_DIRTY + i * PAGE_SIZE, (u64)p, PAGE_SIZE,
				   EPT_READ | EPT_MT(VMX_MEM_TYPE_WB))))
			goto fail;
	}
	return 0;
fail:
	ept_vm_destroy(vm);
	return err;
}

int ept_vm_read_linear(struct ept_vm *vm, u64 gla, void *buf, size_t n)
{
	u8 *out = buf;
	while (n) {
		/* SDM Vol. 3A, 4.5 "4-Level Paging and 5-Level Paging": 9 bits per level, PS in bit 7. */
		u64 table = vmcs_read(GUEST_CR3) & EPT_ADDR_MASK, gpa = 0, hpa, flags, entry;
		for (int level = 4; level >= 1; level--) {
			u64 egpa = table + ((gla >> (12 + 9 * (level - 1))) & 511) * 8;
			if (ept_walk(&vm->ept, egpa, &hpa, &flags))
				return -HV_EINVAL;
			entry = *(const u64 *)hpa;
			if (!(entry & 1))
				return -HV_EINVAL;
			u64 span = 1ULL << (12 + 9 * (level - 1));
			if (level == 1 || (level <= 3 && (entry & BIT(7)))) {
				gpa = (entry & EPT_ADDR_MASK & ~(span - 1)) | (gla & (span - 1));
				break;
			}
			table = entry & EPT_ADDR_MASK;
		}
		size_t chunk = PAGE_SIZE - (gla & (PAGE_SIZE - 1));
		if (chunk > n)
			chunk = n;
		if (ept_walk(&vm->ept, gpa, &hpa, &flags))
			return -HV_EINVAL;
		memcpy(out, (const void *)hpa, chunk);
		out += chunk;
		gla += chunk;
		n -= chunk;
	}
	return 0;
}

int ept_mmio_access(struct ept_vm *vm, u64 offset, unsigned size, bool write, u64 *value)
{
	struct ept_mmio *d = &vm->mmio;
	if ((size != 1 && size != 2 && size != 4 && size != 8) || offset > EPT_MMIO_REGS - size)
		return -HV_EINVAL;
	u64 v = 0;
	if (write) {
		v = size == 8 ? *value : *value & ((1ULL << (8 * size)) - 1);
		for (unsigned k = 0; k < size; k++)
			if (offset + k >= 4)    /* bytes 3:0: the read-only identification */
				d->regs[offset + k] = (u8)(*value >> (8 * k));
	} else {
		for (unsigned k = 0; k < size; k++)
			v |= (u64)d->regs[offset + k] << (8 * k);
		*value = v;
	}
	if (d->n < EPT_MMIO_LOG)
		d->log[d->n++] = (struct ept_mmio_access){ offset, size, write, v };
	return 0;
}

int ept_vm_guest_state(const struct ept_vm *vm)
{
	const struct ept_image_header *h = (const void *)ept_guest_image;
	const u32 code = VMX_AR_TYPE(11) | VMX_AR_S | VMX_AR_P | VMX_AR_L | VMX_AR_G;
	const u32 data = VMX_AR_TYPE(3) | VMX_AR_S | VMX_AR_P | VMX_AR_DB | VMX_AR_G;
	(void)vm;
	const struct vmcs_field_value guest[] = {
		{ GUEST_CR0, read_cr0() },
		{ GUEST_CR3, h->cr3 },
		{ GUEST_CR4, read_cr4() },
		{ GUEST_RIP, h->entry },
		{ GUEST_RSP, EPT_GUEST_STACK_TOP },
		{ GUEST_RFLAGS, 0x2 },
		{ GUEST_CS_SELECTOR, SEL_CODE64 }, { GUEST_CS_BASE, 0 },
		{ GUEST_CS_LIMIT, 0xFFFFFFFF }, { GUEST_CS_AR_BYTES, code },
		{ GUEST_SS_SELECTOR, SEL_DATA }, { GUEST_SS_BASE, 0 },
		{ GUEST_SS_LIMIT, 0xFFFFFFFF }, { GUEST_SS_AR_BYTES, data },
		{ GUEST_DS_SELECTOR, SEL_DATA }, { GUEST_DS_BASE, 0 },
		{ GUEST_DS_LIMIT, 0xFFFFFFFF }, { GUEST_DS_AR_BYTES, data },
		{ GUEST_ES_SELECTOR, SEL_DATA }, { GUEST_ES_BASE, 0 },
		{ GUEST_ES_LIMIT, 0xFFFFFFFF }, { GUEST_ES_AR_BYTES, data },
		{ GUEST_FS_SELECTOR, SEL_DATA }, { GUEST_FS_BASE, 0 },
		{ GUEST_FS_LIMIT, 0xFFFFFFFF }, { GUEST_FS_AR_BYTES, data },
		{ GUEST_GS_SELECTOR, SEL_DATA }, { GUEST_GS_BASE, 0 },
		{ GUEST_GS_LIMIT, 0xFFFFFFFF }, { GUEST_GS_AR_BYTES, data },
		{ GUEST_TR_SELECTOR, SEL_TSS }, { GUEST_TR_BASE, h->tss },
		{ GUEST_TR_LIMIT, 0x67 }, { GUEST_TR_AR_BYTES, VMX_AR_TYPE(11) | VMX_AR_P },
		{ GUEST_GDTR_BASE, h->gdt_base }, { GUEST_GDTR_LIMIT, h->gdt_limit },
		{ GUEST_IDTR_BASE, 0 }, { GUEST_IDTR_LIMIT, 0 },
	};
	return vmcs_write_all(guest, ARRAY_SIZE(guest));
}

/* VMCALL: the hypercalls of hypercall.h this guest uses, and HC_DIRTY_ROUND. */
static int exit_vmcall(struct ept_vm *vm)
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
	case HC_DIRTY_ROUND: {
		u64 dirty = 0;
		int err = ept_dirty_log(vm, &dirty);
		if (err)
			return err;
		if (vm->rounds < EPT_GUEST_DIRTY_ROUNDS)
			vm->dirty_rounds[vm->rounds++] = dirty;
		r->rax = 0;
		break;
	}
	default:
		r->rax = (u64)-HV_ENOSYS;
		break;
	}
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	return 0;
}

/* EPT misconfiguration: the walk of the GPA, entry by entry, with the first rule one breaks. */
static int exit_misconfig(struct ept_vm *vm)
{
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	kdiag("EPT misconfiguration at GPA %#lx: the VM stopped; the walk:", gpa);
	vm->misconfig_level = ept_explain(&vm->ept, vm->caps, gpa);
	return -HV_EEXIT;
}

int ept_vm_run(struct ept_vm *vm)
{
	struct vcpu *v = &vm->vcpu;
	for (u64 n = 0; !v->shutdown; n++) {
		if (n == EPT_VM_MAX_EXITS) {
			kdiag("the guest made no progress in %u VM exits (last at RIP %#lx, GPA %#lx): VM stopped",
			      EPT_VM_MAX_EXITS, vmcs_read(GUEST_RIP), vmcs_read(GUEST_PHYSICAL_ADDRESS));
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
		case EXIT_REASON_HLT:
			err = vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
			break;
		case EXIT_REASON_EPT_VIOLATION:
			err = ept_handle_violation(vm);
			break;
		case EXIT_REASON_EPT_MISCONFIG:
			err = exit_misconfig(vm);
			break;
		case EXIT_REASON_TRIPLE_FAULT:
			kdiag("the guest triple-faulted at RIP %#lx: VM stopped", vmcs_read(GUEST_RIP));
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

void ept_vm_destroy(struct ept_vm *vm)
{
	if (vm->ept.pml4)
		ept_destroy(&vm->ept);
	for (size_t i = 0; i < vm->npages; i++)
		page_free(vm->pages[i]);
	vm->npages = 0;
	if (vm->big)
		for (u64 off = 0; off < EPT_GUEST_BIG_SIZE; off += PAGE_SIZE)
			page_free((u8 *)vm->big + off);
	vm->big = NULL;
}
