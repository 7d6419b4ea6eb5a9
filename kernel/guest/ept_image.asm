; The lab 8 guest's image (kernel/guest/images/ept_guest.asm, assembled by the
; Makefile as a flat binary), embedded in the kernel as bytes: ept_vm.c copies
; it into the guest's own RAM.

section .rodata
align 16
global ept_guest_image
global ept_guest_image_end
ept_guest_image:
	incbin "ept_guest.bin"
ept_guest_image_end:
