// The example frontend (examples/web) in a real browser (Debian's chromium driven by
// playwright-core), served from its own origin and reading a running Masthead: the article
// page as a reader sees it, a comment round trip (202 and 422), Related and Popular, a
// section page with "Load more", search with highlighted snippets; no request may fail.
// Usage: node frontend.mjs API_BASE FRONTEND_BASE screenshot.png ADMIN_TOKEN
import { chromium } from 'playwright-core';

const [api, front, screenshot, admin] = process.argv.slice(2);
const SLUG = 'tel-aviv-opens-its-first-overnight-light-rail-service';
let failures = 0;
const check = (name, ok, detail = '') => {
  if (!ok) failures += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? `: ${detail}` : ''}`);
};

// Readers' views, so that Popular has something to show (a browser that says it is
// headless is counted as a bot, as it should be).
const reader = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' };
const latest = await (await fetch(`${api}/v1/articles?limit=3`)).json();
for (const item of latest.items) {
  await fetch(`${api}/v1/articles/${item.slug}/views`, { method: 'POST', headers: reader });
}
for (let i = 0; i < 100; i += 1) {
  const popular = await (await fetch(`${api}/v1/popular`)).json();
  if (popular.items.length) break;
  await new Promise((r) => setTimeout(r, 200));
}
const article = await (await fetch(`${api}/v1/articles/${SLUG}`)).json();
const form = await (await fetch(`${api}/v1/comment-form?article=${SLUG}`)).json();
const message = (field, code) => form.fields.find((f) => f.name === field).messages[code];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const failed = [];
try {
  // Each reader has a browser of their own (and so an HTTP cache of their own).
  const newReader = async () => {
    const tab = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    // The demo's pictures live on a photo service this machine cannot reach: a CDN stand-in
    // answers them, so that every request the page makes can be held to succeed.
    const pixel = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
    await tab.route(/^https:\/\/(picsum\.photos|i\.pravatar\.cc)\//, (route) =>
      route.fulfill({ status: 200, contentType: 'image/gif', body: pixel }));
    const expected422 = (r) => r.status() === 422 && r.request().method() === 'POST';
    tab.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
    tab.on('response', (r) => { if (r.status() >= 400 && !expected422(r)) failed.push(`${r.status()} ${r.url()}`); });
    tab.on('pageerror', (e) => failed.push(`page error: ${e.message}`));
    // The browser logs the deliberate 422 too; anything else logged as an error fails.
    tab.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('status of 422')) failed.push(`console: ${m.text()}`);
    });
    return tab;
  };
  let page = await newReader();
  const open = async (hash) => {
    await page.goto(`${front}/?api=${encodeURIComponent(api)}${hash}`);
    await page.waitForSelector('#page:not([aria-busy])');
  };

  await open(`#/article/${SLUG}`);
  await page.waitForSelector('article.story h1');
  check('the headline', (await page.textContent('article h1')) === article.title);
  check('the dateline', (await page.textContent('.dateline')) === 'Tel-Aviv, Israel');
  check('the deck', (await page.textContent('.deck')) === article.subtitle);
  check('the byline with its role', (await page.textContent('.bylines')).includes('Dana Levi'));
  const sub = await page.$$eval('.body h2', (hs) => hs.map((h) => h.textContent));
  check('the body\'s sub-headings', sub.includes('Who rides after midnight'), JSON.stringify(sub));
  check('a bulleted list', (await page.$$('.body ul li')).length >= 3);
  check('a quote with its attribution', (await page.textContent('.body blockquote cite'))?.startsWith('— '));
  check('the featured image with caption and credit',
    (await page.textContent('article figure figcaption')).includes(article.featured_media.credit));
  check('the corrections', (await page.textContent('.corrections')).includes(article.corrections[0].note));
  check('share links', (await page.$$('.share a')).length >= 3);
  check('Related shows items', (await page.$$('#related li')).length > 0);
  check('More like this shows items', (await page.$$('#more-like-this li')).length > 0);
  check('Popular shows items', (await page.$$('#popular li')).length > 0);
  const ld = JSON.parse(await page.textContent('script[type="application/ld+json"]'));
  check('the JSON-LD is embedded', ld['@type'] === 'NewsArticle' && ld.headline === article.title);
  const trap = await page.$eval(`input[name="${form.honeypot_field}"]`, (el) => {
    const box = el.getBoundingClientRect();
    return { offscreen: box.right <= 0 || box.bottom <= 0, hidden: el.closest('[aria-hidden="true"]') !== null,
      focusable: el.tabIndex >= 0 };
  });
  check('the honeypot is out of sight, of screen readers and of the tab order',
    trap.offscreen && trap.hidden && !trap.focusable, JSON.stringify(trap));
  check('required fields are marked', (await page.$$('.comment-form .required')).length === 3);

  // A comment with nothing in it and a bad address: the form's own messages, by the fields.
  await page.fill('#field-email', 'not an address');
  await page.click('.comment-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#field-comment-error')?.textContent);
  check('422: the form\'s message next to the comment',
    (await page.textContent('#field-comment-error')) === message('comment', 'required'));
  check('422: the form\'s message next to the email',
    (await page.textContent('#field-email-error')) === message('email', 'invalid'));

  // A reader takes a few seconds to write: the form's token is good after its minimum time.
  await page.fill('#field-comment', 'The overnight trains got me home from my shift.');
  await page.fill('#field-name', 'Noa Reader');
  await page.fill('#field-email', 'noa@example.org');
  await page.waitForTimeout(3500);
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/comments'));
  await page.click('.comment-form button[type=submit]');
  const answer = await posted;
  await page.waitForSelector('.accepted');
  check('202 and its message', answer.status() === 202 &&
    (await page.textContent('.accepted')) === (await answer.json()).message);

  // A moderator approves it, another reader replies, and the page shows the thread.
  const approve = (id) => fetch(`${api}/v1/editor/comments/${id}/approve`, {
    method: 'POST', headers: { authorization: `Bearer ${admin}` } });
  const comment = await answer.json();
  check('the moderator approves it', (await approve(comment.id)).status === 200);
  const replyForm = await (await fetch(`${api}/v1/comment-form?article=${SLUG}`)).json();
  await new Promise((r) => setTimeout(r, 3500));
  const reply = await fetch(`${api}/v1/articles/${SLUG}/comments`, {
    method: 'POST',
    headers: { ...reader, 'content-type': 'application/json' },
    body: JSON.stringify({ comment: 'Same here, the 2 a.m. train was full.', name: 'Avi Reader',
      email: 'avi@example.org', parent_id: comment.id, form_token: replyForm.token }),
  });
  const replied = await reply.json();
  check('a reply is accepted', reply.status === 202, JSON.stringify(replied));
  check('and approved', (await approve(replied.id)).status === 200);
  page = await newReader();
  await open(`#/article/${SLUG}`);
  await page.waitForSelector('.thread .thread .comment');
  check('threaded comments: the reply sits under its comment',
    (await page.textContent(`#comment-${comment.id} .thread #comment-${replied.id}`)).includes('Avi Reader'));
  await page.screenshot({ path: screenshot, fullPage: true });

  await open('#/section/world');
  const first = (await page.$$('.list .teaser')).length;
  await page.click('button.more');
  await page.waitForFunction((n) => document.querySelectorAll('.list .teaser').length > n, first);
  check('a section page loads more by cursor', (await page.$$('.list .teaser')).length > first);

  await open('#/search?q=rail');
  check('search shows highlighted snippets', (await page.$$('.snippet mark')).length > 0);
} finally {
  await browser.close();
}
check('no request failed', failed.length === 0, failed.join('; '));
if (failures) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
