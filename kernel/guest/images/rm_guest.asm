; The lab 9 guest: a flat binary that starts like a boot sector, at 0000:7C00 in
; real mode (16-bit, paging off), and climbs on its own to protected mode and
; then to long mode with page tables it builds in its own RAM. It prints a line
; from each mode through COM1 (emulated: every access exits), reads the CMOS RTC
; at ports 0x70/0x71 itself (passed through), makes I/O accesses of 2 and 4
; bytes that straddle an emulated port and the bitmap A/B boundary, uses a few
; MSRs (some exit, some pass), and shuts down with HC_SHUTDOWN in 64-bit mode.
;
; An exception in real mode stops it with HC_SHUTDOWN code RM_FAULT_REAL; in
; protected and long mode it has no IDT, so an exception is a triple fault.
;
; It leaves what it saw in its mailbox (RM_GUEST_MAILBOX, qword slots RM_MB_*
; of kernel/vmx/rm_layout.def), which the harness reads; every value it writes
; there that a solution could fake depends on the run's nonce (HC_READ).

%define LAYOUT(name, value) name equ value
%include "kernel/vmx/rm_layout.def"

HC_READ equ 2                           ; kernel/guest/hypercall.h
HC_SHUTDOWN equ 3
HC_VALUE_NONCE equ 0
MSR_EFER equ 0xC0000080                ; SDM Vol. 4, 2.1 "Architectural MSRs"
MSR_STAR equ 0xC0000081
MSR_APIC_BASE equ 0x1B
MSR_MISC_ENABLE equ 0x1A0
MSR_SYSENTER_CS equ 0x174

%define MB(slot) (RM_GUEST_MAILBOX + 8 * (slot))

org RM_GUEST_IMAGE

; ---- real mode -----------------------------------------------------------------
bits 16
start:
	mov [MB(RM_MB_CS)], cs          ; DS is whatever the hypervisor gave: 0 in a boot sector's world
	call .here
.here:
	pop ax
	sub ax, .here - start           ; IP of the first instruction
	mov [MB(RM_MB_IP)], ax
	pushf
	pop word [MB(RM_MB_FLAGS)]
	smsw [MB(RM_MB_MSW)]
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, RM_GUEST_STACK_TOP
	xor di, di                      ; the real-mode interrupt table: every exception stops the guest
	mov cx, 32
.ivt:
	mov word [di], fault16
	mov word [di + 2], 0
	add di, 4
	loop .ivt
	mov eax, HC_READ
	mov ebx, HC_VALUE_NONCE
	vmcall
	mov [MB(RM_MB_REAL)], eax       ; the nonce's low half, seen in real mode
	mov ebp, eax                    ; ebp: the nonce's low half, for this mode and the next
	mov si, msg_real
	call puts16
	mov eax, ebp
	call hex16
	mov al, 10
	call putc16

	; The CMOS RTC, read directly: a register of the BIOS's area chosen by the nonce.
	mov eax, ebp
	and al, 0x0F
	add al, 0x10
	mov [MB(RM_MB_RTC_REG)], al
	out RM_CMOS_INDEX, al
	in al, RM_CMOS_DATA
	mov [MB(RM_MB_RTC_VALUE)], al

	; Boundary accesses.
	mov dx, RM_FLOPPY_DIR           ; 2 bytes: 0x3F7 (floppy), 0x3F8 (COM1)
	mov eax, -1                     ; IN AX leaves bits 31:16 as they were
	in ax, dx
	mov [MB(RM_MB_IN_3F7_2)], eax
	mov dx, RM_DEVICE_PORT - 2      ; 4 bytes: 0x7FFE, 0x7FFF (bitmap A), 0x8000, 0x8001 (bitmap B)
	in eax, dx
	mov [MB(RM_MB_IN_7FFE_4)], eax
	in ax, dx                       ; 2 bytes: 0x7FFE, 0x7FFF, nobody's
	mov [MB(RM_MB_IN_7FFE_2)], ax
	mov dx, RM_VOID_PORT            ; 4 bytes: 0x7FFC-0x7FFF, nobody's
	in eax, dx
	mov [MB(RM_MB_IN_7FFC_4)], eax

	; To protected mode, the way a boot loader that never heard of CR0.NE does it.
	cli
	lgdt [gdtr]
	mov eax, 0x11                   ; PE | ET
	mov cr0, eax
	jmp dword 0x08:pm32

; An exception in real mode: HC_SHUTDOWN with RM_FAULT_REAL.
fault16:
	mov eax, HC_SHUTDOWN
	mov ebx, RM_FAULT_REAL
	vmcall
	jmp fault16

; ---- protected mode, paging off --------------------------------------------------
bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, RM_GUEST_STACK_TOP
	lidt [idtr_none]                ; no IDT: an exception is a triple fault
	mov eax, cr0
	mov [MB(RM_MB_CR0)], eax
	mov eax, HC_READ
	mov ebx, HC_VALUE_NONCE
	vmcall
	xor eax, 0x50524F54             ; "PROT"
	mov [MB(RM_MB_PROTECTED)], eax
	mov esi, msg_protected
	call puts32
	mov eax, ebp
	call hex32
	mov al, 10
	call putc32

	; The emulated device: its identification, then the nonce written to it.
	mov dx, RM_DEVICE_PORT
	in eax, dx
	mov [MB(RM_MB_DEVICE)], eax
	mov eax, ebp
	not eax
	out dx, eax

	; The guest's own 4-level paging: 2 MiB at 0, identity.
	mov dword [RM_GUEST_PML4], RM_GUEST_PDPT | 3
	mov dword [RM_GUEST_PDPT], RM_GUEST_PD | 3
	mov dword [RM_GUEST_PD], 0x83   ; 2 MiB page, writable, present
	mov eax, RM_GUEST_PML4
	mov cr3, eax
	mov eax, cr4
	or eax, 0x20                    ; PAE
	mov cr4, eax
	mov eax, cr4
	mov [MB(RM_MB_CR4)], eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, 0x100                   ; LME
	mov [MB(RM_MB_EFER_WRITTEN)], eax
	wrmsr
	mov esi, msg_lme                ; a VM exit between LME and PG
	call puts32
	mov eax, 0x80000011             ; PG | PE | ET
	mov cr0, eax
	jmp 0x18:lm64

; ---- 64-bit mode ---------------------------------------------------------------------
bits 64
lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ecx, MSR_EFER
	rdmsr
	or eax, 1                       ; SCE: a bit the host's EFER need not have
	wrmsr
	rdmsr
	mov [MB(RM_MB_EFER)], eax
	mov eax, HC_READ
	mov ebx, HC_VALUE_NONCE
	vmcall
	mov r15, rax                    ; r15: the whole nonce
	mov rdx, 0x4C4F4E47             ; "LONG"
	xor rax, rdx
	mov [MB(RM_MB_LONG)], rax
	mov rsi, msg_long
	call puts64
	mov rax, r15
	shr rax, 32
	call hex64
	mov eax, r15d
	call hex64
	mov al, 10
	call putc64

	; MSRs: IA32_MISC_ENABLE read, written and read again (emulated both ways).
	mov ecx, MSR_MISC_ENABLE
	rdmsr
	mov [MB(RM_MB_MISC1)], eax
	mov [MB(RM_MB_MISC1) + 4], edx
	mov eax, r15d
	and eax, 0xFFFF0
	or eax, 1
	xor edx, edx
	wrmsr
	rdmsr
	mov [MB(RM_MB_MISC2)], eax
	mov [MB(RM_MB_MISC2) + 4], edx
	; IA32_APIC_BASE: read passes, the write (of the same value) exits.
	mov ecx, MSR_APIC_BASE
	rdmsr
	mov [MB(RM_MB_APIC_BASE)], eax
	mov [MB(RM_MB_APIC_BASE) + 4], edx
	wrmsr
	; IA32_SYSENTER_CS: both pass (the VMCS switches it).
	mov ecx, MSR_SYSENTER_CS
	mov eax, r15d
	and eax, 0xFFF8
	xor edx, edx
	wrmsr
	xor eax, eax
	rdmsr
	mov [MB(RM_MB_SYSENTER_CS)], eax
	; IA32_STAR: both exit (the host's own).
	mov ecx, MSR_STAR
	mov rax, r15
	mov rdx, r15
	shr rdx, 32
	wrmsr
	xor eax, eax
	xor edx, edx
	rdmsr
	mov [MB(RM_MB_STAR)], eax
	mov [MB(RM_MB_STAR) + 4], edx

	cmp qword [MB(RM_MB_TASK)], RM_TASK_BENCH
	jne .done
	call bench
.done:
	mov qword [MB(RM_MB_DONE)], RM_DONE
	xor ebx, ebx
.shutdown:
	mov eax, HC_SHUTDOWN
	vmcall
	jmp .shutdown

; make bench: TSC ticks per 4-byte IN that passes through, and per one that exits.
bench:
	mov r9w, RM_VOID_PORT
	call .measure
	mov [MB(RM_MB_BENCH_PASS)], rax
	mov r9w, RM_DEVICE_PORT
	call .measure
	mov [MB(RM_MB_BENCH_EXIT)], rax
	ret
.measure:                               ; r9w: the port; rax: ticks per IN
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov r8, rax
	mov ecx, RM_BENCH_ROUNDS
.loop:
	mov dx, r9w
	in eax, dx
	dec ecx
	jnz .loop
	rdtsc
	shl rdx, 32
	or rax, rdx
	sub rax, r8
	shr rax, 6                      ; / RM_BENCH_ROUNDS
	ret

; ---- the console: COM1 polled, one copy per mode ------------------------------------------
; putcNN: al = a character; putsNN: si/esi/rsi = a zero-terminated string;
; hexNN: eax = a value, printed as 8 hex digits. Each counts the COM1 accesses
; it makes in the mailbox (RM_MB_LSR, RM_MB_THR).
%macro CONSOLE 3                        ; suffix, a 32/64-bit register for AX, one for DX
putc%1:
	push %3
	push %2
	mov dx, RM_COM1 + 5             ; line status
%%wait:
	in al, dx
	inc dword [MB(RM_MB_LSR)]
	test al, 0x20
	jz %%wait
	pop %2
	mov dx, RM_COM1
	out dx, al
	inc dword [MB(RM_MB_THR)]
	pop %3
	ret
puts%1:
	lodsb
	test al, al
	jz %%end
	call putc%1
	jmp puts%1
%%end:
	ret
hex%1:
	push %3
	mov dl, 8
%%digit:
	rol eax, 4
	push %2
	and al, 0x0F
	add al, '0'
	cmp al, '9'
	jbe %%put
	add al, 'a' - '9' - 1
%%put:
	push %3
	call putc%1
	pop %3
	pop %2
	dec dl
	jnz %%digit
	pop %3
	ret
%endmacro

bits 16
CONSOLE 16, eax, edx
bits 32
CONSOLE 32, eax, edx
bits 64
CONSOLE 64, rax, rdx

msg_real: db "real mode, CS:IP 0000:7C00, nonce ", 0
msg_protected: db "protected mode, nonce ", 0
msg_lme: db "EFER.LME set, paging next", 10, 0
msg_long: db "long mode, nonce ", 0

align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF           ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF           ; 0x10: data
	dq 0x00AF9A000000FFFF           ; 0x18: 64-bit code
gdt_end:
gdtr:
	dw gdt_end - gdt - 1
	dd gdt
idtr_none:
	dw 0
	dd 0
