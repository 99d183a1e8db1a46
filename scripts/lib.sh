# Shared by scripts/dev and scripts/test: install what a fresh machine lacks, idempotently.
# Needs only Node (>= 20.19), npm and Go on PATH.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPORAL_CLI_VERSION="v1.5.1"
# Built binaries live outside the checkout so a fresh clone on the same machine reuses them.
TOOLS_DIR="${SIGNALBOX_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/signalbox/tools}"

say() { printf '\033[1;34m[signalbox]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[signalbox]\033[0m %s\n' "$*" >&2; exit 1; }

require_command() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required but not on PATH ($2)"
}

ensure_node_modules() {
  require_command node "install Node.js 20.19 or newer"
  require_command npm "it comes with Node.js"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "Node.js >= 20.19 is required (found $(node --version))"
  local stamp="$ROOT/node_modules/.signalbox-lock-hash"
  local want
  want="$(node -e 'const c=require("crypto");process.stdout.write(c.createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex"))' "$ROOT/package-lock.json")"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    # `npm install` honours package-lock.json like `npm ci`, but tolerates optional
    # per-platform packages that a registry mirror does not serve (npm ci refuses those).
    say "Installing npm packages…"
    (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error) || die "npm install failed"
    printf '%s' "$want" > "$stamp"
  fi
}

ensure_temporal_cli() {
  export SIGNALBOX_TEMPORAL_BIN="$TOOLS_DIR/temporal-$TEMPORAL_CLI_VERSION"
  [ -x "$SIGNALBOX_TEMPORAL_BIN" ] && return 0
  require_command go "Go builds the Temporal CLI dev server"
  say "Building the Temporal CLI $TEMPORAL_CLI_VERSION (first run only: about 6-7 minutes cold on 2 cores)…"
  local tmp
  tmp="$(mktemp -d)"
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" \
    || die "go install of the Temporal CLI failed"
  mkdir -p "$TOOLS_DIR"
  mv "$tmp/temporal" "$SIGNALBOX_TEMPORAL_BIN"
  rm -rf "$tmp"
}

ensure_ferretdb() {
  # The binary name carries a hash of its sources, so editing tools/ferretdb rebuilds it.
  local hash
  hash="$(cat "$ROOT"/tools/ferretdb/go.mod "$ROOT"/tools/ferretdb/go.sum "$ROOT"/tools/ferretdb/*.go | sha256sum | cut -c1-12)"
  export SIGNALBOX_FERRETDB_BIN="$TOOLS_DIR/signalbox-ferretdb-$hash"
  [ -x "$SIGNALBOX_FERRETDB_BIN" ] && return 0
  require_command go "Go builds the embedded FerretDB"
  say "Building FerretDB v1.24.2 (first run only: about 2-3 minutes cold)…"
  mkdir -p "$TOOLS_DIR"
  (cd "$ROOT/tools/ferretdb" && GOFLAGS=-buildvcs=false go build -o "$SIGNALBOX_FERRETDB_BIN.tmp" .) || die "building FerretDB failed"
  mv "$SIGNALBOX_FERRETDB_BIN.tmp" "$SIGNALBOX_FERRETDB_BIN"
}

ensure_compose() {
  # `docker compose config` validates docker-compose.yml without an engine. Use the machine's
  # plugin when it has one; otherwise build Compose v2 once (about 3 minutes cold).
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
    return 0
  fi
  local bin="$TOOLS_DIR/docker-compose-v2.29.7"
  if [ ! -x "$bin" ]; then
    require_command go "Go builds Docker Compose to validate docker-compose.yml"
    say "Building Docker Compose v2.29.7 to validate docker-compose.yml (first run only: about 3 minutes cold)…"
    local tmp
    tmp="$(mktemp -d)"
    GOBIN="$tmp" GOFLAGS=-buildvcs=false go install github.com/docker/compose/v2/cmd@v2.29.7 || die "building Docker Compose failed"
    mkdir -p "$TOOLS_DIR"
    mv "$tmp/cmd" "$bin"
    rm -rf "$tmp"
  fi
  COMPOSE=("$bin")
}

ensure_chromium() {
  # The tracker's browser tests drive Debian's chromium with playwright-core (Playwright's own
  # browser download needs more than the package registries). Installed once, as root, with apt.
  local bin="${SIGNALBOX_CHROMIUM_BIN:-}"
  [ -n "$bin" ] && [ -x "$bin" ] || bin="$(command -v chromium || true)"
  if [ -z "$bin" ]; then
    require_command apt-get "install chromium for the browser tests (or set SIGNALBOX_CHROMIUM_BIN)"
    say "Installing chromium for the browser tests (first run only)…"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null \
      || die "apt-get install chromium failed"
    bin="$(command -v chromium)" || die "chromium is not on PATH after installing it"
  fi
  export SIGNALBOX_CHROMIUM_BIN="$bin"
}
