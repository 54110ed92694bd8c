// The deploy policy as IAM takes it: managed policies that each fit IAM's size quota, few enough for one role, that
// together grant exactly what the merged policy grants; and the `--commands` script that applies them, run with the
// real AWS CLI against a local IAM (moto) when BB_AWS_CLI_TESTS=1 and both are installed (about 30 CLI calls: a
// minute on a quiet machine, too slow for every run; run it when the script changes).
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { StackRun } from "../../tools/internal/harness";
import {
    applyCommands,
    deployPolicy,
    NamedPolicy,
    policyChars,
    PolicyDocument,
    QUOTAS,
    split,
} from "../../tools/deployPolicy";
import { asPlan } from "../support/stacks";
import { deployPolicyRuns } from "../support/featureRuns";
import { scratchDir } from "../../emulation/scratch";

const ROOT = path.join(__dirname, "..", "..");

/** Every single grant of a document: one line per statement effect, action, resource and condition. */
function grants(statements: Record<string, any>[]): string[] {
    return statements
        .flatMap(st =>
            [st.Action]
                .flat()
                .flatMap((a: string) =>
                    [st.Resource]
                        .flat()
                        .map((r: string) => `${st.Effect} ${a} ${r} ${JSON.stringify(st.Condition ?? {})}`),
                ),
        )
        .sort();
}

/** IAM's own numbers (IAM User Guide, "IAM and AWS STS quotas"), not the tool's: the test must not follow a change there. */
const IAM_MANAGED_POLICY_CHARS = 6144;
const IAM_MANAGED_POLICIES_PER_ROLE = 10;

function checkQuotas(label: string, merged: PolicyDocument, docs: NamedPolicy[], prefix: string): void {
    const room = IAM_MANAGED_POLICIES_PER_ROLE - QUOTAS.otherPoliciesOnRole;
    assert.ok(docs.length >= 1 && docs.length <= room, `${label}: ${docs.length} policies, a role takes ${room}`);
    docs.forEach((d, i) => {
        assert.equal(d.name, `${prefix}-${i + 1}`, label);
        assert.ok(/^[\w+=,.@-]{1,128}$/.test(d.name), `${label}: ${d.name} is not an IAM policy name`);
        const chars = policyChars(d.document);
        assert.ok(chars <= IAM_MANAGED_POLICY_CHARS, `${label} ${d.name}: ${chars} characters`);
        const sids = d.document.Statement.map(s => s.Sid);
        assert.equal(new Set(sids).size, sids.length, `${label} ${d.name}: Sids repeat`);
    });
    // Nothing lost, nothing doubled: the same grants, each once.
    assert.deepEqual(
        grants(docs.flatMap(d => d.document.Statement)),
        grants(merged.Statement),
        `${label}: the managed policies grant other than the merged policy`,
    );
}

describe("deploy-policy: managed policies within IAM's quotas", () => {
    let runs: Record<string, StackRun> = {};
    before(async () => {
        runs = await deployPolicyRuns();
    });

    it("every stack and feature run: each policy within 6,144 characters, few enough for the role, the same grants as the merged policy", () => {
        for (const [name, run] of Object.entries(runs)) {
            const p = deployPolicy(asPlan(run));
            checkQuotas(name, p.document, p.documents, `bedrock-bridge-deploy-${run.stack}`);
            if (p.preview.Statement.length)
                checkQuotas(`${name} --preview`, p.preview, p.previewDocuments, `bedrock-bridge-preview-${run.stack}`);
            else assert.deepEqual(p.previewDocuments, []);
        }
        // The example caller stack with the gateway is over what one policy may hold: the split is what makes it fit.
        const caller = deployPolicy(asPlan(runs.caller));
        assert.ok(policyChars(caller.document) > IAM_MANAGED_POLICY_CHARS, `${policyChars(caller.document)}`);
        assert.ok(caller.documents.length >= 2);
    });

    it("the same plan gives the same policies under the same names (an update is a new version of each)", () => {
        const a = deployPolicy(asPlan(runs.callerFull)).documents;
        const b = deployPolicy(asPlan(runs.callerFull)).documents;
        assert.deepEqual(b, a);
        assert.deepEqual(
            a.map(d => d.name),
            a.map((_, i) => `bedrock-bridge-deploy-${runs.callerFull.stack}-${i + 1}`),
        );
    });

    it("cuts a statement too big for one policy by its resources, and none is lost", () => {
        const resources = Array.from(
            { length: 200 },
            (_, i) => `arn:aws:lambda:ap-northeast-1:111111111111:function:f-${i}`,
        );
        const doc: PolicyDocument = {
            Version: "2012-10-17",
            Statement: [
                { Sid: "Big", Effect: "Allow", Action: ["lambda:GetFunction"], Resource: resources },
                { Sid: "Small", Effect: "Deny", Action: ["iam:CreatePolicyVersion"], Resource: ["*"] },
            ],
        };
        const docs = split(doc, "p");
        assert.ok(docs.length >= 2, `${docs.length}`);
        checkQuotas("big", doc, docs, "p");
        const sids = docs.flatMap(d => d.document.Statement.map(s => s.Sid));
        assert.ok(sids.includes("Big1") && sids.includes("Big2") && sids.includes("Small"), sids.join());
    });

    it("npm run -s deploy-policy prints the list of policies, --out writes it, --commands prints how to apply them", () => {
        const dir = scratchDir("bb-deploy-policy-");
        const env = { ...process.env, BB_SYNTH_DIR: path.join(dir, ".synth") };
        const run = (args: string[]) =>
            spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", ...args], {
                cwd: ROOT,
                encoding: "utf8",
                env,
            });
        for (const stack of ["bedrock", "caller"]) {
            const s = run(["tools/synth.ts", stack]);
            assert.equal(s.status, 0, s.stderr);
        }
        const out = path.join(dir, "caller.json");
        const r = run(["tools/deployPolicy.ts", "caller", "--out", out]);
        assert.equal(r.status, 0, r.stderr);
        const list: NamedPolicy[] = JSON.parse(fs.readFileSync(out, "utf8"));
        assert.deepEqual(
            list.map(p => p.name),
            list.map((_, i) => `bedrock-bridge-deploy-caller-${i + 1}`),
        );
        assert.ok(list.length >= 2);
        assert.match(r.stderr, /# \d+ managed policies \([\d, ]+ of 6144 characters\), \d+ statements for/);

        const c = run(["tools/deployPolicy.ts", "caller", "--commands"]);
        assert.equal(c.status, 0, c.stderr);
        assert.equal(spawnSync("bash", ["-n"], { input: c.stdout }).status, 0, "the script parses");
        for (const p of list) assert.ok(c.stdout.includes(`put_policy ${p.name} `), p.name);
        assert.match(c.stdout, /aws iam create-policy-version --policy-arn "\$arn" --set-as-default/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    describe("the --commands script, with the AWS CLI against a local IAM (moto)", function () {
        this.timeout(600000);
        const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
        let server: ReturnType<typeof spawn> | undefined;
        let env: NodeJS.ProcessEnv;
        let dir: string;
        const ACCOUNT = "123456789012"; // moto's account
        const aws = (...args: string[]) => {
            const r = spawnSync("aws", ["iam", ...args, "--output", "json"], { env, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            return r.stdout ? JSON.parse(r.stdout) : undefined;
        };
        const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/${name}`;
        const attached = () =>
            aws("list-attached-role-policies", "--role-name", "bedrock-bridge-deploy")
                .AttachedPolicies.map((p: any) => p.PolicyName)
                .sort();
        const versions = (name: string) =>
            aws("list-policy-versions", "--policy-arn", arn(name)).Versions.map(
                (v: any) => `${v.VersionId}${v.IsDefaultVersion ? "*" : ""}`,
            );
        const script = (docs: NamedPolicy[]) =>
            applyCommands(docs, {
                partition: "aws",
                account: ACCOUNT,
                role: "bedrock-bridge-deploy",
                prefix: "bedrock-bridge-deploy-caller",
                what: "test",
            });
        const apply = (text: string) => {
            const r = spawnSync("bash", [], { input: text, env, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
        };

        before(async function () {
            if (process.env.BB_AWS_CLI_TESTS !== "1" || !have("aws") || !have("moto_server")) return this.skip();
            const port = await new Promise<number>(resolve => {
                const s = net.createServer().listen(0, "127.0.0.1", () => {
                    const p = (s.address() as net.AddressInfo).port;
                    s.close(() => resolve(p));
                });
            });
            dir = scratchDir("bb-moto-");
            env = {
                ...process.env,
                AWS_ACCESS_KEY_ID: "testing",
                AWS_SECRET_ACCESS_KEY: "testing",
                AWS_DEFAULT_REGION: "us-east-1",
                AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
                AWS_CONFIG_FILE: path.join(dir, "config"),
                AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "credentials"),
            };
            server = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
            await new Promise<void>((resolve, reject) => {
                const tryOnce = (left: number) => {
                    const sock = net.connect(port, "127.0.0.1", () => {
                        sock.end();
                        resolve();
                    });
                    sock.on("error", () =>
                        left ? setTimeout(() => tryOnce(left - 1), 250) : reject(new Error("moto did not start")),
                    );
                };
                tryOnce(120);
            });
            aws(
                "create-role",
                "--role-name",
                "bedrock-bridge-deploy",
                "--assume-role-policy-document",
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
                    ],
                }),
            );
        });
        after(() => {
            server?.kill();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        it("creates and attaches them; next time a new default version of each, the oldest non-default one deleted at 5, leftovers of the set removed", function () {
            const plan = asPlan(runs.caller);
            plan.outputs = { ...plan.outputs, accountId: ACCOUNT };
            const docs = deployPolicy(plan).documents;
            apply(script(docs));
            assert.deepEqual(attached(), docs.map(d => d.name).sort());
            const first = docs[0].name;
            assert.deepEqual(versions(first), ["v1*"]);
            const stored = aws("get-policy-version", "--policy-arn", arn(first), "--version-id", "v1").PolicyVersion
                .Document;
            const doc = typeof stored === "string" ? JSON.parse(decodeURIComponent(stored)) : stored;
            assert.deepEqual(doc, docs[0].document);

            // The first policy at IAM's 5 versions, a leftover of a larger earlier set, and another stack's set.
            const any = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }],
            });
            for (let i = 0; i < 4; i++)
                aws("create-policy-version", "--policy-arn", arn(first), "--policy-document", any);
            for (const name of [
                `bedrock-bridge-deploy-caller-${docs.length + 1}`,
                "bedrock-bridge-deploy-caller-staging-1",
            ]) {
                aws("create-policy", "--policy-name", name, "--policy-document", any);
                aws("attach-role-policy", "--role-name", "bedrock-bridge-deploy", "--policy-arn", arn(name));
            }
            apply(script(docs));
            // v1 is the default, so v2 is the oldest that may go; the new document is the default.
            assert.deepEqual(versions(first).sort(), ["v1", "v3", "v4", "v5", "v6*"]);
            assert.deepEqual(attached(), [...docs.map(d => d.name), "bedrock-bridge-deploy-caller-staging-1"].sort());
        });
    });
});
