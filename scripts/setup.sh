#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install ftzsim with its test extras.
# Idempotent: a second call only checks that the install is current.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for cand in python3.13 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$cand"; return 0
    fi
  done
  # pyenv installs (the machines have 3.12.1 and 3.13.0 there; .python-version picks 3.12.1)
  for d in "$HOME"/.pyenv/versions/3.1[2-9]* /root/.pyenv/versions/3.1[2-9]*; do
    [ -x "$d/bin/python3" ] && { echo "$d/bin/python3"; return 0; }
  done
  return 1
}

if [ ! -x .venv/bin/python ]; then
  PY=$(find_python) || { echo "error: Python >= 3.12 not found (Mesa 3.5 needs it)" >&2; exit 1; }
  "$PY" -m venv .venv
fi
stamp=.venv/.ftzsim-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$stamp"
fi
# the model's compiled loops, built ahead of time for this CPU (about 10 s; again only when
# their source changed): a new process then starts its first run ~0.5 s sooner. Without a C
# compiler the model runs on numba's JIT instead, with the same results.
.venv/bin/python -m ftzsim.model.build --if-stale --quiet || echo "note: running the model's loops on numba's JIT" >&2
# ftzsim's own bytecode, written now: pip compiles what it installs, but not an editable
# install's sources, and where PYTHONDONTWRITEBYTECODE is set (as on these machines) Python
# would otherwise compile every ftzsim module from source in every new process, worker and
# command (tens of milliseconds of CPU each). Stale files are ignored, never used.
.venv/bin/python -m compileall -q ftzsim >/dev/null || echo "note: could not write ftzsim's bytecode" >&2

# a font that draws Chinese, for figures drawn with --lang zh (Debian's WenQuanYi Micro Hei)
if ! fc-list 2>/dev/null | grep -qi -E "wenquanyi|noto sans cjk"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || \
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null)) || \
      echo "note: could not install fonts-wqy-microhei: --lang zh figures will be refused" >&2
  else
    echo "note: no CJK font and not root: install fonts-wqy-microhei for --lang zh figures" >&2
  fi
fi
