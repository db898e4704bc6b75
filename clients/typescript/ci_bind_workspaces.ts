/**
 * The CI job of examples/ci_bind_workspaces.py, in strict TypeScript, written only
 * against the types `openapi-typescript` generates from the server's /openapi.json
 * (issue 24; docs/api.md, "Generated clients"):
 *
 *   npx openapi-typescript $BILLING_URL/openapi.json -o generated/api.d.ts
 *   npx tsc --strict --noEmit -p .          # what tests/test_api_typescript.py checks
 *   npx tsc -p . && BILLING_URL=... BILLING_TOKEN=... BILLING_ACCOUNT=acme \
 *     node build/ci_bind_workspaces.js wksp_a wksp_b wksp_c
 *
 * 1. lists the account's cloud accounts (page by page: `items`, `next_cursor`) and picks
 *    the subscribed one (`BILLING_CLOUD` names one, if there are several);
 * 2. binds the workspaces given, with an `Idempotency-Key`; a refused row is reported
 *    by its `reason_code`;
 * 3. reads the cloud account's workspaces back and checks each bound one;
 * 4. handles an error by its `reason`: a cloud account that is gone
 *    (`cloud_account_not_found`) is told apart from everything else.
 *
 * Exit status: 0 all bound, 9 some rows refused, 3 no such cloud account, 1 else.
 */
import type { components, operations } from "./generated/api";

// Node's globals, declared here so that no @types package is needed.
declare const process: {
  env: Record<string, string | undefined>;
  argv: string[];
  exitCode: number | undefined;
};

type ErrorResponse = components["schemas"]["ErrorResponse"];
type Reason = ErrorResponse["error"]["reason"];
type CloudPage =
  operations["list_cloud_accounts"]["responses"][200]["content"]["application/json"];
type CloudAccount = CloudPage["items"][number];
type BindBody = operations["bind_workspaces"]["requestBody"]["content"]["application/json"];
type BindAnswer = operations["bind_workspaces"]["responses"][200]["content"]["application/json"];
type WorkspacePage =
  operations["list_workspaces"]["responses"][200]["content"]["application/json"];
type BatchRow = BindAnswer["results"][number];

type Answer<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; error: ErrorResponse["error"] };

class Failed extends Error {
  constructor(readonly exitStatus: number) {
    super(`exit ${exitStatus}`);
  }
}

const base = (process.env["BILLING_URL"] ?? "").replace(/\/$/, "");
const token = process.env["BILLING_TOKEN"] ?? "";

async function call<T>(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const init: RequestInit = {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...headers },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, "Content-Type": "application/json" };
  }
  const response = await fetch(base + path, init);
  const parsed: unknown = await response.json();
  if (response.ok) {
    return { ok: true, status: response.status, body: parsed as T };
  }
  return { ok: false, status: response.status, error: (parsed as ErrorResponse).error };
}

/** One line naming what failed and why; the exit status a script can branch on. */
function fail(what: string, status: number, error: ErrorResponse["error"]): Failed {
  const reason: Reason = error.reason;
  console.log(`${what}: HTTP ${status}, reason ${reason ?? "-"}: ${error.message}`);
  return new Failed(reason === "cloud_account_not_found" ? 3 : 1);
}

async function cloudAccounts(account: string): Promise<CloudAccount[]> {
  const found: CloudAccount[] = [];
  let cursor: string | null | undefined = undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: "50" });
    if (cursor) query.set("cursor", cursor);
    const ref = encodeURIComponent(account);
    const answer = await call<CloudPage>("GET", `/v1/accounts/${ref}/cloud-accounts?${query}`);
    if (!answer.ok) throw fail("listing cloud accounts", answer.status, answer.error);
    found.push(...answer.body.items);
    cursor = answer.body.next_cursor;
    if (!cursor) return found;
  }
}

async function bind(cloudId: string, workspaces: string[]): Promise<Answer<BindAnswer>> {
  const body: BindBody = {
    items: workspaces.map((id) => ({ workspace_id: id })),
    dry_run: false,
  };
  const path = `/v1/cloud-accounts/${encodeURIComponent(cloudId)}/bind`;
  return call<BindAnswer>("POST", path, body, { "Idempotency-Key": idempotencyKey() });
}

/** A fresh key per logical request (Node 18 has no global `crypto`: a random fallback). */
function idempotencyKey(): string {
  const webCrypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (webCrypto?.randomUUID) return webCrypto.randomUUID();
  const hex = (n: number): string =>
    Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

async function main(workspaces: string[]): Promise<number> {
  const account = process.env["BILLING_ACCOUNT"] ?? "";
  const clouds = (await cloudAccounts(account)).filter((c) => c.status === "subscribed");
  const cloudId = process.env["BILLING_CLOUD"] ?? clouds[0]?.id;
  if (cloudId === undefined) {
    console.log(`${account} has no subscribed cloud account`);
    return 1;
  }
  console.log(`cloud account ${cloudId}: binding ${workspaces.join(", ")}`);
  const answer = await bind(cloudId, workspaces);
  if (!answer.ok) throw fail("bind", answer.status, answer.error);
  let refused = 0;
  answer.body.results.forEach((row: BatchRow) => {
    if (row.result === "refused") {
      refused += 1;
      console.log(`  refused ${row.workspace_id ?? "?"}: ${row.reason_code ?? "?"}`);
    } else {
      console.log(`  ${row.result} ${row.workspace_id ?? "?"}`);
    }
  });

  const query = new URLSearchParams({ cloud_account: cloudId, limit: "1000" });
  const listed = await call<WorkspacePage>(
    "GET",
    `/v1/accounts/${encodeURIComponent(account)}/workspaces?${query}`,
  );
  if (!listed.ok) throw fail("reading back", listed.status, listed.error);
  const bound = new Set(listed.body.items.map((w) => w.id));
  for (const row of answer.body.results) {
    if ((row.result === "bound" || row.result === "unchanged") && !bound.has(row.workspace_id ?? "")) {
      console.log(`  ${row.workspace_id ?? "?"} is not bound after all`);
      return 1;
    }
  }
  console.log(`read back: ${bound.size} workspace(s) on ${cloudId}; ${refused} refused`);
  return refused ? 9 : 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.exitCode = error instanceof Failed ? error.exitStatus : 1;
    if (!(error instanceof Failed)) console.log(String(error));
  },
);
