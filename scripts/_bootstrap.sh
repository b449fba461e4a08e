# Sourced by scripts/run and scripts/test: make .venv and install pinned requirements.
# Reinstalls only when the requirements files change (a stamp holds their hash).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
REQ="${1:-requirements.txt}"
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv（creating virtualenv）"
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$REQ")"
want="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "==> 安装依赖 $REQ（installing pinned requirements）"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQ"
  echo "$want" > "$stamp"
fi
