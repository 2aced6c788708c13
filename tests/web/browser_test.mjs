// Browser test of the search page, run by CTest through run_browser_test.sh.
//
// Serves the index of the real cards that the CTest fixture real_index built (the argument)
// with `cardex serve` on a free port, drives Debian's chromium with playwright-core, and
// checks that the page agrees with /api/search for the same state: search, tick two values
// of one facet (OR), compare the total, the hits and every facet count shown, go back, use
// the typeahead, open a card page; then an organisation page (totals, both SVG charts, the
// CSV export) and a card's Cite box (docs/GLAM.md). Saves screenshots of the pages under
// $CARDEX_ARTIFACTS (and the search page to the README's docs/screenshot-search.png).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const env = process.env;
const require = createRequire(path.join(env.CARDEX_DEPS, 'package.json'));
const { chromium } = require('playwright-core');

const WORK = env.CARDEX_WORK;
const ART = env.CARDEX_ARTIFACTS;
const INDEX = process.argv[2];  // the real-card index of this test run (fixture real_index)
// The sidebar's facets (server/src/web/facets_html.h kSidebar).
const FACETS = 'type,task,language,license,author,library,gated,quality,has';
const QUERY = 'translation';

function log(...a) { console.log('[browser]', ...a); }

// ---- server ----
assert.ok(INDEX && fs.existsSync(path.join(INDEX, 'XAPIANDB')), `no index at ${INDEX}`);

const server = spawn(env.CARDEX_EXE, ['serve', '--index', INDEX, '--listen', '127.0.0.1:0',
  '--threads', '2', '--deadline', '60000'], { stdio: ['ignore', 'ignore', 'pipe'] });
let serverLog = '';
const base = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start:\n' + serverLog)), 60000);
  server.stderr.on('data', (d) => {
    serverLog += d;
    const m = /listening on (http:\/\/[^\s]+)/.exec(serverLog);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}:\n${serverLog}`)));
});
log('server at', base);

async function api(search) {
  const u = new URL('/api/search', base);
  const params = new URLSearchParams(search);
  params.delete('lang');
  params.delete('page');
  params.set('facets', FACETS);
  params.set('facet_limit', '100');
  params.set('limit', '20');
  u.search = params.toString();
  const res = await fetch(u);
  assert.equal(res.status, 200, `API ${u}`);
  return res.json();
}

let browser;
let failed = false;
try {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cardex-chromium-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: env.CARDEX_CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));

  // The page as it is now: total, hit ids, and the count of every facet value shown.
  async function pageState() {
    return page.evaluate(() => ({
      total: Number(document.getElementById('result-count').dataset.total),
      hits: [...document.querySelectorAll('li.hit')].map((li) => li.dataset.id),
      counts: [...document.querySelectorAll('.facets li[data-count]')].map((li) => ({
        facet: li.dataset.facet, value: li.dataset.value, count: Number(li.dataset.count),
        checked: li.querySelector(':scope > label > input').checked,
      })),
    }));
  }

  // Asserts the page shows what /api/search answers for the page's own URL.
  async function checkAgainstApi(label) {
    const state = await pageState();
    const want = await api(new URL(page.url()).search);
    assert.equal(state.total, want.total, `${label}: total`);
    assert.deepEqual(state.hits, want.hits.map((h) => h.id), `${label}: hits`);
    assert.ok(state.counts.length > 0, `${label}: facet counts shown`);
    for (const c of state.counts) {
      const values = want.facets[c.facet] || [];
      const v = values.find((x) => x.value === c.value);
      if (v === undefined) {
        // The page asks for more values of some facets than the API's facet_limit.
        assert.ok(values.length >= 100, `${label}: ${c.facet}=${c.value} missing from API`);
        continue;
      }
      assert.equal(c.count, v.count, `${label}: count of ${c.facet}=${c.value}`);
    }
    log(`${label}: ${state.total} cards, ${state.counts.length} facet counts match the API`);
    return state;
  }

  async function waitForRegion(action) {
    const before = await page.evaluate(() => document.getElementById('region'));
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('partial=1') && r.status() < 500),
      action(),
    ]);
    await page.waitForFunction(() => !document.getElementById('region').hasAttribute('aria-busy'));
    return before;
  }

  // 1. Search.
  await page.goto(base + '/?lang=en');
  await page.waitForSelector('#q');
  const all = await checkAgainstApi('home');
  await page.fill('#q', QUERY);
  await waitForRegion(() => page.press('#q', 'Enter'));
  assert.equal(new URL(page.url()).searchParams.get('q'), QUERY);
  assert.ok(await page.locator('#q-suggest').isHidden(), 'submitting closes the suggestions');
  const searched = await checkAgainstApi(`q=${QUERY}`);
  assert.ok(searched.total > 0 && searched.total < all.total, 'the search narrows the listing');

  // 2. Tick two values of the language facet, one after the other.
  const langs = searched.counts.filter((c) => c.facet === 'language' && c.count > 0);
  assert.ok(langs.length >= 2, 'at least two languages to choose from');
  const [a, b] = [langs[1], langs[2] ?? langs[0]];
  const box = (v) => page.locator(`.facets input[name="language"][value="${v}"]`);
  await waitForRegion(() => box(a.value).check());
  const one = await checkAgainstApi(`language=${a.value}`);
  assert.equal(one.total, a.count, 'one value: the total is that value\'s count');
  await waitForRegion(() => box(b.value).check());
  const two = await checkAgainstApi(`language=${a.value}|${b.value}`);
  const url = new URL(page.url());
  assert.deepEqual(url.searchParams.getAll('language').sort(), [a.value, b.value].sort(),
    'the URL holds both values');
  assert.ok(two.total >= one.total, 'a second value of one facet widens (OR)');
  assert.ok(two.total <= a.count + b.count, 'OR of two values is at most the sum');
  assert.ok(two.counts.filter((c) => c.facet === 'language' && c.checked).length === 2);
  assert.notDeepEqual(two.hits, searched.hits, 'the hits changed');
  // Disjunctive counts: the language counts do not shrink to the selection.
  const langCount = (s, v) => s.counts.find((c) => c.facet === 'language' && c.value === v)?.count;
  assert.equal(langCount(two, a.value), a.count);
  assert.equal(langCount(two, b.value), b.count);
  // A focused checkbox keeps focus after the update (keyboard users keep their place).
  assert.equal(await page.evaluate(() => document.activeElement?.value), b.value);

  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo({ top: 0, behavior: 'instant' }); });
  await page.screenshot({ path: path.join(ART, 'search.png') });
  if (env.CARDEX_README_SHOT) {
    fs.mkdirSync(path.dirname(env.CARDEX_README_SHOT), { recursive: true });
    fs.copyFileSync(path.join(ART, 'search.png'), env.CARDEX_README_SHOT);
  }

  // 3. The back button restores the previous state.
  await waitForRegion(() => page.goBack());
  assert.deepEqual(new URL(page.url()).searchParams.getAll('language'), [a.value]);
  const back = await checkAgainstApi('back');
  assert.equal(back.total, one.total);
  assert.ok(await box(a.value).isChecked());
  assert.ok(!(await box(b.value).isChecked()));

  // 4. A reload of the shared URL (no client state) shows the same page.
  await page.goto(url.toString());
  const reloaded = await checkAgainstApi('reload');
  assert.deepEqual(reloaded.hits, two.hits);

  // 5. Typeahead.
  await page.fill('#q', '');
  await page.type('#q', 'bert', { delay: 30 });
  await page.waitForSelector('#q-suggest li[role=option]', { timeout: 15000 });
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute('#q', 'aria-expanded'), 'true');
  assert.ok(await page.getAttribute('#q', 'aria-activedescendant'));
  await page.keyboard.press('Escape');

  // 6. A card page from the results.
  const first = page.locator('li.hit h3 a').first();
  const cardTitle = (await first.textContent()).trim();
  await Promise.all([page.waitForURL(/\/(models|datasets|spaces)\//), first.click()]);
  await page.waitForSelector('h1');
  assert.equal((await page.textContent('h1')).trim(), cardTitle);
  assert.ok(await page.locator('article.markdown').count() === 1, 'card text rendered');
  assert.equal(await page.evaluate(() => document.images.length), 0,
    'no image is loaded without consent');
  assert.ok(await page.locator('.card-meta').count() === 1);
  await page.screenshot({ path: path.join(ART, 'card.png'), fullPage: false });

  // 7. Phone width: the layout stacks and still works.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(url.toString());
  assert.equal(await page.evaluate(() => document.getElementById('filters').open), false,
    'on a phone the filter panel starts closed');
  await page.screenshot({ path: path.join(ART, 'search-phone.png') });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling on a phone (overflow ${overflow}px)`);

  // 8. An organisation page (docs/GLAM.md): the organisation with the most cards others
  // built on, checked against the search API (its own cards, summed here) and against its
  // CSV export; both SVG charts are in the server's HTML (no JavaScript needed) and drawn.
  await page.setViewportSize({ width: 1280, height: 900 });
  const authors = await (await fetch(`${base}/api/search?limit=0&facets=author&facet_limit=15`)).json();
  let org = null;
  for (const v of authors.facets.author) {
    const report = await (await fetch(`${base}/api/organizations/${encodeURIComponent(v.value)}`)).json();
    if (!org || report.derived_models.total > org.derived_models.total) org = report;
  }
  assert.ok(org.derived_models.total > 0, 'an organisation whose models others built on');
  const own = [];
  for (let cursor = ''; ;) {
    const q = `author=${encodeURIComponent(org.name)}&limit=1000&sort=downloads` +
      (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const res = await (await fetch(`${base}/api/search?${q}`)).json();
    own.push(...res.hits.filter((h) => h.author.toLowerCase() === org.name.toLowerCase()));
    if (!res.next_cursor) break;
    cursor = res.next_cursor;
  }
  const sum = (xs, f) => xs.reduce((a, x) => a + f(x), 0);
  // What others built on its models, counted here from every card's base_model tags.
  const ownModels = new Set(own.filter((h) => h.type === 'model').map((h) => h.id));
  let derived = 0;
  for (let cursor = ''; ;) {
    const res = await (await fetch(`${base}/api/search?limit=1000&sort=downloads` +
      (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''))).json();
    for (const h of res.hits) {
      if (h.author.toLowerCase() === org.name.toLowerCase()) continue;
      const bases = h.tags.filter((t) => t.startsWith('base_model:')).map((t) => t.split(':').pop());
      if (bases.some((b) => ownModels.has(b))) derived++;
    }
    if (!res.next_cursor) break;
    cursor = res.next_cursor;
  }
  const orgHtml = await (await fetch(`${base}/${encodeURIComponent(org.name)}`)).text();
  assert.ok(/<svg[^>]*class="chart-downloads"/.test(orgHtml) && /<svg[^>]*class="chart-publications"/.test(orgHtml),
    'both charts are server-rendered SVG');
  await page.goto(`${base}/${encodeURIComponent(org.name)}`);
  assert.equal((await page.textContent('h1')).trim(), org.name);
  const shown = await page.evaluate(() => ({
    downloads: Number(document.getElementById('total-downloads').dataset.value),
    likes: Number(document.getElementById('total-likes').dataset.value),
    derived: Number(document.getElementById('derived-total').dataset.value),
    bars: [...document.querySelectorAll('svg.chart-downloads g.bar')].map((g) => [g.dataset.id, Number(g.dataset.value)]),
    barsDrawn: [...document.querySelectorAll('svg.chart-downloads rect')].every((r) => r.getBBox().width > 0),
    columns: [...document.querySelectorAll('svg.chart-publications g.col')].map((g) => Number(g.dataset.value)),
    chartHeight: document.querySelector('svg.chart-publications').getBoundingClientRect().height,
    rows: document.querySelectorAll('table.org-items tbody tr').length,
  }));
  assert.equal(shown.downloads, sum(own, (h) => h.downloads), 'total downloads = sum of its cards');
  assert.equal(shown.likes, sum(own, (h) => h.likes), 'total likes = sum of its cards');
  assert.equal(shown.derived, derived, 'derived models = cards of others based on its models');
  assert.deepEqual(shown.bars, own.slice(0, 20).map((h) => [h.id, h.downloads]),
    'the downloads chart: its most downloaded cards, in order');
  assert.ok(shown.barsDrawn && shown.chartHeight > 50, 'the charts are drawn');
  const dated = own.filter((h) => h.created_at).length;
  assert.equal(sum(shown.columns, (n) => n), dated, 'publications over time count every dated card');
  assert.equal(shown.rows, Math.min(own.length, 200));
  const csvHref = await page.getAttribute('a[href*="format=csv"]', 'href');
  const csv = (await (await fetch(new URL(csvHref, base))).text()).trim().split('\r\n');
  const header = csv[0].split(',');
  assert.equal(csv.length - 1, own.length, 'one CSV row per card');
  // Ids and numbers never need quoting: the first columns read by a plain split.
  const col = (name) => csv.slice(1).map((line) => line.split(',')[header.indexOf(name)]);
  assert.deepEqual(new Set(col('id')), new Set(own.map((h) => h.id)));
  await page.screenshot({ path: path.join(ART, 'organisation.png'), fullPage: false });
  log(`organisation ${org.name}: ${own.length} cards, ${shown.downloads} downloads, ` +
      `${shown.derived} derived models, ${shown.bars.length} bars, ${shown.columns.length} columns, CSV agrees`);

  // 9. The Cite box of a card with its own citation: its BibTeX as written, then the
  // generated one, and links to every format that the API serves.
  const withCitation = await (await fetch(`${base}/api/search?q=${encodeURIComponent('"@article"')}&limit=20`)).json();
  let cited = null, citations = null;
  for (const h of withCitation.hits) {
    const all = await (await fetch(`${base}/api/${h.type}s/${h.id}/citation`)).json();
    if (all.citations.some((c) => c.source === 'card')) { cited = h; citations = all.citations; break; }
  }
  assert.ok(cited, 'a real card with its own citation');
  await page.goto(`${base}/${cited.type}s/${cited.id}#cite`);
  const citeBox = await page.evaluate(() => ({
    own: [...document.querySelectorAll('#cite pre.cite-own')].map((p) => p.textContent),
    generated: document.querySelector('#cite pre.cite-generated').textContent,
    links: [...document.querySelectorAll('#cite .cite-formats a')].map((a) => [a.dataset.format, a.href]),
    visible: !!document.querySelector('#cite').getBoundingClientRect().height,
  }));
  assert.ok(citeBox.visible);
  assert.deepEqual(citeBox.own, citations.filter((c) => c.source === 'card').map((c) => c.text),
    'the card\'s own citations, as written, first');
  assert.equal(citeBox.generated, citations.find((c) => c.source === 'generated' && c.format === 'bibtex').text);
  assert.deepEqual(citeBox.links.map(([f]) => f), ['bibtex', 'ris', 'csl-json', 'cff']);
  for (const [f, href] of citeBox.links) {
    const res = await fetch(href + '&source=generated');
    assert.equal(res.status, 200, href);
    assert.equal(await res.text(), citations.find((c) => c.source === 'generated' && c.format === f).text);
  }
  await page.locator('#cite').screenshot({ path: path.join(ART, 'cite.png') });
  log(`Cite box of ${cited.id}: ${citeBox.own.length} own citation(s), generated BibTeX and 4 format links`);

  assert.deepEqual(problems, [], 'no console errors or CSP violations');
  log('screenshots in', ART);
} catch (e) {
  failed = true;
  console.error(e);
  console.error('server log:\n' + serverLog.slice(-4000));
} finally {
  if (browser) await browser.close().catch(() => {});
  server.kill('SIGTERM');
}
process.exit(failed ? 1 : 0);
