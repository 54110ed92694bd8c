// `npm run boundary`: the permissions boundary made once outside the stack, for CI deploy roles. It prints the very
// document the stack would create (for the boundary's own ARN) and the exact commands; --apply runs them with the
// AWS CLI (here a stand-in on PATH that records its calls). Moving a stack onto it changes its roles in place.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { scratchDir } from "../../emulation/scratch";
import { ROOT, StackRun } from "../../tools/internal/harness";
import { apply, boundaryOf } from "../../tools/boundary";
import { boundaryDocument, externalBoundaryArnFor } from "../../components/shared/permissionsBoundary";
import { runBedrock, runCaller } from "../support/stacks";
import { planPair } from "../support/planPair";

const ARN = "arn:aws:iam::111111111111:policy/bedrock-bridge-admin-boundary-caller-ap-northeast-1";

/** An `aws` on PATH that answers from a state file and records every call (with the document it was given). */
function fakeAws(state: Record<string, unknown>) {
    const dir = scratchDir("bb-boundary-test-");
    const stateFile = path.join(dir, "state.json");
    const log = path.join(dir, "calls.jsonl");
    fs.writeFileSync(stateFile, JSON.stringify(state));
    fs.writeFileSync(
        path.join(dir, "aws"),
        `#!${process.execPath}
const fs = require("fs");
const st = JSON.parse(fs.readFileSync(${JSON.stringify(stateFile)}, "utf8"));
const args = process.argv.slice(2);
const value = k => args[args.indexOf(k) + 1];
const doc = args.includes("--policy-document") ? JSON.parse(fs.readFileSync(value("--policy-document").slice(7), "utf8")) : undefined;
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, doc }) + "\\n");
const out = o => process.stdout.write(JSON.stringify(o));
switch (args[1]) {
    case "get-policy":
        if (st.getError) { process.stderr.write(st.getError); process.exit(254); }
        if (!st.exists) { process.stderr.write("An error occurred (NoSuchEntity) when calling the GetPolicy operation: Policy " + value("--policy-arn") + " was not found."); process.exit(254); }
        out({ Policy: { DefaultVersionId: st.defaultVersion } }); break;
    case "get-policy-version": out({ PolicyVersion: { Document: st.document } }); break;
    case "list-policy-versions": out({ Versions: st.versions }); break;
    default: out({});
}
`,
        { mode: 0o755 },
    );
    /** `npm run boundary -- caller --apply`, in process (apply() itself), with this `aws` first on PATH. */
    const run = () => {
        const lines: string[] = [];
        const file = path.join(dir, "boundary.json");
        const b = boundaryOf("caller");
        fs.writeFileSync(file, JSON.stringify(b.document));
        const saved = process.env.PATH;
        process.env.PATH = `${dir}${path.delimiter}${saved}`;
        try {
            apply(b, file, line => lines.push(line));
            return { error: undefined, lines };
        } catch (e) {
            return { error: (e as Error).message, lines };
        } finally {
            process.env.PATH = saved;
        }
    };
    const calls = () =>
        fs.existsSync(log)
            ? fs
                  .readFileSync(log, "utf8")
                  .trim()
                  .split("\n")
                  .map(l => JSON.parse(l) as { args: string[]; doc?: unknown })
            : [];
    return { run, calls };
}

describe("npm run boundary", () => {
    const expected = boundaryDocument("111111111111", "ap-northeast-1", ARN);

    it("prints the stack's boundary for its own ARN, and the commands that create it and point the stack at it", () => {
        const r = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/boundary.ts", "caller"],
            {
                cwd: ROOT,
                encoding: "utf8",
            },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), expected);
        assert.equal(boundaryOf("caller").arn, ARN);
        assert.equal(externalBoundaryArnFor("111111111111", "ap-northeast-1", "caller"), ARN);
        // The budget cut-off statement names the boundary itself: this ARN, not the stack-created one.
        assert.match(r.stdout, /bedrock-bridge-admin-boundary-caller-ap-northeast-1/);
        assert.match(
            r.stderr,
            /^aws iam create-policy --policy-name bedrock-bridge-admin-boundary-caller-ap-northeast-1 --description '[^']+' --policy-document file:\/\/boundary-caller\.json$/m,
        );
        assert.match(r.stderr, new RegExp(`^aws iam create-policy-version --policy-arn ${ARN} --set-as-default`, "m"));
        assert.match(
            r.stderr,
            new RegExp(`^pulumi config set bedrock-bridge:permissionsBoundary ${ARN} -s caller$`, "m"),
        );
        const help = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/boundary.ts"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(help.status, 2);
        assert.match(help.stderr, /usage: npm run boundary -- <stack> \[--out FILE\] \[--apply\]/);
    });

    it("--apply creates it when it does not exist, with that document", () => {
        const aws = fakeAws({ exists: false });
        const r = aws.run();
        assert.equal(r.error, undefined);
        const calls = aws.calls();
        assert.deepEqual(
            calls.map(c => c.args[1]),
            ["get-policy", "create-policy"],
        );
        assert.equal(
            calls[1].args[calls[1].args.indexOf("--policy-name") + 1],
            "bedrock-bridge-admin-boundary-caller-ap-northeast-1",
        );
        assert.deepEqual(calls[1].doc, expected);
        assert.deepEqual(r.lines, [`created ${ARN}`]);
    });

    it("--apply makes the document its default version when it differs (the oldest dropped at IAM's 5), and nothing when it does not", () => {
        const versions = [1, 2, 3, 4, 5].map(v => ({
            VersionId: `v${v}`,
            IsDefaultVersion: v === 5,
            CreateDate: `2026-0${v}-01T00:00:00Z`,
        }));
        const stale = fakeAws({
            exists: true,
            defaultVersion: "v5",
            document: { Version: "2012-10-17", Statement: [] },
            versions,
        });
        const r = stale.run();
        assert.equal(r.error, undefined);
        const calls = stale.calls();
        assert.deepEqual(
            calls.map(c => c.args[1]),
            [
                "get-policy",
                "get-policy-version",
                "list-policy-versions",
                "delete-policy-version",
                "create-policy-version",
            ],
        );
        assert.equal(calls[3].args[calls[3].args.indexOf("--version-id") + 1], "v1");
        assert.ok(calls[4].args.includes("--set-as-default"));
        assert.deepEqual(calls[4].doc, expected);

        const current = fakeAws({
            exists: true,
            defaultVersion: "v2",
            document: expected,
            versions: versions.slice(0, 2),
        });
        const again = current.run();
        assert.equal(again.error, undefined);
        assert.deepEqual(
            current.calls().map(c => c.args[1]),
            ["get-policy", "get-policy-version"],
        );
        assert.deepEqual(again.lines, [`${ARN} is up to date (version v2)`]);
    });

    it("--apply stops on any other error, saying whose credentials it needs; without the AWS CLI, what to do instead", () => {
        const aws = fakeAws({
            exists: false,
            getError: "An error occurred (AccessDenied) when calling the GetPolicy operation",
        });
        const denied = aws.run();
        assert.match(
            denied.error ?? "",
            /aws iam get-policy failed: An error occurred \(AccessDenied\).*an admin of account 111111111111/,
        );
        assert.deepEqual(
            aws.calls().map(c => c.args[1]),
            ["get-policy"],
        );
        const missing = spawnSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "tools/boundary.ts", "caller", "--apply"],
            { cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: scratchDir("bb-boundary-nopath-") } },
        );
        assert.equal(missing.status, 1);
        assert.match(missing.stderr, /could not be started.*run the printed commands yourself/);
    });
});

describe("moving a stack from its own boundary to the one npm run boundary makes", () => {
    let own: StackRun;
    let after: StackRun;
    before(async () => {
        const bedrock = await runBedrock();
        own = await runCaller(bedrock);
        after = await runCaller(bedrock, { "bedrock-bridge:permissionsBoundary": ARN });
    });

    it("re-bounds every role in place and deletes the old boundary (Pulumi deletes what left the program last): nothing replaced, no name taken twice", () => {
        const pair = planPair(own, after);
        assert.deepEqual(pair.collisions, []);
        const changed = pair.steps.filter(s => s.op !== "same");
        assert.deepEqual(
            changed.filter(s => s.op !== "update").map(s => `${s.op} ${s.type} ${s.name}`),
            [
                "delete bedrock-bridge:index:PermissionsBoundary permissions-boundary",
                "delete aws:iam/policy:Policy permissions-boundary-policy",
            ],
        );
        const updated = changed.filter(s => s.op === "update");
        assert.ok(updated.length >= 3, `${updated.length} updates`);
        for (const s of updated) {
            assert.equal(s.type, "aws:iam/role:Role", s.name);
            assert.deepEqual(s.changed, ["permissionsBoundary"], s.name);
        }
        for (const r of after.resources.filter(
            x => x.type === "aws:iam/role:Role" && x.name !== "apigateway-account-cloudwatch",
        ))
            assert.equal(r.inputs.permissionsBoundary, ARN, r.name);
    });
});
