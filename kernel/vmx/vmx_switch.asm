; vmx_world_switch: one trip into the guest and back (the VM-exit stub is the way back).
; Nothing else: the counting and the checks around each trip are kernel/vmx/vmx_enter.c,
; whose vmx_enter_guest() is the only caller.
;
; C calls   enum vmx_status vmx_world_switch(struct guest_regs *regs, bool launched)
; and gets  0 (VMX_SUCCEED): the guest ran until a VM exit; *regs holds its registers
;           1 (VMX_FAIL_INVALID) or 2 (VMX_FAIL_VALID): VMLAUNCH/VMRESUME failed
;
; The trick: VM exit sets RSP from HOST_RSP and RIP from HOST_RIP (SDM Vol. 3C,
; 28.5.1 "Loading Host Control Registers, Debug Registers, MSRs"; 28.5.3 "Loading Host
; RIP, RSP, RFLAGS, and SSP"). Writing HOST_RSP = our RSP just before VM entry
; makes the exit continue inside this very call, with our saved registers on the
; stack, so vmx_world_switch simply returns to its caller. No general-purpose
; register survives a VM exit: the processor loads only RSP, RIP and RFLAGS.
;
; Every constant below is checked against its C definition by a _Static_assert
; in kernel/vmx/vmx_enter.c: change one side and the build says so.

bits 64
section .text

HOST_RSP equ 0x6C14                   ; VMCS field encodings (kernel/vmx/vmcs_fields.def)
HOST_RIP equ 0x6C16

; struct guest_regs offsets (kernel/vmx/vcpu.h): the SDM's register numbers times 8
%define R_RAX 0
%define R_RCX 8
%define R_RDX 16
%define R_RBX 24
%define R_RBP 40
%define R_RSI 48
%define R_RDI 56
%define R_R8 64
%define R_R9 72
%define R_R10 80
%define R_R11 88
%define R_R12 96
%define R_R13 104
%define R_R14 112
%define R_R15 120

global vmx_world_switch
global vmx_exit_stub

vmx_world_switch:
	push rbp                        ; the registers C expects a call to preserve
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                        ; regs: the exit stub finds it at [HOST_RSP]

	mov rax, HOST_RSP
	vmwrite rax, rsp                ; a VM exit resumes with this stack pointer
	jbe .vmwrite_failed             ; CF or ZF set: VMfailInvalid or VMfailValid
	mov rax, HOST_RIP
	lea rdx, [rel vmx_exit_stub]
	vmwrite rax, rdx                ; ... and at vmx_exit_stub
	jbe .vmwrite_failed

	test sil, sil                   ; launched? (MOV below leaves the flags alone)
	mov rax, rdi                    ; load the guest's registers; RDI and RAX last
	mov rbx, [rax + R_RBX]
	mov rcx, [rax + R_RCX]
	mov rdx, [rax + R_RDX]
	mov rsi, [rax + R_RSI]
	mov rbp, [rax + R_RBP]
	mov r8, [rax + R_R8]
	mov r9, [rax + R_R9]
	mov r10, [rax + R_R10]
	mov r11, [rax + R_R11]
	mov r12, [rax + R_R12]
	mov r13, [rax + R_R13]
	mov r14, [rax + R_R14]
	mov r15, [rax + R_R15]
	mov rdi, [rax + R_RDI]
	mov rax, [rax + R_RAX]
	jnz .resume
	vmlaunch                        ; on success, execution continues in the guest
	jmp .entry_failed
.resume:
	vmresume
.entry_failed:                          ; VMLAUNCH/VMRESUME fell through: VMfail; the
.vmwrite_failed:                        ; guest values in the registers are dropped
	setc al                         ; CF: VMfailInvalid (1)
	setz dl                         ; ZF: VMfailValid (2)
	movzx eax, al
	movzx edx, dl
	lea eax, [eax + edx * 2]
	jmp vmx_world_switch_return

; VM exits land here with RSP = HOST_RSP, i.e. [rsp] = regs, and the guest's
; general registers still in the processor.
vmx_exit_stub:
	push rax                        ; free one register: [rsp] = guest RAX, [rsp+8] = regs
	mov rax, [rsp + 8]
	mov [rax + R_RBX], rbx
	mov [rax + R_RCX], rcx
	mov [rax + R_RDX], rdx
	mov [rax + R_RSI], rsi
	mov [rax + R_RDI], rdi
	mov [rax + R_RBP], rbp
	mov [rax + R_R8], r8
	mov [rax + R_R9], r9
	mov [rax + R_R10], r10
	mov [rax + R_R11], r11
	mov [rax + R_R12], r12
	mov [rax + R_R13], r13
	mov [rax + R_R14], r14
	mov [rax + R_R15], r15
	pop qword [rax + R_RAX]         ; the guest's RAX, saved first
	xor eax, eax                    ; VMX_SUCCEED: the guest ran and exited
vmx_world_switch_return:
	add rsp, 8                      ; drop regs
	pop r15                         ; the host's preserved registers, as pushed
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
