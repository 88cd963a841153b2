// Webhooks as a partner receives them: a receiver on its own port, registered by an admin,
// verifies every delivery with the Standard Webhooks library from npm (`standardwebhooks`,
// the spec's reference implementation) while an editor publishes and unpublishes; a
// receiver that fails twice is sent the same message a third time, which verifies too.
// Usage: node webhooks.mjs http://127.0.0.1:PORT ADMIN_TOKEN
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const [base, token] = process.argv.slice(2);
let failures = 0;
const check = (name, ok, detail = '') => {
  if (!ok) failures += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? `: ${detail}` : ''}`);
};
const rest = async (method, path, body) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};

/** A receiver answering 503 to its first `failing` requests; resolves its URL. */
function receiver(failing) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      res.writeHead(seen.length <= failing ? 503 : 204).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}/hooks`, seen, server });
  }));
}
const until = async (what, ready) => {
  for (let i = 0; i < 300; i += 1) {
    if (ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: nothing within thirty seconds`);
};

const good = await receiver(0);
const flaky = await receiver(2);
try {
  const first = await rest('POST', '/v1/editor/webhooks', { url: good.url, description: 'External check' });
  const second = await rest('POST', '/v1/editor/webhooks', { url: flaky.url, events: ['article.published'] });
  const draft = await rest('POST', '/v1/editor/articles', {
    title: 'Desalination plant opens in the south', dateline: 'Ashkelon, Israel', section: 'middle-east',
    authors: [{ slug: 'dana-levi' }],
    body: [{ type: 'paragraph', content: [{ text: 'It will supply a fifth of the region.' }] }],
  });
  await rest('POST', `/v1/editor/articles/${draft.id}/publish`, {});
  await rest('POST', `/v1/editor/articles/${draft.id}/unpublish`);
  await until('two deliveries', () => good.seen.length >= 2);
  const hook = new Webhook(first.secret);
  const verified = good.seen.map(({ headers, body }) => {
    try {
      return hook.verify(body, headers);
    } catch (e) {
      return { error: e.message };
    }
  });
  check('every delivery verifies with standardwebhooks', verified.every((v) => !v.error), JSON.stringify(verified));
  check('published, then unpublished', verified.map((v) => v.type).join() === 'article.published,article.unpublished',
    JSON.stringify(verified.map((v) => v.type)));
  check('the article is in the message', verified[0].data?.article?.title === 'Desalination plant opens in the south');
  let forged = false;
  try {
    hook.verify(good.seen[0].body.replace('Desalination', 'Forged'), good.seen[0].headers);
  } catch {
    forged = true;
  }
  check('a changed body does not verify', forged);

  await until('a third attempt', () => flaky.seen.length >= 3);
  const ids = new Set(flaky.seen.map((s) => s.headers['webhook-id']));
  check('a failing endpoint is sent the same message again', ids.size === 1 && flaky.seen.length === 3,
    `${flaky.seen.length} requests, ids ${[...ids]}`);
  const flakyHook = new Webhook(second.secret);
  check('each attempt verifies', flaky.seen.every(({ headers, body }) => {
    try { flakyHook.verify(body, headers); return true; } catch { return false; }
  }));
  let log;
  for (let i = 0; i < 50; i += 1) {
    log = await rest('GET', `/v1/editor/webhooks/${second.webhook.id}/deliveries`);
    if (log.items[0]?.status !== 'pending') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  check('the log has it delivered after 3 attempts', log.items[0]?.attempts === 3 && log.items[0]?.status === 'delivered',
    JSON.stringify(log.items[0]));
  for (const w of [first, second]) await rest('DELETE', `/v1/editor/webhooks/${w.webhook.id}`);
} catch (error) {
  check('the webhooks', false, error.message);
} finally {
  good.server.close();
  flaky.server.close();
}
if (failures) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
