; The lab 5 guest. Its first instruction, CPUID, always causes a VM exit
; (SDM Vol. 3C, 26.1.2 "Instructions That Cause VM Exits Unconditionally"),
; so the first exit tells whether the guest started where the VMCS says.

bits 64
section .text
global guest_hello_entry

guest_hello_entry:
	cpuid                           ; 0F A2: 2 bytes; exit reason 10 (CPUID)
	vmcall                          ; 0F 01 C1: 3 bytes; exit reason 18 (VMCALL)
	hlt                             ; exit reason 12 if "HLT exiting" is 1
	jmp guest_hello_entry
