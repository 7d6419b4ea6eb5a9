; hvlabs boot: GRUB (multiboot2) or a PVH loader (QEMU's -kernel) hands over in
; 32-bit protected mode with paging off; this file identity-maps the first 1 GiB,
; enters 64-bit long mode and calls kmain(magic, info).
;
; References: Multiboot2 Specification, 3.1 "OS image format" and 3.3 "I386 machine
; state"; the x86 HVM direct boot ABI (PVH: Xen's docs/misc/pvh.pandoc and
; public/elfnote.h, XEN_ELFNOTE_PHYS32_ENTRY); SDM Vol. 3A, 10.8.5 "Initializing
; IA-32e Mode".

bits 32

MB2_MAGIC        equ 0xE85250D6        ; header magic (the loader's is 0x36D76289)
MB2_ARCH_I386    equ 0

CR0_PG           equ 1 << 31
CR4_PAE          equ 1 << 5
MSR_EFER         equ 0xC0000080
EFER_LME         equ 1 << 8

PTE_PRESENT      equ 1 << 0
PTE_WRITE        equ 1 << 1
PTE_LARGE        equ 1 << 7            ; a 2 MiB page in a page-directory entry

XEN_ELFNOTE_PHYS32_ENTRY equ 18       ; the ELF note that gives a PVH loader the 32-bit entry
PVH_START_MAGIC  equ 0x336EC578        ; hvm_start_info.magic (kernel/boot/hvm_start_info.h)

SEL_CODE64       equ 0x08              ; the same selectors as kernel/arch/gdt.c
SEL_DATA         equ 0x10

section .multiboot2
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; the end tag: type 0, flags 0, size 8
	dw 0, 0
	dd 8
mb2_header_end:

; The PVH entry point, for loaders that boot an ELF directly (QEMU's -kernel).
section .note.pvh note alloc noexec nowrite align=4
	dd 4                               ; name size: "Xen" and its NUL
	dd 4                               ; descriptor size: a 32-bit address
	dd XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dd pvh_start

section .boot.text progbits alloc exec nowrite
global _start
extern kmain

; Entry from a PVH loader: EBX = physical address of struct hvm_start_info. With
; EAX = its magic it looks like a multiboot entry, and kmain() tells them apart.
pvh_start:
	mov eax, PVH_START_MAGIC
	jmp _start

; Entry from GRUB: EAX = loader magic, EBX = physical address of the boot information.
_start:
	cli
	mov esp, boot_stack_top
	mov edi, eax                       ; keep both for kmain(magic, info)
	mov esi, ebx

	; PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] -> 2 MiB page i: 1 GiB identity map.
	mov eax, pdpt
	or eax, PTE_PRESENT | PTE_WRITE
	mov [pml4], eax
	mov eax, pd
	or eax, PTE_PRESENT | PTE_WRITE
	mov [pdpt], eax
	xor ecx, ecx
.map_2mib:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_PRESENT | PTE_WRITE | PTE_LARGE
	mov [pd + ecx * 8], eax
	inc ecx
	cmp ecx, 512
	jne .map_2mib

	; Long mode: PAE on, CR3 loaded, EFER.LME set, then paging on (SDM 10.8.5).
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp SEL_CODE64:long_mode

bits 64
long_mode:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	; edi, esi still hold magic and info; the upper halves are zero after a 32-bit mov.
	mov edi, edi
	mov esi, esi
	call kmain
.hang:                                     ; kmain never returns; stop here if it does
	hlt
	jmp .hang

section .rodata
align 8
; A temporary GDT: null, 64-bit code, data. gdt_init() replaces it with one that has a TSS.
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF                  ; code: present, DPL 0, L=1
	dq 0x00CF92000000FFFF                  ; data: present, writable
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

section .bss
align 4096
pml4:	resb 4096
pdpt:	resb 4096
pd:	resb 4096
global boot_stack_top
boot_stack:
	resb 16384
boot_stack_top:
