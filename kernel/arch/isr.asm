; Entry stubs for the 32 processor exceptions (SDM Vol. 3A, 6.3.1 "External Interrupts"
; and Table 6-1 "Protected-Mode Exceptions and Interrupts").
; Each stub makes the stack look the same: [error code][vector], then the common
; entry saves the general registers into a struct trap_frame (kernel/arch/trap.h)
; and calls trap_dispatch(frame). trap_dispatch may edit the frame: iretq then
; resumes wherever the frame says (that is how trap_call() recovers from a fault).

bits 64
section .text
extern trap_dispatch

; One stub per row of vectors.def (SDM Vol. 3A, Table 6-1 "Protected-Mode
; Exceptions and Interrupts"): isr_<vector>, with a dummy error code where the
; processor pushes none (SDM Vol. 3A, 6.13 "Error Code").
%macro ISR 2
isr_%1:
%if %2 == 0
	push 0                          ; a dummy error code keeps the frame uniform
%endif
	push %1
	jmp isr_common
%endmacro

%define EXCEPTION(vector, symbol, mnemonic, name, error_code) ISR vector, error_code
%include "kernel/arch/vectors.def"
%undef EXCEPTION

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp                    ; struct trap_frame *
	cld
	mov rbx, rsp                    ; keep the frame; align the stack for the C call
	and rsp, -16
	call trap_dispatch
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector and error code
	iretq

; The stub addresses, for idt_init().
section .rodata
global isr_table
isr_table:
%assign v 0
%rep 32
	dq isr_ %+ v
%assign v v + 1
%endrep

section .text
; u64 trap_try(struct trap_jmp *j): records the callee-saved registers, the stack
; pointer and the return address in *j and returns 0. A fault while j is armed
; comes back here a second time, returning 1 (see trap_call in trap.c).
global trap_try
trap_try:
	mov [rdi + 0], rbx
	mov [rdi + 8], rbp
	mov [rdi + 16], r12
	mov [rdi + 24], r13
	mov [rdi + 32], r14
	mov [rdi + 40], r15
	lea rax, [rsp + 8]              ; the stack pointer after our return
	mov [rdi + 48], rax
	mov rax, [rsp]                  ; the return address
	mov [rdi + 56], rax
	xor eax, eax
	ret
