// `npm start [-- --port 8787 --user a@b.c:Password-1 --faults redeliver --model-delay-ms 40 --bedrock local|aws]`
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../tools/internal/harness";
import { collectInfo } from "../tools/internal/notes";
import { DEMO_USER, Sandbox, SandboxFault, SandboxOptions, SandboxUser, startSandbox } from "./index";

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
    // Stop handlers go in before the (slow) start, so that a signal or a vanished npm mid-start still frees the port.
    let stopping: string | undefined;
    let started: Promise<Sandbox> | undefined;
    const stop = async (why: string) => {
        if (stopping) return;
        stopping = why;
        // The terminal may be gone (SIGHUP, a killed npm): a failed write must not end the process before sb.stop().
        for (const s of [process.stdout, process.stderr]) s.on("error", () => undefined);
        console.log(`\n${why}: stopping the sandbox...`);
        await started?.then(
            s => s.stop(),
            () => undefined,
        );
        (require("@pulumi/pulumi/runtime/state").getStore() as { terminated?: boolean }).terminated = true;
        process.exit(0);
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(signal));
    watchLaunchers(why => void stop(why));
    // The stack's info lines (e.g. stage access logs off) are about deploying; the sandbox deploys nothing.
    collectInfo();
    started = startSandbox(opts);
    const sb = await started;
    if (stopping) return;
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
            `  gateway        ${o.gatewayUrl}   (OpenAI and Anthropic SDKs; key ${Object.keys(o.gatewayKeys)[0]}: ${Object.values(o.gatewayKeys)[0]})`,
            `                 curl -N ${o.gatewayUrl}/chat/completions -H "Authorization: Bearer ${Object.values(o.gatewayKeys)[0]}" -H "content-type: application/json" \\`,
            `                   -d '{"model":"${o.defaultModelId}","stream":true,"messages":[{"role":"user","content":"hello"}]}'`,
            `  outputs        ${path.relative(process.cwd(), path.join(opts.stateDir!, "outputs.json"))}`,
            "",
            `  users: ${users.map(u => (opts.users ? u.email : `${u.email} / ${u.password} (demo user)`)).join(", ")}`,
            `  faults: ${(opts.faults ?? []).join(",") || "none"}`,
            "",
            "Ctrl-C stops it.",
        ].join("\n"),
    );
}

/**
 * Calls onGone when a process that launched this one has exited. `npm start` runs `sh -c "ts-node sandbox/cli.ts"`
 * under npm; npm 11 forwards SIGTERM and SIGINT to that shell only (@npmcli/run-script's signal-manager), and the
 * shell dies without passing them on; on SIGHUP npm exits without forwarding. Either way this process would be
 * left running, holding its port (measured with npm 11.19). So it watches its parent (a changed ppid: orphaned)
 * and, when npm launched it, every ancestor up to that npm process.
 */
export function watchLaunchers(onGone: (why: string) => void, intervalMs = 500): () => void {
    const parent = process.ppid;
    const ancestors = process.env.npm_lifecycle_event ? npmAncestors(parent) : [];
    const alive = (pid: number) => {
        try {
            process.kill(pid, 0);
            return true;
        } catch (e) {
            return (e as NodeJS.ErrnoException).code === "EPERM";
        }
    };
    // With /proc, a re-parented child also tells (an exited npm may linger unreaped); ps every tick would cost too much.
    const procfs = fs.existsSync("/proc/self/stat");
    const timer = setInterval(() => {
        const gone =
            process.ppid !== parent
                ? parent
                : ancestors.find(a => !alive(a.pid) || (procfs && parentOf(a.child) !== a.pid))?.pid;
        if (gone === undefined) return;
        clearInterval(timer);
        onGone(`the process that started the sandbox (pid ${gone}) exited`);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
}

/** Ancestors from `from` up to the nearest npm process (at most 4 levels), each with the child it was seen with. */
function npmAncestors(from: number): { pid: number; child: number }[] {
    const out: { pid: number; child: number }[] = [];
    let child = process.pid;
    let pid: number | undefined = from;
    for (let i = 0; i < 4 && pid && pid > 1; i++) {
        out.push({ pid, child });
        if (isNpm(commandOf(pid))) return out;
        child = pid;
        pid = parentOf(pid);
    }
    // No npm above us (a runner we do not know): watch only the direct parent.
    return out.slice(0, 1);
}

/** The parent pid of a process: /proc on Linux, ps elsewhere; undefined when it cannot be told. */
function parentOf(pid: number): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
        try {
            return (
                Number(execFileSync("ps", ["-o", "ppid=", "-p", String(pid)], { encoding: "utf8" }).trim()) || undefined
            );
        } catch {
            return undefined;
        }
    }
}

/** npm itself: `npm ...` (its process title), `node /usr/bin/npm ...` or `node .../npm-cli.js ...`; not a path argument. */
function isNpm(command: string): boolean {
    const [first, second] = command
        .trim()
        .split(/\s+/)
        .map(a => path.basename(a));
    const npm = (a?: string) => a === "npm" || a === "npm-cli.js";
    return npm(first) || (/^node(js)?(\.exe)?$/.test(first ?? "") && npm(second));
}

function commandOf(pid: number): string {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    } catch {
        try {
            return execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" });
        } catch {
            return "";
        }
    }
}

if (require.main === module) {
    main().catch(e => {
        console.error(`sandbox: ${(e as Error).message}`);
        process.exit(1);
    });
}
