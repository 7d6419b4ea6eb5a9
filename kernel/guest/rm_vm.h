/*
 * The lab 9 VM (given): a guest that starts in real mode, with memory of its
 * own behind an EPT this file builds, its emulated devices, the course's I/O
 * and MSR policy (rm_policy.def), and the exit loop. The student's realmode.c
 * (realmode.h) sets the VMCS up for it and handles its I/O exits.
 *
 * The guest-physical memory map (kernel/vmx/rm_layout.def): RAM from 0 to
 * RM_GUEST_RAM_SIZE, 4 KiB pages on host pages in another order (GPA != HPA);
 * the image at RM_GUEST_IMAGE (0x7C00, where a BIOS loads a boot sector), the
 * mailbox page at RM_GUEST_MAILBOX, the guest's own page tables at
 * RM_GUEST_PML4.. (it writes them). Nothing else is mapped.
 */
#ifndef HV_RM_VM_H
#define HV_RM_VM_H

#include "realmode.h"
#include "types.h"
#include "vcpu.h"

#define LAYOUT(name, value) enum { name = value };
#include "rm_layout.def"
#undef LAYOUT

/* The image, embedded in the kernel (kernel/guest/rm_image.asm). */
extern const u8 rm_guest_image[], rm_guest_image_end[];

/* The course's policy (rm_policy.def): these accesses exit, every other one passes. */
struct rm_io_policy {
	u16 port, ports;        /* ports [port, port + ports) */
	const char *what;
};
struct rm_msr_policy {
	u32 msr;
	bool read, write;       /* RDMSR exits, WRMSR exits */
	const char *what;
};
extern const struct rm_io_policy rm_io_policy[];
extern const size_t rm_io_policy_count;
extern const struct rm_msr_policy rm_msr_policy[];
extern const size_t rm_msr_policy_count;

#define RM_GUEST_PAGES (RM_GUEST_RAM_SIZE / 4096)
#define RM_LOG 512

/* One VM exit for an I/O instruction or an MSR, as the exit loop saw it (before any handler ran). */
struct rm_io_event {
	u16 port;
	u8 size;
	bool in;
};
struct rm_msr_event {
	u32 msr;
	bool write;
};

struct rm_vm {
	struct vcpu vcpu;               /* registers, nonce, shutdown, COM1 (vcpu.com1) */
	const struct vmx_caps *caps;
	u64 eptp;                       /* the EPT this file built: write it to EPT_POINTER */
	u8 *io_bitmap_a, *io_bitmap_b;  /* zeroed 4 KiB pages, yours to fill (exercise 4) */
	u8 *msr_bitmap;                 /* a zeroed 4 KiB page, yours to fill (exercise 4) */
	void *ram[RM_GUEST_PAGES];      /* the host page behind each guest page */
	u64 *ept[4];                    /* the EPT's PML4, PDPT, PD and page table */
	u8 device[RM_DEVICE_PORTS];     /* the device: what its ports read */
	u8 device_out[RM_DEVICE_PORTS]; /* ... and the last byte written to each */
	u64 misc_enable, star;          /* the emulated MSRs */
	u64 apic_base_writes;           /* WRMSRs of IA32_APIC_BASE refused */
	struct rm_io_event io[RM_LOG];  /* the I/O exits, in order (the first RM_LOG) */
	size_t n_io;
	struct rm_msr_event msr[RM_LOG];
	size_t n_msr;
	u64 cr_exits;                   /* control-register accesses that exited */
};

/*
 * Builds vm for a guest that will do task (RM_TASK_*): RAM with the image and
 * the mailbox, the EPT (in vm->eptp), the three bitmap pages zeroed, the device
 * and the emulated MSRs. 0, -HV_ENOEPT (no 4-level write-back EPT or INVEPT on
 * this processor) or -HV_ENOMEM; what was built is then freed.
 */
int rm_vm_create(struct rm_vm *vm, const struct vmx_caps *caps, u64 nonce, u64 task);

/* One byte from port, from whoever owns it: COM1 (vserial), the device, or the machine's own port. */
u8 rm_vm_port_in(struct rm_vm *vm, u16 port);

/* One byte to port, to whoever owns it (as rm_vm_port_in()). */
void rm_vm_port_out(struct rm_vm *vm, u16 port, u8 value);

/* The qword in mailbox slot (RM_MB_*), read from the guest's RAM. */
u64 rm_vm_mailbox(const struct rm_vm *vm, unsigned slot);

/*
 * Runs the guest of the current VMCS until it shuts down: hypercalls, I/O
 * exits (logged, then rm_handle_io()), MSR exits (logged, then emulated),
 * triple faults and EPT violations (the VM stops), control-register exits
 * (counted; the VM stops: this guest's mode changes must not exit). 0 after
 * HC_SHUTDOWN, or the error that stopped the VM.
 */
int rm_vm_run(struct rm_vm *vm);

/* Frees everything rm_vm_create() made. */
void rm_vm_destroy(struct rm_vm *vm);

#endif
