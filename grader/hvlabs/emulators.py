"""Emulator backends: how to boot an hvlabs ISO headless, with COM1 going to a file.

  bochs  Bochs 2.7 with a VMX-capable CPU model (or `ryzen`, without VMX)
  kvm    QEMU with KVM, `-cpu host`: needs /dev/kvm and a CPU that exposes VMX (nested KVM)
  tcg    QEMU without KVM: no VMX at all; for the no-VMX scenarios and non-VMX boots
"""
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from .errors import UsageError

# Bochs CPU models that boot a 64-bit kernel, and whether they expose VMX.
# Verified by `make test` (grader/selftest.py boots each one).
BOCHS_MODELS = {
    "core2_penryn_t9600": True,          # VMX without EPT, VPID or unrestricted guest
    "corei5_lynnfield_750": True,
    "corei5_arrandale_m520": True,
    "corei7_sandy_bridge_2600k": True,
    "corei7_ivy_bridge_3770k": True,
    "corei7_haswell_4770": True,
    "broadwell_ult": True,
    "corei7_skylake_x": True,
    "corei3_cnl": True,
    "corei7_icelake_u": True,
    "tigerlake": True,
    "ryzen": False,
    "zambezi": False,
    "trinity_apu": False,
    "phenom_8650_toliman": False,
}
# The VMX models whose secondary controls cannot enable EPT (measured: lab 1 reads them).
BOCHS_WITHOUT_EPT = {"core2_penryn_t9600"}
BOCHS_DEFAULT_VMX = "corei7_sandy_bridge_2600k"
BOCHS_DEFAULT_NOVMX = "ryzen"
BOCHS_SHARE = Path("/usr/share/bochs")
BOCHS_BIOS = {"latest": "BIOS-bochs-latest", "legacy": "BIOS-bochs-legacy"}

# With "info: action=ignore" the Bochs log holds only errors and panics, e.g.
# "VMFAIL: ...", "VMENTER FAIL: ...", "VMXON: not expected (X != Y) VMCS revision id !",
# "WRMSR: IA32_FEATURE_CONTROL_MSR VMX lock bit is set !": all worth showing but this one.
# vmcs_dump() reads every field in the table, and Bochs logs those its CPU model lacks.
BOCHS_HINT_IGNORE = ("Shutdown port: shutdown requested", "VMREAD: not supported field")


class Unsupported(Exception):
    """The backend cannot run this scenario (e.g. VMX on TCG); the message says why."""


@lru_cache(maxsize=None)
def netns_prefix() -> tuple:
    """A command prefix that runs Bochs in a private network namespace, or () if none works.

    Bochs' only headless display here is its VNC server ("rfb"), which listens on a TCP
    port: inside its own network namespace each run's port is private and unreachable.
    """
    for prefix in (("unshare", "-n"), ("unshare", "-rn")):
        try:
            if subprocess.run([*prefix, "true"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.TimeoutExpired):
            pass
    print("hvlabs: warning: no private network namespace here (`unshare -n` and `unshare -rn` "
          "both failed), so while Bochs runs its VNC display listens on TCP port 5900 or above",
          file=sys.stderr)
    return ()


def kvm_present() -> bool:
    """True where QEMU can use KVM at all (a readable and writable /dev/kvm)."""
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def kvm_usable() -> bool:
    """True where KVM also exposes VMX to its guests (nested VMX): KVM can run every lab."""
    if not kvm_present():
        return False
    try:
        return " vmx" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


class Bochs:
    name = "bochs"
    vmx = True
    boot_allowance = 0.0

    def __init__(self, cpu: str = ""):
        self.cpu = cpu

    def model_for(self, scenario) -> str:
        """The scenario's own model if it names one (lab 1's noept is about a CPU without
        EPT, whatever CPU= says), else CPU= if given (when it fits the scenario), else the
        default: so a grade on another model gives the verdicts the default model gives."""
        if scenario.cpu:
            return scenario.cpu
        if self.cpu:
            has = BOCHS_MODELS.get(self.cpu)
            if has is not None and has != scenario.needs_vmx:
                need = "with" if scenario.needs_vmx else "without"
                raise Unsupported(f"CPU={self.cpu} {'has no' if scenario.needs_vmx else 'has'} VMX, "
                                  f"and this scenario needs a CPU {need} it")
            if scenario.needs_ept and self.cpu in BOCHS_WITHOUT_EPT:
                raise Unsupported(f"CPU={self.cpu} has no EPT, and this scenario needs it")
            return self.cpu
        return BOCHS_DEFAULT_VMX if scenario.needs_vmx else BOCHS_DEFAULT_NOVMX

    def describe(self, scenario) -> str:
        return f"bochs ({self.model_for(scenario)})"

    def unsupported(self, scenario) -> str:
        """Why this backend cannot run scenario, or "" if it can."""
        try:
            self.model_for(scenario)
            return ""
        except Unsupported as e:
            return str(e)

    def command(self, image, workdir: Path, scenario, debug: bool = False) -> list:
        """The command that boots image (an image.Image) in workdir: its GRUB ISO, with
        the run's command line written in."""
        model = self.model_for(scenario)
        iso = image.iso_for_run(workdir / "run.iso")
        rc = workdir / "bochsrc"
        rc.write_text(self.config(iso, workdir, model, scenario.firmware, debug, scenario.megs,
                                  ips=50_000_000 if scenario.linux else 4_000_000))
        cont = workdir / "cont.rc"
        cont.write_text("c\n")
        cmd = ["bochs", "-q", "-f", str(rc)]
        if not debug:
            cmd += ["-rc", str(cont)]
        return [*netns_prefix(), *cmd]

    @staticmethod
    def config(iso: Path, workdir: Path, model: str, firmware: str, debug: bool, megs: int = 64,
               ips: int = 4_000_000) -> str:
        # ips only sets how emulated time relates to instructions; with sync=none the run
        # is as fast as the host allows and deterministic.
        return "\n".join([
            f"megs: {megs}",
            f"romimage: file={BOCHS_SHARE / BOCHS_BIOS[firmware]}",
            f"vgaromimage: file={BOCHS_SHARE / 'VGABIOS-lgpl-latest'}",
            f"ata0-master: type=cdrom, path={iso}, status=inserted",
            "boot: cdrom",
            f"cpu: model={model}, count=1, ips={ips}, reset_on_triple_fault=0, ignore_bad_msrs=0",
            "clock: sync=none, time0=946684800",
            f"com1: enabled=1, mode=file, dev={workdir / 'serial.txt'}",
            'display_library: rfb, options="timeout=0"',
            "speaker: enabled=0",
            "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy",
            f"magic_break: enabled={1 if debug else 0}",
            f"log: {workdir / 'bochs.log'}",
            "panic: action=fatal",
            "error: action=report",
            "info: action=ignore",
            "debug: action=ignore",
            "",
        ])

    @staticmethod
    def hints(workdir: Path) -> list:
        log = workdir / "bochs.log"
        if not log.exists():
            return []
        hints = []
        for line in log.read_text(errors="replace").splitlines():
            if line.strip() and not any(i in line for i in BOCHS_HINT_IGNORE):
                text = line.split("]", 1)[-1].strip() if "]" in line else line.strip()
                if text and text not in hints:
                    hints.append(text)
        return hints[:10]


class Qemu:
    """QEMU, with KVM (`kvm`) or without (`tcg`)."""

    def __init__(self, kvm: bool, vmx: bool = None):
        self.kvm = kvm
        self.name = "kvm" if kvm else "tcg"
        self.vmx = kvm and (kvm_usable() if vmx is None else vmx)
        # SeaBIOS and GRUB took about 14 s per boot under KVM on a host that is itself
        # a VM; QEMU now boots the ELF directly (no GRUB), which was not measured under
        # KVM (no /dev/kvm on the machines since): extra seconds before a run counts as hung.
        self.boot_allowance = 30.0 if kvm else 0.0

    def describe(self, scenario) -> str:
        return f"qemu {self.name}"

    def unsupported(self, scenario) -> str:
        """Why this backend cannot run scenario, or "" if it can."""
        if scenario.needs_vmx and not self.kvm:
            return "QEMU without KVM (tcg) has no VMX: use EMU=bochs"
        if scenario.needs_vmx and not self.vmx:
            return ("this host's KVM does not expose VMX to guests (no nested virtualization): "
                    "use EMU=bochs")
        if scenario.firmware != "latest":
            return f"the '{scenario.firmware}' firmware scenario needs Bochs: use EMU=bochs"
        return ""

    def command(self, image, workdir: Path, scenario, debug: bool = False) -> list:
        """The command that boots image (an image.Image) in workdir: its kernel ELF
        directly (-kernel, the PVH entry), with the command line through -append; no
        firmware menu, no GRUB. A scenario with Linux boots the GRUB ISO, which loads
        Linux and its initramfs as modules."""
        reason = self.unsupported(scenario)
        if reason:
            raise Unsupported(reason)
        if self.kvm:
            accel = ["-accel", "kvm", "-cpu", "host" if scenario.needs_vmx else "host,-vmx"]
        else:
            accel = ["-accel", "tcg", "-cpu", "qemu64"]
        if scenario.linux:
            # Linux and its initramfs are GRUB's modules: QEMU boots the ISO as Bochs does
            # (never measured: no host of the course's has KVM with nested VMX)
            boot = ["-cdrom", str(image.iso_for_run(workdir / "run.iso"))]
        else:
            boot = ["-kernel", str(image.elf), "-append", image.cmdline]
        cmd = [
            "qemu-system-x86_64", *accel, "-m", str(max(128, scenario.megs)), *boot,
            "-display", "none", "-vga", "none", "-monitor", "none", "-no-reboot",
            "-serial", f"file:{workdir / 'serial.txt'}",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        ]
        if debug:
            cmd += ["-s", "-S"]
        return cmd

    @staticmethod
    def hints(workdir: Path) -> list:
        return []


def make(emu: str = "", cpu: str = ""):
    """The backend named emu ("" or "auto": kvm where usable, else bochs)."""
    if emu in ("", "auto"):
        emu = "kvm" if kvm_usable() else "bochs"
    if emu == "bochs":
        if cpu and cpu not in BOCHS_MODELS:
            known = ", ".join(sorted(BOCHS_MODELS))
            raise UsageError(f"hvlabs: CPU={cpu} is not a Bochs model hvlabs knows ({known})")
        if not shutil.which("bochs"):
            raise UsageError("hvlabs: bochs is not installed (run `make deps`)")
        return Bochs(cpu)
    if emu in ("kvm", "tcg"):
        if cpu:
            raise UsageError("hvlabs: CPU= selects a Bochs CPU model; QEMU uses the host's (kvm) or qemu64 (tcg)")
        if not shutil.which("qemu-system-x86_64"):
            raise UsageError("hvlabs: qemu-system-x86_64 is not installed (run `make deps`)")
        if emu == "kvm" and not kvm_present():
            raise UsageError("hvlabs: EMU=kvm needs a readable and writable /dev/kvm; this machine "
                             "has none: use EMU=bochs")
        return Qemu(kvm=(emu == "kvm"))
    raise UsageError(f"hvlabs: EMU={emu} is not one of bochs, kvm, tcg")
