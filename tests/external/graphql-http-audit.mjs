// Runs the graphql-http audit suite against a running server and fails on any MUST or
// SHOULD that does not pass.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  const level = r.name.split(' ')[0];
  if (r.status === 'ok') continue;
  const blocking = level === 'MUST' || level === 'SHOULD';
  if (blocking) failed++;
  console.log(`${blocking ? 'FAIL' : 'note'} [${r.status}] ${r.id} ${r.name}: ${r.reason ?? ''}`);
}
const passed = results.filter((r) => r.status === 'ok').length;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
