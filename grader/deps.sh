#!/usr/bin/env bash
# hvlabs dependencies: what building, running and grading a stage needs.
#   deps.sh check     exit 0 if everything is there, else list what is missing
#   deps.sh install   install the missing Debian/Ubuntu packages (says what, uses sudo if not root)
set -euo pipefail

# command-or-file  package
NEEDS=(
	"gcc                              gcc"
	"ld                               binutils"
	"make                             make"
	"nasm                             nasm"
	"python3                          python3"
	"grub-mkrescue                    grub-common"
	"/usr/lib/grub/i386-pc/multiboot2.mod grub-pc-bin"
	"xorriso                          xorriso"
	"mformat                          mtools"
	"bochs                            bochs"
	"/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_rfb_gui.so bochs"
	"/usr/share/bochs/BIOS-bochs-latest bochsbios"
	"/usr/share/bochs/VGABIOS-lgpl-latest vgabios"
	"qemu-system-x86_64               qemu-system-x86"
	"unshare                          util-linux"
)
# make test reads the JUnit report with the consumers' own parsers: xmllint and Debian's
# junitparser (for /usr/bin/python3), and renders the HTML report in headless chromium.
# Only in the course repository (it has solutions/); the student distribution has no make test.
if [[ -d "$(dirname "$0")/../solutions" ]]; then
	NEEDS+=(
		"xmllint                          libxml2-utils"
		"/usr/lib/python3/dist-packages/junitparser python3-junitparser"
		"chromium                         chromium"
	)
fi
# Alongside bochs: its lightest display plugin package (bochs needs one; hvlabs runs it headless).
EXTRA_PACKAGES=(bochs-term)

missing_packages() {
	local entry what pkg
	for entry in "${NEEDS[@]}"; do
		read -r what pkg <<<"$entry"
		if [[ $what == /* ]]; then
			[[ -e $what ]] || echo "$pkg"
		else
			command -v "$what" >/dev/null 2>&1 || echo "$pkg"
		fi
	done | sort -u
}

case "${1:-check}" in
check)
	missing=$(missing_packages)
	if [[ -n $missing ]]; then
		echo "hvlabs: missing packages: $(echo $missing)" >&2
		exit 1
	fi
	;;
install)
	missing=$(missing_packages)
	if [[ -z $missing ]]; then
		echo "hvlabs: all build and emulator packages are installed."
		exit 0
	fi
	pkgs=($missing)
	[[ " ${pkgs[*]} " == *" bochs "* ]] && pkgs+=("${EXTRA_PACKAGES[@]}")
	echo "hvlabs: installing ${pkgs[*]} (apt-get)"
	sudo=""
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null || { echo "hvlabs: not root and no sudo: install them yourself" >&2; exit 1; }
		sudo=sudo
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
	missing=$(missing_packages)
	if [[ -n $missing ]]; then
		echo "hvlabs: still missing after install: $(echo $missing)" >&2
		exit 1
	fi
	echo "hvlabs: packages installed."
	;;
*)
	echo "usage: $0 check|install" >&2
	exit 2
	;;
esac
