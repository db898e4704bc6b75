#!/usr/bin/env bash
# The main job, end to end, on a throwaway local store. Run by `make demo`.
set -euo pipefail

# The demo must never touch a real store or config: its own home or nothing at all.
if ! DEMO_HOME="$(mktemp -d -t guance-billing-demo.XXXXXX)" || [[ ! -d "$DEMO_HOME" ]]; then
    echo "demo: cannot create a temporary directory (TMPDIR=${TMPDIR:-/tmp}); nothing was run" >&2
    exit 1
fi
trap 'rm -rf "$DEMO_HOME"' EXIT
# No store, server, token, account or profile of the user's may leak in.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^GUANCE_BILLING_' || true)
export GUANCE_BILLING_HOME="$DEMO_HOME"
export NO_COLOR=1
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
    python3 -c 'import mailbox,re,sys; b=mailbox.Maildir(sys.argv[1],create=False); m=max((m for m in b if m["To"]==sys.argv[2]), key=lambda m: m.get_date()); print(re.search(r"(?<!\d)\d{6}(?!\d)", next(p for p in m.walk() if p.get_content_type()=="text/plain").get_payload(decode=True).decode()).group())' \
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

# --- cloud accounts, workspaces and settlement batches (issue 5) --------------------
# ids of the cloud accounts just registered, read from --json
AWS_CLOUD="$(guance-billing cloud add --provider aws --account-id 1234-5678-9012 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
echo; echo "\$ guance-billing cloud add --provider aws --account-id 1234-5678-9012 --json  # id: $AWS_CLOUD"
ALI_CLOUD="$(guance-billing cloud add --provider aliyun --account-id 1234567890123456 --instance-id cmgj00012345 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
echo; echo "\$ guance-billing cloud add --provider aliyun --account-id 1234567890123456 --instance-id cmgj00012345 --json  # id: $ALI_CLOUD"
BATCH="$GUANCE_BILLING_HOME/workspaces.csv"
cat > "$BATCH" <<'CSV'
id,name,site
wksp_web_us,Web (Oregon),us1
wksp_api_eu,API (Frankfurt),eu1
wksp_data_sg,Data (Singapore),ap1
wksp_shop_hz,Shop (Hangzhou),cn1
wksp_shop_hk,Shop (Hong Kong),cn6
CSV
gb workspace add --from-file "$BATCH"
gb workspace add --id wksp_jkt --name "Jakarta edge" --site id1
gb workspace list
IDS="$GUANCE_BILLING_HOME/bind-aws.txt"
printf '# CI: settle the AWS-site workspaces through AWS\nwksp_web_us\nwksp_api_eu\nwksp_data_sg\nwksp_shop_hz\n' > "$IDS"
echo; echo "\$ cat bind-aws.txt"; cat "$IDS"
echo; echo "\$ guance-billing cloud bind $AWS_CLOUD --from-file bind-aws.txt   # wksp_shop_hz is on an Alibaba site"
guance-billing cloud bind "$AWS_CLOUD" --from-file "$IDS" || echo "(exit $?: some rows refused, the others bound)"
echo; echo "\$ guance-billing cloud bind $AWS_CLOUD --from-file bind-aws.txt --output csv   # rerun: nothing changes"
guance-billing cloud bind "$AWS_CLOUD" --from-file "$IDS" --output csv || echo "(exit $?: the Alibaba-site row is still refused)"
gb cloud bind "$ALI_CLOUD" wksp_shop_hz wksp_shop_hk --json
gb cloud list
gb cloud unsubscribe "$ALI_CLOUD" --yes
echo; echo "\$ # the notice in the Maildir outbox:"
python3 -c 'import mailbox,sys; b=mailbox.Maildir(sys.argv[1],create=False); m=[m for m in b if "unsubscribed" in m["Subject"]][-1]; print("To:", m["To"]); print("Subject:", m["Subject"])' \
    "$GUANCE_BILLING_HOME/outbox/mail"
gb cloud unsubscribe "$AWS_CLOUD" --yes
gb workspace list --state countdown
gb workspace show wksp_web_us

# --- password, real-name authentication and invoices (issue 4) -----------------------
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
echo; printf '%s\n' "\$ printf 'x\ny\n' | guance-billing password change --password-stdin   # acme has no password yet"
printf 'x\ny\n' | guance-billing password change --password-stdin || echo "(exit $?: use password reset)"
PWR="$(guance-billing password reset --via phone --json | json_field request_id)"
echo; echo "\$ guance-billing password reset --via phone --json  # request_id: $PWR"
echo; echo "\$ { sms_code +8613812345678; echo 'Blue-Harbor-42'; } | guance-billing password reset $PWR --code-stdin --password-stdin"
{ sms_code +8613812345678; echo 'Blue-Harbor-42'; } | guance-billing password reset "$PWR" --code-stdin --password-stdin
echo; printf '%s\n' "\$ printf 'Not-My-Password-1\\nGreen-Valley-77\\n' | guance-billing password change --password-stdin"
printf 'Not-My-Password-1\nGreen-Valley-77\n' | guance-billing password change --password-stdin || echo "(exit $?: wrong current password)"
echo; printf '%s\n' "\$ printf 'Blue-Harbor-42\\nGreen-Valley-77\\n' | guance-billing password change --password-stdin --json"
printf 'Blue-Harbor-42\nGreen-Valley-77\n' | guance-billing password change --password-stdin --json

LICENCE="$GUANCE_BILLING_HOME/licence.pdf"
printf '%%PDF-1.4\n%% business licence scan (demo)\n%%%%EOF\n' > "$LICENCE"
gb realname submit --type enterprise --name "Acme Ltd" --tax-id 91110000600037341L --license "$LICENCE"
ADR="$(guance-billing invoice address add --recipient "Li Lei" --phone +8613800138000 \
    --email finance@acme.example.com --address "1 West Lake Rd, Hangzhou" --json | json_field id)"
echo; echo "\$ guance-billing invoice address add --recipient \"Li Lei\" ... --json  # id: $ADR"
gb invoice title add --type vat_ordinary --title "Acme Ltd" --tax-id 91110000600037341L \
    || echo "(exit $?: a title needs an approved authentication)"
gb invoice request --title-id ttl_000000000000 --address-id "$ADR" --amount 1000.00 \
    || echo "(exit $?: refused until real-name authentication is approved)"
gb realname review --approve
TTL="$(guance-billing invoice title add --type vat_special --title "Acme Ltd" --tax-id 91110000600037341L \
    --bank-name "ICBC Hangzhou" --bank-account "1202 0202 0900 0012 345" \
    --address "1 West Lake Rd, Hangzhou" --phone 0571-88886666 --json | json_field id)"
echo; echo "\$ guance-billing invoice title add --type vat_special --title \"Acme Ltd\" ... --json  # id: $TTL"
gb invoice request --title-id "$TTL" --address-id "$ADR" --amount 1000.00 --json
gb invoice list

echo; echo "Demo finished."
