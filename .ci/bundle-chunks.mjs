// Rewrites a split cargo-leptos build so that a page fetches its wasm chunks in one response
// (server/src/http/bundles.rs) instead of one request per chunk.
//
// Usage: node .ci/bundle-chunks.mjs target/site/pkg
//
// * The split loader (`__wasm_split.*.js`, written by cargo-leptos' splitter) fetches each chunk
//   with `fetch(new URL("./chunk_12.wasm", import.meta.url))`. Those calls become
//   `__bundled("chunk_12")`: every chunk asked for within one task (a lazy route asks for all of
//   its chunks at once) goes into one `GET pkg/bundle/<names>.wasm`, names sorted, `c12` for
//   `chunk_12`; the response frames each module with its name.
// * The split manifest (`__wasm_split_manifest.json`), from which the server writes a page's
//   `<link rel="preload">` hints, then lists for each lazy route that same bundle, so the browser
//   preloads exactly the URL the loader will ask for. The manifest as the splitter wrote it is
//   kept as `__wasm_split_chunks.json` (`.ci/wasm-size.mjs` measures from it).
//
// Running it again on a rewritten build changes nothing; a loader of another shape stops the
// build, rather than shipping a site whose chunks never load.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MARKER = "/* LeadLoom: chunks in bundles (.ci/bundle-chunks.mjs) */";

// The token a chunk has in a bundle's name, and the order of tokens in it. The loader's runtime
// below uses the same two, so its first request for a page is the URL the page preloads.
const token = (stem) => (stem.startsWith("chunk_") ? `c${stem.slice("chunk_".length)}` : stem);
const byToken = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const bundlePath = (stems) => `bundle/${stems.map(token).sort(byToken).join(".")}`;

const RUNTIME = `${MARKER}
const __bundledModules = new Map();
let __pendingModules = null;
const __bundleToken = ${token.toString()};
const __byToken = ${byToken.toString()};
function __bundled(stem) {
    let bytes = __bundledModules.get(stem);
    if (bytes === undefined) {
        if (__pendingModules === null) {
            __pendingModules = [];
            queueMicrotask(__fetchBundle);
        }
        bytes = new Promise((resolve, reject) =>
            __pendingModules.push({ stem, token: __bundleToken(stem), resolve, reject }));
        __bundledModules.set(stem, bytes);
    }
    return bytes;
}
async function __fetchBundle() {
    const modules = __pendingModules.sort((a, b) => __byToken(a.token, b.token));
    __pendingModules = null;
    try {
        const url = new URL(\`./bundle/\${modules.map((m) => m.token).join(".")}.wasm\`, import.meta.url);
        const response = await fetch(url);
        if (!response.ok) throw new Error(\`\${url}: HTTP \${response.status}\`);
        // Each module: its name (a byte of length, then the name), its length (four bytes,
        // little-endian), its bytes; in the server's order (server/src/http/bundles.rs).
        const body = await response.arrayBuffer();
        const view = new DataView(body);
        const parts = new Map();
        let at = 0;
        while (at < body.byteLength) {
            const nameLength = view.getUint8(at);
            const name = String.fromCharCode(...new Uint8Array(body, at + 1, nameLength));
            at += 1 + nameLength;
            const length = view.getUint32(at, true);
            if (at + 4 + length > body.byteLength) throw new Error(\`\${url}: cut short\`);
            parts.set(name, new Uint8Array(body, at + 4, length));
            at += 4 + length;
        }
        const missing = modules.filter((m) => !parts.has(m.token)).map((m) => m.token);
        if (missing.length) throw new Error(\`\${url}: no \${missing.join(", ")}\`);
        for (const m of modules) m.resolve(parts.get(m.token));
    } catch (error) {
        // Forgotten, so that loading the route again asks again.
        for (const m of modules) {
            __bundledModules.delete(m.stem);
            m.reject(error);
        }
    }
}
async function __instantiateBundled(bytes, imports) {
    return WebAssembly.instantiate(await bytes, imports);
}
// One loader per chunk, made when a lazy function first names it; lazy functions name their
// chunks as ranges ("38-51,62"): see COMPACT below.
const __chunkLoads = [];
const __chunk = (n) => (__chunkLoads[n] ??= makeLoad(() => {
    const src = __bundled(\`chunk_\${n}\`);
    return async (imports) => (__instantiateBundled(src, imports));
}, []));
const __chunks = (ranges) => ranges.split(",").flatMap((range) => {
    const [first, last = first] = range.split("-").map(Number);
    return Array.from({ length: last - first + 1 }, (_, i) => __chunk(first + i));
});
`;

const fail = (message) => {
  console.error(`bundle-chunks: ${message}`);
  process.exit(1);
};

// COMPACT: the splitter writes, for each of its ~1,000 chunks, a comment naming every lazy
// function that uses it and a loader of five lines, and for each lazy function the list of its
// chunks' loaders by name. Every page loads this file before hydrating: it was 680 KB raw and
// 25 KiB gzip, more than most pages' own code. Without the comments, with one loader made on
// demand per chunk number (`__chunk` in RUNTIME, the same loader each time, as before) and each
// lazy function's chunks as ranges of numbers, it says the same in a few KiB
// (docs/benchmarks.md, "The split loader, compacted"). Any other shape stops the build.
const CHUNK_LOADER =
  /^const __chunk_(\d+) = makeLoad\(\(\) => \{\n {4}const src = __bundled\("chunk_\1"\);\n {4}return async \(imports\) => \(__instantiateBundled\(src, imports\)\);\n\}\n, \[\]\);\n/gm;
const ranges = (numbers) => {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.join(",");
};
function compact(source) {
  // The splitter's comments list lazy functions' names; they hold no `*`.
  let out = source.replace(/^\/\* [^*]*\*\/\n/gm, "");
  const defined = new Set();
  out = out.replace(CHUNK_LOADER, (_, n) => {
    defined.add(Number(n));
    return "";
  });
  const named = new Set();
  out = out.replace(/\[(__chunk_\d+(?:, __chunk_\d+)*)\]/g, (_, list) => {
    const numbers = list.split(", ").map((name) => Number(name.slice("__chunk_".length)));
    for (const n of numbers) {
      if (!defined.has(n)) fail(`the loader names chunk ${n}, which it does not define`);
      named.add(n);
    }
    return `__chunks("${ranges(numbers)}")`;
  });
  if (/__chunk_\d/.test(out)) fail("the loader names chunks in a shape this script does not compact");
  if (defined.size === 0) fail("the loader defines no chunk in the shape this script compacts");
  console.log(`bundle-chunks: ${defined.size} chunk loaders made on demand, ${named.size} named by lazy functions`);
  return out;
}

const [pkg] = process.argv.slice(2);
if (!pkg) fail("usage: node .ci/bundle-chunks.mjs <site pkg dir>");
const loaderName = readdirSync(pkg).find((f) => /^__wasm_split\..*\.js$/.test(f));
if (!loaderName) fail(`${pkg} has no split loader: build with --split`);
const loaderPath = join(pkg, loaderName);
const manifestPath = join(pkg, "__wasm_split_manifest.json");
const chunksPath = join(pkg, "__wasm_split_chunks.json");

let loader = readFileSync(loaderPath, "utf8");
if (!loader.includes(MARKER)) {
  const fetches = /fetch\(new URL\("\.\/([A-Za-z0-9_]+)\.wasm", import\.meta\.url\)\)/g;
  const instantiations = /WebAssembly\.instantiateStreaming\(src, imports\)/g;
  const fetched = (loader.match(fetches) ?? []).length;
  const instantiated = (loader.match(instantiations) ?? []).length;
  if (fetched === 0 || fetched !== instantiated) {
    fail(`${loaderPath}: expected as many chunk fetches as instantiations, found ${fetched} and ${instantiated}`);
  }
  loader = loader.replace(fetches, '__bundled("$1")').replace(instantiations, "__instantiateBundled(src, imports)");
  loader = compact(loader);
  // After the loader's import line, before its loaders are defined.
  const firstLineEnd = loader.indexOf("\n") + 1;
  loader = loader.slice(0, firstLineEnd) + RUNTIME + loader.slice(firstLineEnd);
  writeFileSync(loaderPath, loader);
  console.log(`bundle-chunks: ${loaderName}: ${fetched} chunk fetches go through bundles`);
}

const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
// A lazy function whose code all stayed in the main module has no files, and keeps none.
const rewritten = Object.values(manifest).every(
  (files) => files.length === 0 || (files.length === 1 && files[0].startsWith("bundle/")),
);
if (!rewritten) {
  writeFileSync(chunksPath, JSON.stringify(manifest, null, 2));
  const bundles = Object.fromEntries(Object.entries(manifest).map(([key, files]) => [key, files.length ? [bundlePath(files)] : []]));
  writeFileSync(manifestPath, JSON.stringify(bundles, null, 2));
  console.log(`bundle-chunks: ${Object.keys(bundles).length} lazy functions preload one bundle each`);
} else if (!existsSync(chunksPath)) {
  fail(`${manifestPath} is rewritten but ${chunksPath} is missing: rebuild the site`);
}
