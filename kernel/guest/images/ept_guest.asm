; The lab 8 guest: an image of its own, assembled as a flat binary linked at its
; guest-physical address (EPT_GUEST_IMAGE) and copied into guest RAM by
; kernel/guest/ept_vm.c. It runs in 64-bit mode on its own page tables, GDT, IDT
; and stack, all inside its RAM; it knows only guest-physical addresses (its
; paging maps linear = guest-physical for the first 1 GiB).
;
; The boot page (EPT_GUEST_BOOT) says what to do: qword 0 EPT_BOOT_MAGIC, 1 the
; nonce, 2 the task (EPT_TASK_*), 3 an address for the task. The guest leaves
; its observations in the mailbox page (EPT_GUEST_MAILBOX), which the harness
; reads through its own walk of the EPT:
;   0 EPT_DONE when the task ran to its end     1 the nonce from HC_READ
;   2 the nonce from the boot page              3 the value the task read
;   4 how many read-backs differed              5 the boot page's magic
;   8, 9, 10 (task bench) TSC ticks per EPT violation on a write-protected
;   page, per demand-paged page, per VMCALL round trip
;   8-13 (task mmio) the registers its reads of the device left
; Every value it writes elsewhere is derived from the nonce with lcg_next
; (kernel/harness/lab8.c computes the same sequence).

%define LAYOUT(name, value) name equ value
%include "kernel/vmx/ept_layout.def"

HC_READ equ 2                           ; kernel/guest/hypercall.h
HC_SHUTDOWN equ 3
HC_VALUE_NONCE equ 0

bits 64
org EPT_GUEST_IMAGE

boot equ EPT_GUEST_BOOT
mbox equ EPT_GUEST_MAILBOX

; The image's header, read by the loader (struct ept_image_header, ept_vm.h).
header:
	dq EPT_BOOT_MAGIC
	dq entry                        ; GUEST_RIP
	dq pml4                         ; GUEST_CR3
	dq gdt                          ; GUEST_GDTR_BASE
	dq gdt_end - gdt - 1            ; GUEST_GDTR_LIMIT
	dq tss                          ; GUEST_TR_BASE

entry:
	call idt_init
	lidt [idtr]
	mov eax, HC_READ
	mov ebx, HC_VALUE_NONCE
	vmcall
	mov [mbox + 8], rax
	mov r15, rax                    ; r15: the nonce, the seed of every value
	mov rax, [boot + 8]
	mov [mbox + 16], rax
	mov rax, [boot]
	mov [mbox + 40], rax
	mov rax, [boot + 16]
	cmp rax, EPT_TASK_BASIC
	je task_basic
	cmp rax, EPT_TASK_SECRET
	je task_secret
	cmp rax, EPT_TASK_DEMAND
	je task_demand
	cmp rax, EPT_TASK_DIRTY
	je task_dirty
	cmp rax, EPT_TASK_HOLE
	je task_hole
	cmp rax, EPT_TASK_BENCH
	je task_bench
	cmp rax, EPT_TASK_MMIO
	je task_mmio
	mov ebx, 0xEE                   ; no such task
	jmp shutdown

done:
	mov qword [mbox], EPT_DONE
	xor ebx, ebx
shutdown:
	mov eax, HC_SHUTDOWN
	vmcall
	jmp shutdown

; rax = the next value after rax (Knuth's MMIX linear congruential generator).
lcg_next:
	mov rdx, 6364136223846793005
	imul rax, rdx
	mov rdx, 1442695040888963407
	add rax, rdx
	ret

; Eight qwords in the 2 MiB region, at nonce-chosen offsets, read back at once.
task_basic:
	mov rax, r15
	mov ecx, 8
.next:
	call lcg_next
	mov rsi, rax
	shr rsi, 20
	and rsi, (EPT_GUEST_BIG_SIZE / 8) - 1
	mov [EPT_GUEST_BIG + rsi * 8], rax
	cmp [EPT_GUEST_BIG + rsi * 8], rax
	je .same
	inc qword [mbox + 32]
.same:
	dec ecx
	jnz .next
	jmp done

; Reads the qword at the address in the boot page (the host's secret page).
task_secret:
	mov rsi, [boot + 24]
	mov rax, [rsi]
	mov [mbox + 24], rax
	jmp done

; Writes to the hole, which no region covers.
task_hole:
	mov rsi, [boot + 24]
	mov [rsi], r15
	jmp done

; Sixteen nonce-chosen pages of the demand region, each touched by a read or a
; write first, then written and read back.
task_demand:
	mov rax, r15
	mov ecx, 16
.next:
	call lcg_next
	mov rsi, rax
	shr rsi, 32
	and rsi, (EPT_GUEST_DEMAND_SIZE / 4096) - 1
	shl rsi, 12
	mov rdi, rax
	shr rdi, 8
	and rdi, 0xFF8
	add rsi, rdi
	add rsi, EPT_GUEST_DEMAND
	test al, 1
	jz .write
	mov rdx, [rsi]                  ; first touch a read: it must see zero or an earlier value
.write:
	mov [rsi], rax
	cmp [rsi], rax
	je .same
	inc qword [mbox + 32]
.same:
	dec ecx
	jnz .next
	jmp done

; EPT_GUEST_DIRTY_ROUNDS rounds: each writes the pages of a nonce-chosen mask
; (page 0 in every round), reads every page, then ends the round (HC_DIRTY_ROUND).
task_dirty:
	mov rax, r15
	xor r14, r14                    ; r14: the round
.round:
	call lcg_next
	mov r13, rax
	call lcg_next
	and r13, rax
	or r13, 1                       ; r13: this round's mask (low 32 bits)
	mov r12, rax
	xor ecx, ecx
.page:
	mov rsi, rcx
	shl rsi, 12
	add rsi, EPT_GUEST_DIRTY
	mov rdx, [rsi]                  ; a read never makes a page dirty
	bt r13, rcx
	jnc .clean
	mov [rsi + r14 * 8], r12
.clean:
	inc ecx
	cmp ecx, EPT_GUEST_DIRTY_PAGES
	jb .page
	mov rax, r12
	push rax
	mov eax, HC_DIRTY_ROUND
	mov rbx, r14
	vmcall
	pop rax
	inc r14
	cmp r14, EPT_GUEST_DIRTY_ROUNDS
	jb .round
	jmp done

; MOVs to and from the emulated device (EPT_GUEST_MMIO): each size, registers
; R8-R15 and the high-byte ones, immediates, absolute and base+displacement
; addresses. Registers are preset to all ones so that what a read leaves of
; their upper bits shows.
mmio equ EPT_GUEST_MMIO
task_mmio:
	mov rax, -1
	mov eax, [mmio]                 ; read 4 at 0: the identification
	mov [mbox + 64], rax
	mov rbx, -1
	mov bl, [mmio + 1]              ; read 1 at 1
	mov [mbox + 72], rbx
	mov [mmio + 8], r15             ; write 8 at 8: the nonce
	mov word [mmio + 16], 0x1234    ; write 2 at 16
	mov rax, r15
	mov [mmio + 24], ah             ; write 1 at 24: the nonce's byte 1
	mov dword [mmio + 32], 0x89ABCDEF
	mov qword [mmio + 40], -2       ; write 8 at 40: an immediate sign-extended
	mov rcx, [mmio + 8]
	mov [mbox + 80], rcx
	mov rdx, -1
	mov dx, [mmio + 16]
	mov [mbox + 88], rdx
	mov r9, -1
	mov r9d, [mmio + 32]
	mov [mbox + 96], r9
	mov rsi, mmio
	mov r10, [rsi + 40]
	mov [mbox + 104], r10
	jmp done

; r12 = the TSC (RDTSC does not exit: the lab's VMCS leaves "RDTSC exiting" 0).
%macro TSC_TO 1
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov %1, rax
%endmacro

; The costs make bench reports, in TSC ticks (under Bochs: emulated instructions).
task_bench:
	TSC_TO r12
	mov r13d, 64
.vmcall:
	mov eax, HC_READ
	mov ebx, HC_VALUE_NONCE
	vmcall
	dec r13d
	jnz .vmcall
	TSC_TO rax
	sub rax, r12
	shr rax, 6
	mov [mbox + 80], rax
	TSC_TO r12
	xor ecx, ecx
.protected:                             ; each first write exits: the page is read-only
	mov rsi, rcx
	shl rsi, 12
	mov [EPT_GUEST_DIRTY + rsi], rcx
	inc ecx
	cmp ecx, EPT_GUEST_DIRTY_PAGES
	jb .protected
	TSC_TO rax
	sub rax, r12
	shr rax, 5
	mov [mbox + 64], rax
	TSC_TO r12
	xor ecx, ecx
.demand:                                ; each first touch exits and gets a page
	mov rsi, rcx
	shl rsi, 12
	mov [EPT_GUEST_DEMAND + rsi], rcx
	inc ecx
	cmp ecx, 256
	jb .demand
	TSC_TO rax
	sub rax, r12
	shr rax, 8
	mov [mbox + 72], rax
	jmp done

; Fills the IDT: gate v -> isr_stubs + 16 * v, 64-bit interrupt gates.
idt_init:
	lea rsi, [isr_stubs]
	lea rdi, [idt]
	xor ecx, ecx
.gate:
	mov rax, rsi
	mov [rdi], ax                   ; offset 15:0
	mov word [rdi + 2], 0x08        ; the code selector
	mov word [rdi + 4], 0x8E00      ; present, DPL 0, 64-bit interrupt gate
	shr rax, 16
	mov [rdi + 6], ax               ; offset 31:16
	shr rax, 16
	mov [rdi + 8], eax              ; offset 63:32
	mov dword [rdi + 12], 0
	add rsi, 16
	add rdi, 16
	inc ecx
	cmp ecx, 32
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
	dw 32 * 16 - 1
	dq idt

align 16
tss:
	times 0x68 db 0

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
	times 32 * 16 db 0
