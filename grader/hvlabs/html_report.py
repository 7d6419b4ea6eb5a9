"""The HTML grade report: one self-contained page (inline CSS, no script, no network)
of the labs graded: score, each check's result, reason and points, the notes, the
free-form answers, and each scenario's serial log with its protocol lines (PASS, FAIL,
ABORT) and the kernel's lines for the report (DIAG_TAG) marked. For a batch, a class
overview: each submission's scores, linked to its page, and per check an inline SVG
bar of how many submissions passed, failed or skipped it.

Where a run printed a VMCS dump (kernel/vmx/vmcs_dump.c: a failed VM entry, an
unhandled exit) or the kernel's entry checker flagged rules (kernel/vmx/vmcs_check.c,
`VMCS CHECK:` lines), the page shows that VMCS field by field with, next to each field,
the reference's value for the same scenario where the course ships one
(vmcs_reference.py: shipped data, as the student distribution has no solutions/; the
student distribution's data holds digests, so there the column says only whether the
value is the reference's) and,
where the checker cites the field, what VM entry needs and the SDM rule. A field that
differs from the reference is highlighted only if its class says the difference means
something: addresses (build-dependent), the VM-exit information, and fields the
reference leaves unwritten are never compared, the controls and CR0/CR4
(model-dependent) only when the run's model is the reference's.

For labs with guests (6, 7) the harness prints each guest's exit trace after its run
(kernel/harness/lab6_guest.c, guest_trace_print()); the page draws it as a timeline,
one row per guest (per VM), one coloured segment per run of exits with the same
basic reason, in the order they happened. On Bochs the axis is the guest's
instruction count: the trace gives each run's TSC ticks from VM entry to VM exit
(vmx_enter_guest()), and Bochs' TSC counts emulated instructions, deterministically;
elsewhere (KVM: the TSC counts time) it is the exit's number.

Every text that came from a student's kernel or build goes through report.clean_text()
and then html.escape(); the page's Content-Security-Policy forbids every fetch, so a
page that somehow held markup still could not load anything.
"""
import html
import re
from pathlib import Path
from urllib.parse import quote

from . import protocol, vmcs_reference
from .report import LabReport, by_scenario, clean_text
from .states import Status

# A line of the run protocol (protocol.py), whatever its nonce: its kind is its mark.
PROTOCOL_LINE = re.compile(r"^(PASS|FAIL|ABORT|BEGIN|SUMMARY): lab\d+")

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem;
       color: #1d2330; background: #fff; }
h1 { font-size: 1.5rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 2px solid #d0d5de; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
.score { font-weight: 700; font-size: 1.1rem; }
.full { color: #176c2e; } .partial { color: #a23b00; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e4e7ec; vertical-align: top; }
th { background: #f3f5f8; }
td.points, th.points { text-align: right; white-space: nowrap; }
.status { font-weight: 700; font-family: ui-monospace, monospace; white-space: nowrap; }
tr.PASS .status { color: #176c2e; } tr.FAIL .status { color: #b3121b; } tr.SKIP .status { color: #6b6f78; }
tr.FAIL { background: #fff4f4; }
.why { color: #5b2a2a; font-size: .93rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
pre { background: #f7f8fa; border: 1px solid #e4e7ec; padding: .5rem .7rem; overflow-x: auto;
      white-space: pre-wrap; word-break: break-all; margin: .3rem 0; }
pre.serial { max-height: 36rem; overflow-y: auto; }
pre.serial span { display: block; }
.l-PASS { color: #176c2e; } .l-BEGIN, .l-SUMMARY { color: #1f4fa0; font-weight: 600; }
.l-FAIL { color: #fff; background: #b3121b; } .l-ABORT { color: #fff; background: #7a2ab3; }
.l-diag { background: #fff1c2; }
.l-diag::before { content: "\\25B6  "; color: #a06a00; }
details { margin: .3rem 0; } summary { cursor: pointer; font-weight: 600; }
.ended { color: #b3121b; font-weight: 600; }
.legend span { padding: 0 .4rem; margin-right: .3rem; }
.answer { margin: .4rem 0 .8rem; }
.muted { color: #6b6f78; }
table.vmcs-fields td, table.vmcs-fields th { padding: .1rem .5rem; font-size: .88rem; }
tr.vmcs-group th { background: #e8ecf3; }
tr.flagged { background: #ffe08a; } tr.flagged code { font-weight: 700; }
tr.differs td.ref { background: #ffc4a8; } .field-class { color: #6b6f78; font-size: .78rem; }
.needs { color: #5b2a2a; } .rule { color: #6b6f78; }
svg.timeline { display: block; margin: .4rem 0; }
.timeline-legend { font-size: .85rem; } .reason { margin-right: .9rem; white-space: nowrap; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .25rem; vertical-align: middle; }
"""


def esc(text) -> str:
    """text (from anywhere, the kernel included) cleaned and escaped for HTML text and attributes."""
    return html.escape(clean_text(str(text)), quote=True)


def line_kind(line: str) -> str:
    """The mark of one serial line: PASS, FAIL, ABORT, BEGIN, SUMMARY, diag (the kernel's
    lines for the report, DIAG_TAG), or "" (an ordinary line)."""
    if line.startswith(protocol.DIAG_TAG):
        return "diag"
    m = PROTOCOL_LINE.match(line)
    return m.group(1) if m else ""


def serial_html(serial: str) -> str:
    """The serial log as one <pre>, one <span> per line, marked lines with their class."""
    out = []
    for line in clean_text(serial).split("\n"):
        kind = line_kind(line)
        out.append(f'<span class="l-{kind}" data-kind="{kind}">' if kind else "<span>")
        out.append(html.escape(line) + "</span>")
    if out and out[-2:] == ["<span>", "</span>"]:
        out = out[:-2]                                  # the empty line after the last newline
    return '<pre class="serial">' + "".join(out) + "</pre>"


DUMP_START = re.compile(r"^VMCS dump \(current VMCS (\S+)\):$")
DUMP_GROUP = re.compile(r"^ (\S.*)$")
DUMP_FIELD = re.compile(r"^  ([A-Z0-9_]+) +(0x[0-9a-f]+|\(not on this CPU\))(?: \((.*)\))?$")
VMCS_CHECK = re.compile(r"^VMCS CHECK: (?:field )?(\S+) is (0x[0-9a-f]+|0): VM entry needs (.*) "
                        r'\((SDM Vol\. 3C, [0-9.]+ "[^"]*")\)$')


def vmcs_dumps(serial: str) -> list:
    """The VMCS dumps in serial, in order: {"current": address, "fields": [(group, name,
    value or None when the CPU lacks it, note)]}."""
    dumps, dump, group = [], None, ""
    for line in serial.splitlines():
        m = DUMP_START.match(line)
        if m:
            dump, group = {"current": m.group(1), "fields": []}, ""
            dumps.append(dump)
            continue
        if dump is None:
            continue
        f = DUMP_FIELD.match(line)
        g = DUMP_GROUP.match(line)
        if f:
            value = None if f.group(2).startswith("(") else int(f.group(2), 16)
            dump["fields"].append((group, f.group(1), value, f.group(3) or ""))
        elif g and not line.startswith("  "):
            group = g.group(1)
        else:
            dump = None
    return dumps


def vmcs_checks(serial: str) -> list:
    """The entry checker's flagged rules in serial: {"field", "value", "needs", "rule"}."""
    out = []
    for line in serial.splitlines():
        m = VMCS_CHECK.match(protocol.untagged(line)) if line.startswith(protocol.DIAG_TAG) else None
        if m:
            out.append({"field": m.group(1), "value": int(m.group(2), 16), "needs": m.group(3),
                        "rule": m.group(4)})
    return out


def vmcs_html(serial: str, reference: dict = None, backend: str = "") -> str:
    """Where the checker flagged rules, VM entry failed (VM_INSTRUCTION_ERROR set in the
    run's last dump) or a compared field differs from reference (a vmcs_reference.load()
    entry of the same scenario, or None): those fields with the reference's value (in
    the digest form, whether the field differs from it), what
    VM entry needs and the rule, then every field of the last dump, the same highlighted
    and each with its class (vmcs_reference); otherwise ""."""
    dumps, checks = vmcs_dumps(serial), vmcs_checks(serial)
    cited = {}
    for c in checks:
        cited.setdefault(c["field"], []).append(c)
    fields = dumps[-1]["fields"] if dumps else []
    compared = vmcs_reference.compare(fields, reference, backend) if reference else {}
    digests = bool(reference and reference.get("digests"))
    ref_col = ("<th>the reference</th>" if digests else "<th>the reference's value</th>") if reference else ""
    out = ['<div class="vmcs">']
    head = (f'<table class="vmcs-fields"><thead><tr><th>field</th><th>value in your VMCS</th>{ref_col}'
            "<th>what VM entry needs (the rule the checker cites)</th></tr></thead><tbody>")

    def ref_cell(name):
        if not reference:
            return ""
        if name not in compared:
            return "<td></td>"
        cls, value, differs = compared[name]
        if digests:
            verdict = {True: "differs from the reference", False: "as the reference", None: ""}[differs]
            return (f'<td class="ref ref-{cls}">{esc(verdict)}'
                    f'<div class="field-class">{esc(vmcs_reference.CLASS_TEXT[cls])}</div></td>')
        return (f'<td class="ref ref-{cls}"><code>{esc(shown(value, ""))}</code>'
                f'<div class="field-class">{esc(vmcs_reference.CLASS_TEXT[cls])}</div></td>')

    def row(name, text, flagged):
        needs = "".join(f'<div class="needs">{esc(c["needs"])} <span class="rule">({esc(c["rule"])})</span></div>'
                        for c in cited.get(name, []))
        classes = " flagged" if flagged else ""
        if name in compared and compared[name][2]:
            classes += " differs"
        cls = f' data-class="{compared[name][0]}"' if name in compared else ""
        return (f'<tr class="vmcs-field{classes}" data-field="{esc(name)}"{cls}>'
                f"<td><code>{esc(name)}</code></td><td><code>{esc(text)}</code></td>{ref_cell(name)}<td>{needs}</td></tr>")

    def shown(value, note):
        return "(not on this CPU)" if value is None else f"0x{value:x}" + (f" ({note})" if note else "")
    values = {name: (value, note) for _, name, value, note in fields}
    differing = [n for n, (_, _, d) in compared.items() if d]
    flagged = list(cited) + [n for n in ("VM_INSTRUCTION_ERROR",) if values.get(n, (0,))[0]]
    if not flagged and not differing:
        return ""                   # a dump of a run whose VM entries worked (an unhandled exit)
    out.append(f'<p class="vmcs-summary">The VM-entry checker flagged {len(checks)} rule(s)'
               + (", and VM entry failed" if "VM_INSTRUCTION_ERROR" in flagged else "")
               + (f"; {len(differing)} field(s) differ from the reference's VMCS of this scenario"
                  if reference else "") + ":</p>")
    if reference:
        same = backend == reference["backend"]
        out.append('<p class="vmcs-legend muted">The reference column is the reference solution\'s '
                   f"VMCS at the same point of this scenario, dumped on {esc(reference['backend'])}. "
                   "Only fields that must equal it are compared"
                   + (", and the model-dependent ones (controls, CR0/CR4 and their fixed bits), as "
                      "this run used the same model" if same else
                      f"; this run used {esc(backend or 'another emulator')}, so the model-dependent "
                      "fields (controls, CR0/CR4 and their fixed bits) are shown, not compared")
                   + ". Addresses of code, stacks, tables and pages depend on the build, and the "
                   "VM-exit information fields on the run: shown, never compared; so are fields the "
                   "reference leaves unwritten."
                   + (" This copy of the course holds digests of the reference's values, not the "
                      "values: the column says whether your value is the reference's, not what "
                      "the reference's is." if digests else "") + "</p>")
    out.append(head)
    for name in flagged + [n for n in differing if n not in flagged]:
        value, note = values.get(name, (cited[name][0]["value"] if name in cited else None, ""))
        out.append(row(name, shown(value, note), True))
    out.append("</tbody></table>")
    if dumps:
        dump, group = dumps[-1], None
        cols = 4 if reference else 3
        out.append(f'<details class="vmcs-dump"><summary>Every field of the run\'s last VMCS dump '
                   f'(current VMCS {esc(dump["current"])}; {len(dumps)} dump(s) in the run)</summary>{head}')
        for g, name, value, note in fields:
            if g != group:
                group = g
                out.append(f'<tr class="vmcs-group"><th colspan="{cols}">{esc(g)}</th></tr>')
            out.append(row(name, shown(value, note), name in flagged or name in differing))
        out.append("</tbody></table></details>")
    out.append("</div>")
    return "\n".join(out)


EXIT_TRACE = re.compile(r'^exit trace of "([^"]*)"(?: \(VM (\d+)\))?: (\d+) exits:((?: \d+(?:\*\d+)?(?::\d+)?)*)( \.\.\.)?$')
EXIT_REASON_ROW = re.compile(r'^EXIT_REASON\((\d+), (\w+),')
# Distinct colours for the exit reasons of one page, in order of first appearance.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#ad494a", "#637939", "#7b4173", "#6baed6", "#fdae6b",
           "#74c476", "#e7969c", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5", "#000000")


def exit_reason_names() -> dict:
    """{basic exit reason: Linux's name}, from kernel/vmx/exit_reasons.def."""
    from .paths import ROOT
    try:
        text = (ROOT / "kernel/vmx/exit_reasons.def").read_text()
    except OSError:
        return {}
    return {int(m.group(1)): m.group(2) for m in map(EXIT_REASON_ROW.match, text.splitlines()) if m}


def exit_traces(serial: str) -> list:
    """The guests' exit traces in serial: {"guest", "vm" (0: one VM), "exits" (the total),
    "runs": [(reason, count, guest ticks of their trips or None)], "cut" (more exits
    than listed)}."""
    out = []
    for line in serial.splitlines():
        m = EXIT_TRACE.match(line)
        if m:
            runs = []
            for item in m.group(4).split():
                item, _, ticks = item.partition(":")
                reason, _, count = item.partition("*")
                runs.append((int(reason), int(count or 1), int(ticks) if ticks else None))
            out.append({"guest": m.group(1), "vm": int(m.group(2) or 0), "exits": int(m.group(3)),
                        "runs": runs, "cut": bool(m.group(5))})
    return out


TIMELINE_WIDTH, ROW_HEIGHT, LABEL_WIDTH = 640, 18, 170


def by_instructions(traces: list, backend: str) -> bool:
    """True when the traces' guest ticks count guest instructions: every run has them,
    and the run was on Bochs, whose TSC counts emulated instructions (on KVM it counts
    time)."""
    return backend.startswith("bochs") and all(t[2] is not None for x in traces for t in x["runs"])


def timeline_svg(traces: list, names: dict, colours: dict, instructions: bool = False) -> str:
    """The exit traces as one inline SVG: a row per guest, each run of exits with one
    reason a segment of its colour (colours: reason -> colour, filled as reasons appear),
    its width in proportion to the guest's instructions up to those exits when
    instructions (by_instructions()), else to the guest's exits; a legend of the
    reasons below."""
    height = ROW_HEIGHT * (len(traces) + 1) + 6
    out = [f'<svg class="timeline" width="{LABEL_WIDTH + TIMELINE_WIDTH + 90}" height="{height}" role="img" '
           f'font-family="sans-serif" font-size="11" data-axis="{"instructions" if instructions else "exits"}">']
    for i, t in enumerate(traces):
        y = i * ROW_HEIGHT + 2
        label = t["guest"] + (f" (VM {t['vm']})" if t["vm"] else "")
        ticks = sum(k or 0 for _, _, k in t["runs"])
        out.append(f'<g class="guest" data-guest="{esc(label)}" data-exits="{t["exits"]}"'
                   + (f' data-instructions="{ticks}"' if instructions else "")
                   + f'><text x="0" y="{y + 12}">{esc(label)}</text>')
        listed = (ticks if instructions else sum(c for _, c, _ in t["runs"])) or 1
        x, first = float(LABEL_WIDTH), 1
        for reason, count, k in t["runs"]:
            colour = colours.setdefault(reason, PALETTE[len(colours) % len(PALETTE)])
            w = TIMELINE_WIDTH * ((k or 0) if instructions else count) / listed
            name = names.get(reason, f"reason {reason}")
            span = f"exit {first}" if count == 1 else f"exits {first}-{first + count - 1}"
            if k is not None:
                span += f", {k} guest instructions from entry to exit"
            out.append(f'<rect class="exit" data-reason="{reason}" x="{x:.2f}" y="{y}" width="{max(w, 1):.2f}" '
                       f'height="{ROW_HEIGHT - 4}" fill="{colour}" stroke="#fff" stroke-width="0.5">'
                       f"<title>{esc(name)}: {span}</title></rect>")
            x, first = x + w, first + count
        end = f"{t['exits']}" + ("+" if t["cut"] else "") + (f" / {ticks}" if instructions else "")
        out.append(f'<text x="{LABEL_WIDTH + TIMELINE_WIDTH + 6}" y="{y + 12}">{end}</text></g>')
    out.append("</svg>")
    legend = "".join(f'<span class="reason"><span class="swatch" style="background:{c}"></span>'
                     f'{esc(names.get(r, f"reason {r}"))} ({r})</span>' for r, c in colours.items())
    return "".join(out) + f'<p class="timeline-legend">{legend}</p>'


def timelines_html(r: LabReport) -> str:
    """Per scenario whose run printed exit traces: their timeline (timeline_svg)."""
    names, out, axes = exit_reason_names(), [], set()
    failed = {s for s, cs in by_scenario(r).items() if any(c.status == Status.FAIL for c in cs)}
    for run in r.runs:
        traces = exit_traces(clean_text(run["serial"]))
        if traces:
            instructions = by_instructions(traces, run.get("backend", ""))
            axes.add(instructions)
            out.append(f'<details class="timeline-run" data-scenario="{esc(run["scenario"])}"'
                       f'{" open" if run["scenario"] in failed else ""}><summary>Scenario '
                       f'{esc(run["scenario"])}: {len(traces)} guest runs</summary>'
                       + timeline_svg(traces, names, {}, instructions) + "</details>")
    if not out:
        return ""
    along = ("Along each row, the guest's instructions: a segment's width is the number of "
             "instructions the guest ran from its VM entries to those exits (Bochs' TSC, which "
             "counts emulated instructions; each trip also counts the world switch's own few "
             "dozen), and the numbers at the end are its exits / its instructions. "
             if True in axes else "")
    along += ("Along a row of a run not on Bochs, the exits in order, each the same width. "
              if False in axes else "")
    return ("<h3>VM exits, guest by guest</h3><p class=\"muted\">Each row is one guest's run, its VM "
            "exits in the order they happened, coloured by exit reason. " + along +
            "Hover a segment for its reason and exit numbers.</p>\n" + "\n".join(out))


def score_class(earned: int, possible: int) -> str:
    return "full" if earned == possible else "partial"


def checks_html(r: LabReport) -> str:
    rows = ['<table class="checks"><thead><tr><th>check</th><th>result</th><th>what it checks, '
            'and why it failed</th><th class="points">points</th></tr></thead><tbody>']
    for c in r.results:
        why = c.why or ("" if r.build_ok else "the stage did not build")
        rows.append(f'<tr class="check {esc(c.status)}" data-check="{esc(c.scenario)}/{esc(c.id)}">'
                    f"<td><code>{esc(c.scenario)}/{esc(c.id)}</code></td>"
                    f'<td class="status">{esc(c.status)}</td>'
                    f"<td>{esc(c.what)}" + (f'<div class="why">{esc(why)}</div>' if why and
                                             c.status != Status.PASS else "") + "</td>"
                    f'<td class="points">{c.earned}/{c.points}</td></tr>')
    rows.append("</tbody></table>")
    return "\n".join(rows)


def runs_html(r: LabReport) -> str:
    """Each scenario's serial log, open where one of its checks failed."""
    if not r.runs:
        return ""
    failed = {s for s, cs in by_scenario(r).items() if any(c.status == Status.FAIL for c in cs)}
    out = ["<h3>Serial logs</h3>",
           '<p class="legend muted">Marked: <span class="l-PASS">PASS</span><span class="l-FAIL">FAIL'
           '</span><span class="l-ABORT">ABORT</span><span class="l-diag">the kernel\'s lines for '
           "the report (<code>! </code>)</span></p>"]
    for run in r.runs:
        s = run["scenario"]
        ended = "" if run["ended"] == "exited" else \
            f' <span class="ended">{esc(run["ended"])}: {esc(run["detail"])}</span>'
        out.append(f'<details class="run" data-scenario="{esc(s)}"{" open" if s in failed else ""}>'
                   f'<summary>{esc(s)} <span class="muted">({esc(run["backend"])}, '
                   f'{run["seconds"]:.1f} s)</span>{ended}</summary>'
                   + serial_html(run["serial"]) + "</details>")
    return "\n".join(out)


def vmcs_sections_html(r: LabReport) -> str:
    """For each scenario with a failed check whose run dumped a VMCS or flagged rules:
    that VMCS, field by field, next to the reference's of that scenario where the course
    ships one (vmcs_html, vmcs_reference)."""
    failed = {s for s, cs in by_scenario(r).items() if any(c.status == Status.FAIL for c in cs)}
    out, references = [], vmcs_reference.load()
    for run in r.runs:
        if run["scenario"] not in failed:
            continue
        table = vmcs_html(clean_text(run["serial"]), references.get((r.lab, run["scenario"])),
                          run.get("backend", ""))
        if table:
            out.append(f'<details class="vmcs-run" data-scenario="{esc(run["scenario"])}" open>'
                       f'<summary>The VMCS of scenario {esc(run["scenario"])}</summary>{table}</details>')
    return ("<h3>VMCS</h3>\n" + "\n".join(out)) if out else ""


def lab_html(r: LabReport) -> str:
    out = [f'<section class="lab" id="lab{r.lab}" data-lab="{r.lab}">',
           f'<h2>Lab {r.lab} &ldquo;{esc(r.name)}&rdquo; '
           f'<span class="score lab-score {score_class(r.earned, r.possible)}">{r.earned}/{r.possible}</span></h2>',
           f'<p class="muted">{esc(r.source)} on {esc(r.backend)}'
           + (f"; {r.skipped} points skipped: not gradeable on this emulator" if r.skipped else "")
           + "</p>"]
    if not r.build_ok:
        out.append('<div class="build-failed"><p><strong>The stage did not build, so every check '
                   'fails.</strong> The compiler said:</p><pre class="build-errors">'
                   + esc("\n".join(r.build_errors)) + "</pre></div>")
    out.append(checks_html(r))
    if r.notes:
        out.append("<h3>Notes</h3>")
        out += [f'<pre class="note">{esc(n)}</pre>' for n in r.notes]
    if r.answers:
        out.append(f"<h3>For your instructor (answers-lab{r.lab}.txt, not graded)</h3>")
        for a in r.answers:
            out.append(f'<div class="answer" data-question="{esc(a["id"])}"><strong>[{esc(a["id"])}]</strong> '
                       f'{esc(a["what"])}<pre>{esc(a["answer"] or "(no answer yet)")}</pre></div>')
    out.append(vmcs_sections_html(r))
    out.append(timelines_html(r))
    out.append(runs_html(r))
    out.append("</section>")
    return "\n".join(x for x in out if x)


def page(title: str, body: list) -> str:
    """A whole page: title and body (HTML, already escaped), the style, the CSP."""
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>", *[b for b in body if b], "</body></html>", ""])


def render(reports: list, title: str = "", preface: list = ()) -> str:
    """The page of a grade: reports (LabReports) of one student, one section per lab;
    preface: lines shown above them (a batch's notes on the submission's files)."""
    earned, possible = sum(r.earned for r in reports), sum(r.possible for r in reports)
    title = title or "hvlabs grade: " + ", ".join(f"lab {r.lab}" for r in reports)
    toc = " · ".join(f'<a href="#lab{r.lab}">Lab {r.lab} {esc(r.name)}: {r.earned}/{r.possible}</a>'
                     for r in reports)
    return page(title, [
        f'<pre class="preface">{esc(chr(10).join(preface))}</pre>' if preface else "",
        f'<p>Score: <span class="score {score_class(earned, possible)}" id="score" '
        f'data-earned="{earned}" data-possible="{possible}">{earned}/{possible}</span></p>',
        f"<nav>{toc}</nav>" if len(reports) > 1 else "",
        *[lab_html(r) for r in reports]])


def write(reports: list, path: Path, title: str = "", preface: list = ()) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(reports, title, preface), encoding="utf-8")


BAR_WIDTH, BAR_HEIGHT = 320, 14
BAR_COLOURS = (("PASS", "#2e8b47"), ("FAIL", "#c8323b"), ("SKIP", "#a3a7b0"), ("none", "#e4e7ec"))


def bar_svg(counts: dict, total: int) -> str:
    """One inline SVG bar: the share of total submissions per outcome (counts: PASS,
    FAIL, SKIP, none = not graded), each part titled with its count."""
    out, x = [f'<svg class="bar" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" role="img" '
              f'viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}">'], 0.0
    for kind, colour in BAR_COLOURS:
        n = counts.get(kind, 0)
        if not n:
            continue
        w = BAR_WIDTH * n / max(total, 1)
        out.append(f'<rect class="{kind}" data-count="{n}" x="{x:.1f}" y="0" width="{w:.1f}" '
                   f'height="{BAR_HEIGHT}" fill="{colour}"><title>{kind}: {n}</title></rect>')
        x += w
    return "".join(out) + "</svg>"


def overview(results: list, labs_: list, report_name: str = "report.html") -> str:
    """The class overview of a batch: results are its entries (batch.grade_one's dicts:
    name, error, grade as hvlabs-grade/1); each name links to name/report_name."""
    from . import labs
    total = len(results)
    rows = ['<table class="submissions"><thead><tr><th>submission</th>'
            + "".join(f'<th class="points">lab {n}</th>' for n in labs_)
            + '<th class="points">total</th><th>not graded because</th></tr></thead><tbody>']
    for r in results:
        by_lab = {l["lab"]: l for l in (r["grade"] or {"labs": []})["labs"]}
        scores = [by_lab[n]["score"] if n in by_lab else 0 for n in labs_]
        possible = sum(labs.get(n).max_points for n in labs_)
        rows.append(f'<tr class="submission" data-name="{esc(r["name"])}">'
                    f'<td><a href="{quote(r["name"])}/{report_name}">{esc(r["name"])}</a></td>'
                    + "".join(f'<td class="points">{s}</td>' for s in scores)
                    + f'<td class="points">{sum(scores)}/{possible}</td><td class="why">{esc(r["error"])}</td></tr>')
    rows.append("</tbody></table>")
    charts = ['<h2>Checks across the class</h2><p class="legend muted">'
              + "".join(f'<span style="background:{c};color:{"#1d2330" if k == "none" else "#fff"}">'
                        f'{k if k != "none" else "not graded"}</span>' for k, c in BAR_COLOURS) + "</p>"]
    for n in labs_:
        lab = labs.get(n)
        charts.append(f'<h3>Lab {n} &ldquo;{esc(lab.name)}&rdquo;</h3><table class="distribution">'
                      '<thead><tr><th>check</th><th class="points">points</th><th>submissions</th>'
                      '<th class="points">passed</th></tr></thead><tbody>')
        for s in lab.graded:
            for c in s.checks:
                counts = {}
                for r in results:
                    lab_json = next((l for l in (r["grade"] or {"labs": []})["labs"] if l["lab"] == n), None)
                    got = next((x["status"] for x in (lab_json or {}).get("checks", [])
                                if x["scenario"] == s.name and x["id"] == c.id), "none")
                    counts[got] = counts.get(got, 0) + 1
                charts.append(f'<tr class="distribution" data-check="{esc(s.name)}/{esc(c.id)}" '
                              f'data-pass="{counts.get("PASS", 0)}" data-fail="{counts.get("FAIL", 0)}">'
                              f'<td><code>{esc(s.name)}/{esc(c.id)}</code><div class="muted">{esc(c.what)}</div></td>'
                              f'<td class="points">{c.points}</td><td>{bar_svg(counts, total)}</td>'
                              f'<td class="points">{counts.get("PASS", 0)}/{total}</td></tr>')
        charts.append("</tbody></table>")
    return page(f"hvlabs class overview: labs {', '.join(map(str, labs_))}, {total} submissions",
                ["<h2>Submissions</h2>", *rows, *charts])
