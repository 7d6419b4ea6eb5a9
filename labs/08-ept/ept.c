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
	todo(8, __func__, "check the secondary controls and IA32_VMX_EPT_VPID_CAP for every feature this lab uses");
	(void)caps;
	return -HV_ENOSYS;
}

/*
 * Exercise 2: the EPT paging structures. Goal: a four-level table tree that
 * maps what ept_map() was asked to map, and nothing else. SDM Vol. 3C, 29.3.2
 * "EPT Translation Mechanism" (the entry formats), 29.3.3.1 "EPT
 * Misconfigurations" (what an entry may not hold). Hints: README, exercise 2.
 */
int ept_init(struct ept *ept)
{
	todo(8, __func__, "allocate the root table");
	(void)ept;
	return -HV_ENOSYS;
}

/*
 * The entry of gpa in the table at level stop (1: page table, 2: page
 * directory), creating the tables above it if create. NULL if a table is
 * missing and !create, if no page is left, or if a 2 MiB page is in the way.
 */
static u64 *ept_entry(const struct ept *ept, u64 gpa, int stop, bool create)
{
	todo(8, __func__, "walk down from the root to level stop, creating missing tables if asked");
	(void)ept;
	(void)gpa;
	(void)stop;
	(void)create;
	return NULL;
}

/*
 * Makes the processor forget what it cached from this EPT (once it is in use:
 * ept->eptp set). 0, or -HV_EVMXFAIL after reporting the failed instruction.
 */
static int ept_flush(const struct ept *ept)
{
	todo(8, __func__, "invalidate the mappings derived from this EPT");
	(void)ept;
	return 0;
}

/* Whether flags is a leaf's content an EPT may hold (29.3.3.1 "EPT Misconfigurations"). */
static bool ept_flags_ok(u64 flags)
{
	todo(8, __func__, "refuse what would make a misconfigured or useless entry");
	(void)flags;
	return false;
}

int ept_map(struct ept *ept, u64 gpa, u64 hpa, u64 size, u64 flags)
{
	todo(8, __func__, "write the leaf entries (2 MiB where possible), allocating the tables on the way");
	(void)ept;
	(void)gpa;
	(void)hpa;
	(void)size;
	(void)flags;
	(void)ept_entry;
	(void)ept_flags_ok;
	(void)ept_flush;
	return -HV_ENOSYS;
}

int ept_walk(const struct ept *ept, u64 gpa, u64 *hpa, u64 *flags)
{
	todo(8, __func__, "walk the tables like the processor does");
	(void)ept;
	(void)gpa;
	(void)hpa;
	(void)flags;
	return -HV_ENOSYS;
}

int ept_protect(struct ept *ept, u64 gpa, u64 size, u64 perm)
{
	todo(8, __func__, "change the permission bits of the leaves, then make the processor forget the old ones");
	(void)ept;
	(void)gpa;
	(void)size;
	(void)perm;
	return -HV_ENOSYS;
}

int ept_unmap(struct ept *ept, u64 gpa, u64 size)
{
	todo(8, __func__, "clear the leaves, then make the processor forget them");
	(void)ept;
	(void)gpa;
	(void)size;
	return -HV_ENOSYS;
}

/* Frees the table at level (4: the root) and every table below it. */
static void ept_free_table(u64 *table, int level)
{
	todo(8, __func__, "free the tables below, then this one");
	(void)table;
	(void)level;
}

void ept_destroy(struct ept *ept)
{
	todo(8, __func__, "free every table page, the root last");
	(void)ept;
	(void)ept_free_table;
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
	todo(8, __func__, "compute the EPTP, write it and the VPID, set the secondary controls, invalidate");
	(void)ept;
	(void)caps;
	(void)vpid;
	return -HV_ENOSYS;
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
	todo(8, __func__, "decode the qualification and the GPA, then map on demand, log a dirty page, or stop the VM");
	(void)vm;
	return -HV_ENOSYS;
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
	todo(8, __func__, "decode the MOV at the guest's RIP, do it on the device, update the register, move RIP");
	(void)vm;
	(void)gpa;
	(void)write;
	return -HV_ENOSYS;
}

/*
 * Exercise 5: the dirty log. Goal: each call returns exactly the pages written
 * since the previous one, however often the guest wrote them. SDM Vol. 3C,
 * 29.4.3.4 "Guidelines for Use of the INVEPT Instruction". Hints: README,
 * exercise 5.
 */
int ept_dirty_log(struct ept_vm *vm, u64 *dirty)
{
	todo(8, __func__, "hand out the log and write-protect the logged pages again");
	(void)vm;
	(void)dirty;
	return -HV_ENOSYS;
}
