// Every published article's JSON-LD, written as TypeScript typed with schema-dts (Google's
// schema.org vocabulary as types): `tsc -p jsonld` then fails on any property schema.org's
// NewsArticle does not have, or a value of the wrong type.
//   node jsonld.mjs BASE OUT.ts
import { writeFileSync } from "node:fs";

const [base, out] = process.argv.slice(2);
const documents = [];
let next = `${base}/v1/articles?limit=100`;
while (next) {
  const page = await (await fetch(next)).json();
  for (const item of page.items) {
    const res = await fetch(`${base}/v1/articles/${encodeURIComponent(item.slug)}/jsonld`);
    if (res.status !== 200 || !res.headers.get("content-type")?.startsWith("application/ld+json")) {
      console.error(`FAIL ${item.slug}: ${res.status} ${res.headers.get("content-type")}`);
      process.exit(1);
    }
    documents.push(await res.json());
  }
  next = page.next_cursor ? `${base}/v1/articles?limit=100&cursor=${encodeURIComponent(page.next_cursor)}` : null;
}
if (!documents.some((d) => d.correction) || !documents.some((d) => d.image)) {
  console.error("FAIL: the demo newsroom should have articles with corrections and images");
  process.exit(1);
}
writeFileSync(
  out,
  `// Written by jsonld.mjs from a running server: do not edit.\n` +
    `import type { NewsArticle, WithContext } from "schema-dts";\n` +
    `export const documents: WithContext<NewsArticle>[] = ${JSON.stringify(documents, null, 2)};\n`,
);
console.log(`${documents.length} NewsArticle documents written for tsc`);
