// Computes what each page downloads from a split cargo-leptos build (see .ci/wasm-size).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [pkg, name] = process.argv.slice(2);
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const size = (file) => {
  const bytes = readFileSync(join(pkg, file));
  return { raw: bytes.length, gz: gz(bytes) };
};
const kib = (n) => (n / 1024).toFixed(1);
const loader = readdirSync(pkg).find((f) => f.startsWith("__wasm_split") && f.endsWith(".js"));
const shell = [`${name}.wasm`, `${name}.js`, `${name}.css`, loader].filter(Boolean);
// After .ci/bundle-chunks.mjs a page fetches its chunks as one bundle (server/src/http/bundles.rs),
// compressed as one body; the splitter's own list of each route's chunks is then kept in
// __wasm_split_chunks.json.
const bundled = existsSync(join(pkg, "__wasm_split_chunks.json"));
const manifest = JSON.parse(
  readFileSync(join(pkg, bundled ? "__wasm_split_chunks.json" : "__wasm_split_manifest.json"), "utf8"),
);
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
// What the server sends (server/src/http/precompressed.rs): each shell file and each page's
// bundle compressed once with the server's own Zopfli settings, measured by
// `cargo run -p server --example gzip_sizes`. The bodies are written to a scratch directory.
const scratch = mkdtempSync(join(tmpdir(), "wasm-size-"));
const servedBodies = [];
const served = (bytes) => {
  const file = join(scratch, `${servedBodies.length}.bin`);
  writeFileSync(file, bytes);
  servedBodies.push(file);
  return file;
};
const shellServed = shell.map((f) => served(readFileSync(join(pkg, f))));
const bundleBody = (files) => {
  // As the server frames them: smallest first, each with its name and length.
  const modules = files
    .map((f) => ({ name: f.replace(/^chunk_/, "c"), bytes: readFileSync(join(pkg, `${f}.wasm`)) }))
    .sort((a, b) => a.bytes.length - b.bytes.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Buffer.concat(
    modules.flatMap(({ name, bytes }) => [
      Buffer.from([name.length]),
      Buffer.from(name),
      Buffer.from(new Uint32Array([bytes.length]).buffer),
      bytes,
    ]),
  );
};
const bundle = (files) => {
  const body = bundleBody(files);
  return { raw: body.length, gz: gz(body), files: 1, served: [served(body)] };
};
const page = (route) => {
  if (!bundled) {
    const files = [...new Set([...shell, ...routes[route].map((f) => `${f}.wasm`)])];
    return { ...total(files), served: files.map((f) => served(readFileSync(join(pkg, f)))) };
  }
  const chunks = bundle(routes[route]);
  return {
    raw: base.raw + chunks.raw,
    gz: base.gz + chunks.gz,
    files: base.files + chunks.files,
    served: [...shellServed, ...chunks.served],
  };
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
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const zopfli = new Map(
  execFileSync("cargo", ["run", "-q", "-p", "server", "--example", "gzip_sizes", "--", ...servedBodies], {
    cwd: root,
    maxBuffer: 1 << 26,
    stdio: ["ignore", "pipe", "inherit"],
  })
    .toString()
    .trim()
    .split("\n")
    .map((line) => line.split("\t"))
    .map(([file, , gzBytes]) => [file, Number(gzBytes)]),
);
rmSync(scratch, { recursive: true, force: true });
const servedSize = (files) => files.reduce((sum, f) => sum + zopfli.get(f), 0);
// Files: how many requests the page makes for them (one for its chunks when bundled, else one
// per chunk).
// Served: what the server sends a browser that takes gzip (Zopfli, above); gzip -9 is kept to
// compare with the figures measured before the server precompressed.
console.log(`| page | files | raw KiB | gzip -9 KiB | served (Zopfli gzip) KiB |`);
console.log(`|---|---:|---:|---:|---:|`);
console.log(
  `| shell only (${shell.join(", ")}) | ${base.files} | ${kib(base.raw)} | ${kib(base.gz)} | ${kib(servedSize(shellServed))} |`,
);
for (const [r, s] of rows) {
  const label = inWorkspace.has(r) ? `/w/:slug/… ${r} (with the workspace layout)` : r;
  console.log(`| ${label} | ${s.files} | ${kib(s.raw)} | ${kib(s.gz)} | ${kib(servedSize(s.served))} |`);
}
const worst = rows.reduce((a, b) => (servedSize(b[1].served) > servedSize(a[1].served) ? b : a));
const all = total(readdirSync(pkg).filter((f) => /\.(wasm|js|css)$/.test(f)));
console.log(
  `\nLargest first page: ${worst[0]}, ${kib(servedSize(worst[1].served))} KiB served (${kib(worst[1].gz)} KiB gzip -9). Whole app: ${kib(all.gz)} KiB gzip -9.`,
);
