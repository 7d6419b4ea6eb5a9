; The guests' runtime, the parts that must be assembly: the entry point, the
; exception stubs of the guest's IDT, and guest_call()'s unwinding.
; (The C half is runtime.c; the interface of both is runtime.h.)

bits 64
section .text

HC_SHUTDOWN equ 3                       ; kernel/guest/hypercall.h
GUEST_UNEXPECTED equ 0xE0               ; shutdown code: 0xE0 | vector (runtime.h)

extern guest_idt_init
global guest_start
global guest_call
global guest_isr_table

; GUEST_RIP of every C guest; RDI = its main, int main(void).
guest_start:
	mov rbx, rdi
	and rsp, -16                    ; the C calling convention's alignment
	call guest_idt_init
	call rbx
	movsxd rbx, eax                 ; main's result is the shutdown code
.stop:
	mov eax, HC_SHUTDOWN
	vmcall
	jmp .stop                       ; the VM must not run on: ask again

; bool guest_call(void (*fn)(void *), void *arg, struct guest_fault *f)
guest_call:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	sub rsp, 8                      ; keep RSP 16-byte aligned at the call
	mov [rel try_fault], rdx
	mov [rel try_rsp], rsp
	mov rax, rdi
	mov rdi, rsi
	call rax
	mov eax, 1                      ; fn returned: it ran to completion
.return:
	mov qword [rel try_fault], 0
	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; One stub per exception (kernel/arch/vectors.def), with a dummy error code where
; the processor pushes none (SDM Vol. 3A, 6.13 "Error Code").
%macro GUEST_ISR 2
guest_isr_%1:
%if %2 == 0
	push 0
%endif
	push %1
	jmp guest_isr_common
%endmacro

%define EXCEPTION(vector, symbol, mnemonic, name, error_code) GUEST_ISR vector, error_code
%include "kernel/arch/vectors.def"
%undef EXCEPTION

; [rsp] vector, [rsp+8] error code, [rsp+16] RIP of the exception frame.
guest_isr_common:
	mov rax, [rel try_fault]
	test rax, rax
	jz .unexpected
	mov rcx, [rsp]
	mov [rax], rcx                  ; f->vector
	mov rcx, [rsp + 8]
	mov [rax + 8], rcx              ; f->error_code
	mov rcx, [rsp + 16]
	mov [rax + 16], rcx             ; f->rip
	mov rsp, [rel try_rsp]          ; unwind to guest_call, which returns false
	xor eax, eax
	jmp guest_call.return
.unexpected:                            ; no guest_call(): the guest stops, naming the vector
	mov rbx, [rsp]
	or rbx, GUEST_UNEXPECTED
	jmp guest_start.stop

section .rodata
align 8
guest_isr_table:                        ; the stubs' addresses, for guest_idt_init()
%assign v 0
%rep 32
	dq guest_isr_ %+ v
%assign v v + 1
%endrep

section .bss
align 8
try_fault: resq 1
try_rsp: resq 1
