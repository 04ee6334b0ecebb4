# shellcheck shell=bash
# Helpers sourced by .ci/serve, .ci/test and .ci/wasm-size. Each `ensure_*` installs what is
# missing and is silent-but-one-line when everything is already there, so scripts can call them on
# every run. Sourcing this file enables strict mode and changes into the repository root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
cd "$ROOT"

# Pinned tool versions. The wasm-bindgen CLI must equal the `wasm-bindgen` crate in Cargo.lock.
CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130
WASM_TARGET=wasm32-unknown-unknown
CHROMIUM=/usr/bin/chromium
# The release binary that `cargo leptos build --release` produces.
# shellcheck disable=SC2034 # used by the scripts that source this file
LEADLOOM_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/leadloom"

# PostgreSQL used by the integration tests (trust auth on the local cluster).
: "${LEADLOOM_TEST_POSTGRES_URL:=postgres://postgres@127.0.0.1:5432/postgres}"
export LEADLOOM_TEST_POSTGRES_URL

# Every crate is compiled with `--cfg erase_components` (.cargo/config.toml): Leptos then erases
# view types, which makes the wasm about a fifth smaller. It changes the server's HTML too (a
# fragment ends with a marker), so the server and the wasm must both have it or hydration fails.
# A RUSTFLAGS variable replaces the config's flags instead of adding to them: refuse one that
# would drop the cfg rather than build a server and a wasm that do not match.
for _var in RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS; do
  if [[ -n "${!_var:-}" && "${!_var}" != *erase_components* ]]; then
    printf 'error: %s is set (%s) and replaces .cargo/config.toml'"'"'s --cfg erase_components; add it or unset %s\n' \
      "$_var" "${!_var}" "$_var" >&2
    exit 1
  fi
done
unset _var

# Binaries installed by `cargo install` live here; fresh shells may not have it on PATH yet.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in
  *":$CARGO_BIN:"*) ;;
  *) export PATH="$CARGO_BIN:$PATH" ;;
esac

if [[ -t 1 ]]; then _BOLD=$'\e[1m' _RED=$'\e[31m' _YELLOW=$'\e[33m' _RESET=$'\e[0m'; else _BOLD='' _RED='' _YELLOW='' _RESET=''; fi

step() { printf '%s==> %s%s\n' "$_BOLD" "$*" "$_RESET"; }
info() { printf '    %s\n' "$*"; }
warn() {
  {
    printf '%s!!! ==================================================================\n' "$_YELLOW"
    printf '!!! WARNING: %s\n' "$1"
    shift
    if (($#)); then printf '!!!          %s\n' "$@"; fi
    printf '!!! ==================================================================%s\n' "$_RESET"
  } >&2
}
die() { printf '%serror:%s %s\n' "$_RED" "$_RESET" "$*" >&2; exit 1; }
is_ci() { [[ "${CI:-}" == "true" || "${CI:-}" == "1" ]]; }
is_root() { [[ "$(id -u)" == 0 ]]; }

# Succeeds when `<cmd> --version` prints exactly the given version as a word (e.g. "wasm-bindgen 0.2.130").
has_version() {
  local want=$1
  shift
  local out
  out="$("$@" --version 2>/dev/null)" || return 1
  [[ " ${out//$'\n'/ } " == *" $want "* || " ${out//$'\n'/ } " == *" v$want "* ]]
}

# apt-get update runs at most once per script run.
_APT_UPDATED=0
apt_install() {
  is_root || die "need to install Debian package(s) '$*' but not running as root: run 'sudo apt-get install -y $*' and retry"
  if [[ $_APT_UPDATED == 0 ]]; then
    info "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
    _APT_UPDATED=1
  fi
  info "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# Rust toolchain: wasm32 target, rustfmt + clippy, cargo-leptos and the wasm-bindgen CLI.
ensure_toolchain() {
  command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs) and retry"
  command -v rustup >/dev/null || die "rustup not found: install Rust with rustup (https://rustup.rs) and retry"

  local lock_version
  lock_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock 2>/dev/null || true)"
  if [[ -n "$lock_version" && "$lock_version" != "$WASM_BINDGEN_VERSION" ]]; then
    die "Cargo.lock has wasm-bindgen $lock_version but .ci/lib.sh pins the CLI to $WASM_BINDGEN_VERSION: keep them equal"
  fi

  local installed
  installed="$(rustup target list --installed)"
  if ! grep -qx "$WASM_TARGET" <<<"$installed"; then
    step "rustup target add $WASM_TARGET"
    rustup target add "$WASM_TARGET"
  fi
  installed="$(rustup component list --installed)"
  local component
  for component in rustfmt clippy; do
    if ! grep -q "^$component" <<<"$installed"; then
      step "rustup component add $component"
      rustup component add "$component"
    fi
  done
  # The release wasm compiles its own standard library from rust-src (build_release_site); without
  # it the site is built all the same, only larger.
  if ! grep -q "^rust-src" <<<"$installed"; then
    step "rustup component add rust-src"
    rustup component add rust-src || warn "could not add rust-src: the release site will be built without its size options"
  fi

  if ! has_version "$CARGO_LEPTOS_VERSION" cargo leptos; then
    step "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (takes ~15 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  if ! has_version "$WASM_BINDGEN_VERSION" wasm-bindgen; then
    step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi
  has_version "$CARGO_LEPTOS_VERSION" cargo leptos || die "cargo leptos --version does not report $CARGO_LEPTOS_VERSION"
  has_version "$WASM_BINDGEN_VERSION" wasm-bindgen || die "wasm-bindgen --version does not report $WASM_BINDGEN_VERSION ($(command -v wasm-bindgen || echo 'not on PATH'))"
  step "toolchain ok: $(rustc --version | cut -d' ' -f1-2), $WASM_TARGET, cargo-leptos $CARGO_LEPTOS_VERSION, wasm-bindgen $WASM_BINDGEN_VERSION"
}

# The release site (wasm, JS, CSS, assets) in target/site. The wasm compiles its own standard
# library for size (cargo's `-Zbuild-std` with std's `optimize_for_size`), and its panics abort at
# once without formatting a message or recording where they happened (`-Cpanic=immediate-abort`,
# `-Zlocation-detail=none`): every page downloads 6–11 % less (docs/benchmarks.md, "Standard
# library built for size"). These are unstable options of the stable compiler; RUSTC_BOOTSTRAP=1
# allows them for this build alone, whose output lives in its own target directory
# (target/front). The server, the tests, clippy and debug builds never see them, so a panic in a
# debug build still prints its message. A compiler without `-Cpanic=immediate-abort` (before Rust
# 1.92) or a toolchain without rust-src builds the plain release site, larger, and says so. The
# split loader is then rewritten to fetch a page's chunks in one response (.ci/bundle-chunks.mjs).
build_release_site() {
  # The wasm-only flags replace .cargo/config.toml's build.rustflags for the wasm, so they repeat
  # its `--cfg erase_components` (the server has it from the config; both sides need it).
  local size_env=(
    RUSTC_BOOTSTRAP=1
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
  )
  local size_args=(--lib-cargo-args=-Zbuild-std=std,panic_abort --lib-cargo-args=-Zbuild-std-features=optimize_for_size)
  local missing=""
  if ! RUSTC_BOOTSTRAP=1 rustc -Zunstable-options -Cpanic=immediate-abort --print cfg --target "$WASM_TARGET" 2>/dev/null |
    grep -qx 'panic="immediate-abort"'; then
    missing="$(rustc --version) has no -Cpanic=immediate-abort (Rust 1.92 and newer have it)."
  elif [[ ! -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/std" ]]; then
    missing="rustup's rust-src component is missing (rustup component add rust-src)."
  fi
  if [[ -n "$missing" ]]; then
    warn "$missing" "Building the release site without its size options: every page downloads 6-11 % more."
    size_env=() size_args=()
  fi
  env "${size_env[@]}" cargo leptos build --release --split --frontend-only "${size_args[@]}"
  # One request per page load for the chunks, compressed as one body (server/src/http/bundles.rs).
  node "$ROOT/.ci/bundle-chunks.mjs" "$ROOT/target/site/pkg"
}

# npm packages of end2end/ (wasm-opt, sass, chart.js, Playwright), then puts their bin first on PATH
# so cargo-leptos finds npm's wasm-opt and sass (Debian's binaryen breaks hydration).
ensure_npm() {
  command -v node >/dev/null || die "node not found: install Node.js 20 or newer with npm and retry"
  command -v npm >/dev/null || die "npm not found: install npm and retry"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  ((major >= 20)) || die "Node.js $(node --version) is too old: 20 or newer is needed"

  local dir="$ROOT/end2end"
  if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    step "npm ci (end2end)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  case ":$PATH:" in
    ":$dir/node_modules/.bin:"*) ;;
    *) export PATH="$dir/node_modules/.bin:$PATH" ;;
  esac
  # Chart.js for the analytics page's charts: served by the site from frontend/assets/vendor
  # (not committed; cargo-leptos copies assets into the site on every build).
  local chart="$dir/node_modules/chart.js/dist/chart.umd.min.js" vendor="$ROOT/frontend/assets/vendor"
  [[ -f "$chart" ]] || die "chart.js is missing from end2end/node_modules (run npm ci in end2end)"
  if ! cmp -s "$chart" "$vendor/chart.umd.js"; then
    mkdir -p "$vendor"
    cp "$chart" "$vendor/chart.umd.js"
  fi
  local tool
  for tool in wasm-opt sass; do
    [[ "$(command -v "$tool")" == "$dir/node_modules/.bin/$tool" ]] || die "$tool is not taken from end2end/node_modules/.bin (run npm ci in end2end)"
  done
  step "npm ok: $(wasm-opt --version | cut -d' ' -f1-3), sass $(sass --version | cut -d' ' -f1), playwright $(node -p "require('$dir/node_modules/@playwright/test/package.json').version")"
}

# Debian's Chromium: the only browser Playwright uses (never `npx playwright install`).
ensure_chromium() {
  if [[ ! -x "$CHROMIUM" ]]; then
    step "installing Chromium"
    apt_install chromium
    [[ -x "$CHROMIUM" ]] || die "$CHROMIUM still missing after apt-get install chromium"
  fi
  command -v curl >/dev/null || { step "installing curl"; apt_install curl ca-certificates; }
  # Emoji in messages (the composer's picker, previews, conversations) and in screenshots.
  dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || { step "installing the colour emoji font"; apt_install fonts-noto-color-emoji; }
  step "chromium ok: $("$CHROMIUM" --version 2>/dev/null | head -n1)"
}

_postgres_unavailable() {
  if is_ci; then
    die "PostgreSQL is not reachable at $LEADLOOM_TEST_POSTGRES_URL ($1); CI needs it for the integration tests"
  fi
  warn "PostgreSQL is not reachable at $LEADLOOM_TEST_POSTGRES_URL ($1)." \
    "The PostgreSQL half of the integration tests cannot run; CI (CI=true) fails here." \
    "Start it with: pg_ctlcluster --skip-systemctl-redirect <version> main start"
}

# PostgreSQL for the integration tests; starts the local Debian cluster when it is down.
ensure_postgres() {
  local url=$LEADLOOM_TEST_POSTGRES_URL
  if ! command -v pg_isready >/dev/null; then
    _postgres_unavailable "pg_isready not found: apt-get install postgresql"
    return 0
  fi
  if pg_isready -q -d "$url"; then
    step "postgres ok: $url"
    return 0
  fi
  local version=""
  if [[ -d /etc/postgresql ]]; then
    version="$(find /etc/postgresql -mindepth 2 -maxdepth 2 -type d -name main | awk -F/ '{ print $4 }' | sort -V | tail -n1)"
  fi
  if [[ -n "$version" && "$url" =~ ^postgres(ql)?://([^@/]*@)?(127\.0\.0\.1|localhost|\[::1\])([:/?]|$) ]] &&
    command -v pg_ctlcluster >/dev/null; then
    step "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    local _
    for _ in $(seq 1 30); do
      if pg_isready -q -d "$url"; then
        step "postgres ok: $url"
        return 0
      fi
      sleep 0.5
    done
  fi
  _postgres_unavailable "pg_isready failed"
}
