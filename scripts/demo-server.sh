#!/usr/bin/env bash
# Remote mode, end to end: starts its own server on a free loopback port with a
# throwaway store, logs in as an account owner, runs commands remotely, stops
# the server. Run by `make demo-server`.
set -euo pipefail

# The demo must never touch a real store or config: its own directory or nothing at all.
if ! DEMO="$(mktemp -d -t guance-billing-demo-server.XXXXXX)" || [[ ! -d "$DEMO" ]]; then
    echo "demo-server: cannot create a temporary directory (TMPDIR=${TMPDIR:-/tmp}); nothing was run" >&2
    exit 1
fi
SERVER_HOME="$DEMO/server"
while read -r name; do unset "$name"; done < <(compgen -e | grep '^GUANCE_BILLING_' || true)
export GUANCE_BILLING_HOME="$DEMO/client"
export NO_COLOR=1
STORE="sqlite:///$SERVER_HOME/billing.db"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$DEMO"
}
trap cleanup EXIT
# a command line as it would be typed: an argument with a space or a quote keeps its quotes
shown() {
    local out="" arg
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
            out+=" $arg"
        else
            out+=" '${arg//\'/\'\\\'\'}'"
        fi
    done
    printf '%s\n' "${out# }"
}
gb() { echo; echo "\$ guance-billing $(shown "$@")"; guance-billing "$@"; }
admin() { GUANCE_BILLING_HOME="$SERVER_HOME" guance-billing --store "$STORE" "$@"; }

echo "Demo dir (thrown away afterwards): $DEMO"
echo; echo "\$ guance-billing server migrate --store $STORE"
admin server migrate
echo; echo "\$ guance-billing server run --store ... --port $PORT &"
GUANCE_BILLING_HOME="$SERVER_HOME" guance-billing server run --store "$STORE" \
    --host 127.0.0.1 --port "$PORT" --no-access-log 2>"$DEMO/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]+'/healthz', timeout=1)" "$URL" 2>/dev/null && break
    sleep 0.1
done

echo; echo "\$ guance-billing server token create --name demo-support --role support --json  # on the server host"
SUPPORT=$(admin server token create --name demo-support --role support --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "(token kept in \$SUPPORT; it is shown only once)"

export GUANCE_BILLING_SERVER="$URL"
echo; printf '%s\n' "\$ printf '%s\n' \"\$PASSWORD\" | GUANCE_BILLING_TOKEN=\$SUPPORT guance-billing account create --username acme ... --password-stdin"
printf '%s\n' 'Demo-Passw0rd!' | GUANCE_BILLING_TOKEN="$SUPPORT" guance-billing account create \
    --username acme --company-name "Acme Ltd" --email ops@acme.example.com \
    --phone +8613800138000 --password-stdin
GUANCE_BILLING_TOKEN="$SUPPORT" guance-billing account create --username globex \
    --company-name "Globex Corp" --email billing@globex.example.com --phone +8613900139000 >/dev/null

echo; printf '%s\n' "\$ printf '%s\n' \"\$PASSWORD\" | guance-billing auth login --server $URL --email ops@acme.example.com --password-stdin --insecure-storage"
echo "(no desktop keyring here, so the token goes to a 0600 file; with a keyring it goes there)"
printf '%s\n' 'Demo-Passw0rd!' | PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring \
    guance-billing auth login --server "$URL" --email ops@acme.example.com \
    --password-stdin --insecure-storage
export PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
gb auth status
gb profile update --region "Hangzhou, CN" --contact-name "Li Lei"
gb profile show
echo; echo "\$ guance-billing profile show --account globex   # another account: refused (exit 5)"
guance-billing profile show --account globex || echo "(exit $?)"
echo; echo "\$ curl -H 'Authorization: Bearer ...' $URL/v1/accounts/acme   # the same operation over plain HTTP"
python3 - "$URL" "$SUPPORT" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/v1/accounts/acme", headers={"Authorization": "Bearer " + sys.argv[2]})
print(json.dumps({k: v for k, v in json.load(urllib.request.urlopen(req)).items() if k in ("id", "username", "region")}))
PY
gb auth logout
echo; echo "\$ guance-billing profile show   # logged out: exit 4"
guance-billing profile show || echo "(exit $?)"

echo; echo "Stopping the server."
echo "Demo finished."
