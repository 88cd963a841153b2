// GraphQL subscriptions as a real client speaks them: graphql-ws (the graphql-transport-ws
// protocol) over the ws package, subscribed to articlePublished while an editor publishes
// breaking news over REST, and to articleUpdated for that article while it is edited.
// Usage: node subscriptions.mjs http://127.0.0.1:PORT ADMIN_TOKEN
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

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
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
};
const client = createClient({ url: `${base.replace(/^http/, 'ws')}/graphql/ws`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
const connected = new Promise((resolve) => client.on('connected', resolve));

/** The first value of a subscription, or a failure after ten seconds. */
function first(query, variables = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nothing within ten seconds: ${query}`)), 10_000);
    const stop = client.subscribe({ query, variables }, {
      next: (value) => { clearTimeout(timer); stop(); resolve(value); },
      error: (e) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(JSON.stringify(e))); },
      complete: () => {},
    });
  });
}
const settle = () => new Promise((r) => setTimeout(r, 500));

try {
  const published = first('subscription { articlePublished { type breaking article { id title dateline } } }');
  await connected;
  await settle();
  const draft = await rest('POST', '/v1/editor/articles', {
    title: 'Bridge reopens after the storm', dateline: 'Haifa, Israel', section: 'middle-east',
    authors: [{ slug: 'dana-levi' }],
    body: [{ type: 'paragraph', content: [{ text: 'Traffic is moving again.' }] }],
  });
  await rest('POST', `/v1/editor/articles/${draft.id}/publish`, { breaking: true });
  const event = (await published).data.articlePublished;
  check('articlePublished arrives', event.type === 'PUBLISHED' && event.article.title === 'Bridge reopens after the storm',
    JSON.stringify(event));
  check('with the breaking flag', event.breaking === true);

  const updated = first('subscription($id: ID!) { articleUpdated(id: $id) { type article { subtitle } } }', { id: String(draft.id) });
  await settle();
  await rest('PATCH', `/v1/editor/articles/${draft.id}`, { subtitle: 'Both lanes are open' });
  const change = (await updated).data.articleUpdated;
  check('articleUpdated arrives for that article', change.type === 'UPDATED' && change.article.subtitle === 'Both lanes are open',
    JSON.stringify(change));
} catch (error) {
  check('the subscriptions', false, error.message);
} finally {
  await client.dispose();
}
if (failures) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
