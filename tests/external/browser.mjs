// A real browser (Debian's chromium, driven by playwright-core) uses Masthead the way a
// frontend on another origin does, and opens the GraphQL explorer with no internet: CORS is
// judged by the browser's own rules, not by our reading of the headers.
// Usage: node browser.mjs http://127.0.0.1:PORT [screenshot.png]
import http from 'node:http';
import { chromium } from 'playwright-core';

const api = process.argv[2];
const screenshot = process.argv[3];
const checks = [];
const check = (name, ok, detail = '') => {
  checks.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
};

// The frontend: a page on another origin that calls the API from the browser.
const frontend = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end('<!doctype html><title>frontend</title><p>frontend</p>');
});
await new Promise((resolve) => frontend.listen(0, '127.0.0.1', resolve));
const origin = `http://localhost:${frontend.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(origin);
  const results = await page.evaluate(async (api) => {
    const attempt = async (fn) => {
      try { return await fn(); } catch (e) { return `blocked: ${e.message}`; }
    };
    const newest = await (await fetch(`${api}/v1/articles?limit=1`)).json();
    const slug = newest.items[0].slug;
    return {
      rest: await attempt(async () => {
        const r = await fetch(`${api}/v1/articles?limit=2`);
        return `${r.status} etag=${r.headers.get('etag') ? 'yes' : 'no'} items=${(await r.json()).items.length}`;
      }),
      graphqlPost: await attempt(async () => {
        const r = await fetch(`${api}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ sections { slug } }' }),
        });
        return `${r.status} sections=${(await r.json()).data.sections.length}`;
      }),
      graphqlGet: await attempt(async () => {
        const r = await fetch(`${api}/graphql?query=${encodeURIComponent('{ tags(first: 2) { nodes { slug } } }')}`);
        return `${r.status}`;
      }),
      comment: await attempt(async () => {
        const form = await (await fetch(`${api}/v1/comment-form?article=${slug}`)).json();
        const body = {};
        for (const f of form.fields) body[f.name] = f.value ?? { comment: 'From the browser.', name: 'A Reader', email: 'reader@example.org' }[f.name] ?? '';
        const r = await fetch(`${api}${form.action}`, {
          method: form.method,
          headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
          body: JSON.stringify(body),
        });
        return `${r.status}`;
      }),
      beacon: await attempt(async () => {
        const r = await fetch(`${api}/v1/articles/${slug}/views`, { method: 'POST' });
        return `${r.status} ${r.headers.get('masthead-view')}`;
      }),
      editorial: await attempt(async () => {
        const r = await fetch(`${api}/v1/editor/articles`, { headers: { authorization: 'Bearer x' } });
        return `${r.status}`;
      }),
    };
  }, api);
  check('REST GET from another origin', /^200 etag=yes items=2$/.test(results.rest), results.rest);
  check('GraphQL POST (preflighted) from another origin', /^200 sections=\d+$/.test(results.graphqlPost), results.graphqlPost);
  check('GraphQL GET from another origin', results.graphqlGet === '200', results.graphqlGet);
  check('the comment form posted from another origin', results.comment === '202', results.comment);
  // Headless Chromium says so in its user agent, so the beacon is answered and not counted.
  check('the view beacon from another origin', /^204 (counted|repeat|bot)$/.test(results.beacon), results.beacon);
  check('an editorial call from an origin not named is blocked by the browser',
    results.editorial.startsWith('blocked'), results.editorial);

  // The explorer, from the API's own origin, with nothing loaded from anywhere else.
  const explorer = await browser.newPage();
  const elsewhere = [];
  const failed = [];
  explorer.on('request', (r) => { if (!r.url().startsWith(api) && !r.url().startsWith('data:')) elsewhere.push(r.url()); });
  explorer.on('requestfailed', (r) => failed.push(r.url()));
  const violations = [];
  explorer.on('console', (m) => { if (/Content Security Policy/.test(m.text())) violations.push(m.text()); });
  await explorer.goto(`${api}/graphql`);
  const rendered = await explorer.waitForSelector('.graphiql-container', { timeout: 15000 }).then(() => true, () => false);
  check('GraphiQL renders from files Masthead serves', rendered);
  check('the explorer loads nothing from other hosts', elsewhere.length === 0, elsewhere.join(' '));
  check('no request of the explorer failed', failed.length === 0, failed.join(' '));
  check('no Content-Security-Policy violation', violations.length === 0, violations.join(' | '));
  // Its default query runs against this server.
  await explorer.click('.graphiql-execute-button');
  const answered = await explorer
    .waitForFunction(() => document.querySelector('.result-window')?.textContent.includes('publishedAt'), null, { timeout: 15000 })
    .then(() => true, () => false);
  check('the explorer runs its default query against Masthead', answered);
  if (screenshot) await explorer.screenshot({ path: screenshot });
} finally {
  await browser.close();
  frontend.close();
}
const failedCount = checks.filter((ok) => !ok).length;
console.log(`browser: ${checks.length - failedCount} passed, ${failedCount} failed`);
process.exit(failedCount ? 1 : 0);
