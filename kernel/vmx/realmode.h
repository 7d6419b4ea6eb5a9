/*
 * Lab 9 "realmode": the interface of labs/09-realmode/realmode.c.
 * A guest that starts like a real PC's boot sector: 16-bit real mode, paging
 * off, at 0000:7C00, and climbs to protected and long mode by itself. VT-x runs
 * such a guest only as an "unrestricted guest", which needs EPT. The hypervisor
 * chooses which of its port and MSR accesses cause VM exits with the I/O and
 * MSR bitmaps; everything else goes straight to the machine.
 * The VM around it (guest RAM, the EPT, the exit loop) is given: rm_vm.h.
 */
#ifndef HV_REALMODE_H
#define HV_REALMODE_H

#include "detect.h"
#include "types.h"

struct rm_vm;

/*
 * Exercise 1: whether the processor (caps, from lab 1) can run this lab's VM:
 * every VM-execution, VM-exit and VM-entry control the other exercises set.
 * Returns 0, or -HV_ENOEPT (printing what is missing); reads no MSR.
 */
int rm_check_caps(const struct vmx_caps *caps);

/*
 * Exercise 2: writes the guest-state area of the current VMCS for a processor
 * about to run a boot sector: real mode, paging off, CS:IP = 0000:7C00, and the
 * rest as VM entry requires for an unrestricted guest. The guest's IA32_EFER
 * (GUEST_IA32_EFER) is part of that state. 0, or -HV_EVMXFAIL if a VMWRITE failed.
 */
int rm_guest_state(const struct vmx_caps *caps);

/*
 * Exercise 3: in the I/O bitmaps a and b (4 KiB each), makes an access to port
 * cause a VM exit (exit) or not (!exit); every other port's bit is left alone.
 */
void rm_io_exit(u8 *bitmap_a, u8 *bitmap_b, u16 port, bool exit);

/*
 * Exercise 3: in the MSR bitmap (4 KiB), makes RDMSR of msr cause a VM exit if
 * read, and WRMSR if write; clears the bit otherwise. Every other bit is left
 * alone; an msr the bitmap cannot name is ignored (those always exit).
 */
void rm_msr_exit(u8 *bitmap, u32 msr, bool read, bool write);

/*
 * Exercise 4: the VM-execution, VM-exit and VM-entry controls of the current
 * VMCS (lab 4's vmcs_setup() made it) for vm's guest: EPT on vm->eptp with
 * unrestricted guest; the I/O and MSR bitmaps of vm filled with the course's
 * policy (rm_io_policy[], rm_msr_policy[]: exactly those exit) and in use; CR0
 * and CR4 guest/host masks and read shadows that let the guest switch modes on
 * its own while VMX's fixed bits stay set and hidden; IA32_EFER loaded and
 * saved with the guest, the host's loaded at each VM exit; the guest starting
 * outside IA-32e mode. 0, -HV_ENOEPT if a control cannot be set, or -HV_EVMXFAIL.
 */
int rm_vmcs_setup(struct rm_vm *vm);

/*
 * Exercise 5: the I/O-instruction VM exit (IN and OUT of 1, 2 or 4 bytes, not
 * the string forms) of vm's guest: each byte of the access goes to the device
 * that owns its port (rm_vm_port_in()/rm_vm_port_out() find it, the machine's
 * own port included), IN's bytes land in the guest's register as the
 * instruction would leave them, and the guest goes on after the instruction.
 * 0, or -HV_EEXIT for an access it cannot emulate.
 */
int rm_handle_io(struct rm_vm *vm);

#endif
