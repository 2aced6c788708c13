// A reverse proxy in front of `cardex serve` that misbehaves on purpose, for the harvest tests
// (tests/harvest/harvest_test.cpp). Production code has no fault hooks; this is where they live.
//
//   node fault_proxy.mjs --target http://127.0.0.1:PORT --log FILE [--config JSON]
//                        [--tls-cert PEM --tls-key PEM]
//
// Prints "listening on http(s)://127.0.0.1:PORT" once it listens. Config (all optional):
//   every: N          every Nth request (counting from 1) gets the next fault of `faults`
//   faults: [...]     "500", "429" (Retry-After: 1), "503-date" (Retry-After as an HTTP date),
//                     "ratelimit" (429 with only a RateLimit header), "drop" (connection
//                     closed, no answer), "stall" (no answer at all), "truncate" (half the
//                     body, then the connection closed)
//   only: "substr"    faults only for request paths containing it
//   status: {path: code}        a fixed answer for a path (X-Error-Code: GatedRepo); with
//   status_once: true           only the first request of that path gets it
//   corrupt: {page: P, item: I} the I-th item (0-based) of the P-th listing page answered
//                               (1-based) gets a number as its id
//   delay_ms: N       every answer waits N ms
//   reject_query: "s" every request whose query string contains s answers 400 with an
//                     X-Error-Message, as a server that does not read that parameter
// Every request is logged as one JSON line: {n, method, url, auth, fault}.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const target = new URL(args.target);
const config = args.config ? JSON.parse(args.config) : {};
const log = fs.openSync(args.log, 'a');
let count = 0;
let faultIndex = 0;
let listingPages = 0;
const answered = new Set();  // paths given their fixed status once (status_once)

function record(entry) {
  fs.writeSync(log, JSON.stringify(entry) + '\n');
}

function forward(req, done) {
  const up = http.request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done(null, res, Buffer.concat(chunks)));
      res.on('error', (e) => done(e));
    });
  up.on('error', (e) => done(e));
  up.end();
}

function headersOf(res, length) {
  const h = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (k === 'transfer-encoding' || k === 'content-length' || k === 'connection' || k === 'keep-alive') continue;
    h[k] = v;
  }
  h['content-length'] = String(length);
  return h;
}

function handle(req, res) {
  const n = ++count;
  const path = req.url;
  let fault = null;
  const query = path.includes('?') ? path.slice(path.indexOf('?') + 1) : '';
  if (config.reject_query && query.includes(config.reject_query)) {
    fault = 'reject';
  } else if (config.status && config.status[path.split('?')[0]] && !answered.has(path)) {
    fault = 'status';
    if (config.status_once) answered.add(path);
  } else if (config.every && n % config.every === 0 && (!config.only || path.includes(config.only))) {
    fault = config.faults[faultIndex++ % config.faults.length];
  }
  record({ n, method: req.method, url: path, auth: req.headers.authorization || null, fault });
  const send = () => {
    switch (fault) {
      case 'status': {
        const code = config.status[path.split('?')[0]];
        res.writeHead(code, { 'Content-Type': 'application/json', 'X-Error-Code': 'GatedRepo',
                              'X-Error-Message': 'Access to this repository is restricted' });
        res.end('{"error":"Access to this repository is restricted"}');
        return;
      }
      case 'reject':
        res.writeHead(400, { 'Content-Type': 'application/json',
                             'X-Error-Message': 'unknown parameter (injected)' });
        res.end('{"error":"unknown parameter (injected)"}');
        return;
      case '500':
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal error (injected)');
        return;
      case '429':
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '1' });
        res.end('{"error":"rate limited (injected)"}');
        return;
      case 'ratelimit':
        res.writeHead(429, { 'Content-Type': 'application/json',
                             RateLimit: '"api";r=0;t=1', 'RateLimit-Policy': '"fixed window";"api";q=500;w=300' });
        res.end('{"error":"rate limited (injected)"}');
        return;
      case '503-date':
        res.writeHead(503, { 'Content-Type': 'text/plain',
                             'Retry-After': new Date(Date.now() + 1500).toUTCString() });
        res.end('unavailable (injected)');
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'stall':
        return;  // never answered; the client's deadline ends it
      default:
        break;
    }
    forward(req, (err, up, body) => {
      if (err) {
        res.writeHead(502, { 'Content-Type': 'text/plain' });
        res.end('proxy: ' + err.message);
        return;
      }
      if (path.startsWith('/api/') && !/^\/api\/[a-z]+\/./.test(path) && up.statusCode === 200) {
        ++listingPages;
        if (config.corrupt && config.corrupt.page === listingPages) {
          const items = JSON.parse(body.toString('utf8'));
          if (items.length > config.corrupt.item) {
            items[config.corrupt.item].id = 42;
            body = Buffer.from(JSON.stringify(items), 'utf8');
          }
        }
      }
      if (fault === 'truncate') {
        res.writeHead(up.statusCode, headersOf(up, body.length));
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        setTimeout(() => req.socket.destroy(), 20);
        return;
      }
      res.writeHead(up.statusCode, headersOf(up, body.length));
      res.end(body);
    });
  };
  if (config.delay_ms) setTimeout(send, config.delay_ms); else send();
}

const server = args['tls-cert']
  ? https.createServer({ cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) }, handle)
  : http.createServer(handle);
server.keepAliveTimeout = 15000;
server.listen(0, '127.0.0.1', () => {
  const scheme = args['tls-cert'] ? 'https' : 'http';
  process.stdout.write(`listening on ${scheme}://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
