; The lab 10 guest's image (kernel/guest/images/sched_guest.asm, assembled by the
; Makefile as a flat binary), embedded in the kernel as bytes: sched_vm.c copies
; it into each VM's own RAM.

section .rodata
align 16
global sched_guest_image
global sched_guest_image_end
sched_guest_image:
	incbin "sched_guest.bin"
sched_guest_image_end:
