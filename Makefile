# hvlabs: build a VT-x hypervisor, one graded lab at a time.
#
#   make run   [LAB=n] [SOL=1] [EMU=bochs|kvm|tcg] [CPU=model] [SCENARIO=s]
#   make grade [LAB=n] [SOL=1] [EMU=...] [CPU=...] [PRIOR=sol]
#   make debug [LAB=n] [SOL=1] [EMU=...]      Bochs debugger, or gdb on QEMU's stub
#   make usb   [LAB=n] [SOL=1] [SCENARIO=s]   build/usb.img, to dd onto a USB stick (README)
#   make linux [SOL=0] [EMU=...] [CPU=...]     Debian's Linux under lab 11's hypervisor, its console live
#   make test | check | bench | slides | slides-check | site | site-check | skel | handout | gradescope | deps | clean
#
# LAB defaults to the last lab. Stage n links the kernel, the harness of labs
# 0..n and the step files of labs 1..n: from labs/ (your work), from solutions/
# with SOL=1, or labs 1..n-1 from solutions/ and lab n from labs/ with PRIOR=sol.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

PYTHON ?= python3
LABS_DIR ?= labs
SOL_DIR ?= solutions
LAB_NAMES := $(notdir $(sort $(wildcard $(LABS_DIR)/[0-9][0-9]-*)))
# A lab's number is its directory's prefix (labs may land out of order: 12 before 11).
lab_number = $(patsubst 0%,%,$(firstword $(subst -, ,$(1))))
LAB_NUMBERS := $(foreach l,$(LAB_NAMES),$(call lab_number,$(l)))
LAST_LAB := $(lastword $(LAB_NUMBERS))
LAB ?= $(LAST_LAB)
SOL ?= 0
PRIOR ?= labs

ifeq ($(SOL),1)
  VARIANT := sol
else ifeq ($(PRIOR),sol)
  VARIANT := prior-sol
else
  VARIANT := labs
endif
BUILD ?= build
O ?= $(BUILD)/stage$(LAB)-$(VARIANT)
ISO := $(O)/hvlabs.iso
LINUX_ISO := $(O)/hvlabs-linux.iso
LINUX_MODULES := $(BUILD)/linux/vmlinux $(BUILD)/linux/initramfs.cpio

# --- Sources -----------------------------------------------------------------
STAGE_LABS := $(foreach l,$(LAB_NAMES),$(if $(shell test $(call lab_number,$(l)) -le $(LAB) && echo y),$(l)))
# step_dir(name): where lab `name`'s student files come from in this stage.
step_dir = $(if $(filter 1,$(SOL)),$(SOL_DIR),$(if $(and $(filter sol,$(PRIOR)),$(filter-out $(lastword $(STAGE_LABS)),$(1))),$(SOL_DIR),$(LABS_DIR)))
STEP_SRCS := $(foreach l,$(STAGE_LABS),$(wildcard $(call step_dir,$(l))/$(l)/*.c))

# The harness's shared files always; labN.c and labN_*.c for the labs of this stage only.
HARNESS_SRCS := $(filter-out kernel/harness/lab%.c,$(sort $(wildcard kernel/harness/*.c))) \
	$(foreach n,$(shell seq 1 $(LAB) 2>/dev/null),$(sort $(wildcard kernel/harness/lab$(n).c kernel/harness/lab$(n)_*.c)))
KERNEL_SRCS := $(filter-out kernel/harness/%,$(shell find kernel -name '*.c' | sort)) $(HARNESS_SRCS)
# kernel/guest/images/: guests that are images of their own (lab 8 on), each a flat binary
# linked at guest-physical addresses, embedded by a kernel/guest/*_image.asm with incbin.
ASM_SRCS := $(shell find kernel -name '*.asm' -not -path 'kernel/guest/images/*' | sort)
GUEST_IMAGES := $(patsubst kernel/guest/images/%.asm,$(O)/images/%.bin,$(wildcard kernel/guest/images/*.asm))
INCLUDES := $(addprefix -I,$(sort $(dir $(shell find kernel -name '*.h'))))

CC := gcc
NASM := nasm
LD := ld
CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-pic -fno-pie -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -MMD -MP $(INCLUDES)
LDFLAGS := -m elf_x86_64 -n -nostdlib -static -z noexecstack -z max-page-size=0x1000 \
	--no-warn-rwx-segments -T kernel/boot/kernel.ld

OBJS := $(patsubst %.c,$(O)/obj/%.o,$(KERNEL_SRCS) $(STEP_SRCS)) \
	$(patsubst %.asm,$(O)/obj/%.o,$(ASM_SRCS))

GRUB_MODULES := normal multiboot2 iso9660 biosdisk

# --- Build -------------------------------------------------------------------
.PHONY: all stage iso
# Every stage of your code (labs/), and of the reference where solutions/ is present.
all:
	@set -e; for n in $(LAB_NUMBERS); do \
		if [ -d $(SOL_DIR) ]; then $(MAKE) --no-print-directory stage LAB=$$n SOL=1; fi; \
		$(MAKE) --no-print-directory stage LAB=$$n SOL=0; \
	done
	@echo "hvlabs: stages $(LAB_NUMBERS) built in $(BUILD)/; 'make run LAB=n' boots one, 'make grade' grades them"

stage iso: $(ISO) $(if $(shell test $(LAB) -ge 11 && echo y),$(LINUX_ISO))

# V=1 shows the full commands.
Q := $(if $(filter 1,$(V)),,@)

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(O)/obj/%.o: %.asm
	@mkdir -p $(@D)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) -f elf64 -g -F dwarf -I$(O)/images/ -MD $(@:.o=.d) -MP $< -o $@

$(O)/images/%.bin: kernel/guest/images/%.asm
	@mkdir -p $(@D)
	@$(if $(Q),echo "  IMAGE   $@")
	$(Q)$(NASM) -f bin -MD $(@:.bin=.d) -MP $< -o $@

# The embedding objects incbin the images.
$(patsubst %.asm,$(O)/obj/%.o,$(filter kernel/guest/%_image.asm,$(ASM_SRCS))): $(GUEST_IMAGES)

# The step list is part of the recipe: changing SOL/PRIOR selects another O, but a
# new file in a lab directory must relink too.
$(O)/sources: FORCE
	@mkdir -p $(@D)
	@echo '$(STEP_SRCS)' | cmp -s - $@ || echo '$(STEP_SRCS)' > $@

$(O)/kernel.elf: $(OBJS) kernel/boot/kernel.ld $(O)/sources
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS)

$(ISO): $(O)/kernel.elf kernel/boot/grub.cfg
	@$(if $(Q),echo "  ISO     $@")
	@rm -rf $(O)/iso && mkdir -p $(O)/iso/boot/grub
	$(Q)cp $(O)/kernel.elf $(O)/iso/boot/kernel.elf
	$(Q)cp kernel/boot/grub.cfg $(O)/iso/boot/grub/grub.cfg
	$(Q)grub-mkrescue --install-modules="$(GRUB_MODULES)" --locales="" --fonts="" --themes="" \
		-o $@ $(O)/iso 2>$(O)/grub-mkrescue.log || { cat $(O)/grub-mkrescue.log; exit 1; }

# Lab 11 on: a second ISO whose GRUB also loads Debian's Linux and the course's initramfs
# as Multiboot2 modules (grader/linux.py makes them from Debian's packages, fetched once
# into $(BUILD)/linux/); only the scenarios that boot Linux use it.

$(LINUX_MODULES) &: grader/linux.py grader/hvlabs/linux_image.py kernel/guest/linux/init
	@$(PYTHON) grader/linux.py build --build $(BUILD)

$(LINUX_ISO): $(O)/kernel.elf kernel/boot/grub.cfg $(LINUX_MODULES)
	@$(if $(Q),echo "  ISO     $@")
	@rm -rf $(O)/iso-linux && mkdir -p $(O)/iso-linux/boot/grub
	$(Q)cp $(O)/kernel.elf $(LINUX_MODULES) $(O)/iso-linux/boot/
	$(Q)sed 's|^\(\s*\)boot$$|\1module2 /boot/vmlinux vmlinux\n\1module2 /boot/initramfs.cpio initramfs\n\1boot|' \
		kernel/boot/grub.cfg > $(O)/iso-linux/boot/grub/grub.cfg
	$(Q)grub-mkrescue --install-modules="$(GRUB_MODULES)" --locales="" --fonts="" --themes="" \
		-o $@ $(O)/iso-linux 2>$(O)/grub-mkrescue.log || { cat $(O)/grub-mkrescue.log; exit 1; }

# Debian's Linux booting under the hypervisor of lab 11, its whole console live: the
# reference where solutions/ exists (SOL=0: yours).
.PHONY: linux
linux: deps-check
	@$(PYTHON) grader/run.py --lab 11 --scenario demo \
		--sol $(if $(call given,SOL),$(SOL),$(if $(wildcard $(SOL_DIR)),1,0)) \
		$(if $(filter sol,$(PRIOR)),--prior-sol) $(if $(EMU),--emu $(EMU)) $(if $(CPU),--cpu $(CPU))

.PHONY: deps-linux
deps-linux:
	@$(PYTHON) grader/linux.py fetch --build $(BUILD)

FORCE:
-include $(OBJS:.o=.d) $(GUEST_IMAGES:.bin=.d)

# --- Running and grading --------------------------------------------------------
EMU ?=
CPU ?=
SCENARIO ?=
# Only what was set on the command line or in the environment is passed on, so that
# `make run` alone can mean "the reference hypervisor" and `make grade` alone "every lab".
given = $(filter command line environment environment override,$(origin $(1)))
GRADE_ARGS = $(if $(call given,LAB),--lab $(LAB)) $(if $(call given,SOL),--sol $(SOL)) \
	$(if $(filter sol,$(PRIOR)),--prior-sol) $(if $(EMU),--emu $(EMU)) $(if $(CPU),--cpu $(CPU)) \
	$(if $(SCENARIO),--scenario $(SCENARIO))

.PHONY: run debug grade usb
run: deps-check
	@$(PYTHON) grader/run.py $(GRADE_ARGS)

debug: deps-check
	@$(PYTHON) grader/run.py --debug $(GRADE_ARGS)

# The report as a web page too (grade.py --html): open $(BUILD)/grade.html in a browser.
grade: deps-check
	@$(PYTHON) grader/grade.py $(GRADE_ARGS) --html $(BUILD)/grade.html $(GRADE_FLAGS)

# A real PC: the stage's ISO (a hybrid image: it boots from a CD or a disk) with
# `make run`'s command line, to copy onto a USB stick with dd. Nothing is written to a device.
USB_IMG ?= $(BUILD)/usb.img
usb: deps-check
	@$(PYTHON) grader/run.py --usb $(USB_IMG) $(GRADE_ARGS)

# --- Maintainers ----------------------------------------------------------------
.PHONY: test check bench skel skel-check
# In the student distribution (make handout) there is no solutions/ and no test suite.
MAINTAINERS_ONLY = @test -d $(SOL_DIR) || { echo "hvlabs: 'make $@' is for the course's maintainers: it needs solutions/, which the student distribution leaves out. Students: make run, make grade, make debug."; exit 2; }

test: deps-check
	$(MAINTAINERS_ONLY)
	@$(PYTHON) grader/selftest.py

# The fast tier, in seconds: skeleton drift, unit tests, tables, one boot per lab's reference.
check: deps-check
	$(MAINTAINERS_ONLY)
	@$(PYTHON) grader/selftest.py --tier check

bench: deps-check
	$(MAINTAINERS_ONLY)
	@$(PYTHON) grader/bench.py

skel:
	$(MAINTAINERS_ONLY)
	@$(PYTHON) grader/skel.py --write $(if $(FORCE_SKEL),--force)

skel-check:
	$(MAINTAINERS_ONLY)
	@$(PYTHON) grader/skel.py --check

# The reference's VMCS of the scenarios that dump one, the HTML report's reference
# column (grader/hvlabs/vmcs-reference.json): rerun after changing lab 4's reference or
# harness; `make check` fails when it drifted.
.PHONY: vmcs-reference
vmcs-reference:
	$(MAINTAINERS_ONLY)
	@$(PYTHON) grader/vmcs_reference.py --write

# Gradescope's autograder zip, grading LABS (default: every lab).
LABS ?=
.PHONY: gradescope
gradescope:
	$(MAINTAINERS_ONLY)
	@mkdir -p $(BUILD)
	@$(PYTHON) grader/gradescope.py zip $(BUILD)/hvlabs-autograder.zip $(if $(LABS),--labs $(LABS))

# The course as students receive it: HANDOUT=dir (default build/handout, replaced).
HANDOUT ?= $(BUILD)/handout
.PHONY: handout
handout:
	$(MAINTAINERS_ONLY)
	@rm -rf $(HANDOUT)
	@$(PYTHON) grader/handout.py $(HANDOUT)

# --- Dependencies ---------------------------------------------------------------
.PHONY: deps deps-check
deps:
	@grader/deps.sh install

deps-check:
	@grader/deps.sh check || grader/deps.sh install

-include slides/slides.mk
-include site/site.mk

.PHONY: clean
clean:
	rm -rf $(BUILD)
