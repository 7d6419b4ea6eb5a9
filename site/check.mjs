#!/usr/bin/env node
// site/check.mjs: opens every page of the built course site in headless Chromium, from
// disk (file://) and served over HTTP on 127.0.0.1, and fails on
//   - a page that does not render (a script error, no content, no title),
//   - a broken internal link (a missing file, a missing #anchor, a path out of the site),
//   - a missing image or any resource that does not load, or one fetched from elsewhere,
//   - a search that finds nothing for a word that is on a page.
//
//   node site/check.mjs [--shots DIR] SITE_DIR   check a built site (make site-check)
//   node site/check.mjs --self-test              prove it catches a broken fixture site
//   node site/check.mjs --shot PAGE PNG          a screenshot of PAGE (a path, may end in ?q= or #id)
//
// Prints one line per page and mode, one line per problem, then "N passed, M failed"
// (pages). Uses Debian's /usr/bin/chromium ($SITE_CHROMIUM) through the puppeteer-core
// that slides/ installs (make deps-slides); nothing is downloaded.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(HERE, '..', 'slides', 'package.json'));
const puppeteer = require('puppeteer-core');

const CHROMIUM = process.env.SITE_CHROMIUM || process.env.SLIDES_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--allow-file-access-from-files'];
// Words of a page looked up in the search index (each page's distinct words, evenly sampled).
const WORDS_PER_PAGE = Number(process.env.SITE_SEARCH_WORDS || 40);
const TYPES = { '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json' };

function htmlFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...htmlFiles(p));
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out.sort();
}

// A static server for dir on 127.0.0.1 (a free port); resolves to { base, close }.
function serve(dir) {
  const server = createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = resolve(dir, '.' + p);
    if (!file.startsWith(resolve(dir)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404); res.end('not found'); return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () =>
    ok({ base: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() })));
}

// Runs in the page: what the checker needs to know about it.
function inspect(maxWords) {
  const marp = document.querySelectorAll('svg[data-marpit-svg]').length;
  const main = document.querySelector('main');
  // The text the search index holds: a page's <main>, a deck's slides.
  const roots = marp ? [...document.querySelectorAll('svg[data-marpit-svg] section')] : [main || document.body];
  const text = roots.map((root) => {
    const clone = root.cloneNode(true);
    clone.querySelectorAll('script, style, nav, header, form').forEach((e) => e.remove());
    return clone.textContent || '';
  }).join(' ').replace(/\s+/g, ' ').trim();
  // Words as the search splits them (letters, digits, underscores), starting with a letter.
  const words = [...new Set(text.match(/(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_]{3,}/g) || [])];
  const step = Math.max(1, Math.floor(words.length / maxWords));
  const sample = words.filter((_, i) => i % step === 0).slice(0, maxWords);
  return {
    title: document.title,
    marp,
    hasMain: !!main,
    textLength: text.length,
    shown: (document.body.innerText || '').trim().length,
    words: sample,
    ids: [...document.querySelectorAll('[id], a[name]')].map((e) => e.id || e.getAttribute('name')),
    links: [...document.querySelectorAll('a[href]')].map((a) => ({ href: a.href, raw: a.getAttribute('href') })),
    images: [...document.querySelectorAll('img')].map((i) => ({ src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0 })),
  };
}

// Maps a URL of the site (file:// or served) to a path relative to the site, or null if outside.
function sitePath(url, mode, dir) {
  let u;
  try { u = new URL(url); } catch { return null; }
  let p;
  if (mode.base.startsWith('file:')) {
    if (u.protocol !== 'file:') return null;
    p = relative(resolve(dir), fileURLToPath(u));
  } else {
    if (u.origin !== new URL(mode.base).origin) return null;
    p = decodeURIComponent(u.pathname).replace(/^\//, '');
  }
  if (p === '' || p.endsWith('/') || p.endsWith(sep)) p += 'index.html';
  return p;
}

async function checkSite(dir, opts = {}) {
  dir = resolve(dir);
  const log = opts.quiet ? () => {} : (s) => console.log(s);
  const pages = htmlFiles(dir).map((f) => relative(dir, f).split(sep).join('/'));
  const problems = [];   // { kind, page, mode, detail }
  const server = await serve(dir);
  const modes = [{ name: 'file', base: pathToFileURL(dir + sep).href }, { name: 'http', base: server.base }];
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  let passed = 0, failed = 0;
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 900 });
    for (const mode of modes) {
      const info = {};
      const linksToCheck = [];
      for (const page of pages) {
        const bad = (kind, detail) => problems.push({ kind, page, mode: mode.name, detail });
        const onError = (e) => bad('no-render', `script error: ${String(e.message || e).split('\n')[0]}`);
        const onFail = (r) => {
          const url = r.url();
          if (!url.endsWith('/favicon.ico')) bad('missing-resource', `${sitePath(url, mode, dir) ?? url} did not load (${r.failure()?.errorText})`);
        };
        const onResponse = (r) => {
          const url = r.url();
          if (r.status() >= 400 && !url.endsWith('/favicon.ico')) bad('missing-resource', `${sitePath(url, mode, dir) ?? url} answered ${r.status()}`);
        };
        const onRequest = (r) => {
          const url = r.url();
          if (!/^(data|blob|about):/.test(url) && !url.startsWith(mode.base) && !url.endsWith('/favicon.ico')) bad('external', `fetches ${url} at run time`);
        };
        tab.on('pageerror', onError); tab.on('requestfailed', onFail); tab.on('response', onResponse); tab.on('request', onRequest);
        let data = null;
        try {
          await tab.goto(mode.base + page, { waitUntil: 'load', timeout: 20000 });
          data = await tab.evaluate(inspect, WORDS_PER_PAGE);
        } catch (e) {
          bad('no-render', `did not load: ${String(e.message).split('\n')[0]}`);
        }
        tab.off('pageerror', onError); tab.off('requestfailed', onFail); tab.off('response', onResponse); tab.off('request', onRequest);
        if (data) {
          info[page] = data;
          if (!data.title.trim()) bad('no-render', 'no <title>');
          if (!data.marp && !data.hasMain) bad('no-render', 'no <main> element (and not a slide deck)');
          if (data.textLength < 40 || (!data.marp && data.shown < 40)) bad('no-render', `shows almost nothing (${data.textLength} characters)`);
          for (const img of data.images) if (!img.ok) bad('missing-image', `image ${img.src} did not load`);
          for (const l of data.links) linksToCheck.push({ page, link: l, bad });
          if (opts.shots && mode.name === 'file') {
            mkdirSync(opts.shots, { recursive: true });
            await tab.screenshot({ path: join(opts.shots, page.replace(/[\/]/g, '_').replace(/\.html$/, '.png')) });
          }
        }
        info[page] = info[page] || null;
      }
      // Internal links: the file exists in the site, and its #anchor is an id there.
      for (const { page, link, bad } of linksToCheck) {
        const u = new URL(link.href);
        if (/^(https?|mailto):/.test(u.protocol) && !link.href.startsWith(mode.base)) continue;   // external: only a link
        if (u.protocol === 'javascript:') continue;
        const target = sitePath(link.href, mode, dir);
        if (target === null || target.startsWith('..')) { bad('broken-link', `${link.raw} leaves the site`); continue; }
        if (!existsSync(join(dir, target))) { bad('broken-link', `${link.raw}: no ${target}`); continue; }
        const frag = decodeURIComponent(u.hash.slice(1));
        if (frag && target.endsWith('.html')) {
          const t = info[target];
          if (t && !t.ids.includes(frag)) bad('broken-anchor', `${link.raw}: ${target} has no #${frag}`);
        }
      }
      // Search: every sampled word of every page finds that page (through the search function),
      // and one word per page through the search box as a student types it.
      const search = pages.find((p) => p === 'search.html');
      if (!search) {
        problems.push({ kind: 'search-miss', page: 'search.html', mode: mode.name, detail: 'the site has no search.html' });
      } else {
        await tab.goto(mode.base + search, { waitUntil: 'load' });
        for (const page of pages) {
          const d = info[page];
          if (!d || page === search || !d.words.length) continue;
          const missed = await tab.evaluate((words, page) => {
            const fn = window.hvlabsSearch;
            if (!fn) return words;
            return words.filter((w) => !fn(w).some((h) => h.e.u.split('#')[0] === page));
          }, d.words, page);
          // The box shows the best 100 results: type the page's rarest sampled word.
          const typed = await tab.evaluate((words) => {
            const fn = window.hvlabsSearch;
            if (!fn) return words[0];
            return words.map((w) => [fn(w).length, w]).filter(([n]) => n > 0).sort((a, b) => a[0] - b[0])[0]?.[1] || words[0];
          }, d.words);
          const shown = await tab.evaluate(async (w) => {
            const input = document.getElementById('search-q');
            if (!input) return [];
            input.value = w;
            input.dispatchEvent(new Event('input', { bubbles: true }));
            return [...document.querySelectorAll('#search-results a')].map((a) => a.getAttribute('href').split('#')[0]);
          }, typed);
          const mine = [];
          if (missed.length) mine.push({ kind: 'search-miss', page, mode: mode.name, detail: `search finds nothing on this page for: ${missed.slice(0, 8).join(', ')}${missed.length > 8 ? ', ...' : ''}` });
          else if (!shown.includes(page)) mine.push({ kind: 'search-miss', page, mode: mode.name, detail: `the search box lists no result on this page for "${typed}"` });
          problems.push(...mine);
        }
      }
      for (const page of pages) {
        const mine = problems.filter((p) => p.page === page && p.mode === mode.name);
        if (mine.length) failed++; else passed++;
        log(`${mine.length ? 'FAIL' : 'ok  '} ${mode.name} ${page}`);
        for (const p of mine) log(`  ${p.kind}: ${p.detail}`);
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, problems };
}

// The self-test: a fixture site with one of each fault the checker must report.
async function selfTest() {
  const tmp = mkdtempSync(join(tmpdir(), 'site-selftest-'));
  try {
    cpSync(join(HERE, 'test', 'broken'), tmp, { recursive: true });
    mkdirSync(join(tmp, 'assets'), { recursive: true });
    cpSync(join(HERE, 'search.js'), join(tmp, 'assets', 'search.js'));
    const { problems } = await checkSite(tmp, { quiet: true });
    const expect = [
      ['broken-link', 'index.html', 'nowhere.html'],
      ['broken-anchor', 'index.html', '#no-such-section'],
      ['missing-image', 'page.html', 'missing.svg'],
      ['missing-resource', 'page.html', 'missing.svg'],
      ['no-render', 'blank.html', ''],
      ['no-render', 'error.html', 'script error'],
      ['search-miss', 'page.html', 'zanzibarite'],
    ];
    let passed = 0, failed = 0;
    for (const mode of ['file', 'http']) {
      for (const [kind, page, text] of expect) {
        const hit = problems.some((p) => p.mode === mode && p.kind === kind && p.page === page && p.detail.includes(text));
        console.log(`${hit ? 'ok  ' : 'FAIL'} self-test ${mode}: ${kind} on ${page} ${hit ? 'caught' : 'NOT caught'}`);
        if (hit) passed++; else failed++;
      }
      const clean = problems.filter((p) => p.mode === mode && p.page === 'good.html');
      console.log(`${clean.length ? 'FAIL' : 'ok  '} self-test ${mode}: the fixture's good page passes${clean.length ? ': ' + clean.map((p) => p.detail).join('; ') : ''}`);
      if (clean.length) failed++; else passed++;
    }
    console.log(`self-test: ${passed} passed, ${failed} failed`);
    return failed === 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// One screenshot of url (a page of the site, with ?q= or #anchor if wanted) into png.
async function shot(url, png) {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1280, height: 900 });
    if (!/^[a-z]+:/.test(url)) url = pathToFileURL(resolve(url.split(/[?#]/)[0])).href + (url.match(/[?#].*$/)?.[0] || '');
    await tab.goto(url, { waitUntil: 'load' });
    await tab.screenshot({ path: png });
    console.log(`site: ${png} shows ${url}`);
  } finally {
    await browser.close();
  }
  return 0;
}

async function main(argv) {
  if (argv[0] === '--self-test') return (await selfTest()) ? 0 : 1;
  if (argv[0] === '--shot' && argv.length === 3) return shot(argv[1], argv[2]);
  let shots = null;
  if (argv[0] === '--shots') { shots = argv[1]; argv = argv.slice(2); }
  if (argv.length !== 1) {
    console.error('usage: check.mjs [--shots DIR] SITE_DIR | --self-test | --shot PAGE PNG');
    return 2;
  }
  if (!existsSync(join(argv[0], 'index.html'))) {
    console.error(`site-check: no ${join(argv[0], 'index.html')}: run 'make site' first`);
    return 2;
  }
  const { failed } = await checkSite(argv[0], { shots });
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => { console.error(e); process.exit(2); });
