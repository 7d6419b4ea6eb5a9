; The lab 9 guest's image (kernel/guest/images/rm_guest.asm, assembled by the
; Makefile as a flat binary), embedded in the kernel as bytes: rm_vm.c copies
; it into the guest's own RAM at RM_GUEST_IMAGE.

section .rodata
align 16
global rm_guest_image
global rm_guest_image_end
rm_guest_image:
	incbin "rm_guest.bin"
rm_guest_image_end:
