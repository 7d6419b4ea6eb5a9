"""The kernel's layering: which directories of kernel/ may include which.

Lower layers (arch, mm, console, lib, include, boot) never include the VMX
code, the guests or the harness; kernel/vmx never includes the harness; and no
two directories include each other, directly or through others. C headers are
included by bare name (the Makefile puts every kernel directory on the include
path), so each name maps to the one directory that holds it; nasm includes name
a path from the repository's root.
"""
import re
import unittest
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[2] / "kernel"

LOWER = {"arch", "mm", "console", "lib", "include", "boot"}
UPPER = {"vmx", "guest", "harness"}
C_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
NASM_INCLUDE = re.compile(r'^\s*%include\s+"([^"]+)"', re.M)


def layer_of(path, root):
    """The directory of path under root, as a layer name ("." for root itself)."""
    rel = path.relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else "."


def include_graph(root):
    """{(from_dir, to_dir): [(file, included name), ...]} over every include under root."""
    where = {}
    for f in root.rglob("*"):
        if f.suffix in (".h", ".def"):
            where.setdefault(f.name, set()).add(layer_of(f, root))
    edges = {}
    for f in sorted(root.rglob("*")):
        if f.suffix not in (".c", ".h", ".def", ".asm"):
            continue
        text = f.read_text(errors="replace")
        src = layer_of(f, root)
        targets = []
        for name in C_INCLUDE.findall(text):
            dirs = where.get(Path(name).name)
            if not dirs:
                continue            # a compiler header (<...> style names never match)
            if len(dirs) > 1:
                raise AssertionError(f"{f}: header name {name} is ambiguous: {sorted(dirs)}")
            targets.append((name, next(iter(dirs))))
        for name in NASM_INCLUDE.findall(text):
            parts = Path(name).parts
            if parts[:1] == ("kernel",) and len(parts) > 2:
                targets.append((name, parts[1]))
        for name, dst in targets:
            if dst != src:
                edges.setdefault((src, dst), []).append((str(f.relative_to(root)), name))
    return edges


def violations(edges):
    """Each include that breaks a layering rule, as a sentence."""
    bad = []
    for (src, dst), uses in sorted(edges.items()):
        if src in LOWER and dst in UPPER:
            rule = f"a lower layer ({src}) includes {dst}"
        elif src == "vmx" and dst == "harness":
            rule = "vmx includes the harness"
        else:
            continue
        bad += [f"{f}: {name}: {rule}" for f, name in uses]
    return bad


def cycles(edges):
    """The strongly connected sets of two or more directories (Tarjan), each sorted."""
    graph = {}
    for src, dst in edges:
        graph.setdefault(src, set()).add(dst)
        graph.setdefault(dst, set())
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(sorted(scc))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


class KernelLayersTest(unittest.TestCase):
    def test_kernel_is_layered(self):
        edges = include_graph(KERNEL)
        self.assertTrue(edges, "no include found under kernel/: wrong path?")
        self.assertEqual(violations(edges), [])

    def test_kernel_has_no_include_cycle(self):
        edges = include_graph(KERNEL)
        detail = {c: [u for (s, d), us in edges.items() if s in c and d in c for u in us]
                  for c in map(tuple, cycles(edges))}
        self.assertEqual(cycles(edges), [], detail)


class RulesCanFailTest(unittest.TestCase):
    """The checks on synthetic trees: each rule does fail when broken."""

    def tree(self, files):
        import tempfile
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        root = Path(tmp.name)
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        return root

    def test_lower_layer_including_vmx_fails(self):
        root = self.tree({"vmx/vmx.h": "", "arch/trap.c": '#include "vmx.h"\n'})
        self.assertEqual(violations(include_graph(root)),
                         ["arch/trap.c: vmx.h: a lower layer (arch) includes vmx"])

    def test_vmx_including_harness_fails(self):
        root = self.tree({"harness/harness.h": "", "vmx/vcpu.c": '#include "harness.h"\n'})
        self.assertEqual(len(violations(include_graph(root))), 1)

    def test_nasm_include_counts(self):
        root = self.tree({"guest/rows.def": "", "arch/isr.asm": '%include "kernel/guest/rows.def"\n'})
        self.assertEqual(len(violations(include_graph(root))), 1)

    def test_cycle_fails(self):
        root = self.tree({"arch/a.h": '#include "b.h"\n', "console/b.h": "",
                          "console/b.c": '#include "a.h"\n', "mm/m.c": '#include "a.h"\n'})
        self.assertEqual(cycles(include_graph(root)), [["arch", "console"]])

    def test_allowed_includes_pass(self):
        root = self.tree({"arch/a.h": "", "vmx/v.c": '#include "a.h"\n#include <stddef.h>\n',
                          "harness/h.c": '#include "v.h"\n', "vmx/v.h": ""})
        edges = include_graph(root)
        self.assertEqual((violations(edges), cycles(edges)), ([], []))


if __name__ == "__main__":
    unittest.main()
