#!/usr/bin/env node
// slides/check.mjs: opens built Marp decks in headless Chromium and fails on
// a blank slide (no visible text or picture) or an overflowing slide (content
// that reaches past the slide's edges, runs into its header or footer, or is
// clipped inside a box on it).
//
//   node slides/check.mjs build/slides/*.html        check these decks
//   node slides/check.mjs --shots DIR deck.html ...  also save one PNG per slide
//   node slides/check.mjs --self-test                prove it catches bad decks
//
// Prints one line per deck (and one per bad slide), then "N passed, M failed"
// counting slides. Exit status: 0 if every slide passed, 1 if any failed,
// 2 on a usage or setup error.
//
// Chromium: $SLIDES_CHROMIUM, else /usr/bin/chromium. puppeteer-core only
// drives it; it never downloads a browser.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.SLIDES_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Marp's default slide size; the viewport matches it so that 1 CSS px = 1 slide px.
const VIEW = { width: 1280, height: 720 };
// Text rendered smaller than this (in slide px) earns a warning, not a failure.
const MIN_FONT_PX = Number(process.env.SLIDES_MIN_FONT_PX || 14);

// Runs in the page: measures the slide (one <svg data-marpit-svg>) of index i.
// Returns { blank, overflow[], broken[], small[] }: lists of messages.
function measureSlide(i, minFontPx) {
  const TOL = 1; // px of slack for sub-pixel rounding
  const svgs = document.querySelectorAll('svg[data-marpit-svg]');
  const svg = svgs[i];
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.viewBox.baseVal.width || 1;
  const found = { overflow: [], broken: [], small: [] };
  let visible = false;

  const isShown = (el) => {
    for (let e = el; e && e !== svg; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') return false;
    }
    return true;
  };
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    const text = (el.textContent || el.getAttribute('alt') || el.getAttribute('src') || '').trim();
    if (text) s += ' "' + text.replace(/\s+/g, ' ').slice(0, 40) + (text.length > 40 ? '…' : '') + '"';
    return s;
  };
  const outside = (r, s) =>
    Math.max(s.top - r.top, r.bottom - s.bottom, s.left - r.left, r.right - s.right) / scale;
  // Report the outermost element with a problem, not each of its descendants.
  const reported = { overflow: [], broken: [], small: [] };
  const add = (kind, el, msg) => {
    if (reported[kind].some((p) => p.contains(el))) return;
    reported[kind].push(el);
    found[kind].push(msg);
  };
  // Rendered font size in slide px, including any shrinking (Marp's auto-scaling).
  const fontPx = (el) => {
    const r = el.getBoundingClientRect();
    const shrink = el.offsetWidth > 0 && r.width > 0 ? r.width / el.offsetWidth : 1;
    return (parseFloat(getComputedStyle(el).fontSize) * shrink) / scale;
  };

  // Marp may split one slide into several layered <section>s (advanced backgrounds).
  for (const section of svg.querySelectorAll(':scope > foreignObject > section')) {
    const sBox = section.getBoundingClientRect();
    // The header and footer (a citation, the page number) must stay clear of the content.
    const margins = [...section.querySelectorAll(':scope > header, :scope > footer')]
      .filter((m) => isShown(m) && m.textContent.trim())
      .map((m) => ({ el: m, r: m.getBoundingClientRect() }));
    const overlaps = (a, b) =>
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > TOL * scale &&
      Math.min(a.right, b.right) - Math.max(a.left, b.left) > TOL * scale;
    const walker = document.createTreeWalker(section, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.nodeType === Node.TEXT_NODE ? n.parentElement : n;
      if (!isShown(el)) continue;
      const decoration = !!el.closest('header, footer');
      if (n.nodeType === Node.TEXT_NODE) {
        if (!n.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        for (const r of range.getClientRects()) {
          if (r.width <= 0 || r.height <= 0) continue;
          const color = getComputedStyle(el).color;
          if (!decoration && !/rgba\(.*,\s*0\)$/.test(color)) visible = true;
          const d = outside(r, sBox);
          if (d > TOL) add('overflow', el, `text in ${describe(el)} reaches ${Math.round(d)}px past the slide's edge`);
          const hit = decoration ? null : margins.find((m) => overlaps(r, m.r));
          if (hit) add('overflow', el, `text in ${describe(el)} runs into the ${hit.el.tagName.toLowerCase()}`);
          const px = fontPx(el);
          if (px < minFontPx) {
            // One report per block (Marp turns <pre> into <marp-pre> at run time).
            const block = el.closest('pre, marp-pre, p, li, td, th, h1, h2, h3, h4, h5, h6') || el;
            add('small', block, `text in ${describe(block)} is ${px.toFixed(1)}px high (under ${minFontPx}px)`);
          }
        }
        continue;
      }
      const r = el.getBoundingClientRect();
      const tag = el.tagName.toLowerCase();
      if (tag === 'img') {
        if (!el.complete || el.naturalWidth === 0) add('broken', el, `image ${describe(el)} did not load`);
        else if (r.width > 0 && r.height > 0 && !decoration) visible = true;
      } else if (['svg', 'canvas', 'video', 'iframe', 'object'].includes(tag)) {
        if (r.width > 0 && r.height > 0 && !decoration) visible = true;
      } else if (getComputedStyle(el).backgroundImage !== 'none' && el !== section) {
        if (r.width > 0 && r.height > 0 && !decoration) visible = true;
      }
      if (r.width > 0 && r.height > 0) {
        const d = outside(r, sBox);
        if (d > TOL) add('overflow', el, `${describe(el)} reaches ${Math.round(d)}px past the slide's edge`);
      }
      // Content clipped inside a scrolling or hidden-overflow box (wide code, tables).
      if (el !== section) {
        const cs = getComputedStyle(el);
        const clipX = cs.overflowX !== 'visible';
        const clipY = cs.overflowY !== 'visible';
        if (clipX && el.scrollWidth > el.clientWidth + TOL)
          add('overflow', el, `${describe(el)} is clipped: ${el.scrollWidth}px of content in ${el.clientWidth}px of width`);
        if (clipY && el.scrollHeight > el.clientHeight + TOL)
          add('overflow', el, `${describe(el)} is clipped: ${el.scrollHeight}px of content in ${el.clientHeight}px of height`);
      }
    }
    // Inline-SVG pictures and backgrounds painted on the section itself.
    if (section.dataset.marpitAdvancedBackground === 'background' &&
        section.querySelector('figure')) visible = true;
  }
  return { blank: !visible, ...found };
}

async function checkDeck(browser, file, shotsDir) {
  const page = await browser.newPage();
  await page.setViewport(VIEW);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e.message || e)));
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load' });
  // Hide Marp's on-screen navigation controls so that screenshots show the slide only.
  await page.addStyleTag({ content: '.bespoke-marp-osc{display:none!important}' });
  await page.evaluate(() => document.fonts.ready);

  const count = await page.$$eval('svg[data-marpit-svg]', (l) => l.length);
  const bad = [];
  const warnings = [];
  for (let i = 0; i < count; i++) {
    // Show slide i the way a viewer would: Marp's bespoke template shows one
    // slide at a time and follows the URL fragment (#1, #2, ...).
    await page.evaluate((n) => { location.hash = '#' + n; }, i + 1);
    await page.waitForFunction(
      (k) => {
        const s = document.querySelectorAll('svg[data-marpit-svg]')[k];
        const host = s.closest('.bespoke-marp-slide');
        return !host || host.classList.contains('bespoke-marp-active');
      },
      { timeout: 5000 }, i,
    );
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const m = await page.evaluate(measureSlide, i, MIN_FONT_PX);
    const why = [];
    const list = (kind, msgs) =>
      `${kind}: ${msgs.slice(0, 3).join('; ')}${msgs.length > 3 ? `; and ${msgs.length - 3} more` : ''}`;
    if (m.blank) why.push('blank: no visible text or picture');
    if (m.overflow.length) why.push(list('overflow', m.overflow));
    if (m.broken.length) why.push(list('broken', m.broken));
    if (why.length) bad.push({ slide: i + 1, why });
    if (m.small.length) warnings.push({ slide: i + 1, why: [list('small text', m.small)] });
    if (shotsDir) {
      mkdirSync(shotsDir, { recursive: true });
      const name = `${basename(file, '.html')}-${String(i + 1).padStart(2, '0')}.png`;
      await page.screenshot({ path: join(shotsDir, name) });
    }
  }
  await page.close();
  if (errors.length) bad.push({ slide: 0, why: ['error: the page threw: ' + errors[0]] });
  return { count, bad, warnings };
}

async function withBrowser(fn) {
  if (!existsSync(CHROMIUM)) {
    console.error(`check: no Chromium at ${CHROMIUM} (set SLIDES_CHROMIUM, or run 'make deps-slides')`);
    process.exit(2);
  }
  const profile = mkdtempSync(join(tmpdir(), 'slides-check-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: false, // the flags below carry --headless, exactly as given
    pipe: true,
    userDataDir: profile,
    args: CHROMIUM_FLAGS,
    defaultViewport: VIEW,
  });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// Checks the decks; prints a line per deck and per bad slide. Returns totals.
async function checkDecks(browser, files, shotsDir, indent = '') {
  let passed = 0;
  let failed = 0;
  const results = [];
  for (const file of files) {
    const { count, bad, warnings } = await checkDeck(browser, file, shotsDir);
    const badSlides = new Set(bad.filter((b) => b.slide > 0).map((b) => b.slide));
    const pageBroken = bad.some((b) => b.slide === 0);
    const nBad = badSlides.size;
    passed += count - nBad;
    failed += nBad + (pageBroken ? 1 : 0);
    const name = basename(file);
    const warned = warnings.length ? `, ${warnings.length} with warnings` : '';
    if (count === 0) {
      console.log(`${indent}FAIL ${name}: no slides found`);
      failed += 1;
    } else if (bad.length === 0) {
      console.log(`${indent}ok   ${name}: ${count} slide${count === 1 ? '' : 's'}${warned}`);
    } else {
      console.log(`${indent}FAIL ${name}: ${nBad} of ${count} slides bad${warned}`);
    }
    for (const b of bad) {
      for (const w of b.why) console.log(`${indent}  ${name}${b.slide ? ' slide ' + b.slide : ''}: ${w}`);
    }
    for (const b of warnings) {
      for (const w of b.why) console.log(`${indent}  ${name} slide ${b.slide}: warning: ${w}`);
    }
    results.push({ file, count, bad });
  }
  return { passed, failed, results };
}

// Builds slides/test/*.md with Marp and checks that the checker says what each
// fixture's name promises: ok-* pass, blank-* have a blank slide, overflow-* an
// overflowing one.
async function selfTest() {
  const marp = join(HERE, 'node_modules', '.bin', 'marp');
  const fixtures = join(HERE, 'test');
  const out = mkdtempSync(join(tmpdir(), 'slides-selftest-'));
  const decks = readdirSync(fixtures).filter((f) => f.endsWith('.md')).sort();
  let ok = 0;
  let bad = 0;
  try {
    for (const d of decks) {
      // --theme-set takes a list: "--" ends it before the input file.
      execFileSync(marp, ['--no-stdin', '--theme-set', join(HERE, 'themes'),
        '-o', join(out, d.replace(/\.md$/, '.html')), '--', join(fixtures, d)], { stdio: 'ignore' });
    }
    await withBrowser(async (browser) => {
      for (const d of decks) {
        const html = join(out, d.replace(/\.md$/, '.html'));
        const { results } = await checkDecks(browser, [html], null, '    ');
        const { bad: found } = results[0];
        const kinds = found.flatMap((b) => b.why.map((w) => w.split(':')[0]));
        const want = d.startsWith('blank') ? 'blank' : d.startsWith('overflow') ? 'overflow' : null;
        const good = want ? kinds.includes(want) && kinds.every((k) => k === want) : found.length === 0;
        console.log(`  ${good ? 'ok  ' : 'FAIL'} self-test ${d}: expected ${want ? want + ' slide' : 'no problem'}, got ${kinds.length ? kinds.join(', ') : 'none'}`);
        if (good) ok++; else bad++;
      }
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  console.log(`self-test: ${ok} passed, ${bad} failed`);
  return bad === 0 ? 0 : 1;
}

async function main(argv) {
  if (argv[0] === '--self-test') return selfTest();
  let shotsDir = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--shots') shotsDir = argv[++i];
    else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log('usage: node slides/check.mjs [--shots DIR] DECK.html... | --self-test');
      return 0;
    } else files.push(argv[i]);
  }
  if (files.length === 0) {
    console.error('check: no deck given (build them first: make slides)');
    return 2;
  }
  for (const f of files) {
    if (!existsSync(f)) {
      console.error(`check: ${f}: no such file`);
      return 2;
    }
  }
  const { passed, failed } = await withBrowser((b) => checkDecks(b, files, shotsDir));
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error('check: ' + (err && err.stack || err));
    process.exit(2);
  },
);
