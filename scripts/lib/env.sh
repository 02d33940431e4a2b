# Shared by the scripts: create or update the project environment, installing only what is missing.
# Sourced, not run; callers have already `set -euo pipefail` and cd'ed to the repo root.

UV_VERSION="0.13.8"

ensure_python_env() {
  if [[ ! -x .venv/bin/uv ]]; then
    echo "==> creating .venv with uv ${UV_VERSION}"
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==${UV_VERSION}"
  fi
  # --frozen: install exactly uv.lock; a no-op taking milliseconds when nothing changed.
  .venv/bin/uv sync --quiet --frozen --all-groups
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser tests"
    if [[ "$(id -u)" -eq 0 ]]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
  fi
}

npm_ci_when_locked_changed() {
  # `npm ci` into $1 from its committed lockfile, again only when the lockfile is newer than the
  # last install. --ignore-scripts: no package gets to run code here (esbuild's binary comes from
  # its platform package, the playground needs static files only).
  local dir=$1 what=$2
  if [[ ! -f "$dir/node_modules/.package-lock.json" \
        || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "npm is missing: install Node.js 20+" >&2; return 1; }
    echo "==> installing ${what} (npm ci)"
    npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
  fi
}

ensure_playground_assets() {
  # GraphiQL and its peers from the npm registry; the devserver serves them itself.
  npm_ci_when_locked_changed devserver/playground "the playground's GraphiQL assets"
}

ensure_web_example() {
  # Amplify, esbuild and ws for examples/web (the example frontend and the Node Amplify test).
  npm_ci_when_locked_changed examples/web "the web example's packages"
}

build_web_example() {
  # examples/web into examples/web/dist, for `scripts/dev --web` (esbuild: about a second).
  ensure_web_example
  node examples/web/build.mjs >&2
}
