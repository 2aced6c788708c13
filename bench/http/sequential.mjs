// bench/http: one keep-alive connection, one request at a time, every latency recorded
// (wrk's own latency statistics disagree with its request rate at -c1, so the sequential
// figures come from here). Usage: node sequential.mjs URL PATHS_FILE SECONDS
import fs from "node:fs";
const [url, pathsFile, seconds] = process.argv.slice(2);
const paths = fs.readFileSync(pathsFile, "utf8").split("\n").filter(Boolean);
const lat = [];
let bad = 0;
const end = performance.now() + 1000 * Number(seconds);
for (let i = 0; performance.now() < end; i++) {
  const t0 = performance.now();
  const res = await fetch(url + paths[i % paths.length]);
  await res.arrayBuffer();
  lat.push(performance.now() - t0);
  if (!res.ok) bad++;
}
lat.sort((a, b) => a - b);
const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
const f = (x) => Number(x.toFixed(3));
console.log(JSON.stringify({ requests: lat.length, rps: f(lat.length / Number(seconds)),
  mean_ms: f(mean), p50_ms: f(pct(50)), p90_ms: f(pct(90)), p99_ms: f(pct(99)),
  max_ms: f(lat[lat.length - 1]), non2xx: bad, paths: paths.length }));
