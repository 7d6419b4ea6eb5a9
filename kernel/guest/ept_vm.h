/*
 * A VM with memory of its own (lab 8 on), given: its guest-physical memory map,
 * the guest image loaded into RAM the hypervisor allocates, the VMCS guest state
 * for that image, and the exit loop that runs it. The EPT itself is the
 * student's (ept.h): every mapping here goes through ept_map(), every copy into
 * guest memory through ept_walk().
 *
 * The guest-physical memory map (kernel/vmx/ept_layout.def):
 *
 *   EPT_GUEST_BOOT .. +RAM_SIZE   RAM, 4 KiB pages, read/write/execute, write-back:
 *                                 the boot page, the image, the mailbox, the stack
 *   EPT_GUEST_BIG  .. +2 MiB      one 2 MiB page, read/write, write-back
 *   EPT_GUEST_DEMAND .. +1 MiB    mapped page by page on first touch (exercise 4)
 *   EPT_GUEST_DIRTY .. +32 pages  mapped read-only; writes are tracked (exercise 5)
 *   EPT_GUEST_MMIO .. +4 KiB      not mapped: a device the hypervisor emulates (exercise 6)
 *   anything else                 not the VM's: an access stops the VM
 *
 * The host pages behind RAM are allocated in an order that makes GPA != HPA and
 * consecutive GPAs land on non-consecutive HPAs, as they would on a busy host.
 */
#ifndef HV_EPT_VM_H
#define HV_EPT_VM_H

#include "ept.h"
#include "types.h"
#include "vcpu.h"

#define LAYOUT(name, value) enum { name = value };
#include "ept_layout.def"
#undef LAYOUT

/* The image's header, at its first byte (kernel/guest/images/ept_guest.asm). */
struct ept_image_header {
	u64 magic;              /* EPT_BOOT_MAGIC */
	u64 entry;              /* GUEST_RIP */
	u64 cr3;                /* the guest's PML4 (a GPA) */
	u64 gdt_base, gdt_limit;
	u64 tss;                /* GUEST_TR_BASE */
};

/* The image, embedded in the kernel (kernel/guest/ept_image.asm). */
extern const u8 ept_guest_image[], ept_guest_image_end[];

/* Which part of the memory map a GPA is in. */
enum ept_region {
	EPT_REGION_NONE,        /* not the VM's */
	EPT_REGION_RAM,
	EPT_REGION_BIG,
	EPT_REGION_DEMAND,
	EPT_REGION_DIRTY,
	EPT_REGION_MMIO,
};

enum ept_region ept_region_of(u64 gpa);

/* An access the VM was stopped for (exercise 4). */
struct ept_fault {
	u64 gpa;                /* GUEST_PHYSICAL_ADDRESS */
	u64 gla;                /* GUEST_LINEAR_ADDRESS, when gla_valid */
	bool gla_valid;
	u64 access;             /* what the guest tried: EPT_READ, EPT_WRITE or EPT_EXEC */
};

#define EPT_VM_MAX_PAGES 512

/*
 * The emulated device at EPT_GUEST_MMIO: EPT_MMIO_REGS bytes of registers. Bytes 3:0
 * are a read-only identification register, EPT_MMIO_ID ^ the nonce's low 32 bits;
 * the others read back what was written, byte by byte. Every access is logged.
 */
#define EPT_MMIO_LOG 16
struct ept_mmio_access {
	u64 offset;
	unsigned size;
	bool write;
	u64 value;
};
struct ept_mmio {
	u8 regs[EPT_MMIO_REGS];
	struct ept_mmio_access log[EPT_MMIO_LOG];
	size_t n;
};

struct ept_vm {
	struct ept ept;                 /* the student's tables */
	struct vcpu vcpu;               /* registers, nonce, shutdown */
	const struct vmx_caps *caps;
	u16 vpid;
	void *pages[EPT_VM_MAX_PAGES];  /* every 4 KiB page of guest memory the VM owns */
	size_t npages;
	void *big;                      /* the 2 MiB of host memory behind EPT_GUEST_BIG */
	u64 dirty;                      /* exercise 5: pages of the dirty region written (bit n: page n) */
	u64 dirty_rounds[EPT_GUEST_DIRTY_ROUNDS];       /* the dirty log at the end of each round */
	size_t rounds;
	bool faulted;                   /* exercise 4 stopped the VM: fault says why */
	struct ept_fault fault;
	struct ept_mmio mmio;           /* the emulated device (exercise 6) */
	int misconfig_level;            /* an EPT misconfiguration stopped the VM: the level ept_explain() named (0: none) */
};

/*
 * A page of guest memory for vm: zeroed, owned by the VM (ept_vm_destroy() frees
 * it). NULL when the host has no page left or the VM has its maximum.
 */
void *ept_vm_alloc_page(struct ept_vm *vm);

/*
 * Builds vm: the student's ept_init(), the RAM (the image copied in, the boot
 * page saying nonce, task and arg), the 2 MiB region and the dirty region,
 * each mapped with ept_map(). 0 or the first error (what was built is then freed).
 */
int ept_vm_create(struct ept_vm *vm, const struct vmx_caps *caps, u16 vpid, u64 nonce,
		  u64 task, u64 arg);

/* Copies n bytes into guest memory at gpa, page by page through the student's ept_walk(). 0 or -HV_EINVAL. */
int ept_vm_write(struct ept_vm *vm, u64 gpa, const void *src, size_t n);

/*
 * Copies n bytes from the guest's linear address gla: a walk of the guest's own
 * 4-level paging (its CR3 in GUEST_CR3), each of its entries and the final
 * address read through your ept_walk(). 0, or -HV_EINVAL if a step is not mapped.
 */
int ept_vm_read_linear(struct ept_vm *vm, u64 gla, void *buf, size_t n);

/*
 * The device's side of one access: size bytes (1, 2, 4 or 8) at offset in its
 * registers, *value written (bits above size ignored) or read (zero-extended).
 * 0, or -HV_EINVAL for an access outside the registers.
 */
int ept_mmio_access(struct ept_vm *vm, u64 offset, unsigned size, bool write, u64 *value);

/* Writes the guest-state area of the current VMCS for the image: its CR3, GDT, TSS, entry point and stack. */
int ept_vm_guest_state(const struct ept_vm *vm);

/*
 * Runs the guest of the current VMCS (set up with ept_vm_guest_state() and
 * ept_vmcs_setup()) until it stops: the hypercalls (HC_READ, HC_SHUTDOWN, and
 * HC_DIRTY_ROUND, which records ept_dirty_log() in vm->dirty_rounds), HLT, EPT
 * violations (ept_handle_violation()) and misconfigurations (explained). Returns
 * 0 after HC_SHUTDOWN, or the error that stopped the VM.
 */
int ept_vm_run(struct ept_vm *vm);

/* Frees everything: the student's ept_destroy(), then every page the VM owns. */
void ept_vm_destroy(struct ept_vm *vm);

#endif
