#!/usr/bin/env bash
# The main job, end to end, on a throwaway local store. Run by `make demo`.
set -euo pipefail

export GUANCE_BILLING_HOME="$(mktemp -d -t guance-billing-demo.XXXXXX)"
trap 'rm -rf "$GUANCE_BILLING_HOME"' EXIT
export NO_COLOR=1
gb() { echo; echo "\$ guance-billing $*"; guance-billing "$@"; }

echo "Demo home (thrown away afterwards): $GUANCE_BILLING_HOME"

# --- accounts and profile -----------------------------------------------------
gb account create --username acme --company-name "Acme Ltd" \
    --email ops@acme.example.com --phone +8613800138000 --industry internet
gb account create --username globex --company-name "Globex Corp" \
    --email billing@globex.example.com --phone +8613900139000
gb account use acme
gb profile update --region "Hangzhou, CN" --contact-name "Li Lei" \
    --description "Observability for the whole group"
gb profile show
gb account list
echo; echo "\$ guance-billing profile show --json | head -5"
guance-billing profile show --json | head -5

# --- more sections are added by later features below ---------------------------

# --- email change: codes read back from the Maildir outbox ------------------------
# the latest code sent to $1, read as any mail reader would (mailbox.Maildir)
mail_code() {
    python3 -c 'import mailbox,re,sys; b=mailbox.Maildir(sys.argv[1],create=False); m=max((m for m in b if m["To"]==sys.argv[2]), key=lambda m: m.get_date()); print(re.search(r"(?<!\d)\d{6}(?!\d)", m.get_payload(decode=True).decode()).group())' \
        "$GUANCE_BILLING_HOME/outbox/mail" "$1"
}
gb --no-input email change --new-email admin@acme.example.com
REQ="$(guance-billing email status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["request_id"])')"
echo; echo "\$ mail_code ops@acme.example.com | guance-billing email verify $REQ --code-stdin"
mail_code ops@acme.example.com | guance-billing email verify "$REQ" --code-stdin
echo; echo "\$ mail_code admin@acme.example.com | guance-billing email verify $REQ --code-stdin --json"
mail_code admin@acme.example.com | guance-billing email verify "$REQ" --code-stdin --json
gb account show admin@acme.example.com
echo; echo "\$ guance-billing account show ops@acme.example.com"
if ! guance-billing account show ops@acme.example.com; then
    echo "(exit 3: the old address no longer finds the account)"
fi

# --- phone change: codes read back from the SMS outbox (JSON lines) ----------------
sms_code() {
    python3 -c 'import json,re,sys; l=[json.loads(x) for x in open(sys.argv[1]) if json.loads(x)["to"]==sys.argv[2]]; print(re.search(r"(?<!\d)\d{6}(?!\d)", l[-1]["text"]).group())' \
        "$GUANCE_BILLING_HOME/outbox/sms.jsonl" "$1"
}
echo; echo "\$ guance-billing phone change --new-phone +8613812345678 --json  # request_id:"
REQ="$(guance-billing phone change --new-phone +8613812345678 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["request_id"])')"
echo "$REQ"
echo; echo "\$ sms_code +8613800138000 | guance-billing phone verify $REQ --code-stdin --json  # state:"
sms_code +8613800138000 | guance-billing phone verify "$REQ" --code-stdin --json | grep '"state"'
echo; echo "\$ sms_code +8613812345678 | guance-billing phone verify $REQ --code-stdin --json  # state:"
sms_code +8613812345678 | guance-billing phone verify "$REQ" --code-stdin --json | grep '"state"'
gb phone status "$REQ"

echo; echo "Demo finished."
