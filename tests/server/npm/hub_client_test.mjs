// The official JavaScript client, @huggingface/hub, against a running `cardex serve`:
// listModels, listDatasets and listSpaces with search, owner, task, tags, additional fields
// and several pages, each result checked against the card files the index was built from.
//
// Usage: node hub_client_test.mjs HUB_URL MODULE_DIR CARD_FILE...
//   MODULE_DIR: where `npm install @huggingface/hub` put node_modules.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [hubUrl, moduleDir, ...cardFiles] = process.argv.slice(2);
const hubEntry = path.join(moduleDir, "node_modules", "@huggingface", "hub", "dist", "index.mjs");
const { listModels, listDatasets, listSpaces } = await import(pathToFileURL(hubEntry).href);

// Ingest repairs an id written as a Hub URL into the repo id (with a warning).
const normalizeId = (id) =>
  id.replace(/^https?:\/\/(www\.)?huggingface\.co\/(datasets\/|spaces\/)?/, "").replace(/\/+$/, "");

// A card file as text. The real cards are zstd files (data/cards/*.jsonl.zst), recognised by
// their magic number as cardex does; Node 20 has no zstd, so the zstd program decompresses.
function readCardFile(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0xfd2fb528) return bytes.toString("utf8");
  return execFileSync("zstd", ["-dcq"], { input: bytes, maxBuffer: 1 << 30 }).toString("utf8");
}

// The data: every record of the card files, by type.
const data = { model: new Map(), dataset: new Map(), space: new Map() };
for (const file of cardFiles) {
  for (const line of readCardFile(file).split("\n")) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    r.id = normalizeId(r.id);
    data[r.type].set(r.id, r);
  }
}
const owner = (id) => (id.includes("/") ? id.split("/")[0] : "");
// The Hub's `search`: every typed word is a prefix of a word of the id.
const idWords = (id) => id.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
const matchesSearch = (id, query) =>
  idWords(query).every((q) => idWords(id).some((w) => w.startsWith(q)));

async function collect(iterable) {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
}

// Counts the pages a listing takes, by watching the client's requests.
let requests = 0;
const countingFetch = (url, init) => {
  requests++;
  return fetch(url, init);
};

const sorted = (xs) => [...xs].sort();
// Owners by number of repos, most first (Map.groupBy needs Node 21).
function owners(ids) {
  const groups = new Map();
  for (const id of ids) {
    if (owner(id)) groups.set(owner(id), [...(groups.get(owner(id)) ?? []), id]);  // not legacy ids
  }
  return [...groups].sort((a, b) => b[1].length - a[1].length);
}
let checks = 0;
function same(actual, expected, what) {
  assert.deepEqual(sorted(actual), sorted(expected), what);
  checks++;
}

// --- models -----------------------------------------------------------------------------
{
  // Every model, page by page (the client asks for 500 a page and follows Link).
  requests = 0;
  const all = await collect(listModels({ hubUrl, fetch: countingFetch }));
  same(all.map((m) => m.name), [...data.model.keys()], "listModels: every model once");
  assert.ok(requests >= Math.ceil(data.model.size / 500), `several pages (${requests})`);
  assert.equal(new Set(all.map((m) => m.id)).size, all.length, "unique _id");
  for (const m of all) {
    assert.equal(m.private, false);
    assert.equal(m.downloads, data.model.get(m.name).downloads ?? 0, `${m.name} downloads`);
    assert.equal(m.likes, data.model.get(m.name).likes ?? 0, `${m.name} likes`);
    const modified = data.model.get(m.name).lastModified;
    if (modified) {
      assert.equal(m.updatedAt.getTime(), new Date(modified.replace(" ", "T")).getTime(),
        `${m.name} lastModified`);
    }
  }
  checks++;

  // owner
  const [busiest] = owners(data.model.keys());
  const owned = await collect(listModels({ hubUrl, search: { owner: busiest[0] } }));
  same(owned.map((m) => m.name), busiest[1], `owner=${busiest[0]}`);

  // search (id words), across pages with a small limit per request
  for (const query of ["llama", "bert", "qwen2 instruct"]) {
    const expected = [...data.model.keys()].filter((id) => matchesSearch(id, query));
    const found = await collect(listModels({ hubUrl, search: { query } }));
    same(found.map((m) => m.name), expected, `search=${query}`);
  }

  // task: the pipeline tag of every result, and all the models the data gives that task
  const task = "text-generation";
  const byTask = await collect(listModels({ hubUrl, search: { task } }));
  assert.ok(byTask.length > 0, "task results");
  // As on the Hub, the filter matches the pipeline_tag field only.
  for (const m of byTask) assert.equal(m.task, task, `${m.name} task`);
  const declared = [...data.model.values()].filter((r) => r.api_pipeline_tag === task);
  const got = new Set(byTask.map((m) => m.name));
  for (const r of declared) assert.ok(got.has(r.id), `task=${task} includes ${r.id}`);
  checks++;

  // tags (AND) with additional fields
  const tagged = await collect(
    listModels({ hubUrl, search: { tags: ["gguf"] }, additionalFields: ["tags", "library_name", "author"] })
  );
  assert.ok(tagged.length > 0, "gguf results");
  for (const m of tagged) {
    // Tag filters are exact, as on the Hub ("GGUF" is another tag).
    assert.ok(m.tags.includes("gguf"), `${m.name} has tag gguf`);
    assert.equal(m.author, owner(m.name), `${m.name} author`);
    const lib = data.model.get(m.name).api_library_name;
    if (lib) assert.equal(m.library_name, lib, `${m.name} library_name`);
  }
  const hubTagged = [...data.model.values()].filter((r) => (r.api_tags ?? []).includes("gguf"));
  const gotTagged = new Set(tagged.map((m) => m.name));
  for (const r of hubTagged) assert.ok(gotTagged.has(r.id), `tag gguf includes ${r.id}`);
  checks++;

  // limit stops early; sort by downloads is descending
  const top = await collect(listModels({ hubUrl, sort: "downloads", limit: 7 }));
  assert.equal(top.length, 7);
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].downloads >= top[i].downloads);
  const maxDownloads = Math.max(...[...data.model.values()].map((r) => r.downloads ?? 0));
  assert.equal(top[0].downloads, maxDownloads, "most downloaded first");
  checks++;
}

// --- datasets ---------------------------------------------------------------------------
{
  requests = 0;
  const all = await collect(listDatasets({ hubUrl, fetch: countingFetch }));
  same(all.map((d) => d.name), [...data.dataset.keys()], "listDatasets: every dataset once");
  assert.ok(requests >= Math.ceil(data.dataset.size / 500), `several pages (${requests})`);

  const [busiest] = owners(data.dataset.keys());
  const owned = await collect(listDatasets({ hubUrl, search: { owner: busiest[0] } }));
  same(owned.map((d) => d.name), busiest[1], `datasets owner=${busiest[0]}`);

  const query = "instruct";
  const found = await collect(listDatasets({ hubUrl, search: { query }, additionalFields: ["author", "tags"] }));
  same(found.map((d) => d.name), [...data.dataset.keys()].filter((id) => matchesSearch(id, query)),
    `datasets search=${query}`);
  for (const d of found) {
    assert.equal(d.author, owner(d.name));
    assert.ok(Array.isArray(d.tags));
  }
  checks++;

  // A tag every result must carry.
  const english = await collect(listDatasets({ hubUrl, search: { tags: ["language:en"] }, additionalFields: ["tags"] }));
  assert.ok(english.length > 0, "language:en datasets");
  for (const d of english) {
    assert.ok(d.tags.includes("language:en"), `${d.name} language:en`);
  }
  checks++;
}

// --- spaces -----------------------------------------------------------------------------
{
  const all = await collect(listSpaces({ hubUrl, additionalFields: ["author", "tags", "cardData"] }));
  same(all.map((s) => s.name), [...data.space.keys()], "listSpaces: every space");
  for (const s of all) {
    const r = data.space.get(s.name);
    const sdk = /\nsdk: (\S+)/.exec(r.readme)[1];
    assert.equal(s.sdk, sdk, `${s.name} sdk`);
    assert.equal(s.likes, r.likes, `${s.name} likes`);
    assert.equal(s.author, owner(s.name));
    assert.equal(s.cardData.sdk, sdk, `${s.name} cardData.sdk`);
  }
  checks++;
  const owned = await collect(listSpaces({ hubUrl, search: { owner: "acme-labs" } }));
  same(owned.map((s) => s.name), [...data.space.keys()].filter((id) => owner(id) === "acme-labs"),
    "spaces owner=acme-labs");
  const found = await collect(listSpaces({ hubUrl, search: { query: "llama" } }));
  same(found.map((s) => s.name), ["solo-dev/llama-playground"], "spaces search=llama");
  const tagged = await collect(listSpaces({ hubUrl, search: { tags: ["gradio"] } }));
  same(tagged.map((s) => s.name),
    [...data.space.values()].filter((r) => /\nsdk: gradio/.test(r.readme)).map((r) => r.id),
    "spaces tag gradio");
  const liked = await collect(listSpaces({ hubUrl, sort: "likes" }));
  assert.deepEqual(liked.map((s) => s.likes), [...liked.map((s) => s.likes)].sort((a, b) => b - a));
  checks++;
}

console.log(`ok: @huggingface/hub against ${hubUrl}: ${checks} checks passed`);
