; The lab 10 guest: one image, run as two VMs side by side (kernel/guest/sched_vm.c
; loads it into each VM's own RAM, behind each VM's own EPT). Like lab 8's guest
; (ept_guest.asm) it is a flat binary linked at its guest-physical address, with
; its own page tables, GDT, TSS, IDT and stack, and knows only guest-physical
; addresses (linear = guest-physical for the first 1 GiB).
;
; The boot page (EPT_GUEST_BOOT) holds: qword 0 SCHED_BOOT_MAGIC, 1 the nonce, 2 the
; VM's index (0 or 1). The guest leaves its notes in its mailbox (EPT_GUEST_MAILBOX,
; qword n = SCHED_MB_*), which the harness reads through its own walk of the EPT.
;
; What it does, in order:
;   1. picks its timer vector from the nonce and its index, fills its IDT (the
;      timer's gate on its own stack, IST1, in a page of the demand region that
;      the hypervisor maps when the first delivery touches it) and asks the
;      hypervisor for a periodic timer (HC_TIMER);
;   2. with interrupts enabled, SCHED_STEPS_CALLS steps of a running checksum,
;      kept twice (in R13 and in memory) and compared at every step, with a
;      hypercall every SCHED_CALLS_EVERY steps whose result it checks;
;   3. with interrupts disabled (CLI), SCHED_STEPS_CLI more steps and no exit of
;      its own: only the VMX-preemption timer takes the CPU back; then STI, one
;      instruction in the STI shadow, and the tick that came meanwhile must
;      arrive right there;
;   4. SCHED_HALTS times: HLT until its tick count has grown.
; The timer handler counts the ticks, notes a tick that came early (before
; SCHED_MB_T0 + n * period) and one that interrupted code running with IF = 0.

%define LAYOUT(name, value) name equ value
%include "kernel/vmx/ept_layout.def"
%include "kernel/vmx/sched_layout.def"

HC_READ equ 2                           ; kernel/guest/hypercall.h
HC_SHUTDOWN equ 3
HC_VALUE_NONCE equ 0

bits 64
org EPT_GUEST_IMAGE

boot equ EPT_GUEST_BOOT
%define MB(n) (EPT_GUEST_MAILBOX + 8 * (n))

; The image's header, read by the loader (struct ept_image_header, ept_vm.h).
header:
	dq SCHED_BOOT_MAGIC
	dq entry                        ; GUEST_RIP
	dq pml4                         ; GUEST_CR3
	dq gdt                          ; GUEST_GDTR_BASE
	dq gdt_end - gdt - 1            ; GUEST_GDTR_LIMIT
	dq tss                          ; GUEST_TR_BASE

entry:
	mov eax, HC_READ
	mov ebx, HC_VALUE_NONCE
	vmcall
	mov r15, rax                    ; r15: the nonce
	mov [MB(SCHED_MB_NONCE)], rax
	mov r14, [boot + 16]            ; r14: the VM's index
	mov [MB(SCHED_MB_INDEX)], r14
	; the vector: SCHED_VECTOR_BASE + 6 bits of the nonce, byte <index>
	mov rcx, r14
	shl ecx, 3
	mov rax, r15
	shr rax, cl
	and eax, 0x3F
	add eax, SCHED_VECTOR_BASE
	mov [MB(SCHED_MB_VECTOR)], rax
	mov rbx, rax
	call idt_init
	lidt [idtr]
	; the checksum's seed: lcg_next(nonce + index), in R13 and in memory
	lea rax, [r15 + r14]
	call lcg_next
	mov r13, rax
	mov [MB(SCHED_MB_MEMSUM)], rax
	; the timer: T0 before the call, so that tick n is due at T0 + n * period at the earliest
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov [MB(SCHED_MB_T0)], rax
	mov rbx, [MB(SCHED_MB_VECTOR)]
	mov eax, HC_TIMER
	vmcall
	mov [MB(SCHED_MB_PERIOD)], rax
	sti

; 2. steps with hypercalls, IF = 1
	mov r12d, SCHED_STEPS_CALLS
.calls:
	call step
	test r12d, SCHED_CALLS_EVERY - 1
	jnz .no_call
	mov eax, HC_READ
	mov ebx, HC_VALUE_NONCE
	vmcall
	cmp rax, r15
	je .no_call
	inc qword [MB(SCHED_MB_BADCALL)]
.no_call:
	dec r12d
	jnz .calls

; 3. steps with IF = 0, then the window
	mov rax, [MB(SCHED_MB_TICKS)]
	mov [MB(SCHED_MB_CLI_TICKS)], rax
	mov r12d, SCHED_STEPS_CLI
cli_at:
	cli
.spin:
	call step
	dec r12d
	jnz .spin
	sti
	nop                             ; in the STI shadow: no interrupt before it retires
window_at:                              ; the tick due since the CLI arrives here
%rep SCHED_PROBE
	nop
%endrep
	mov rax, [MB(SCHED_MB_TICKS)]
	cmp rax, [MB(SCHED_MB_CLI_TICKS)]
	jne .on_time
	inc qword [MB(SCHED_MB_LATE)]
.on_time:

; 4. halts, each until a tick
	mov r12d, SCHED_HALTS
.halt:
	mov rbx, [MB(SCHED_MB_TICKS)]
.wait:
	hlt
	cmp [MB(SCHED_MB_TICKS)], rbx
	jne .woken
	inc qword [MB(SCHED_MB_WAKES)]  ; HLT returned without a tick
	jmp .wait
.woken:
	dec r12d
	jnz .halt

	cli
	mov [MB(SCHED_MB_SUM)], r13
	mov qword [MB(SCHED_MB_DONE)], SCHED_DONE
	xor ebx, ebx
shutdown:
	mov eax, HC_SHUTDOWN
	vmcall
	jmp shutdown

; One step of the running checksum: R13 and the memory copy each become
; lcg_next(value ^ index); a difference is noted. Clobbers RAX, RDX.
step:
	mov rax, r13
	xor rax, r14
	call lcg_next
	mov r13, rax
	mov rax, [MB(SCHED_MB_MEMSUM)]
	xor rax, r14
	call lcg_next
	mov [MB(SCHED_MB_MEMSUM)], rax
	cmp rax, r13
	je .same
	inc qword [MB(SCHED_MB_MISMATCH)]
.same:
	ret

; rax = the next value after rax (Knuth's MMIX linear congruential generator).
lcg_next:
	mov rdx, 6364136223846793005
	imul rax, rdx
	mov rdx, 1442695040888963407
	add rax, rdx
	ret

; The timer's handler (on IST1): counts the tick, notes an early one and one
; that interrupted code running with IF = 0 (RIP after CLI up to the STI
; shadow's instruction, or the saved RFLAGS.IF clear).
timer:
	push rax
	push rdx
	push rcx
	inc qword [MB(SCHED_MB_TICKS)]
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rcx, [MB(SCHED_MB_TICKS)]
	imul rcx, [MB(SCHED_MB_PERIOD)]
	add rcx, [MB(SCHED_MB_T0)]
	cmp rax, rcx
	jae .not_early
	inc qword [MB(SCHED_MB_EARLY)]
.not_early:
	mov rax, [rsp + 24]             ; the interrupted RIP
	cmp rax, cli_at + 1
	jb .rip_ok
	cmp rax, window_at
	jae .rip_ok
	inc qword [MB(SCHED_MB_MASKED)]
.rip_ok:
	bt qword [rsp + 40], 9          ; the interrupted RFLAGS.IF
	jc .if_ok
	inc qword [MB(SCHED_MB_MASKED)]
.if_ok:
	pop rcx
	pop rdx
	pop rax
	iretq

; Fills the IDT: exceptions 0-31 stop the guest; vector BL is the timer (IST1).
idt_init:
	lea rdi, [idt]
	xor ecx, ecx
.gate:
	lea rsi, [isr_stubs]
	mov eax, ecx
	shl eax, 4
	add rsi, rax
	xor edx, edx                    ; IST 0
	cmp ecx, 32
	jb .set
	cmp ecx, ebx
	jne .next
	lea rsi, [timer]
	mov edx, 1                      ; IST1
.set:
	mov rax, rsi
	mov [rdi], ax                   ; offset 15:0
	mov word [rdi + 2], 0x08        ; the code selector
	mov [rdi + 4], dl               ; IST
	mov byte [rdi + 5], 0x8E        ; present, DPL 0, 64-bit interrupt gate
	shr rax, 16
	mov [rdi + 6], ax               ; offset 31:16
	shr rax, 16
	mov [rdi + 8], eax              ; offset 63:32
	mov dword [rdi + 12], 0
.next:
	add rdi, 16
	inc ecx
	cmp ecx, 256
	jb .gate
	ret

; An exception stops the guest with shutdown code 0xE0 | vector.
align 16
isr_stubs:
%assign v 0
%rep 32
	mov ebx, 0xE0 | v
	jmp shutdown
	align 16
%assign v v + 1
%endrep

align 8
gdt:
	dq 0
	dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code
	dq 0x00CF92000000FFFF           ; 0x10: data
gdt_end:
idtr:
	dw 256 * 16 - 1
	dq idt

align 16
tss:                                    ; 64-bit TSS (SDM Vol. 3A, 8.7 "Task Management in 64-bit Mode")
	dd 0
	times 3 dq 0                    ; RSP0-2
	dq 0
	dq SCHED_IST_PAGE + 4096        ; IST1: the top of a page the hypervisor maps on demand
	times 6 dq 0
	dq 0
	dw 0
	dw 0x68                         ; no I/O bitmap
	times 0x68 - ($ - tss) db 0

; Paging: linear = guest-physical for the first 1 GiB, 2 MiB pages (SDM Vol. 3A, 4.5 "4-Level Paging").
align 4096
pml4:
	dq pdpt + 3
	times 511 dq 0
pdpt:
	dq pd + 3
	times 511 dq 0
pd:
%assign i 0
%rep 512
	dq (i << 21) | 0x83
%assign i i + 1
%endrep
idt:
	times 256 * 16 db 0
