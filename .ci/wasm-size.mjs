// Computes what each page downloads from a split cargo-leptos build (see .ci/wasm-size).
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const [pkg, name] = process.argv.slice(2);
const size = (file) => {
  const bytes = readFileSync(join(pkg, file));
  return { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
};
const kib = (n) => (n / 1024).toFixed(1);
const loader = readdirSync(pkg).find((f) => f.startsWith("__wasm_split") && f.endsWith(".js"));
const shell = [`${name}.wasm`, `${name}.js`, `${name}.css`, loader].filter(Boolean);
const manifest = JSON.parse(readFileSync(join(pkg, "__wasm_split_manifest.json"), "utf8"));
// Route keys look like "__login_route_view_<hash>"; chunks are listed with the route's own file.
const routes = Object.fromEntries(
  Object.entries(manifest)
    .filter(([key]) => /_route_view_/.test(key))
    .map(([key, files]) => [key.replace(/^__/, "").replace(/_route_view_.*$/, ""), files]),
);
const total = (files) =>
  files.reduce((sum, f) => {
    const s = size(f);
    return { raw: sum.raw + s.raw, gz: sum.gz + s.gz, files: sum.files + 1 };
  }, { raw: 0, gz: 0, files: 0 });
const base = total(shell);
const page = (route) => {
  const files = new Set(shell);
  for (const f of routes[route]) files.add(`${f}.wasm`);
  return total([...files]);
};
// Pages under /w/{slug}: their routes render the workspace layout around the page (its code is in
// the page's own chunks), so they are labelled as such.
const inWorkspace = new Set([
  "dashboard", "leads", "lead", "imports", "import", "websites", "inbox", "senders", "templates",
  "customers", "customer", "members", "settings", "audit", "account", "campaigns", "campaign",
  "new_campaign", "edit_campaign", "analytics",
]);
const rows = Object.keys(routes)
  .sort()
  .map((r) => [r, page(r)]);
// Files: how many requests the page makes for them (each wasm chunk is fetched on its own).
console.log(`| page | files | raw KiB | gzip -9 KiB |`);
console.log(`|---|---:|---:|---:|`);
console.log(`| shell only (${shell.join(", ")}) | ${base.files} | ${kib(base.raw)} | ${kib(base.gz)} |`);
for (const [r, s] of rows) {
  const label = inWorkspace.has(r) ? `/w/:slug/… ${r} (with the workspace layout)` : r;
  console.log(`| ${label} | ${s.files} | ${kib(s.raw)} | ${kib(s.gz)} |`);
}
const worst = rows.reduce((a, b) => (b[1].gz > a[1].gz ? b : a));
const all = total(readdirSync(pkg).filter((f) => /\.(wasm|js|css)$/.test(f)));
console.log(`\nLargest first page: ${worst[0]}, ${kib(worst[1].gz)} KiB gzip. Whole app: ${kib(all.gz)} KiB gzip.`);
