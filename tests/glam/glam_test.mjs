// What libraries, archives and museums read from cardex, read by their own tools, on every
// real card (run by run_glam_test.sh against `cardex serve` on the real-card index):
// 1. citations: citation-js parses the generated BibTeX, RIS, CSL-JSON and CFF of every card
//    and finds its title, year and DOI; the card's own citations come first, as written;
// 2. DOIs: /api/doi/ finds every DOI's cards in any case and with a resolver prefix, /doi/
//    redirects;
// 3. OAI-PMH: the npm oai-pmh harvester harvests every record; xmllint checks each response
//    page and error; a card deleted with `cardex delete` is harvested as deleted;
// 4. schema.org: jsonld expands card pages' JSON-LD and the expanded fields match the card
//    (no network: the document loader serves schemaorg-context.jsonld, the terms cardex
//    uses as schema.org's own context defines them);
// 5. the sitemap lists every card page once;
// 6. a harvest continues with its resumption token across an index swap (`cardex reindex`).
import { createRequire } from 'node:module';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';

const [BASE, DEPS] = process.argv.slice(2);
const require = createRequire(path.join(DEPS, 'package.json'));
const { Cite } = require('@citation-js/core');
require('@citation-js/plugin-bibtex');
require('@citation-js/plugin-ris');
require('@citation-js/plugin-csl');
require('@citation-js/plugin-cff');
const { OaiPmh, OaiPmhError } = require('oai-pmh');
const jsonld = require('jsonld');

const HERE = path.dirname(new URL(import.meta.url).pathname);
const OAI_NS = 'http://www.openarchives.org/OAI/2.0/';
const DC_NS = 'http://www.openarchives.org/OAI/2.0/oai_dc/';
const SCHEMA = 'http://schema.org/';
const t0 = Date.now();
function log(...a) { console.log(`[glam ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a); }

async function get(pathAndQuery, opts = {}) {
  try {
    return await fetch(BASE + pathAndQuery, { redirect: 'manual', ...opts });
  } catch (e) {
    // A kept-alive connection the server closed while idle (during a reindex): once more on
    // a new one. A server that is gone fails again, and the driver checks its exit.
    if (e.cause?.code !== 'UND_ERR_SOCKET') throw e;
    return fetch(BASE + pathAndQuery, { redirect: 'manual', ...opts });
  }
}
async function json(pathAndQuery) {
  const res = await get(pathAndQuery);
  assert.equal(res.status, 200, `GET ${pathAndQuery}`);
  return res.json();
}
// Runs `fn` over `items`, `n` at a time.
async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

// xmllint: well-formed, and the root element in `ns`. Returns the document.
function checkXml(text, ns, label) {
  const r = spawnSync('xmllint', ['--noout', '-'], { input: text });
  assert.equal(r.status, 0, `${label}: not well-formed XML: ${r.stderr}`);
  const uri = execFileSync('xmllint', ['--xpath', 'namespace-uri(/*)', '-'], { input: text }).toString().trim();
  assert.equal(uri, ns, `${label}: root namespace`);
  return text;
}

// ---- every card, by cursor ----
const cards = [];
for (let cursor = ''; ;) {
  const page = await json(`/api/search?limit=1000&sort=downloads${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
  cards.push(...page.hits);
  if (!page.next_cursor) break;
  cursor = page.next_cursor;
}
assert.ok(cards.length > 6000, `the real cards are served (${cards.length})`);
log(`${cards.length} cards`);
const yearOf = (c) => {
  const d = c.created_at ?? c.last_modified;
  return d ? Number(d.slice(0, 4)) : undefined;
};
const ownDoi = (c) => c.dois.find((d) => d.startsWith('10.57967/'));
const plural = (c) => `${c.type}s`;
const citationPath = (c) => `/api/${plural(c)}/${c.id}/citation`;

// ---- 1. citations ----
const formats = ['bibtex', 'ris', 'csl-json', 'cff'];
const FORCE = { bibtex: '@biblatex/text', ris: '@ris/file', 'csl-json': '@csl/list+object', cff: '@else/yaml' };
let parsed = 0, ownCards = 0, ownBibtexCards = 0, ownDoiCards = 0;
const failures = [];
await pool(cards, 6, async (c) => {
  const all = await json(citationPath(c));
  const own = all.citations.filter((x) => x.source === 'card');
  if (own.length) ownCards++;
  if (own.some((x) => x.format === 'bibtex')) ownBibtexCards++;
  if (ownDoi(c)) ownDoiCards++;
  // Own citations come first.
  const firstGenerated = all.citations.findIndex((x) => x.source === 'generated');
  assert.equal(firstGenerated, own.length, `${c.id}: the card's own citations come first`);
  for (const f of formats) {
    const g = all.citations.find((x) => x.source === 'generated' && x.format === f);
    assert.ok(g, `${c.id}: generated ${f}`);
    let items;
    try {
      // The format is known: no guessing (citation-js's detection by pattern can misread).
      const input = f === 'csl-json' ? JSON.parse(g.text) : g.text;
      items = (await Cite.async(input, { forceType: FORCE[f] })).data;
    } catch (e) {
      failures.push(`${c.id} ${f}: citation-js cannot read it: ${e.message}`);
      continue;
    }
    if (items.length !== 1) { failures.push(`${c.id} ${f}: ${items.length} records`); continue; }
    const it = items[0];
    // TeX reads a run of white space as one space.
    const title = c.title || c.id;
    const want = { title: f === 'bibtex' ? title.replace(/\s+/g, ' ').trim() : title, year: yearOf(c), doi: ownDoi(c) };
    const got = {
      title: it.title,
      year: it.issued?.['date-parts']?.[0]?.[0],
      doi: it.DOI ? it.DOI.toLowerCase() : undefined,
    };
    if (got.title !== want.title || got.year !== want.year || got.doi !== want.doi) {
      failures.push(`${c.id} ${f}: read ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
    parsed++;
  }
});
assert.deepEqual(failures.slice(0, 20), [], `${failures.length} citations do not read back`);
log(`citations: ${parsed} generated records read back by citation-js (${formats.join(', ')}); ` +
    `${ownCards} cards have their own citation (${ownBibtexCards} in BibTeX), ${ownDoiCards} their own DOI`);

// The format endpoints serve the same, with the card's own BibTeX first and as written.
const sample = cards.filter((_, i) => i % 97 === 0);
for (const c of sample) {
  const all = await json(citationPath(c));
  for (const f of formats) {
    const res = await get(`${citationPath(c)}?format=${f}&source=generated`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), all.citations.find((x) => x.source === 'generated' && x.format === f).text);
  }
  const bib = await (await get(`${citationPath(c)}?format=bibtex`)).text();
  const ownBib = all.citations.filter((x) => x.source === 'card' && x.format === 'bibtex');
  let at = 0;
  for (const o of ownBib) {
    assert.equal(bib.indexOf(o.text, at), at, `${c.id}: own BibTeX first, as written`);
    at += o.text.length + 2;
  }
}
const withOwn = [];
await pool(cards.slice(0, 400), 6, async (c) => {
  const r = await get(`${citationPath(c)}?format=bibtex&source=card`);
  if (r.status === 200) withOwn.push(c);
});
assert.ok(withOwn.length > 0, 'some cards carry their own BibTeX');
log(`format endpoints agree on ${sample.length} cards`);

// ---- 2. DOIs ----
const byDoi = new Map();
for (const c of cards) for (const d of c.dois) byDoi.set(d, (byDoi.get(d) ?? 0) + 1);
assert.ok(byDoi.size > 100, `DOIs found in the real cards (${byDoi.size})`);
let doiCards = cards.filter((c) => c.dois.length > 0).length;
// A DOI in a path: each segment percent-encoded (DOIs may hold '#', '?', '%').
const doiPath = (d) => d.split('/').map(encodeURIComponent).join('/');
await pool([...byDoi.keys()], 6, async (d) => {
  // Any case, with a resolver prefix.
  const res = await get(`/api/doi/https://doi.org/${doiPath(d.toUpperCase())}`);
  assert.equal(res.status, 200, `DOI ${d}`);
  const body = await res.json();
  assert.equal(body.doi, d);
  assert.equal(body.total, byDoi.get(d), `DOI ${d}: cards`);
  const r = await get(`/doi/${doiPath(d)}`);
  assert.equal(r.status, 302);
  const loc = r.headers.get('location');
  if (body.total === 1) assert.equal(loc, new URL(body.cards[0].page).pathname);
});
assert.equal((await get('/api/doi/10.9999/no-such-doi-here')).status, 404);
assert.equal((await get('/api/doi/not-a-doi')).status, 400);
log(`DOIs: ${byDoi.size} distinct DOIs on ${doiCards} cards, each found by /api/doi/ and /doi/`);

// ---- 3. OAI-PMH ----
const harvester = new OaiPmh(BASE + '/oai');
const id = await harvester.identify();
assert.equal(id.protocolVersion, '2.0');
assert.equal(id.deletedRecord, 'persistent');
const formatsList = await harvester.listMetadataFormats();
assert.ok(JSON.stringify(formatsList).includes('oai_dc'));
const sets = [];
for await (const s of harvester.listSets()) sets.push(s.setSpec);
assert.ok(sets.includes('type:model') && sets.includes('type:dataset'));
const records = new Map();
for await (const r of harvester.listRecords({ metadataPrefix: 'oai_dc' })) {
  const ident = r.header.identifier;
  assert.ok(!records.has(ident), `${ident} harvested twice`);
  records.set(ident, r);
}
assert.equal(records.size, cards.length, 'every card is harvested once');
for (const c of cards.filter((_, i) => i % 50 === 0)) {
  const r = records.get(`oai:cardex:${c.type}/${c.id}`);
  assert.ok(r, `${c.id} harvested`);
  const dc = r.metadata['oai_dc:dc'];
  const title = dc['dc:title'];
  // The harvester's XML reader (xml2js, trim and normalize) collapses white space.
  assert.equal(typeof title === 'string' ? title : title._, (c.title || c.id).replace(/\s+/g, ' ').trim());
}
let datasets = 0;
for await (const h of harvester.listIdentifiers({ metadataPrefix: 'oai_dc', set: 'type:dataset' })) {
  assert.ok(h.setSpec.includes('type:dataset'));
  datasets++;
}
assert.equal(datasets, cards.filter((c) => c.type === 'dataset').length);
// Every organisation is a set (there are more than a facet request's 1000 values), and the
// parent set org holds every card with one.
const orgs = new Set(cards.filter((c) => c.author).map((c) => `org:${c.author.toLowerCase()}`));
for (const o of orgs) assert.ok(sets.includes(o), `set ${o}`);
let inOrgs = 0;
for await (const h of harvester.listIdentifiers({ metadataPrefix: 'oai_dc', set: 'org' })) {
  assert.ok(h.setSpec.some((s) => s.startsWith('org:')));
  inOrgs++;
}
assert.equal(inOrgs, cards.filter((c) => c.author).length, 'the parent set org');
log(`OAI-PMH: the oai-pmh harvester harvested ${records.size} records, ${datasets} in set type:dataset, ` +
    `${inOrgs} in set org, ${sets.length} sets (${orgs.size} organisations)`);

// Errors a harvester must understand.
async function oaiError(query) {
  try {
    for await (const _ of harvester.listIdentifiers(query)) { /* must throw */ }
  } catch (e) {
    assert.ok(e instanceof OaiPmhError, String(e));
    return e.code;
  }
  return 'none';
}
const tomorrow = new Date(Date.now() + 2 * 86400e3).toISOString().slice(0, 10);
assert.equal(await oaiError({ metadataPrefix: 'oai_dc', from: tomorrow }), 'noRecordsMatch');
assert.equal(await oaiError({ metadataPrefix: 'marc21' }), 'cannotDisseminateFormat');
assert.equal(await oaiError({ metadataPrefix: 'oai_dc', from: 'yesterday' }), 'badArgument');

// Every page of a raw harvest, and every error, through xmllint.
let pages = 0;
for (let q = 'verb=ListRecords&metadataPrefix=oai_dc'; q;) {
  const text = checkXml(await (await get(`/oai?${q}`)).text(), OAI_NS, `ListRecords page ${pages}`);
  pages++;
  const dcNs = execFileSync('xmllint', ['--xpath',
    'count(//*[local-name()="dc" and namespace-uri()="' + DC_NS + '"])', '-'], { input: text }).toString().trim();
  assert.ok(Number(dcNs) > 0, 'oai_dc records in their namespace');
  const m = /<resumptionToken[^>]*>([^<]+)<\/resumptionToken>/.exec(text);
  q = m ? `verb=ListRecords&resumptionToken=${encodeURIComponent(m[1].replace(/&amp;/g, '&'))}` : '';
}
const errors = {
  'verb=Nope': 'badVerb', '': 'badVerb', 'verb=Identify&x=1': 'badArgument',
  'verb=GetRecord&identifier=oai:cardex:model/no/such&metadataPrefix=oai_dc': 'idDoesNotExist',
  'verb=ListRecords&resumptionToken=garbage': 'badResumptionToken',
  'verb=ListSets&resumptionToken=garbage': 'badResumptionToken',
  'verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01&until=2023-01-01': 'badArgument',
  'verb=ListIdentifiers&metadataPrefix=oai_dc&set=nonsense:x': 'badArgument',
  'verb=ListIdentifiers&metadataPrefix=oai_dc&set=org:no-such-org-here': 'noRecordsMatch',
  'verb=ListMetadataFormats&identifier=oai:cardex:model/no/such': 'idDoesNotExist',
  [`verb=GetRecord&identifier=oai:cardex:${cards[0].type}/${cards[0].id}&metadataPrefix=marc21`]: 'cannotDisseminateFormat',
  'verb=GetRecord&identifier=oai:cardex:model/x/y': 'badArgument',
  'verb=ListRecords': 'badArgument',
  'verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=garbage': 'badArgument',
  'verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01&until=2024-01-02T00:00:00Z': 'badArgument',
  'verb=Identify&verb=Identify': 'badVerb',
  // This repository has sets, so noSetHierarchy never applies (docs/GLAM.md).
};
for (const [q, code] of Object.entries(errors)) {
  const text = checkXml(await (await get(`/oai?${q}`)).text(), OAI_NS, q);
  assert.ok(text.includes(`<error code="${code}">`), `${q}: ${code}\n${text}`);
}
// POST as well as GET.
const posted = await get('/oai', { method: 'POST', body: 'verb=Identify',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
checkXml(await posted.text(), OAI_NS, 'POST Identify');
log(`OAI-PMH: ${pages} ListRecords pages and ${Object.keys(errors).length + 1} other responses pass xmllint`);

// A deleted card is harvested as deleted.
const gone = cards[cards.length - 1];
execFileSync(process.env.CARDEX_EXE, ['delete', '--index', process.env.CARDEX_INDEX, '--type', gone.type, gone.id]);
const goneId = `oai:cardex:${gone.type}/${gone.id}`;
const rec = await harvester.getRecord(goneId, 'oai_dc');
assert.equal(rec.header.$?.status ?? rec.header.status, 'deleted');
let seen = false;
for await (const h of harvester.listIdentifiers({ metadataPrefix: 'oai_dc', set: `type:${gone.type}` })) {
  if (h.identifier === goneId) {
    assert.equal(h.$?.status ?? h.status, 'deleted');
    seen = true;
  }
}
assert.ok(seen, 'the deleted card is in the list, marked deleted');
log(`OAI-PMH: ${gone.id} deleted with cardex delete is harvested as a deleted record`);

// ---- 4. schema.org ----
const context = JSON.parse(fs.readFileSync(path.join(HERE, 'schemaorg-context.jsonld'), 'utf8'));
const documentLoader = async (url) => {
  if (/^https?:\/\/schema\.org\/?$/.test(url) || url.startsWith('https://schema.org/docs/jsonldcontext')) {
    return { contextUrl: null, documentUrl: url, document: context };
  }
  throw new Error(`no network in this test: ${url}`);
};
const first = (e, p) => e[SCHEMA + p]?.[0];
const val = (e, p) => first(e, p)?.['@value'] ?? first(e, p)?.['@id'];
let expanded = 0, basedChecked = 0;
const pagesToCheck = cards.filter((c, i) => c !== gone && (i % 7 === 0 || c.type === 'dataset' && i % 3 === 0));
await pool(pagesToCheck, 4, async (c) => {
  const html = await (await get(`/${plural(c)}/${c.id}`)).text();
  const m = /<script type="application\/ld\+json" id="card-jsonld">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, `${c.id}: JSON-LD in the card page`);
  const [e] = await jsonld.expand(JSON.parse(m[1]), { documentLoader });
  assert.deepEqual(e['@type'], [SCHEMA + (c.type === 'dataset' ? 'Dataset' : 'SoftwareSourceCode')]);
  assert.equal(val(e, 'name'), c.title || c.id);
  if (c.created_at) assert.equal(val(e, 'dateCreated'), c.created_at);
  if (c.last_modified) assert.equal(val(e, 'dateModified'), c.last_modified);
  const doi = ownDoi(c);
  assert.equal(val(e, 'identifier'), doi ? `https://doi.org/${doi}` : undefined, `${c.id}: identifier`);
  const keywords = (e[SCHEMA + 'keywords'] ?? []).map((k) => k['@value']);
  for (const t of c.tasks) assert.ok(keywords.includes(t), `${c.id}: keyword ${t}`);
  for (const l of c.languages) assert.ok(keywords.includes(l), `${c.id}: keyword ${l}`);
  if (c.author) assert.equal(first(first(e, 'creator'), 'name')?.['@value'] ?? val(first(e, 'creator'), 'name'), c.author);
  // isBasedOn: the base models and training datasets the card's front matter names (its
  // cardData, from the Hub-compatible API), and the base models of the Hub's relation tags
  // (base_model:finetune:...). A bare base_model:... in the card's own tag list is only a tag.
  const based = (e[SCHEMA + 'isBasedOn'] ?? []).map((b) => b['@id']);
  if (c.type !== 'dataset') {
    const hub = await json(`/api/${plural(c)}/${c.id}`);
    const list = (v) => (v == null ? [] : Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string');
    const want = [...list(hub.cardData?.base_model).map((b) => '/models/' + b),
      ...c.tags.map((t) => /^base_model:(?:finetune|adapter|quantized|merge):(.+)$/.exec(t)?.[1])
        .filter(Boolean).map((b) => '/models/' + b),
      ...list(hub.cardData?.datasets).map((d) => '/datasets/' + d)];
    for (const w of want) {
      assert.ok(based.some((u) => decodeURIComponent(new URL(u).pathname) === w), `${c.id}: isBasedOn ${w} (has ${based})`);
    }
    basedChecked += want.length;
  }
  expanded++;
});
log(`schema.org: jsonld expanded the JSON-LD of ${expanded} card pages (${basedChecked} isBasedOn links)`);

// ---- 5. sitemap ----
const index = checkXml(await (await get('/sitemap.xml')).text(), 'http://www.sitemaps.org/schemas/sitemap/0.9', 'sitemap index');
const locs = new Set();
for (const m of index.matchAll(/<loc>([^<]+)<\/loc>/g)) {
  const page = checkXml(await (await get(new URL(m[1]).pathname)).text(), 'http://www.sitemaps.org/schemas/sitemap/0.9', m[1]);
  for (const u of page.matchAll(/<loc>([^<]+)<\/loc>/g)) {
    assert.ok(!locs.has(u[1]), `${u[1]} twice in the sitemap`);
    locs.add(u[1]);
  }
}
assert.equal(locs.size, cards.length - 1, 'every card page but the deleted one');
log(`sitemap: ${locs.size} card pages in ${[...index.matchAll(/<loc>/g)].length} files`);

// ---- 6. a harvest across an index swap ----
// One page of ListIdentifiers, then `cardex reindex` swaps in a generation of the datasets
// alone, then the harvest goes on with the old token: every dataset comes exactly once, with
// the datestamp it had (unchanged cards keep theirs), and every model comes as deleted.
function headers(text) {
  return [...text.matchAll(/<header( status="deleted")?><identifier>([^<]+)<\/identifier><datestamp>([^<]+)<\/datestamp>/g)]
    .map((m) => ({ id: m[2], deleted: !!m[1], datestamp: m[3] }));
}
const tokenOf = (text) => /<resumptionToken[^>]*>([^<]*)<\/resumptionToken>/.exec(text)?.[1].replace(/&amp;/g, '&') ?? '';
const firstText = checkXml(await (await get('/oai?verb=ListIdentifiers&metadataPrefix=oai_dc')).text(), OAI_NS, 'before the swap');
const before = headers(firstText);
let token = tokenOf(firstText);
assert.ok(before.length > 0 && token, 'a first page and a token');
execFileSync(process.env.CARDEX_EXE, ['reindex', '--quiet', '--allow-rejects', '--index', process.env.CARDEX_INDEX,
  process.env.CARDEX_DATASETS], { stdio: ['ignore', 'ignore', 'inherit'] });
// The server serves the new generation once its warmer has built it (README, /readyz): a
// harvester sees the swap within a poll or two. Wait for it: the models are gone then.
for (let i = 0; ; i++) {
  const models = await json('/api/models?limit=1');
  if (models.length === 0) break;
  assert.ok(i < 300, 'the server moved to the reindexed generation within 30 s');
  await new Promise((r) => setTimeout(r, 100));
}
const after = [];
let swapPages = 0;
while (token) {
  const text = checkXml(await (await get(`/oai?verb=ListIdentifiers&resumptionToken=${encodeURIComponent(token)}`)).text(),
    OAI_NS, `after the swap, page ${swapPages}`);
  assert.ok(!text.includes('<error'), `the old token still works after the swap:\n${text.slice(0, 600)}`);
  after.push(...headers(text));
  token = tokenOf(text);
  swapPages++;
}
const liveSeen = new Map();
for (const h of [...before, ...after].filter((h) => !h.deleted)) {
  assert.ok(!liveSeen.has(h.id), `${h.id} delivered twice across the swap`);
  liveSeen.set(h.id, h.datestamp);
}
const deletedAfter = new Set(after.filter((h) => h.deleted).map((h) => h.id));
let datasetsAcross = 0, modelsDeleted = 0;
for (const c of cards) {
  const ident = `oai:cardex:${c.type}/${c.id}`;
  if (c.type === 'dataset') {
    assert.ok(liveSeen.has(ident), `${ident}: the dataset is harvested across the swap`);
    // (The card deleted above comes back with the reindex: a new datestamp.)
    if (c !== gone) assert.equal(liveSeen.get(ident), records.get(ident).header.datestamp, `${ident}: datestamp kept`);
    datasetsAcross++;
  } else {
    assert.ok(deletedAfter.has(ident), `${ident}: dropped by the reindex, harvested as deleted`);
    assert.ok(!after.some((h) => h.id === ident && !h.deleted), `${ident}: no longer live`);
    modelsDeleted++;
  }
}
log(`OAI-PMH across an index swap: ${before.length} identifiers before, ${after.length} in ` +
    `${swapPages} pages after; ${datasetsAcross} datasets once each with their datestamps, ` +
    `${modelsDeleted} dropped models as deleted records`);
log('glam test passed');
