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

echo; echo "Demo finished."
