// `npm run token`: argument and target handling in-process; the command itself in a child process with the real
// SDK clients against fake STS and a fake Bedrock that checks the bearer key and answers Bedrock's key errors.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as net from "net";
import { parseArgs, resolveTarget, stsError } from "../../tools/token";
import { ROOT } from "../../tools/internal/harness";
import { bedrockError } from "../../emulation/fakes";
import { runBedrock } from "../support/stacks";
import { runGoverned } from "../support/governance";
import { decodeShortTermKey, EXPIRED, fakeEndpoints, INVALID } from "../support/bearer";
import { scratchDir } from "../../emulation/scratch";

const ROLE = "arn:aws:iam::222222222222:role/bedrock-bridge-execution";
const MODEL = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";

function message(f: () => unknown): string {
    try {
        f();
    } catch (e) {
        return (e as Error).message;
    }
    assert.fail("expected a failure");
}

describe("npm run token: arguments and target", () => {
    let plan: string;
    before(async () => {
        const run = await runBedrock();
        plan = path.join(scratchDir("bb-token-"), "plan.json");
        fs.writeFileSync(
            plan,
            JSON.stringify({ outputs: { ...run.outputs, externalId: "[secret bedrock-bridge:externalId]" } }),
        );
    });

    it("reads role, region and models from the stack's synthesized plan, never a secret placeholder", () => {
        const t = resolveTarget(parseArgs(["bedrock", "--plan", plan]));
        assert.equal(t.roleArn, "arn:aws:iam::222222222222:role/bedrock-bridge-execution-bedrock-ap-northeast-1");
        assert.equal(t.region, "ap-northeast-1");
        assert.equal(t.models[0], MODEL);
        assert.equal(t.externalId, undefined);
    });

    it("lets flags name a deployed stack's role and region, and says how when nothing does", () => {
        const t = resolveTarget(
            parseArgs(["prod", "--role-arn", ROLE, "--region", "us-east-1", "--plan", "/nonexistent/plan.json"]),
        );
        assert.deepEqual([t.roleArn, t.region], [ROLE, "us-east-1"]);
        const msg = message(() => resolveTarget(parseArgs(["prod", "--plan", "/nonexistent/plan.json"])));
        assert.match(msg, /no role ARN and region for stack "prod"/);
        assert.match(msg, /--role-arn "\$\(pulumi stack output roleArn -s prod\)" --region/);
        assert.match(
            message(() => parseArgs(["bedrock", "--duration", "50000"])),
            /--duration must be whole seconds from 900 to 43200/,
        );
        assert.match(
            message(() => parseArgs([])),
            /usage: npm run token -- <stack>/,
        );
        assert.match(
            message(() =>
                resolveTarget(parseArgs(["x", "--role-arn", "arn:aws:iam::1:user/u", "--region", "us-east-1"])),
            ),
            /is not a role ARN/,
        );
    });

    it("on a stack with tenants: --tenant picks the tenant's role and profiles; without it, says so (not 'is it the Bedrock stack?')", async () => {
        const gov = await runGoverned();
        const file = path.join(scratchDir("bb-token-gov-"), "plan.json");
        fs.writeFileSync(file, JSON.stringify({ outputs: gov.outputs }));
        const msg = message(() => resolveTarget(parseArgs(["bedrock-governed", "--plan", file])));
        assert.equal(
            msg,
            'stack "bedrock-governed" has tenants (research, support), each with its own role and models and no stack-wide role: pass --tenant <name>, e.g. npm run token -- bedrock-governed --tenant research',
        );
        const t = resolveTarget(parseArgs(["bedrock-governed", "--tenant", "support", "--plan", file]));
        assert.equal(t.roleArn, gov.outputs.tenants.support.roleArn);
        assert.equal(t.region, "ap-northeast-1");
        assert.deepEqual(t.models, [gov.outputs.tenants.support.profiles[MODEL]]);
        assert.match(t.models[0], /^arn:aws:bedrock:ap-northeast-1:222222222222:application-inference-profile\//);
        assert.match(
            message(() => resolveTarget(parseArgs(["bedrock-governed", "--tenant", "suport", "--plan", file]))),
            /--tenant suport is not a tenant of stack "bedrock-governed": did you mean support\? \(tenants: research, support\)/,
        );
        assert.match(
            message(() => resolveTarget(parseArgs(["bedrock", "--tenant", "support", "--plan", plan]))),
            /--tenant support: stack "bedrock" has no tenants/,
        );
    });

    it("says a DNS or network failure is one, not that STS refused", () => {
        const target = { roleArn: ROLE, region: "ap-northeast-1", models: [] };
        const dns = Object.assign(new Error("getaddrinfo ENOTFOUND sts.ap-northeast-1.amazonaws.com"), {
            code: "ENOTFOUND",
        });
        const msg = message(() => stsError(dns, target));
        assert.match(msg, /^could not reach STS at \S+ \(ENOTFOUND\): nothing was refused/);
        assert.ok(!/refused AssumeRole/.test(msg));
        const timeout = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
        assert.match(
            message(() => stsError(timeout, target)),
            /could not reach STS .*TimeoutError/,
        );
        const denied = Object.assign(new Error("not authorized"), { name: "AccessDenied" });
        assert.match(
            message(() => stsError(denied, target)),
            /may not assume/,
        );
    });
});

describe("npm run token: the command", function () {
    const f = fakeEndpoints();

    function token(
        args: string[],
        env: Record<string, string> = {},
    ): Promise<{ code: number; stdout: string; stderr: string }> {
        const child = spawn(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tools", "token.ts"), ...args],
            {
                cwd: ROOT,
                env: {
                    PATH: process.env.PATH ?? "",
                    AWS_ACCESS_KEY_ID: "AKIAFAKEDEVELOPER001",
                    AWS_SECRET_ACCESS_KEY: "fake-developer-secret",
                    ...f.env(),
                    ...env,
                },
            },
        );
        let stdout = "",
            stderr = "";
        child.stdout.on("data", d => (stdout += d));
        child.stderr.on("data", d => (stderr += d));
        return new Promise(resolve => child.on("exit", code => resolve({ code: code ?? -1, stdout, stderr })));
    }
    const deployed = ["bedrock", "--role-arn", ROLE, "--region", "ap-northeast-1", "--plan", "/nonexistent/plan.json"];

    it("assumes the role with the caller's credentials and prints a short-term key with its expiry", async () => {
        const r = await token(deployed);
        assert.equal(r.code, 0, r.stderr);
        const [comment, exportLine] = r.stdout.trim().split("\n");
        assert.match(
            comment,
            /^# short-term Bedrock API key for arn:aws:iam::222222222222:role\/bedrock-bridge-execution in ap-northeast-1, expires \d{4}-\d\d-\d\dT[\d:.]+Z \(in 60 min\)$/,
        );
        const key = /^export AWS_BEARER_TOKEN_BEDROCK=(bedrock-api-key-\S+)$/.exec(exportLine)![1];
        const q = decodeShortTermKey(key);
        assert.match(
            String(q.get("X-Amz-Credential")),
            /^ASIAFAKE222222222222\d{4}\/\d{8}\/ap-northeast-1\/bedrock\/aws4_request$/,
        );
        assert.equal(f.sts.calls[0].roleArn, ROLE);
        assert.equal(f.sts.calls[0].signedBy, "AKIAFAKEDEVELOPER001");
        assert.match(f.sts.calls[0].sessionName, /^bb-token-/);
    });

    it("--out writes the key into a file only its owner can read, nothing on stdout", async () => {
        const dir = scratchDir("bb-token-out-");
        const file = path.join(dir, "key.sh");
        fs.writeFileSync(file, "old", { mode: 0o644 });
        const r = await token([...deployed, "--out", file]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(r.stderr, new RegExp(`wrote ${file}`));
        assert.match(
            fs.readFileSync(file, "utf8"),
            /^# short-term Bedrock API key .*\nexport AWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-\S+\n$/,
        );
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        const json = path.join(dir, "key.json");
        assert.equal((await token([...deployed, "--json", "--out", json])).code, 0);
        assert.match(JSON.parse(fs.readFileSync(json, "utf8")).token, /^bedrock-api-key-/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("never makes a key that outlives the role session", async () => {
        f.sts.expiresInSeconds = 900;
        const r = await token([...deployed, "--json", "--duration", "43200"]);
        assert.equal(r.code, 0, r.stderr);
        const out = JSON.parse(r.stdout);
        assert.ok(Number(decodeShortTermKey(out.token).get("X-Amz-Expires")) <= 900);
        assert.ok(new Date(out.expiresAt).getTime() <= Date.now() + 900_000);
        assert.equal(f.sts.calls[0].durationSeconds, 43200);
    });

    it("--check calls Bedrock with the new key", async () => {
        const r = await token([...deployed, "--check", MODEL]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /ok: the key works for jp\.anthropic/);
        assert.equal(f.bedrock.requests.length, 1);
        assert.match(String(f.bedrock.requests[0].signedBy.bearer), /^bedrock-api-key-/);
        assert.equal(f.bedrock.requests[0].body.inferenceConfig.maxTokens, 1);
    });

    it("says which key failed and what to do, for both of Bedrock's key errors", async () => {
        f.bedrock.handler = () => bedrockError("AccessDeniedException", EXPIRED);
        const expired = await token([...deployed, "--check", MODEL]);
        assert.equal(expired.code, 1);
        assert.match(
            expired.stderr,
            /^token: ShortTermKeyExpired: The short-term Bedrock API key has expired in ap-northeast-1\. Generate a new one/m,
        );

        f.bedrock.handler = () => bedrockError("AccessDeniedException", INVALID);
        const longTerm = "ABSKQmVkcm9ja0FQSUtleS1leHBsb3JhdGlvbi1hdC0yMjIyMjIyMjIyMjI6c2VjcmV0";
        const invalid = await token([...deployed, "--verify", MODEL], { AWS_BEARER_TOKEN_BEDROCK: longTerm });
        assert.equal(invalid.code, 1);
        assert.match(
            invalid.stderr,
            /^token: ApiKeyInvalid: The long-term Bedrock API key was rejected in ap-northeast-1: it is disabled, expired, deleted or mistyped\. Re-enable it \(status: Active in bedrock-bridge:apiKeys, then pulumi up\), or rotate or replace it/m,
        );
        assert.ok(
            !invalid.stderr.includes(longTerm) && !invalid.stdout.includes(longTerm),
            "the key is never printed back",
        );
        assert.equal(f.bedrock.requests.at(-1)!.signedBy.bearer, longTerm);
        assert.equal(f.sts.calls.length, 1, "--verify assumes nothing");
    });

    it("--help prints the usage and succeeds", async () => {
        const r = await token(["--help"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^usage: npm run token -- <stack>/);
        assert.match(r.stdout, /eval "\$\(npm run -s token -- <stack>\)"/);
        assert.equal(f.sts.calls.length, 0);
    });

    it("an unreachable STS is reported as unreachable (connection refused on loopback)", async () => {
        const port = await new Promise<number>(resolve => {
            const srv = net.createServer().listen(0, "127.0.0.1", () => {
                const p = (srv.address() as net.AddressInfo).port;
                srv.close(() => resolve(p));
            });
        });
        const r = await token(deployed, { AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`, AWS_MAX_ATTEMPTS: "1" });
        assert.equal(r.code, 1);
        assert.match(
            r.stderr,
            new RegExp(`^token: could not reach STS at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`, "m"),
        );
        assert.ok(!/STS refused/.test(r.stderr), r.stderr);
    });

    /** bash -c script, asynchronously: the fake STS answers from this process. */
    function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
        const child = spawn("bash", ["-c", script], { cwd: ROOT, env });
        let stdout = "",
            stderr = "";
        child.stdout.on("data", d => (stdout += d));
        child.stderr.on("data", d => (stderr += d));
        return new Promise(resolve => child.on("exit", code => resolve({ status: code ?? -1, stdout, stderr })));
    }

    it('a failure inside eval "$(npm run -s token …)" makes eval, and a set -e script, fail', async () => {
        f.sts.deny.add(ROLE);
        const cmd = `"${process.execPath}" -r ts-node/register/transpile-only tools/token.ts ${deployed.join(" ")}`;
        const env = {
            ...process.env,
            AWS_ACCESS_KEY_ID: "AKIAFAKEDEVELOPER001",
            AWS_SECRET_ACCESS_KEY: "fake-developer-secret",
            ...f.env(),
        };
        const plain = await bash(`eval "$(${cmd})"; echo "status=$?"`, env);
        assert.match(plain.stdout, /^status=1$/m, plain.stdout + plain.stderr);
        assert.match(plain.stderr, /token: your credentials may not assume/);
        const strict = await bash(`set -e; eval "$(${cmd})"; echo "got past it"`, env);
        assert.notEqual(strict.status, 0);
        assert.ok(!strict.stdout.includes("got past it"));
        f.sts.deny.clear();
        const ok = await bash(`eval "$(${cmd})"; echo "status=$? key=\${AWS_BEARER_TOKEN_BEDROCK:0:16}"`, env);
        assert.match(ok.stdout, /^status=0 key=bedrock-api-key-$/m, ok.stderr);
    });

    it("explains a refused AssumeRole and missing credentials without a stack trace", async () => {
        f.sts.deny.add(ROLE);
        const denied = await token(deployed);
        assert.equal(denied.code, 1);
        assert.match(
            denied.stderr,
            /^token: your credentials may not assume arn:aws:iam::222222222222:role\/bedrock-bridge-execution: the Bedrock stack trusts only roles under its bedrock-bridge:callerRolePath/m,
        );
        assert.ok(!/\n\s+at /.test(denied.stderr), denied.stderr);
        // The command's own words only: no AWS SDK Node-version warning (tools/internal/quiet.ts) on Node < 22.
        assert.ok(!/NodeVersionSupportWarning/.test(denied.stderr + denied.stdout), denied.stderr);
        const none = await token(deployed, {
            AWS_ACCESS_KEY_ID: "",
            AWS_SECRET_ACCESS_KEY: "",
            AWS_CONFIG_FILE: "/nonexistent",
            AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
            AWS_EC2_METADATA_DISABLED: "true",
        });
        assert.equal(none.code, 1);
        assert.match(none.stderr, /no AWS credentials found/);
    });
});
