/* Two VMs on one CPU (sched_vm.h): loader, guest state, hypercalls. */
#include "sched_vm.h"
#include "errno.h"
#include "hypercall.h"
#include "string.h"
#include "vmcs_access.h"
#include "x86.h"

int sched_vm_create(struct sched_vm *v, const struct vmx_caps *caps, u16 vpid, u64 nonce,
		    unsigned index, u64 vmcs)
{
	memset(v, 0, sizeof(*v));
	v->index = index;
	v->vmcs = vmcs;
	int err = ept_vm_create(&v->vm, caps, vpid, nonce, 0, 0);
	if (err)
		return err;
	u64 boot[3] = { SCHED_BOOT_MAGIC, nonce, index };
	if ((err = ept_vm_write(&v->vm, EPT_GUEST_IMAGE, sched_guest_image,
				(size_t)(sched_guest_image_end - sched_guest_image))) ||
	    (err = ept_vm_write(&v->vm, EPT_GUEST_BOOT, boot, sizeof(boot))))
		ept_vm_destroy(&v->vm);
	return err;
}

int sched_vm_guest_state(const struct sched_vm *v)
{
	/* lab 8's guest state (segments, CR0/CR4, stack), then this image's own tables and entry */
	const struct ept_image_header *h = (const void *)sched_guest_image;
	int err = ept_vm_guest_state(&v->vm);
	const struct vmcs_field_value image[] = {
		{ GUEST_RIP, h->entry },
		{ GUEST_CR3, h->cr3 },
		{ GUEST_GDTR_BASE, h->gdt_base }, { GUEST_GDTR_LIMIT, h->gdt_limit },
		{ GUEST_TR_BASE, h->tss },
	};
	return err ? err : vmcs_write_all(image, ARRAY_SIZE(image));
}

int sched_hypercall(struct sched *s, struct sched_vm *v)
{
	struct guest_regs *r = &v->vm.vcpu.regs;
	switch (r->rax) {
	case HC_READ:
		r->rax = r->rbx == HC_VALUE_NONCE ? v->vm.vcpu.nonce : (u64)-HV_EINVAL;
		break;
	case HC_SHUTDOWN:
		v->vm.vcpu.shutdown = true;
		v->vm.vcpu.shutdown_code = r->rbx;
		return 0;
	case HC_TIMER:
		if (r->rbx < 32 || r->rbx > 255) {
			r->rax = (u64)-HV_EINVAL;
			break;
		}
		v->vector = (u8)r->rbx;
		v->timer_on = true;
		v->deadline = rdtsc() + s->period;
		r->rax = s->period;
		break;
	default:
		r->rax = (u64)-HV_ENOSYS;
		break;
	}
	/* past the VMCALL; an STI or MOV SS shadow ends with it (SDM Vol. 3C, 25.4.2 "Guest Non-Register State") */
	u64 intr = vmcs_read(GUEST_INTERRUPTIBILITY_INFO) & ~(u64)(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
	int err = vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
	return err ? err : vmcs_write(GUEST_INTERRUPTIBILITY_INFO, intr);
}

void sched_vm_destroy(struct sched_vm *v)
{
	ept_vm_destroy(&v->vm);
}
