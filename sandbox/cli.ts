// `npm start [-- --port 8787 --user a@b.c:Password-1 --faults redeliver --model-delay-ms 40 --bedrock local|aws]`
import * as path from "path";
import { ROOT } from "../tools/internal/harness";
import { DEMO_USER, SandboxFault, SandboxOptions, SandboxUser, startSandbox } from "./index";

const USAGE = `usage: npm start -- [--port <n, default 8787>] [--user <email>:<password>]... [--faults redeliver]
                    [--model-delay-ms <ms, default 40>] [--bedrock local|aws] [--state-dir <dir, default .sandbox>]`;

export function parseArgs(argv: string[]): SandboxOptions {
    const o: SandboxOptions = { port: 8787, verbose: true, stateDir: path.join(ROOT, ".sandbox") };
    const users: SandboxUser[] = [];
    const faults: SandboxFault[] = [];
    const target: Partial<NonNullable<SandboxOptions["awsTarget"]>> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
            return v;
        };
        switch (a) {
            case "--port": {
                const p = Number(value());
                if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`--port must be 0..65535`);
                o.port = p;
                break;
            }
            case "--user": {
                const v = value();
                const at = v.indexOf(":");
                if (at < 1 || !v.slice(0, at).includes("@") || at === v.length - 1)
                    throw new Error(`--user takes <email>:<password>, e.g. --user alice@example.com:Alice-Pass-1`);
                users.push({ email: v.slice(0, at), password: v.slice(at + 1) });
                break;
            }
            case "--faults":
                for (const f of value().split(",")) {
                    if (f !== "redeliver") throw new Error(`unknown fault ${f}: the sandbox knows redeliver`);
                    faults.push(f);
                }
                break;
            case "--model-delay-ms": {
                const ms = Number(value());
                if (!Number.isFinite(ms) || ms < 0 || ms > 10000)
                    throw new Error("--model-delay-ms must be a number of milliseconds, 0..10000");
                o.modelDelayMs = ms;
                break;
            }
            case "--bedrock": {
                const b = value();
                if (b !== "local" && b !== "aws") throw new Error("--bedrock is local or aws");
                o.bedrock = b;
                break;
            }
            case "--bedrock-role-arn":
                target.roleArn = value();
                break;
            case "--bedrock-region":
                target.region = value();
                break;
            case "--model":
                target.modelId = value();
                break;
            case "--external-id":
                target.externalId = value();
                break;
            case "--quiet":
                o.verbose = false;
                break;
            case "--state-dir":
                o.stateDir = path.resolve(value());
                break;
            case "-h":
            case "--help":
                console.log(USAGE);
                process.exit(0);
            default:
                throw new Error(`unknown argument ${a}\n${USAGE}`);
        }
    }
    if (Object.keys(target).length && o.bedrock !== "aws")
        throw new Error("--bedrock-role-arn, --bedrock-region, --model and --external-id go with --bedrock aws");
    if (o.bedrock === "aws") o.awsTarget = target as SandboxOptions["awsTarget"];
    if (users.length) o.users = users;
    if (faults.length) o.faults = faults;
    return o;
}

async function main(): Promise<void> {
    // The state machine's Task runs the SDK in this process; the functions' runtime (nodejs22.x) is not Node 20.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    const opts = parseArgs(process.argv.slice(2));
    console.log(
        "bedrock-bridge sandbox: starting (the caller stack under mocks, its Lambda packages, the emulated services)...",
    );
    const sb = await startSandbox(opts);
    const o = sb.outputs;
    const users = opts.users ?? [DEMO_USER];
    console.log(
        [
            "",
            "bedrock-bridge sandbox: a LOCAL EMULATION of the caller stack (API Gateway, Cognito, AppSync Events, Lambda,",
            `Step Functions, ${opts.bedrock === "aws" ? "real Bedrock through your AWS credentials" : "a deterministic local model"}). Nothing here is AWS; it listens on 127.0.0.1 only.`,
            "",
            `  chat page      ${o.pageUrl}   (self-signed certificate for 127.0.0.1: accept it once)`,
            `  REST endpoint  ${o.chatRestEndpoint}`,
            `  events         ${o.chatEventsHttpEndpoint}  realtime ${o.chatEventsRealtimeEndpoint}`,
            `  sign-in        ${o.cognitoEndpoint}  (pool ${o.chatUserPoolId}, client ${o.chatUserPoolClientId})`,
            `  token          curl -s -X POST ${o.tokenUrl} -d '{"email":"${users[0].email}"}'   or: npm run sandbox-token -- ${users[0].email}`,
            `  invoker        curl -s -X POST ${o.invokeUrl} -d '{"prompt":"hello"}'   (?stateMachine=1: the state machine, {"message":"hello"})`,
            `  outputs        ${path.relative(process.cwd(), path.join(opts.stateDir!, "outputs.json"))}`,
            "",
            `  users: ${users.map(u => (opts.users ? u.email : `${u.email} / ${u.password} (demo user)`)).join(", ")}`,
            `  faults: ${(opts.faults ?? []).join(",") || "none"}`,
            "",
            "Ctrl-C stops it.",
        ].join("\n"),
    );
    let stopping = false;
    const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.log(`\n${signal}: stopping the sandbox...`);
        await sb.stop();
        (require("@pulumi/pulumi/runtime/state").getStore() as { terminated?: boolean }).terminated = true;
        process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
}

if (require.main === module) {
    main().catch(e => {
        console.error(`sandbox: ${(e as Error).message}`);
        process.exit(1);
    });
}
