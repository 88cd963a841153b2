// Apollo Client's persisted query link (a real client from npm) against Masthead.
//   node apq.mjs learn BASE MANIFEST       automatic persisted queries: the first client
//                                          teaches the server its query, the next one sends
//                                          only the hash over GET and gets a CDN-cacheable
//                                          answer; writes the query into an Apollo manifest
//   node apq.mjs allow-list BASE           against a server started with that manifest and
//                                          --graphql-persisted-only: the manifest's query runs
//                                          at once by hash, any other document is refused
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [mode, base, manifestPath] = process.argv.slice(2);
const sha256 = (text) => createHash("sha256").update(text).digest("hex");
let failures = 0;
const check = (ok, what, detail = "") => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok ? "" : ` ${detail}`}`);
  if (!ok) failures += 1;
};

/** A fresh client (an app opened anew), recording what it sends. */
function client() {
  const sent = [];
  const recording = async (url, init = {}) => {
    const response = await fetch(url, init);
    sent.push({ method: init.method ?? "GET", url: new URL(String(url)), body: init.body, response });
    return response;
  };
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: `${base}/graphql`, fetch: recording }),
  );
  return { apollo: new ApolloClient({ cache: new InMemoryCache(), link }), sent };
}

const ARTICLE = gql`
  query ArticlePage($slug: String!) {
    article(slug: $slug) { title dateline authors { name role } }
  }
`;
const list = await (await fetch(`${base}/v1/articles?limit=1`)).json();
const slug = list.items[0].slug;
const byHashOnly = (request) =>
  request.method === "GET" && !request.url.searchParams.has("query") &&
  JSON.parse(request.url.searchParams.get("extensions") ?? "{}").persistedQuery?.sha256Hash;

if (mode === "learn") {
  const first = client();
  const { data } = await first.apollo.query({ query: ARTICLE, variables: { slug } });
  check(data?.article?.title === list.items[0].title, "the first client reads the article");
  check(first.sent.length === 2, "it sent two requests", first.sent.length);
  check(byHashOnly(first.sent[0]), "the first named the query by hash over GET");
  check(first.sent[1]?.method === "POST", "the server did not know it, so the client sent it once");

  const next = client();
  const again = await next.apollo.query({ query: ARTICLE, variables: { slug } });
  check(again.data?.article?.title === data.article.title, "the next client gets the same answer");
  check(next.sent.length === 1 && byHashOnly(next.sent[0]), "by hash alone, over GET", next.sent.length);
  const headers = next.sent[0].response.headers;
  check(/^public/.test(headers.get("cache-control") ?? ""), "a CDN may keep it", headers.get("cache-control"));
  check(headers.get("etag") !== null, "with a validator");
  check(headers.get("surrogate-key") === "graphql", "filed under its surrogate key");

  const taught = JSON.parse(first.sent[1].body);
  const hash = taught.extensions.persistedQuery.sha256Hash;
  check(sha256(taught.query) === hash, "the hash is the SHA-256 of the document sent");
  writeFileSync(
    manifestPath,
    JSON.stringify({
      format: "apollo-persisted-query-manifest",
      version: 1,
      operations: [{ id: hash, name: taught.operationName, type: "query", body: taught.query }],
    }),
  );
} else if (mode === "allow-list") {
  const app = client();
  const { data } = await app.apollo.query({ query: ARTICLE, variables: { slug } });
  check(data?.article?.title === list.items[0].title, "the manifest's query runs");
  check(app.sent.length === 1 && byHashOnly(app.sent[0]), "at once, by hash over GET", app.sent.length);

  const stranger = client();
  let refusal = null;
  try {
    await stranger.apollo.query({ query: gql`query Everything { sections { id name } }` });
  } catch (error) {
    refusal = error;
  }
  const text = JSON.stringify(refusal?.errors ?? refusal?.result ?? String(refusal));
  check(refusal !== null && text.includes("PERSISTED_QUERY_NOT_IN_LIST"), "any other document is refused", text);
} else {
  console.error("usage: node apq.mjs learn BASE MANIFEST | allow-list BASE");
  process.exit(2);
}
if (failures > 0) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
