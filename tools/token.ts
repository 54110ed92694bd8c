// `npm run token -- <stack>`: a short-term Bedrock API key for the Bedrock stack's role, made from your own
// credentials (assume the role, presign with @aws/bedrock-token-generator). See docs/api-keys.md.
import "./internal/quiet";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { mintShortTermKey, SHORT_TERM_KEY_MAX_SECONDS } from "../functions/bedrock/bearer";
import { sessionNameFor } from "../functions/bedrock/credentials";
import { keyKind, toBridgeError } from "../functions/errors";
import { closest } from "../config/messages";

export const USAGE = `usage: npm run token -- <stack> [--tenant NAME] [--role-arn ARN] [--region REGION] [--external-id ID] [--duration SECONDS] [--check [MODEL_ID]] [--json] [--plan FILE] [--out FILE]
       npm run token -- <stack> --verify [MODEL_ID]    check the key in AWS_BEARER_TOKEN_BEDROCK (short- or long-term)
       npm run token -- --help

Prints "export AWS_BEARER_TOKEN_BEDROCK=…" for a short-term Bedrock API key of the stack's execution role, made from
your own credentials (AWS_PROFILE). Into the current shell: eval "$(npm run -s token -- <stack>)" (fails non-zero when
the command does).

Role and region come from .synth/<stack>/plan.json (npm run synth -- <stack>) unless given; for a deployed stack:
  npm run token -- bedrock --role-arn "$(pulumi stack output roleArn -s bedrock)" --region "$(pulumi stack output region -s bedrock)"
A stack with tenants (bedrock-bridge:tenants) has a role per tenant: --tenant NAME picks it (and its models).`;

export interface TokenArgs {
    stack: string;
    /** A governed stack's tenant: its role and models instead of the stack-wide ones. */
    tenant?: string;
    roleArn?: string;
    region?: string;
    externalId?: string;
    durationSeconds: number;
    check: boolean;
    verify: boolean;
    modelId?: string;
    json: boolean;
    plan?: string;
    /** Write the key (the export line, or the JSON) into this file (mode 600) instead of stdout. */
    out?: string;
    help?: boolean;
}

/** A failure the command reports as one line, without a stack trace. */
export function fail(message: string): never {
    throw Object.assign(new Error(message), { clear: true });
}

export function parseArgs(argv: string[]): TokenArgs {
    const a: TokenArgs = { stack: "", durationSeconds: 3600, check: false, verify: false, json: false };
    const value = (i: number, flag: string) => {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) fail(`${flag} needs a value\n${USAGE}`);
        return v;
    };
    if (argv.includes("--help") || argv.includes("-h")) return { ...a, help: true };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--role-arn") a.roleArn = value(i++, arg);
        else if (arg === "--region") a.region = value(i++, arg);
        else if (arg === "--tenant") a.tenant = value(i++, arg);
        else if (arg === "--external-id") a.externalId = value(i++, arg);
        else if (arg === "--plan") a.plan = value(i++, arg);
        else if (arg === "--out") a.out = value(i++, arg);
        else if (arg === "--duration") {
            a.durationSeconds = Number(value(i++, arg));
            if (
                !Number.isInteger(a.durationSeconds) ||
                a.durationSeconds < 900 ||
                a.durationSeconds > SHORT_TERM_KEY_MAX_SECONDS
            )
                fail(
                    `--duration must be whole seconds from 900 to ${SHORT_TERM_KEY_MAX_SECONDS} (a short-term key lives at most 12 hours)`,
                );
        } else if (arg === "--check" || arg === "--verify") {
            a[arg === "--check" ? "check" : "verify"] = true;
            if (argv[i + 1] && !argv[i + 1].startsWith("--")) a.modelId = argv[++i];
        } else if (arg === "--json") a.json = true;
        else if (arg.startsWith("--")) fail(`unknown option ${arg}\n${USAGE}`);
        else if (!a.stack) a.stack = arg;
        else fail(`unexpected argument ${arg}\n${USAGE}`);
    }
    if (!a.stack) fail(USAGE);
    return a;
}

export interface Target {
    roleArn: string;
    region: string;
    externalId?: string;
    models: string[];
}

/** Role, region and models from the flags, else from the stack's synthesized plan. */
export function resolveTarget(a: TokenArgs, root = path.join(__dirname, "..")): Target {
    const file = a.plan ?? path.join(root, ".synth", a.stack, "plan.json");
    const outputs: Record<string, any> = fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, "utf8")).outputs ?? {})
        : {};
    const shown = path.relative(process.cwd(), file);
    const tenants = outputs.tenants as
        Record<string, { roleArn: string; models: string[]; profiles?: Record<string, string> }> | undefined;
    const names = Object.keys(tenants ?? {}).sort();
    if (a.tenant && !tenants)
        fail(
            `--tenant ${a.tenant}: stack "${a.stack}" has no tenants (${fs.existsSync(file) ? `${shown} has no tenants output` : `${shown} does not exist`}); leave out --tenant for its stack-wide role`,
        );
    if (tenants && !a.tenant && !a.roleArn)
        fail(
            `stack "${a.stack}" has tenants (${names.join(", ")}), each with its own role and models and no stack-wide role: pass --tenant <name>, e.g. npm run token -- ${a.stack} --tenant ${names[0]}`,
        );
    const tenant = a.tenant ? tenants?.[a.tenant] : undefined;
    if (a.tenant && !tenant) {
        const near = closest(a.tenant, names);
        fail(
            `--tenant ${a.tenant} is not a tenant of stack "${a.stack}"${near ? `: did you mean ${near}?` : ""} (tenants: ${names.join(", ")})`,
        );
    }
    const roleArn = a.roleArn ?? tenant?.roleArn ?? outputs.roleArn;
    const region = a.region ?? outputs.region;
    if (!roleArn || !region) {
        fail(
            `no role ARN and region for stack "${a.stack}": ${shown} ${fs.existsSync(file) ? `has no roleArn/region outputs${outputs.side === "caller" ? ` (it is a caller stack: name the Bedrock stack it references, its bedrock-bridge:bedrockStacks)` : ""}` : "does not exist"}. ` +
                `Pass --role-arn "$(pulumi stack output roleArn -s ${a.stack})" --region "$(pulumi stack output region -s ${a.stack})", or run npm run synth -- ${a.stack}.`,
        );
    }
    if (!/^arn:aws[\w-]*:iam::\d{12}:role\//.test(roleArn)) fail(`--role-arn "${roleArn}" is not a role ARN`);
    // A synthesized plan holds a placeholder, not the secret external id.
    const ext =
        a.externalId ??
        (typeof outputs.externalId === "string" && !outputs.externalId.startsWith("[secret")
            ? outputs.externalId
            : undefined);
    return {
        roleArn,
        region,
        externalId: ext,
        // A tenant's role invokes only through its application profiles: --check calls those.
        models: a.modelId
            ? [a.modelId]
            : (tenant?.models.map(m => tenant.profiles?.[m] ?? m) ?? outputs.allowedModelIds ?? []),
    };
}

/** Failures to reach a service at all (DNS, refused or dropped connections, timeouts): nothing was refused. */
const NETWORK_CODES = [
    "ENOTFOUND",
    "EAI_AGAIN",
    "ECONNREFUSED",
    "ECONNRESET",
    "ETIMEDOUT",
    "EHOSTUNREACH",
    "ENETUNREACH",
    "EPIPE",
    "ECONNABORTED",
];
export function isNetworkError(e: any): boolean {
    for (let cur = e, depth = 0; cur && depth < 4; cur = cur.cause, depth++) {
        if (NETWORK_CODES.includes(String(cur.code ?? cur.errno ?? "")) || cur.name === "TimeoutError") return true;
    }
    return false;
}

/** STS failures of the command, said for a person at a terminal. */
export function stsError(e: any, t: Target, who?: string): never {
    const name = String(e?.name ?? "");
    if (isNetworkError(e)) {
        const code = e?.code ?? e?.cause?.code ?? name;
        const endpoint =
            process.env.AWS_ENDPOINT_URL_STS ?? process.env.AWS_ENDPOINT_URL ?? `https://sts.${t.region}.amazonaws.com`;
        fail(
            `could not reach STS at ${endpoint} (${code}): nothing was refused, the request did not get through. Check the network, DNS, a proxy (HTTPS_PROXY) or VPC endpoint, and AWS_ENDPOINT_URL_STS, then try again.`,
        );
    }
    if (name === "CredentialsProviderError" || /Could not load credentials/i.test(String(e?.message))) {
        fail("no AWS credentials found in the caller account: set AWS_PROFILE (or run aws sso login) and try again");
    }
    if (name === "AccessDenied") {
        fail(
            `${who ?? "your credentials"} may not assume ${t.roleArn}: the Bedrock stack trusts only roles under its bedrock-bridge:callerRolePath in bedrock-bridge:callerAccountIds (or its trustedPrincipalArns)${t.externalId ? "" : ", and an external id if it set one (--external-id)"}. Use such a role.`,
        );
    }
    if (name === "ValidationError" && /DurationSeconds/i.test(String(e?.message))) {
        fail(
            `the role allows shorter sessions than --duration asks for: lower --duration, or raise bedrock-bridge:maxSessionDurationSeconds in the Bedrock stack`,
        );
    }
    fail(`STS refused AssumeRole on ${t.roleArn}: ${name}`);
}

export async function assumeAndMint(t: Target, durationSeconds: number): Promise<{ token: string; expiration: Date }> {
    const sts = new STSClient({ region: t.region });
    const user = os.userInfo().username;
    let out;
    try {
        out = await sts.send(
            new AssumeRoleCommand({
                RoleArn: t.roleArn,
                // Names the person in the Bedrock account's CloudTrail (userIdentity.arn of every call with this key).
                RoleSessionName: sessionNameFor(user, "bb-token"),
                ExternalId: t.externalId,
                DurationSeconds: durationSeconds,
            }),
        );
    } catch (e) {
        // Who was refused, for the message; pointless (and slow) when STS cannot be reached at all.
        const who = isNetworkError(e)
            ? undefined
            : await sts.send(new GetCallerIdentityCommand({})).then(
                  r => r.Arn,
                  () => undefined,
              );
        stsError(e, t, who);
    }
    const c = out.Credentials!;
    return mintShortTermKey(
        {
            accessKeyId: c.AccessKeyId!,
            secretAccessKey: c.SecretAccessKey!,
            sessionToken: c.SessionToken!,
            expiration: new Date(c.Expiration!),
        },
        t.region,
    );
}

/** One tiny Converse with the key; Bedrock's key errors come back as clear messages naming the key type. */
export async function checkKey(token: string, region: string, modelId: string | undefined): Promise<void> {
    if (!modelId)
        fail("--check/--verify needs a model id (none in the plan's allowedModelIds): add one after the flag");
    const client = new BedrockRuntimeClient({
        region,
        token: { token },
        authSchemePreference: ["httpBearerAuth"],
        maxAttempts: 1,
    });
    try {
        await client.send(
            new ConverseCommand({
                modelId,
                messages: [{ role: "user", content: [{ text: "ping" }] }],
                inferenceConfig: { maxTokens: 1 },
            }),
        );
    } catch (e) {
        const mapped = toBridgeError(e, { modelId, region, auth: keyKind(token) });
        fail(`${mapped.code}: ${mapped.message}`);
    }
}

export async function main(
    argv: string[],
    out: (line: string) => void,
    err: (line: string) => void,
    env = process.env,
): Promise<void> {
    const a = parseArgs(argv);
    if (a.help) {
        out(USAGE);
        return;
    }
    const t = resolveTarget(a);
    if (a.verify) {
        const token = env.AWS_BEARER_TOKEN_BEDROCK;
        if (!token) fail("--verify checks the key in AWS_BEARER_TOKEN_BEDROCK, which is not set");
        await checkKey(token, t.region, t.models[0]);
        err(
            `ok: the ${keyKind(token) === "longTermKey" ? "long-term" : "short-term"} key works for ${t.models[0]} in ${t.region}`,
        );
        return;
    }
    const key = await assumeAndMint(t, a.durationSeconds);
    if (a.check) await checkKey(key.token, t.region, t.models[0]);
    const minutes = Math.round((key.expiration.getTime() - Date.now()) / 60000);
    const lines: string[] = [];
    const emit = a.out ? (l: string) => lines.push(l) : out;
    if (a.json) {
        emit(
            JSON.stringify({
                token: key.token,
                expiresAt: key.expiration.toISOString(),
                region: t.region,
                roleArn: t.roleArn,
            }),
        );
    } else {
        emit(
            `# short-term Bedrock API key for ${t.roleArn} in ${t.region}, expires ${key.expiration.toISOString()} (in ${minutes} min)`,
        );
        emit(`export AWS_BEARER_TOKEN_BEDROCK=${key.token}`);
    }
    if (a.out) {
        // A bearer key: readable by its owner only. Then `. FILE` (or, with --json, read it) instead of eval.
        require("./internal/out").writeOut(lines.join("\n") + "\n", a.out, { mode: 0o600 });
    }
    if (a.check) err(`ok: the key works for ${t.models[0]} in ${t.region}`);
}

if (require.main === module) {
    main(
        process.argv.slice(2),
        l => console.log(l),
        l => console.error(l),
    ).then(
        () => process.exit(0),
        e => {
            console.error(
                `token: ${(e as { clear?: boolean }).clear ? e.message : `unexpected failure: ${(e as Error)?.name}: ${(e as Error)?.message}`}`,
            );
            // Inside eval "$(npm run -s token …)" the shell runs what we print: an empty output would let eval succeed.
            // `false` makes it fail (and stops a set -e script) without closing an interactive shell.
            if (!process.stdout.isTTY && !process.argv.includes("--json") && !process.argv.includes("--out"))
                console.log("false # npm run token failed, see the message above");
            process.exit(1);
        },
    );
}
