/*
 * Lab 8 "ept": the interface of labs/08-ept/ept.c.
 * Extended page tables give a VM its own guest-physical address space: every
 * guest-physical address (GPA) the guest uses is translated by the EPT paging
 * structures, which the hypervisor builds, to a host-physical address (HPA).
 * A GPA the tables do not map, or map without the access the guest attempts,
 * causes a VM exit (an EPT violation) instead of touching host memory.
 */
#ifndef HV_EPT_H
#define HV_EPT_H

#include "detect.h"
#include "types.h"

/*
 * The bits of an EPT paging-structure entry the lab uses (SDM Vol. 3C, 29.3.2
 * "EPT Translation Mechanism", the tables "Format of an EPT ... Entry"). The
 * flags argument and result of the functions below are in this layout.
 */
#define EPT_READ BIT(0)                 /* reads allowed */
#define EPT_WRITE BIT(1)                /* writes allowed */
#define EPT_EXEC BIT(2)                 /* instruction fetches allowed */
#define EPT_RWX (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT 3                  /* bits 5:3 of a leaf: the memory type (29.3.7 "EPT and Memory Typing") */
#define EPT_MT(type) ((u64)(type) << EPT_MT_SHIFT)
#define EPT_MT_MASK EPT_MT(7)
#define EPT_LARGE BIT(7)                /* in a PDE: it maps a 2 MiB page */
#define EPT_ADDR_MASK 0x000FFFFFFFFFF000ULL     /* bits 51:12: the next table or the page */
#define EPT_LARGE_SIZE (2ULL << 20)

/* One VM's EPT paging structures. */
struct ept {
	u64 *pml4;              /* the root (the EPT PML4 table), from ept_init() */
	u64 eptp;               /* the EPTP written to the VMCS, once ept_vmcs_setup() ran; else 0 */
};

/*
 * Exercise 1: whether the processor (caps, from lab 1) has every EPT and VPID
 * feature the rest of this file relies on (which ones: decide from what the
 * other exercises use). Returns 0, or -HV_ENOEPT (printing which one is
 * missing); reads no MSR: caps says all.
 */
int ept_check_caps(const struct vmx_caps *caps);

/* Exercise 2: an empty EPT (a zeroed root table from page_alloc()). 0 or -HV_ENOMEM. */
int ept_init(struct ept *ept);

/*
 * Exercise 2: maps [gpa, gpa + size) to [hpa, hpa + size) with flags (EPT_READ,
 * EPT_WRITE, EPT_EXEC and EPT_MT(memory type)), allocating the tables it needs
 * (page_alloc()). Uses a 2 MiB page wherever gpa and hpa are both 2 MiB-aligned
 * and at least 2 MiB remain, 4 KiB pages elsewhere. Returns 0; -HV_EINVAL for an
 * address or size not 4 KiB-aligned, size 0, flags an EPT entry may not hold,
 * or a page already mapped; -HV_ENOMEM.
 */
int ept_map(struct ept *ept, u64 gpa, u64 hpa, u64 size, u64 flags);

/*
 * Exercise 2: the software walk: the HPA that gpa translates to (*hpa) and the
 * leaf entry's bits 11:0 (*flags: permissions, memory type, EPT_LARGE for a
 * 2 MiB page). Returns 0, or -HV_EINVAL when gpa is not mapped.
 */
int ept_walk(const struct ept *ept, u64 gpa, u64 *hpa, u64 *flags);

/*
 * Exercise 2: sets the permissions (EPT_READ, EPT_WRITE, EPT_EXEC of perm) of
 * every page mapped in [gpa, gpa + size), keeping address and memory type; the
 * range must be mapped. Once the EPT is in use (ept->eptp set), the processor
 * must stop using what it cached of the old permissions before this returns.
 * 0, or -HV_EINVAL.
 */
int ept_protect(struct ept *ept, u64 gpa, u64 size, u64 perm);

/* Exercise 2: unmaps every page in [gpa, gpa + size) (invalidating like ept_protect()). 0 or -HV_EINVAL. */
int ept_unmap(struct ept *ept, u64 gpa, u64 size);

/* Exercise 2: frees every EPT paging-structure page (not the pages they map); *ept is then empty. */
void ept_destroy(struct ept *ept);

/*
 * Exercise 3: makes the current VMCS run its guest on ept with VPID vpid (not
 * 0): computes the EPTP into ept->eptp, writes it and the VPID, turns the
 * secondary controls "enable EPT" and "enable VPID" on, and makes sure the
 * processor uses nothing it cached for that EPTP or VPID before. Returns 0,
 * -HV_ENOEPT if the controls cannot be set, -HV_EVMXFAIL if a VMX instruction
 * failed.
 */
int ept_vmcs_setup(struct ept *ept, const struct vmx_caps *caps, u16 vpid);

struct ept_vm;

/*
 * Exercise 4: the EPT-violation exit of the VM's guest (the current VMCS).
 * Demand region: map a new page (ept_vm_alloc_page()) and let the instruction
 * run again. Dirty region: note the page in vm->dirty and make it writable.
 * Device page: ept_emulate_mmio() (exercise 6). Anything else: fill vm->fault, report it by address and access, and return
 * -HV_EACCESS (the VM stops). Returns 0 to resume the guest, or an error.
 */
int ept_handle_violation(struct ept_vm *vm);

/*
 * Exercise 6: emulates the guest's access to the device page at gpa (the
 * violation's GPA; write: whether the guest wrote): decodes the instruction at
 * the guest's RIP (mmio_decode()), performs it on the device (ept_mmio_access()),
 * updates the guest's register as the MOV would have, and moves the guest past
 * the instruction. 0, or -HV_EACCESS for an instruction or access it cannot
 * emulate (the VM then stops like any other access outside its memory).
 */
int ept_emulate_mmio(struct ept_vm *vm, u64 gpa, bool write);

/*
 * Exercise 5: the dirty log: *dirty = the pages of the dirty region written
 * since the last call (bit n: page n), with the log armed again for the next
 * round. 0 or an error.
 */
int ept_dirty_log(struct ept_vm *vm, u64 *dirty);

#endif
