#!/usr/bin/env bash
# Creates the speech host's virtualenv and installs speech-host/requirements.txt into it.
# Idempotent: when the virtualenv already holds these exact requirements it returns at once.
# Prints nothing on the fast path; exits 3 (with the fix on stderr) when python3 or its venv
# module is missing. SPEECH_HOST_VENV overrides the place (default .cache/speech-host/venv).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${SPEECH_HOST_VENV:-$(dirname "$HERE")/.cache/speech-host/venv}"
REQUIREMENTS="$HERE/requirements.txt"

if ! command -v python3 >/dev/null 2>&1; then
  echo "speech host: python3 not found; install it (Debian: apt-get install python3 python3-venv)" >&2
  exit 3
fi
want="$(python3 --version 2>&1) $(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
stamp="$VENV/.nerve-requirements"
[ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0

mkdir -p "$(dirname "$VENV")"
# Two setups at once (npm start and a test) must not install into one virtualenv together.
exec 9>"$VENV.lock"
command -v flock >/dev/null 2>&1 && flock 9
[ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && exit 0

echo "speech host: installing faster-whisper and the tiny.en model into $VENV ..." >&2
rm -rf "$VENV"
if ! python3 -m venv "$VENV" >&2; then
  rm -rf "$VENV"
  echo "speech host: python3 cannot create a virtualenv; install its venv module (Debian: apt-get install python3-venv)" >&2
  exit 3
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" >&2
echo "$want" >"$stamp"
echo "speech host: ready" >&2
