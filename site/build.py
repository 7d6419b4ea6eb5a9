#!/usr/bin/env python3
"""Build the course website (`make site`) into build/site/, offline.

Pages come from the course's own sources, rendered by pandoc (Debian's package):

    index.html            home: site/home.md, the labs and their points (checks.def)
    lab-NN-name.html      each handout, labs/NN-name/README.md
    reference.html        the student interfaces: the headers kernel/vmx/labs.h includes
    glossary.html         site/glossary.md; handouts link its terms (site/links.lua)
    search.html           client-side full-text search over assets/search-index.js
    slides/               the decks and diagrams `make slides` built (build/slides/)

Every link is relative, and the search index is a script, not a fetched file, so the
site works from file:// as well as served.

    build.py [--slides DIR] [--out DIR]
"""
import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "grader"))
from hvlabs import labs as labtable  # noqa: E402

LABS_H = ROOT / "kernel/vmx/labs.h"
STATIC = ("style.css", "search.js")


def lab_title(readme: Path, lab) -> str:
    """The handout's first heading, e.g. "Lab 3: VMXON"."""
    for line in readme.read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return f"Lab {lab.number}: {lab.name}"


def decks(slides_dir: Path) -> list:
    """The built decks (NAME.html), in order."""
    return sorted(p.name for p in slides_dir.glob("*.html"))


def deck_title(path: Path) -> str:
    """A built deck's <title> (its front matter's title), without the course's name."""
    m = re.search(r"<title>([^<]*)</title>", path.read_text(errors="replace"))
    title = html.unescape(m.group(1)).strip() if m else path.stem
    return re.sub(r"^hvlabs\s+", "", title) or path.stem


# --- The reference: the student headers -------------------------------------------------

def headers() -> list:
    """(header, comment) for each #include line of labs.h, in order."""
    out = []
    for m in re.finditer(r'#include\s+"([^"]+)"\s*/\*\s*(.*?)\s*\*/', LABS_H.read_text()):
        out.append((m.group(1), m.group(2)))
    return out


def comment_text(c: str) -> str:
    """A /* ... */ comment's text, without the stars, as escaped Markdown."""
    c = c.strip()
    lines = [re.sub(r"^\s*\*? ?", "", l) for l in c[2:-2].strip().splitlines()]
    text = "\n".join(l.rstrip() for l in lines).strip()
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def declared_name(code: str) -> str:
    for pat in (r"^#define\s+(\w+)", r"^(?:struct|enum|union)\s+(\w+)\s*\{", r"(\w+)\s*\([^()]*\)\s*;\s*$",
                r"typedef[^;]*?(\w+)\s*;"):
        m = re.search(pat, code, re.M | re.S)
        if m:
            return m.group(1)
    return ""


def header_items(text: str) -> tuple:
    """A header's first comment, and (comment, declaration) for each declaration after it:
    a comment on lines of its own belongs to the declaration below it; comments at the end
    of a code line stay in the code."""
    lines = [l for l in text.splitlines()
             if not re.match(r"\s*#\s*(ifndef|endif|include|define\s+HV_\w+_H\s*$)", l)]
    intro, items, pending, i = "", [], "", 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
        elif line.startswith("/*"):
            comment = [lines[i]]
            while "*/" not in lines[i]:
                i += 1
                comment.append(lines[i])
            i += 1
            if not intro and not items and not pending:
                intro = comment_text("\n".join(comment))
            else:
                pending = comment_text("\n".join(comment))
        else:
            code, depth = [], 0
            while i < len(lines):
                l = lines[i]
                code.append(l)
                i += 1
                bare = re.sub(r"/\*.*?\*/|//.*", "", l)
                depth += bare.count("{") - bare.count("}")
                if code[0].lstrip().startswith("#"):
                    if not l.rstrip().endswith("\\"):
                        break
                elif depth <= 0 and ";" in bare:
                    break
            items.append((pending, "\n".join(code)))
            pending = ""
    return intro, items


def reference_md() -> tuple:
    """The reference page in pandoc's Markdown, and {name: anchor} of what it declares."""
    parts = ["---", "title: \"Reference: the student interfaces\"", "---", "",
             "The functions you write, one header per lab, as `kernel/vmx/labs.h` lists them. "
             "Each comment is the contract the grader holds your code to; the handout of the "
             "lab says how to get there.", ""]
    names = {}
    for hdr, what in headers():
        intro, items = header_items((ROOT / "kernel/vmx" / hdr).read_text())
        anchor = "h-" + hdr.replace(".", "-")
        parts += [f"## {hdr} {{#{anchor}}}", "", f"*{what}*", "", intro, ""]
        for comment, code in items:
            name = declared_name(code)
            if name and name not in names:
                names[name] = anchor + "-" + name
                parts += [f"### `{name}` {{#{names[name]}}}", ""]
            parts += ["```c", code.strip("\n"), "```", ""]
            if comment:
                parts += [comment, ""]
    return "\n".join(parts), names


# --- The glossary ------------------------------------------------------------------------

def glossary_terms(md: str) -> list:
    """(term, anchor, aliases) of site/glossary.md's '## Term {#anchor}' headings; an
    'aliases:' line under a heading names other spellings the handouts use."""
    out = []
    cur = None
    for line in md.splitlines():
        m = re.match(r"## (.+?) \{#([\w-]+)\}\s*$", line)
        if m:
            cur = [m.group(1), m.group(2), []]
            out.append(cur)
        elif cur and line.startswith("<!-- aliases:"):
            cur[2] = [a.strip() for a in line[len("<!-- aliases:"):].rstrip(" ->").split(";") if a.strip()]
    return [tuple(t) for t in out]


def lua_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_links_table(path: Path, terms: list, names: dict) -> None:
    """The table links.lua reads: glossary phrases and the reference's names."""
    rows = []
    for term, anchor, aliases in terms:
        for phrase in [term] + aliases:
            words = phrase.split()
            rows.append("{words={" + ",".join(lua_string(w) for w in words) + "}, href="
                        + lua_string("glossary.html#" + anchor) + ", key=" + lua_string(anchor) + "}")
    rows.sort(key=lambda r: -r.count(","))  # longer phrases first
    funcs = ",".join(f"[{lua_string(n)}]={lua_string('reference.html#' + a)}" for n, a in names.items())
    path.write_text("return { terms = {" + ",\n".join(rows) + "}, names = {" + funcs + "} }\n")


# --- Rendering ---------------------------------------------------------------------------

class Pandoc:
    def __init__(self, out: Path, work: Path, nav: str, links: Path):
        self.out, self.work, self.links = out, work, links
        self.nav = work / "nav.html"
        self.nav.write_text(nav)

    def render(self, src: Path, dest: str, fmt: str, title: str = "", toc: bool = False,
               link: bool = True) -> None:
        cmd = ["pandoc", "--from", fmt, "--to", "html5", "--standalone",
               "--template", str(HERE / "template.html"), "--highlight-style", "pygments",
               "--include-before-body", str(self.nav), "--output", str(self.out / dest),
               "--metadata", "lang=en", "--columns=10000"]
        if title:
            cmd += ["--metadata", f"pagetitle={title}"]
        if toc:
            cmd += ["--toc", "--toc-depth=3"]
        if link:
            cmd += ["--lua-filter", str(HERE / "links.lua")]
        env = dict(os.environ, HVLABS_SITE_LINKS=str(self.links))
        subprocess.run(cmd + [str(src)], check=True, env=env)


def nav_html(entries: list) -> str:
    items = "".join(f'<li><a href="{html.escape(u)}">{html.escape(t)}</a></li>' for u, t in entries)
    return ('<header class="site"><a class="brand" href="index.html">hvlabs</a>'
            f'<nav><ul>{items}</ul></nav>'
            '<form class="search" action="search.html" method="get" role="search">'
            '<input type="search" name="q" placeholder="Search the course" aria-label="Search the course">'
            '</form></header>\n')


def home_md(labs: list, deck_names: list, deck_titles: dict = None) -> str:
    md = (HERE / "home.md").read_text()
    rows = ["| Lab | Handout | Slides | Checks | Questions | Points |", "|---|---|---|---|---|---|"]
    total = 0
    for lab, title in labs:
        deck = f"{lab.dir}.html"
        slides = f"[slides](slides/{deck})" if deck in deck_names else ""
        checks = sum(len(s.checks) for s in lab.graded if s.name != labtable.ANSWERS)
        rows.append(f"| {lab.number} | [{title}](lab-{lab.dir}.html) | {slides} | {checks} | "
                    f"{len(lab.questions)} | {lab.max_points} |")
        total += lab.max_points
    rows.append(f"| | **All labs** | | | | **{total}** |")
    titles = deck_titles or {}
    deck_list = "\n".join(f"- [{titles.get(d, d[:-5])}](slides/{d})" for d in deck_names)
    return md.replace("{{LABS}}", "\n".join(rows)).replace("{{DECKS}}", deck_list)


# --- Search index --------------------------------------------------------------------------

class Sections(HTMLParser):
    """Splits a page's <main> into sections at each h1-h3 with an id (or a Marp slide);
    the text of the hints (<details> but their <summary>) is kept apart."""
    SKIP = {"script", "style", "nav", "header", "form"}

    def __init__(self, marp: bool):
        super().__init__()
        self.marp = marp
        self.sections = [["", "", [], []]]   # [anchor, heading, text parts, hint text parts]
        self.details = 0                     # inside a <details> hint, out of its <summary>
        self.summary = False
        self.in_main = marp
        self.skip = 0
        self.heading = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self.in_main = True
        if tag in self.SKIP:
            self.skip += 1
        if tag == "details":
            self.details += 1
        if tag == "summary":
            self.summary = True
        if self.marp and tag == "section" and a.get("id"):
            self.sections.append([a["id"], "", [], []])
        elif self.marp and tag in ("h1", "h2") and not self.sections[-1][1]:
            self.heading = tag
        elif not self.marp and tag in ("h1", "h2", "h3") and a.get("id"):
            self.sections.append([a["id"], "", [], []])
            self.heading = tag

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        if tag == self.heading:
            self.heading = None
        if tag == "details" and self.details:
            self.details -= 1
        if tag == "summary":
            self.summary = False
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):
        if not self.in_main or self.skip:
            return
        if self.heading:
            self.sections[-1][1] += data
        self.sections[-1][3 if self.details and not self.summary else 2].append(data)


def index_page(path: Path, url: str, title: str, marp: bool = False) -> list:
    p = Sections(marp)
    p.feed(path.read_text())
    out = []
    for anchor, heading, parts, hints in p.sections:
        text = re.sub(r"\s+", " ", " ".join(parts)).strip()
        hint = re.sub(r"\s+", " ", " ".join(hints)).strip()
        if not text and not hint:
            continue
        if marp and not heading.strip():
            heading = f"slide {anchor}"
        entry = {"p": title, "s": heading.strip(), "u": url + ("#" + anchor if anchor else ""), "x": text}
        if hint:
            entry["h"] = hint   # searched, never shown: a result does not open a hint
        out.append(entry)
    return out


# --- Main --------------------------------------------------------------------------------

def build(slides_dir: Path, out: Path) -> int:
    if out.exists():
        shutil.rmtree(out)
    (out / "assets").mkdir(parents=True)
    for f in STATIC:
        shutil.copy2(HERE / f, out / "assets" / f)
    if not slides_dir.is_dir():
        raise SystemExit(f"site: no slides in {slides_dir}: run 'make slides' first")
    shutil.copytree(slides_dir, out / "slides")
    deck_names = decks(slides_dir)

    labs = []
    for n in labtable.STUDENT_LABS:
        lab = labtable.LABS[n]
        readme = ROOT / "labs" / lab.dir / "README.md"
        if readme.exists():
            labs.append((lab, lab_title(readme, lab)))

    ref, names = reference_md()
    gloss_md = (HERE / "glossary.md").read_text()
    terms = glossary_terms(gloss_md)
    nav = nav_html([("index.html", "Home")] + [(f"lab-{l.dir}.html", f"Lab {l.number}") for l, _ in labs]
                   + [("index.html#slides", "Slides"), ("reference.html", "Reference"),
                      ("glossary.html", "Glossary"), ("search.html", "Search")])
    pages = []   # (file, title, marp)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_links_table(work / "links-table.lua", terms, names)
        pd = Pandoc(out, work, nav, work / "links-table.lua")
        (work / "index.md").write_text(home_md(labs, deck_names,
                                               {d: deck_title(slides_dir / d) for d in deck_names}))
        pd.render(work / "index.md", "index.html", "markdown", link=False)
        pages.append(("index.html", "hvlabs", False))
        for lab, title in labs:
            dest = f"lab-{lab.dir}.html"
            pd.render(ROOT / "labs" / lab.dir / "README.md", dest, "gfm",
                      title=title, toc=True)
            pages.append((dest, title, False))
        (work / "reference.md").write_text(ref)
        pd.render(work / "reference.md", "reference.html", "markdown", toc=True, link=False)
        pages.append(("reference.html", "Reference", False))
        pd.render(HERE / "glossary.md", "glossary.html", "markdown", toc=True, link=False)
        pages.append(("glossary.html", "Glossary", False))
        pd.render(HERE / "search.md", "search.html", "markdown", link=False)

    index = []
    for f, title, marp in pages:
        index += index_page(out / f, f, title, marp)
    for d in deck_names:
        index += index_page(out / "slides" / d, "slides/" + d, "Slides " + deck_title(out / "slides" / d), marp=True)
    (out / "assets" / "search-index.js").write_text(
        "window.HVLABS_INDEX = " + json.dumps(index, ensure_ascii=False, separators=(",", ":")) + ";\n")
    print(f"site: {len(pages) + 1} pages, {len(deck_names)} decks, {len(index)} search entries in {out}/")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slides", default="build/slides", help="the decks make slides built")
    ap.add_argument("--out", default="build/site")
    a = ap.parse_args(argv)
    return build(Path(a.slides), Path(a.out))


if __name__ == "__main__":
    sys.exit(main())
