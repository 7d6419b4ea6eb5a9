/*
 * Lab 8: extended page tables.
 *
 * The guest of this lab is an image of its own: it believes its memory starts
 * at guest-physical address 0, and every address it uses goes through the EPT
 * that this file builds. The handout is labs/08-ept/README.md; the interface is
 * kernel/vmx/ept.h, the VM around it (memory map, loader, exit loop) is
 * kernel/guest/ept_vm.h.
 */
#include "ept.h"
#include "ept_vm.h"
#include "errno.h"
#include "mmio_decode.h"
#include "page.h"
#include "printf.h"
#include "todo.h"
#include "vmcs.h"
#include "vmcs_access.h"
#include "vmx.h"

/*
 * Exercise 1: refuse a processor that lacks what this lab needs. Goal: 0 on
 * every model with EPT, -HV_ENOEPT with the missing feature named otherwise.
 * SDM Vol. 3D, A.3.3 "Secondary Processor-Based VM-Execution Controls" and A.10
 * "VPID and EPT Capabilities". Hints: README, exercise 1.
 */
int ept_check_caps(const struct vmx_caps *caps)
{
	/* BEGIN SOLUTION
	 * todo: check the secondary controls and IA32_VMX_EPT_VPID_CAP for every feature this lab uses
	 * stub: (void)caps;
	 * stub: return -HV_ENOSYS;
	 */
	static const struct {
		u64 bit;
		const char *what;
	} needed[] = {
		{ VMX_EPT_PAGE_WALK_4_BIT, "a 4-level page walk" },
		{ VMX_EPTP_WB_BIT, "write-back EPT paging structures" },
		{ VMX_EPT_2MB_PAGE_BIT, "2 MiB EPT pages" },
		{ VMX_EPT_INVEPT_BIT, "INVEPT" },
		{ VMX_EPT_EXTENT_CONTEXT_BIT, "single-context INVEPT" },
		{ VMX_VPID_INVVPID_BIT, "INVVPID" },
		{ VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT, "single-context INVVPID" },
	};
	const u32 ctls = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID;
	if (!caps->has_procbased2 || (caps->procbased2.allowed1 & ctls) != ctls) {
		kprintf("no EPT: the secondary controls \"enable EPT\" and \"enable VPID\" cannot be set\n");
		return -HV_ENOEPT;
	}
	for (size_t i = 0; i < ARRAY_SIZE(needed); i++) {
		if (!(caps->ept_vpid & needed[i].bit)) {
			kprintf("no EPT as this lab needs it: IA32_VMX_EPT_VPID_CAP lacks %s\n", needed[i].what);
			return -HV_ENOEPT;
		}
	}
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 2: the EPT paging structures. Goal: a four-level table tree that
 * maps what ept_map() was asked to map, and nothing else. SDM Vol. 3C, 29.3.2
 * "EPT Translation Mechanism" (the entry formats), 29.3.3.1 "EPT
 * Misconfigurations" (what an entry may not hold). Hints: README, exercise 2.
 */
int ept_init(struct ept *ept)
{
	/* BEGIN SOLUTION
	 * todo: allocate the root table
	 * stub: (void)ept;
	 * stub: return -HV_ENOSYS;
	 */
	ept->pml4 = page_alloc();
	ept->eptp = 0;
	return ept->pml4 ? 0 : -HV_ENOMEM;
	/* END SOLUTION */
}

/*
 * The entry of gpa in the table at level stop (1: page table, 2: page
 * directory), creating the tables above it if create. NULL if a table is
 * missing and !create, if no page is left, or if a 2 MiB page is in the way.
 */
static u64 *ept_entry(const struct ept *ept, u64 gpa, int stop, bool create)
{
	/* BEGIN SOLUTION
	 * todo: walk down from the root to level stop, creating missing tables if asked
	 * stub: (void)ept;
	 * stub: (void)gpa;
	 * stub: (void)stop;
	 * stub: (void)create;
	 * stub: return NULL;
	 */
	u64 *table = ept->pml4;
	for (int level = 4; level > stop; level--) {
		u64 *e = &table[(gpa >> (12 + 9 * (level - 1))) & 511];
		if (!(*e & EPT_RWX)) {
			if (!create)
				return NULL;
			u64 *next = page_alloc();
			if (!next)
				return NULL;
			/* A non-leaf entry allows everything: the leaf decides. */
			*e = (u64)next | EPT_RWX;
		} else if (level == 2 && (*e & EPT_LARGE)) {
			return NULL;
		}
		table = (u64 *)(*e & EPT_ADDR_MASK);
	}
	return &table[(gpa >> (12 + 9 * (stop - 1))) & 511];
	/* END SOLUTION */
}

/*
 * Makes the processor forget what it cached from this EPT (once it is in use:
 * ept->eptp set). 0, or -HV_EVMXFAIL after reporting the failed instruction.
 */
static int ept_flush(const struct ept *ept)
{
	/* BEGIN SOLUTION
	 * todo: invalidate the mappings derived from this EPT
	 * stub: (void)ept;
	 * stub: return 0;
	 */
	if (!ept->eptp)
		return 0;
	enum vmx_status s = vmx_invept(VMX_EPT_EXTENT_CONTEXT, ept->eptp);
	if (s != VMX_SUCCEED) {
		vmx_report_failure("INVEPT", s);
		return -HV_EVMXFAIL;
	}
	return 0;
	/* END SOLUTION */
}

/* Whether flags is a leaf's content an EPT may hold (29.3.3.1 "EPT Misconfigurations"). */
static bool ept_flags_ok(u64 flags)
{
	/* BEGIN SOLUTION
	 * todo: refuse what would make a misconfigured or useless entry
	 * stub: (void)flags;
	 * stub: return false;
	 */
	u64 mt = (flags & EPT_MT_MASK) >> EPT_MT_SHIFT;
	if ((flags & ~(EPT_RWX | EPT_MT_MASK)) || !(flags & EPT_RWX))
		return false;
	if ((flags & EPT_WRITE) && !(flags & EPT_READ))
		return false;
	return mt == 0 || mt == 1 || mt == 4 || mt == 5 || mt == 6;
	/* END SOLUTION */
}

int ept_map(struct ept *ept, u64 gpa, u64 hpa, u64 size, u64 flags)
{
	/* BEGIN SOLUTION
	 * todo: write the leaf entries (2 MiB where possible), allocating the tables on the way
	 * stub: (void)ept;
	 * stub: (void)gpa;
	 * stub: (void)hpa;
	 * stub: (void)size;
	 * stub: (void)flags;
	 * stub: (void)ept_entry;
	 * stub: (void)ept_flags_ok;
	 * stub: (void)ept_flush;
	 * stub: return -HV_ENOSYS;
	 */
	if (!size || !IS_ALIGNED(gpa | hpa | size, PAGE_SIZE) || !ept_flags_ok(flags))
		return -HV_EINVAL;
	while (size) {
		bool large = IS_ALIGNED(gpa | hpa, EPT_LARGE_SIZE) && size >= EPT_LARGE_SIZE;
		u64 *e = ept_entry(ept, gpa, large ? 2 : 1, true);
		if (!e)
			return -HV_ENOMEM;
		if (*e & EPT_RWX)
			return -HV_EINVAL;
		*e = hpa | flags | (large ? EPT_LARGE : 0);
		u64 step = large ? EPT_LARGE_SIZE : PAGE_SIZE;
		gpa += step;
		hpa += step;
		size -= step;
	}
	return 0;
	/* END SOLUTION */
}

int ept_walk(const struct ept *ept, u64 gpa, u64 *hpa, u64 *flags)
{
	/* BEGIN SOLUTION
	 * todo: walk the tables like the processor does
	 * stub: (void)ept;
	 * stub: (void)gpa;
	 * stub: (void)hpa;
	 * stub: (void)flags;
	 * stub: return -HV_ENOSYS;
	 */
	u64 *table = ept->pml4;
	for (int level = 4; level >= 1; level--) {
		u64 e = table[(gpa >> (12 + 9 * (level - 1))) & 511];
		if (!(e & EPT_RWX))
			return -HV_EINVAL;
		if (level == 1 || (level == 2 && (e & EPT_LARGE))) {
			u64 offset = gpa & (level == 2 ? EPT_LARGE_SIZE - 1 : PAGE_SIZE - 1);
			*hpa = (e & EPT_ADDR_MASK & ~offset) + offset;
			*flags = e & 0xFFF;
			return 0;
		}
		table = (u64 *)(e & EPT_ADDR_MASK);
	}
	return -HV_EINVAL;
	/* END SOLUTION */
}

int ept_protect(struct ept *ept, u64 gpa, u64 size, u64 perm)
{
	/* BEGIN SOLUTION
	 * todo: change the permission bits of the leaves, then make the processor forget the old ones
	 * stub: (void)ept;
	 * stub: (void)gpa;
	 * stub: (void)size;
	 * stub: (void)perm;
	 * stub: return -HV_ENOSYS;
	 */
	if (!IS_ALIGNED(gpa | size, PAGE_SIZE) || (perm & ~EPT_RWX) ||
	    ((perm & EPT_WRITE) && !(perm & EPT_READ)))
		return -HV_EINVAL;
	for (u64 end = gpa + size; gpa < end;) {
		u64 *e = ept_entry(ept, gpa, 2, false);
		if (e && !(*e & EPT_LARGE))
			e = ept_entry(ept, gpa, 1, false);
		if (!e || !(*e & EPT_RWX))
			return -HV_EINVAL;
		*e = (*e & ~EPT_RWX) | perm;
		gpa += (*e & EPT_LARGE) ? EPT_LARGE_SIZE : PAGE_SIZE;
	}
	return ept_flush(ept);
	/* END SOLUTION */
}

int ept_unmap(struct ept *ept, u64 gpa, u64 size)
{
	/* BEGIN SOLUTION
	 * todo: clear the leaves, then make the processor forget them
	 * stub: (void)ept;
	 * stub: (void)gpa;
	 * stub: (void)size;
	 * stub: return -HV_ENOSYS;
	 */
	if (!IS_ALIGNED(gpa | size, PAGE_SIZE))
		return -HV_EINVAL;
	for (u64 end = gpa + size; gpa < end;) {
		u64 *e = ept_entry(ept, gpa, 2, false);
		if (e && !(*e & EPT_LARGE))
			e = ept_entry(ept, gpa, 1, false);
		if (!e || !(*e & EPT_RWX))
			return -HV_EINVAL;
		u64 step = (*e & EPT_LARGE) ? EPT_LARGE_SIZE : PAGE_SIZE;
		*e = 0;
		gpa += step;
	}
	return ept_flush(ept);
	/* END SOLUTION */
}

/* Frees the table at level (4: the root) and every table below it. */
static void ept_free_table(u64 *table, int level)
{
	/* BEGIN SOLUTION
	 * todo: free the tables below, then this one
	 * stub: (void)table;
	 * stub: (void)level;
	 */
	for (unsigned i = 0; level > 1 && i < 512; i++) {
		u64 e = table[i];
		if ((e & EPT_RWX) && !(level == 2 && (e & EPT_LARGE)))
			ept_free_table((u64 *)(e & EPT_ADDR_MASK), level - 1);
	}
	page_free(table);
	/* END SOLUTION */
}

void ept_destroy(struct ept *ept)
{
	/* BEGIN SOLUTION
	 * todo: free every table page, the root last
	 * stub: (void)ept;
	 * stub: (void)ept_free_table;
	 */
	if (ept->pml4)
		ept_free_table(ept->pml4, 4);
	ept->pml4 = NULL;
	ept->eptp = 0;
	/* END SOLUTION */
}

/*
 * Exercise 3: turn EPT on. Goal: the guest runs on these tables with its own
 * VPID, and nothing the processor cached for an earlier VM (with the same root
 * page or VPID) is used. SDM Vol. 3C, 25.6.2 "Processor-Based VM-Execution
 * Controls", 25.6.11 "Extended-Page-Table Pointer (EPTP)", 25.6.12
 * "Virtual-Processor Identifier (VPID)", 29.4.3 "Invalidating Cached
 * Translation Information". Hints: README, exercise 3.
 */
int ept_vmcs_setup(struct ept *ept, const struct vmx_caps *caps, u16 vpid)
{
	/* BEGIN SOLUTION
	 * todo: compute the EPTP, write it and the VPID, set the secondary controls, invalidate
	 * stub: (void)ept;
	 * stub: (void)caps;
	 * stub: (void)vpid;
	 * stub: return -HV_ENOSYS;
	 */
	const u32 want = SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_ENABLE_VPID;
	if (!vpid)
		return -HV_EINVAL;
	u32 proc, proc2;
	if (vmx_adjust_ctls((u32)vmcs_read(CPU_BASED_VM_EXEC_CONTROL) | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
			    &caps->procbased, &proc) ||
	    vmx_adjust_ctls(want, &caps->procbased2, &proc2))
		return -HV_ENOEPT;
	/* EPTP: write-back walks (bits 2:0 = 6), walk length 4 (bits 5:3 = 3), A/D flags where supported. */
	u64 eptp = (u64)ept->pml4 | VMX_MEM_TYPE_WB | (3 << 3);
	if (caps->ept_vpid & VMX_EPT_AD_BIT)
		eptp |= BIT(6);
	int err;
	if ((err = vmcs_write(EPT_POINTER, eptp)) || (err = vmcs_write(VIRTUAL_PROCESSOR_ID, vpid)) ||
	    (err = vmcs_write(CPU_BASED_VM_EXEC_CONTROL, proc)) ||
	    (err = vmcs_write(SECONDARY_VM_EXEC_CONTROL, proc2)))
		return err;
	ept->eptp = eptp;
	/* The root page and the VPID may have served an earlier VM: forget what was cached for them. */
	if ((err = ept_flush(ept)))
		return err;
	enum vmx_status s = vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid, 0);
	if (s != VMX_SUCCEED) {
		vmx_report_failure("INVVPID", s);
		return -HV_EVMXFAIL;
	}
	return 0;
	/* END SOLUTION */
}

/*
 * Exercise 4: the EPT-violation exit. Goal: the demand region fills in page by
 * page as the guest touches it, the dirty region records the guest's first
 * write to each page, and any other access stops the VM with a report naming
 * the address and the access. SDM Vol. 3C, 29.3.3.2 "EPT Violations", 28.2.1
 * "Basic VM-Exit Information" (the exit qualification of an EPT violation).
 * Hints: README, exercise 4.
 */
int ept_handle_violation(struct ept_vm *vm)
{
	/* BEGIN SOLUTION
	 * todo: decode the qualification and the GPA, then map on demand, log a dirty page, or stop the VM
	 * stub: (void)vm;
	 * stub: return -HV_ENOSYS;
	 */
	u64 qual = vmcs_read(EXIT_QUALIFICATION);
	u64 gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	u64 page = gpa & ~(PAGE_SIZE - 1);
	/* Bits 2:0: the access (read, write, fetch); bits 5:3: what the entries allowed. */
	u64 access = qual & EPT_RWX, allowed = (qual >> 3) & EPT_RWX;

	switch (ept_region_of(gpa)) {
	case EPT_REGION_DEMAND:
		if (!allowed) {
			void *p = ept_vm_alloc_page(vm);
			if (!p)
				return -HV_ENOMEM;
			/* No RIP change: the instruction runs again, now on a mapped page. */
			return ept_map(&vm->ept, page, (u64)p, PAGE_SIZE, EPT_RWX | EPT_MT(VMX_MEM_TYPE_WB));
		}
		break;
	case EPT_REGION_DIRTY:
		if (access == EPT_WRITE && (allowed & EPT_READ)) {
			vm->dirty |= BIT((page - EPT_GUEST_DIRTY) / PAGE_SIZE);
			return ept_protect(&vm->ept, page, PAGE_SIZE, EPT_READ | EPT_WRITE);
		}
		break;
	case EPT_REGION_MMIO:
		if (access == EPT_READ || access == EPT_WRITE) {
			int err = ept_emulate_mmio(vm, gpa, access == EPT_WRITE);
			if (err != -HV_EACCESS)
				return err;
		}
		break;
	default:
		break;
	}
	vm->faulted = true;
	vm->fault = (struct ept_fault){ .gpa = gpa, .access = access, .gla_valid = qual & BIT(7) };
	if (vm->fault.gla_valid)
		vm->fault.gla = vmcs_read(GUEST_LINEAR_ADDRESS);
	kdiag("EPT violation: the guest %s GPA %#lx (linear %#lx%s), outside its memory: VM stopped",
	      access & EPT_WRITE ? "wrote" : access & EPT_EXEC ? "fetched from" : "read", gpa,
	      vm->fault.gla, vm->fault.gla_valid ? "" : ", not valid");
	return -HV_EACCESS;
	/* END SOLUTION */
}

/*
 * Exercise 6: an emulated device. Goal: the guest's MOVs to and from the device
 * page do what they would do on a real device register, and the guest goes on
 * at the next instruction. SDM Vol. 2B, MOV (what a MOV to a 32-bit, 16-bit or
 * 8-bit register leaves of the rest); Vol. 3C, 28.2.5 "Information for VM Exits
 * Due to Instruction Execution" (which exits report an instruction length).
 * Hints: README, exercise 6.
 */
int ept_emulate_mmio(struct ept_vm *vm, u64 gpa, bool write)
{
	/* BEGIN SOLUTION
	 * todo: decode the MOV at the guest's RIP, do it on the device, update the register, move RIP
	 * stub: (void)vm;
	 * stub: (void)gpa;
	 * stub: (void)write;
	 * stub: return -HV_ENOSYS;
	 */
	u8 bytes[15];
	struct mmio_insn insn;
	u64 rip = vmcs_read(GUEST_RIP), value = 0;
	if (ept_vm_read_linear(vm, rip, bytes, sizeof(bytes)) || !mmio_decode(bytes, sizeof(bytes), &insn) ||
	    insn.write != write)
		return -HV_EACCESS;
	u64 *r = insn.has_imm ? NULL : vcpu_gpr(&vm->vcpu, insn.reg);
	if (!insn.has_imm && !r)
		return -HV_EACCESS;             /* RSP: not a register the guest uses here */
	if (write)
		value = insn.has_imm ? insn.imm : insn.high_byte ? *r >> 8 : *r;
	if (ept_mmio_access(vm, gpa - EPT_GUEST_MMIO, insn.size, write, &value))
		return -HV_EACCESS;
	if (!write) {
		/* MOV to a 32-bit register zero-extends into 63:32; 8 and 16 bits keep the rest. */
		if (insn.size == 8)
			*r = value;
		else if (insn.size == 4)
			*r = (u32)value;
		else if (insn.size == 2)
			*r = (*r & ~0xFFFFULL) | (u16)value;
		else if (insn.high_byte)
			*r = (*r & ~0xFF00ULL) | (u64)(u8)value << 8;
		else
			*r = (*r & ~0xFFULL) | (u8)value;
	}
	/* The exit's instruction length is not defined for EPT violations: use the decoded one. */
	return vmcs_write(GUEST_RIP, rip + insn.len);
	/* END SOLUTION */
}

/*
 * Exercise 5: the dirty log. Goal: each call returns exactly the pages written
 * since the previous one, however often the guest wrote them. SDM Vol. 3C,
 * 29.4.3.4 "Guidelines for Use of the INVEPT Instruction". Hints: README,
 * exercise 5.
 */
int ept_dirty_log(struct ept_vm *vm, u64 *dirty)
{
	/* BEGIN SOLUTION
	 * todo: hand out the log and write-protect the logged pages again
	 * stub: (void)vm;
	 * stub: (void)dirty;
	 * stub: return -HV_ENOSYS;
	 */
	*dirty = vm->dirty;
	for (u64 n = 0; n < EPT_GUEST_DIRTY_PAGES; n++) {
		if (!(vm->dirty & BIT(n)))
			continue;
		int err = ept_protect(&vm->ept, EPT_GUEST_DIRTY + n * PAGE_SIZE, PAGE_SIZE, EPT_READ);
		if (err)
			return err;
	}
	vm->dirty = 0;
	return 0;
	/* END SOLUTION */
}
