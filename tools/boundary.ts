// `npm run boundary -- <stack> [--out FILE] [--apply]`: the stack's permissions boundary, made once outside the stack
// by an admin, for stacks deployed by a CI deploy role (bedrock-bridge:permissionsBoundary: <its ARN>). The deploy
// role must not be able to change the boundary that bounds the roles it creates (tools/deployPolicy.ts denies it
// every write on it), so someone else creates it, and updates it when a new version of this program needs more.
// Prints the policy document (stdout or --out) and, on stderr, the exact AWS CLI and Pulumi commands; --apply runs
// them (the AWS CLI, with the credentials of the environment: an admin of the stack's account).
import "./internal/quiet";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { readStackConfig } from "./internal/harness";
import { PROJECT } from "../config/schema";
import {
    boundaryDocument,
    EXTERNAL_BOUNDARY_DESCRIPTION,
    externalBoundaryArnFor,
    externalBoundaryName,
} from "../components/shared/permissionsBoundary";

/** IAM keeps at most 5 versions of a managed policy (IAM API Reference, CreatePolicyVersion). */
const MAX_VERSIONS = 5;

export interface Boundary {
    stack: string;
    account: string;
    region: string;
    name: string;
    arn: string;
    document: ReturnType<typeof boundaryDocument>;
}

/** The boundary of a stack, from its Pulumi.<stack>.yaml (account and region). */
export function boundaryOf(stack: string, root?: string): Boundary {
    const { config } = readStackConfig(stack, root);
    let accounts: unknown;
    try {
        accounts = JSON.parse(config["aws:allowedAccountIds"] ?? "null");
    } catch {
        accounts = undefined;
    }
    const account = Array.isArray(accounts) ? String(accounts[0] ?? "") : "";
    const region = config["aws:region"] ?? "";
    if (!/^\d{12}$/.test(account) || !region)
        throw new Error(
            `Pulumi.${stack}.yaml needs aws:allowedAccountIds (the stack's account) and aws:region: the boundary is a policy of that account, named for the stack and region`,
        );
    const arn = externalBoundaryArnFor(account, region, stack);
    return {
        stack,
        account,
        region,
        name: externalBoundaryName(region, stack),
        arn,
        document: boundaryDocument(account, region, arn),
    };
}

const q = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

/** What an admin runs, in order: create (or update) the policy, then point the stack at it. */
export function commands(b: Boundary, file: string): string[] {
    const doc = `file://${file}`;
    return [
        `# The permissions boundary of stack ${b.stack} (account ${b.account}, ${b.region}): created once by an admin of that account,`,
        "# outside the stack, so that the deploy role (which may create roles only under it) cannot change it.",
        `aws iam create-policy --policy-name ${b.name} --description ${q(EXTERNAL_BOUNDARY_DESCRIPTION)} --policy-document ${doc}`,
        `# Already there, and this program needs a newer document (IAM keeps ${MAX_VERSIONS} versions: delete the oldest non-default one first):`,
        `aws iam create-policy-version --policy-arn ${b.arn} --set-as-default --policy-document ${doc}`,
        "# Then the stack uses it (regenerate the deploy policy afterwards: npm run deploy-policy):",
        `pulumi config set ${PROJECT}:permissionsBoundary ${b.arn} -s ${b.stack}`,
        "# A stack that created its own boundary so far (permissionsBoundary: true): its next up, by an admin, puts this one on",
        "# every role in place and deletes the old one (which the deploy role may not do):",
        `pulumi up -s ${b.stack}`,
    ];
}

/** The AWS CLI as a function: JSON out, or the error text; a missing CLI says how to get it. */
function awsCli(args: string[]): { ok: boolean; json?: any; error: string } {
    const r = spawnSync("aws", [...args, "--output", "json"], { encoding: "utf8" });
    if (r.error)
        throw new Error(
            `--apply runs the AWS CLI, which could not be started (${r.error.message}): install it (docs/deploying.md, prerequisites) or run the printed commands yourself`,
        );
    if (r.status !== 0) return { ok: false, error: r.stderr.trim() };
    return { ok: true, json: r.stdout.trim() ? JSON.parse(r.stdout) : {}, error: "" };
}

/** Creates the boundary, or makes this document its default version; nothing when it already is. */
export function apply(b: Boundary, file: string, log: (line: string) => void): void {
    const doc = `file://${file}`;
    const fail = (what: string, error: string) => {
        throw new Error(`${what} failed: ${error} (run with credentials of an admin of account ${b.account})`);
    };
    const got = awsCli(["iam", "get-policy", "--policy-arn", b.arn]);
    if (!got.ok) {
        if (!/NoSuchEntity/.test(got.error)) fail("aws iam get-policy", got.error);
        const made = awsCli([
            "iam",
            "create-policy",
            "--policy-name",
            b.name,
            "--description",
            EXTERNAL_BOUNDARY_DESCRIPTION,
            "--policy-document",
            doc,
        ]);
        if (!made.ok) fail("aws iam create-policy", made.error);
        log(`created ${b.arn}`);
        return;
    }
    const version = String(got.json.Policy?.DefaultVersionId ?? "");
    const current = awsCli(["iam", "get-policy-version", "--policy-arn", b.arn, "--version-id", version]);
    if (!current.ok) fail("aws iam get-policy-version", current.error);
    // The CLI returns the document decoded, as JSON.
    const stored = current.json.PolicyVersion?.Document;
    const asStored = typeof stored === "string" ? JSON.parse(decodeURIComponent(stored)) : stored;
    if (isDeepStrictEqual(asStored, b.document)) {
        log(`${b.arn} is up to date (version ${version})`);
        return;
    }
    const versions = awsCli(["iam", "list-policy-versions", "--policy-arn", b.arn]);
    if (!versions.ok) fail("aws iam list-policy-versions", versions.error);
    const all: { VersionId: string; IsDefaultVersion: boolean; CreateDate: string }[] = versions.json.Versions ?? [];
    if (all.length >= MAX_VERSIONS) {
        const oldest = all.filter(v => !v.IsDefaultVersion).sort((x, y) => x.CreateDate.localeCompare(y.CreateDate))[0];
        const dropped = awsCli([
            "iam",
            "delete-policy-version",
            "--policy-arn",
            b.arn,
            "--version-id",
            oldest.VersionId,
        ]);
        if (!dropped.ok) fail("aws iam delete-policy-version", dropped.error);
        log(`deleted the oldest version ${oldest.VersionId} (IAM keeps ${MAX_VERSIONS})`);
    }
    const made = awsCli([
        "iam",
        "create-policy-version",
        "--policy-arn",
        b.arn,
        "--set-as-default",
        "--policy-document",
        doc,
    ]);
    if (!made.ok) fail("aws iam create-policy-version", made.error);
    log(`updated ${b.arn} (was version ${version})`);
}

const USAGE =
    "usage: npm run boundary -- <stack> [--out FILE] [--apply]   the stack's permissions boundary, to create once outside the stack: its policy document (into FILE or on stdout) and the commands that create it and point the stack at it (stderr); --apply: create or update it now with the AWS CLI (an admin's credentials of the stack's account)";

function cli(argv: string[]): void {
    const { takeOut, writeOut } = require("./internal/out") as typeof import("./internal/out");
    const out = takeOut(argv);
    const stack = argv.find(a => !a.startsWith("-"));
    const unknown = argv.filter(a => a.startsWith("-") && !["--apply", "--help", "-h"].includes(a));
    if (!stack || unknown.length || argv.includes("--help") || argv.includes("-h")) {
        if (unknown.length) console.error(`boundary: unknown option ${unknown.join(", ")}`);
        console.error(USAGE);
        process.exit(stack && !unknown.length ? 0 : 2);
    }
    const b = boundaryOf(stack);
    const text = JSON.stringify(b.document, null, 2) + "\n";
    if (argv.includes("--apply")) {
        // The CLI reads the document from a file: the one given, or a temporary one removed afterwards.
        const dir = out ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "bb-boundary-"));
        const file = out ?? path.join(dir!, "boundary.json");
        try {
            fs.writeFileSync(file, text);
            apply(b, file, line => console.error(`boundary: ${line}`));
        } finally {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
        console.error(`# now: pulumi config set ${PROJECT}:permissionsBoundary ${b.arn} -s ${stack}`);
        return;
    }
    writeOut(text, out);
    const file = out ?? `boundary-${stack}.json`;
    if (!out) console.error(`# the document above, saved: npm run -s boundary -- ${stack} --out ${file}`);
    for (const line of commands(b, file)) console.error(line);
}

if (require.main === module) {
    try {
        cli(process.argv.slice(2));
    } catch (e) {
        const { describeError } = require("./internal/harness");
        console.error(`boundary failed: ${describeError(e)}`);
        process.exit(1);
    }
}
