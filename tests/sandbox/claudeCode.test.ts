// Claude Code itself (the `claude` CLI of @anthropic-ai/claude-code, its native binary) against the sandbox's gateway,
// as docs/workloads.md tells a developer to run it: ANTHROPIC_BASE_URL is gatewayUrl without /v1, the gateway key is
// ANTHROPIC_AUTH_TOKEN, the model an alias. Each run is `claude -p ... --output-format json` in a clean environment
// (PATH, a fresh HOME and TMPDIR, the variables below: never the developer's ANTHROPIC_* or Claude Code settings).
//
// The package's `bin/claude.exe` is a placeholder until its postinstall copies the binary over it, and that
// postinstall is denied here (package.json allowScripts, docs/design.md): the test runs the binary of the platform
// package (@anthropic-ai/claude-code-<platform>, an optional dependency npm installs) directly.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { scratchDir } from "../../emulation/scratch";
import { Sandbox, startSandbox } from "../../sandbox";

const SONNET_45 = "jp.anthropic.claude-sonnet-4-5-20250929-v1:0";
const ALIAS = "claude-sonnet-4-5";
const RUN_TIMEOUT_MS = 60000;

/** The native binary of the installed platform package, or a failure that says what is missing. */
function claudeBinary(): string {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    const musl = process.platform === "linux" && !report?.header?.glibcVersionRuntime;
    const pkg = `@anthropic-ai/claude-code-${process.platform}-${process.arch}${musl ? "-musl" : ""}`;
    let dir: string;
    try {
        dir = path.dirname(require.resolve(`${pkg}/package.json`));
    } catch {
        throw new Error(
            `Claude Code's native binary is not installed: ${pkg} is missing (npm ci installs it with the dev dependency @anthropic-ai/claude-code, as an optional dependency for this platform)`,
        );
    }
    const bin = path.join(dir, process.platform === "win32" ? "claude.exe" : "claude");
    assert.ok(fs.existsSync(bin), `${bin} is missing`);
    const version = (p: string) => (require(`${p}/package.json`) as { version: string }).version;
    assert.equal(version(pkg), version("@anthropic-ai/claude-code"), `${pkg} is not the version of the CLI package`);
    return bin;
}

/** What `--output-format json` prints (the fields checked here). */
interface ClaudeResult {
    type: string;
    is_error: boolean;
    result: string;
    num_turns: number;
    api_error_status: number | null;
    api_error_type?: string;
}

interface Run {
    code: number | null;
    signal: NodeJS.Signals | null;
    ms: number;
    stdout: string;
    stderr: string;
    home: string;
    out?: ClaudeResult;
}

type Block = { type: string; text?: string; content?: unknown };
type ModelBody = { messages: { role: string; content: string | Block[] }[]; [k: string]: unknown };

describe("sandbox gateway: Claude Code", function () {
    this.timeout(120000);
    let sb: Sandbox;
    let bin: string;
    let scratch: string;
    let runs = 0;
    let baseUrl: string;

    /**
     * Runs `claude` once in a fresh working directory holding `files`; `env` adds to (or, with undefined, removes
     * from) the environment docs/workloads.md names. The run is killed after `timeoutMs`.
     */
    async function claude(
        args: string[],
        o: { env?: Record<string, string | undefined>; files?: Record<string, string>; timeoutMs?: number } = {},
    ): Promise<Run> {
        const n = ++runs;
        const home = path.join(scratch, `home-${n}`);
        const cwd = path.join(scratch, `work-${n}`);
        const tmp = path.join(scratch, `tmp-${n}`);
        for (const d of [home, cwd, tmp]) fs.mkdirSync(d);
        for (const [name, text] of Object.entries(o.files ?? {})) fs.writeFileSync(path.join(cwd, name), text);
        const all: Record<string, string | undefined> = {
            PATH: process.env.PATH,
            HOME: home,
            TMPDIR: tmp, // Claude Code keeps sockets and probes there: inside this test's folder, not the run's
            ANTHROPIC_BASE_URL: baseUrl,
            ANTHROPIC_AUTH_TOKEN: sb.outputs.gatewayKeys["claude-code"],
            ANTHROPIC_MODEL: ALIAS,
            ANTHROPIC_DEFAULT_HAIKU_MODEL: ALIAS,
            CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS: "1",
            CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
            DISABLE_TELEMETRY: "1",
            DISABLE_AUTOUPDATER: "1",
            ...o.env,
        };
        const clean: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
        const started = Date.now();
        const child = spawn(bin, [...args, "--output-format", "json"], {
            cwd,
            env: clean,
            stdio: ["ignore", "pipe", "pipe"],
            detached: true, // its own process group, so that everything it started can be ended with it
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        const killGroup = () => {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // the group is gone already
            }
        };
        const timer = setTimeout(killGroup, o.timeoutMs ?? RUN_TIMEOUT_MS);
        const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
            child.once("error", reject);
            child.once("close", (c, s) => resolve([c, s]));
        }).finally(() => {
            clearTimeout(timer);
            killGroup();
        });
        const run: Run = { code, signal, ms: Date.now() - started, stdout, stderr, home };
        try {
            run.out = JSON.parse(stdout) as ClaudeResult;
        } catch {
            // left undefined: the assertions below show stdout and stderr
        }
        return run;
    }

    const show = (r: Run) =>
        `exit ${r.code}${r.signal ? ` (${r.signal})` : ""} after ${r.ms} ms\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr.slice(0, 2000)}`;

    const succeeded = (r: Run): ClaudeResult => {
        assert.equal(r.code, 0, show(r));
        assert.ok(r.out, show(r));
        assert.equal(r.out.type, "result", show(r));
        assert.equal(r.out.is_error, false, show(r));
        return r.out;
    };

    /** The last turn of the model's last request, as the sandbox's model reads it (sandbox/modelAnswers.ts). */
    const lastTurn = (): Block[] => {
        const body = sb.lastModelRequest() as ModelBody | undefined;
        assert.ok(body, "the model got no request");
        const last = body.messages[body.messages.length - 1];
        assert.equal(last.role, "user");
        return typeof last.content === "string" ? [{ type: "text", text: last.content }] : last.content;
    };

    before(async () => {
        bin = claudeBinary();
        sb = await startSandbox({
            modelDelayMs: 2,
            gateway: {
                keys: [{ name: "claude-code", tokensPerMinute: 1_000_000 }],
                aliases: { [ALIAS]: SONNET_45 },
            },
        });
        baseUrl = sb.outputs.gatewayUrl.replace(/\/v1$/, "");
        scratch = scratchDir("bb-claude-code-");
    });
    after(async () => {
        if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
        await sb?.stop();
    });

    it("answers a prompt through the gateway, the anthropic-beta header reaching Bedrock as anthropic_beta", async () => {
        const before = sb.modelRequests();
        const out = succeeded(await claude(["-p", "Say hello", "--tools", ""]));
        assert.equal(sb.modelRequests(), before + 1, "one request reached the model");
        assert.deepEqual(sb.lastModelCall(), { op: "invoke-stream", modelId: SONNET_45 });
        // Claude Code puts its context (environment, date) into text blocks before the prompt; the sandbox's model
        // answers the joined text of the last turn.
        const prompt = lastTurn()
            .filter(b => b.type === "text")
            .map(b => b.text ?? "")
            .join("");
        assert.ok(prompt.endsWith("Say hello"), prompt);
        assert.equal(out.result, sb.answerFor(prompt));
        const body = sb.lastModelRequest()!;
        assert.equal(body.anthropic_version, "bedrock-2023-05-31");
        assert.equal(body.model, undefined, "the model id is in Bedrock's URL, not in the body");
        const betas = body.anthropic_beta as string[] | undefined;
        assert.ok(Array.isArray(betas) && betas.includes("claude-code-20250219"), JSON.stringify(betas));
    });

    it("round-trips a tool call: the Read tool reads a file and the answer quotes it", async () => {
        const before = sb.modelRequests();
        // The sandbox's model calls the first tool offered with its required arguments set to "sandbox": Read's
        // file_path, which Claude Code takes relative to the working directory; the model then quotes the result.
        const text = "written for the Claude Code test";
        const r = await claude(["-p", "Read the file", "--tools", "Read", "--max-turns", "4"], {
            env: { CLAUDE_CODE_MAX_OUTPUT_TOKENS: "4096" },
            files: { sandbox: `${text}\n` },
        });
        const out = succeeded(r);
        assert.equal(out.num_turns, 2, show(r));
        assert.equal(sb.modelRequests(), before + 2, "two requests reached the model: the prompt, the tool result");
        const result = lastTurn().find(b => b.type === "tool_result");
        assert.ok(result, "the last request carries the tool result");
        const quoted =
            typeof result.content === "string"
                ? result.content
                : ((result.content as { text?: string }[]) ?? []).map(c => c.text ?? "").join("");
        assert.ok(quoted.includes(text), `the tool did not read the file: ${quoted}`);
        assert.equal(out.result, `The tool answered: "${quoted}".`);
        assert.equal(sb.lastModelRequest()!.max_tokens, 4096, "CLAUDE_CODE_MAX_OUTPUT_TOKENS reached the model");
    });

    it("discovers the key's models (GET /v1/models in Anthropic's shape) and caches them", async () => {
        const r = await claude(["-p", "Say hello", "--tools", ""], {
            env: { CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: "1" },
        });
        succeeded(r);
        const file = path.join(r.home, ".claude", "cache", "gateway-models.json");
        assert.ok(fs.existsSync(file), `Claude Code cached no models: no ${file}`);
        const cached = JSON.parse(fs.readFileSync(file, "utf8")) as { baseUrl: string; models: { id: string }[] };
        assert.equal(cached.baseUrl, baseUrl);
        const listed = await fetch(`${sb.outputs.gatewayUrl}/models`, {
            headers: {
                authorization: `Bearer ${sb.outputs.gatewayKeys["claude-code"]}`,
                "anthropic-version": "2023-06-01",
            },
        });
        assert.equal(listed.status, 200);
        const ids = ((await listed.json()) as { data: { id: string }[] }).data.map(m => m.id);
        assert.ok(ids.includes(SONNET_45) && ids.includes(ALIAS), JSON.stringify(ids));
        assert.deepEqual(
            cached.models.map(m => m.id),
            ids,
        );
    });

    it("fails on a wrong key with an authentication error", async () => {
        const r = await claude(["-p", "Say hello", "--tools", ""], {
            env: { ANTHROPIC_AUTH_TOKEN: "bbk-wrong", CLAUDE_CODE_MAX_RETRIES: "0" },
        });
        assert.notEqual(r.code, 0, show(r));
        assert.ok(r.out, show(r));
        assert.equal(r.out.is_error, true, show(r));
        assert.equal(r.out.api_error_status, 401, show(r));
        assert.equal(r.out.api_error_type, "authentication_error", show(r));
        // Claude Code shows its own words for any 401, not the gateway's message.
        assert.match(r.out.result, /not logged in|authenticat|api key/i, show(r));
    });

    it("gives up on a wrong key at once, as the gateway's 401 says it is not worth retrying", async () => {
        // Claude Code retries a 401 (11 attempts over about 3 minutes) unless the answer carries
        // `x-should-retry: false`, the header Anthropic's clients read (measured with Claude Code 2.1.332).
        // "At once" means no request is sent again: a loopback proxy in front of the gateway counts them (the run's
        // timeout only ends a run that hangs).
        const target = new URL(baseUrl);
        const sent: string[] = [];
        const proxy = http.createServer((req, res) => {
            sent.push(`${req.method} ${req.url}`);
            const up = http.request(
                { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
                answer => {
                    res.writeHead(answer.statusCode ?? 502, answer.headers);
                    answer.pipe(res);
                },
            );
            up.on("error", () => res.destroy());
            req.pipe(up);
        });
        await new Promise<void>(resolve => proxy.listen(0, "127.0.0.1", resolve));
        try {
            const port = (proxy.address() as AddressInfo).port;
            const r = await claude(["-p", "Say hello", "--tools", ""], {
                env: {
                    ANTHROPIC_AUTH_TOKEN: "bbk-wrong",
                    ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}${target.pathname.replace(/\/$/, "")}`,
                },
                timeoutMs: 90000, // under the suite's 120 s, so a retrying run is reported by what it sent
            });
            assert.ok(sent.length > 0, `no request reached the gateway\n${show(r)}`);
            assert.deepEqual(
                sent.filter((s, i) => sent.indexOf(s) !== i),
                [],
                `Claude Code retried the 401 (${sent.join(", ")}): the gateway's 401 answers need the header x-should-retry: false (components/gateway/gatewayResponses.ts)\n${show(r)}`,
            );
            assert.equal(r.signal, null, show(r));
            assert.notEqual(r.code, 0, show(r));
            assert.equal(r.out?.api_error_status, 401, show(r));
        } finally {
            proxy.closeAllConnections();
            await new Promise(resolve => proxy.close(resolve));
        }
    });
});
