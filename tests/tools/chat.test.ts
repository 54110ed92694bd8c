// `npm run chat` as a person uses it: a real child process on stdin/stdout against the sandbox.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { startSandbox, SANDBOX_PROMPTS, type Sandbox } from "../../sandbox";
import { chunks } from "../../sandbox/model";
import { loadOutputs, parseChatArgs } from "../../tools/internal/chatArgs";
import { scratchDir } from "../../emulation/scratch";

const ROOT = path.join(__dirname, "..", "..");
const USER = { email: "cli@example.com", password: "Cli-Sandbox-12" };
const DELAY_MS = 60;

interface Run {
    stdin: NodeJS.WritableStream;
    /** Resolves at the first stdout output that satisfies `test`, with the ms since start. */
    waitFor(test: (out: string) => boolean, what: string): Promise<number>;
    stdout(): string;
    stderr(): string;
    exit: Promise<number>;
}

function chat(args: string[], env: Record<string, string> = {}): Run {
    const cleanEnv = { ...process.env };
    for (const k of ["CHAT_EMAIL", "CHAT_PASSWORD", "CHAT_NEW_PASSWORD"]) delete cleanEnv[k];
    const child = spawn("npm", ["run", "-s", "chat", "--", ...args], {
        cwd: ROOT,
        env: { ...cleanEnv, ...env },
        stdio: ["pipe", "pipe", "pipe"],
    });
    const start = Date.now();
    let out = "";
    let err = "";
    const watchers: { test: (o: string) => boolean; resolve: (ms: number) => void }[] = [];
    child.stdout.on("data", d => {
        out += d;
        for (const w of watchers.splice(0))
            if (w.test(out)) w.resolve(Date.now() - start);
            else watchers.push(w);
    });
    child.stderr.on("data", d => {
        err += d;
    });
    const exit = new Promise<number>(r => child.on("close", code => r(code ?? -1)));
    return {
        stdin: child.stdin,
        waitFor: (test, what) =>
            test(out)
                ? Promise.resolve(Date.now() - start)
                : new Promise((resolve, reject) => {
                      watchers.push({ test, resolve });
                      void exit.then(code =>
                          reject(new Error(`chat exited (${code}) before ${what}; stdout: ${out}; stderr: ${err}`)),
                      );
                  }),
        stdout: () => out,
        stderr: () => err,
        exit,
    };
}

describe("npm run chat against the sandbox", function () {
    this.timeout(180_000);
    let sb: Sandbox;
    let outputsFile: string;

    before(async () => {
        sb = await startSandbox({ users: [USER], port: 0, modelDelayMs: DELAY_MS });
        outputsFile = path.join(scratchDir("bb-chat-"), "outputs.json");
        fs.writeFileSync(outputsFile, JSON.stringify(sb.outputs));
    });
    after(async () => {
        await sb?.stop();
        if (outputsFile) fs.rmSync(path.dirname(outputsFile), { recursive: true, force: true });
    });

    it("signs in from stdin, prints the answer as it streams, keeps the session for a follow-up, ends on /quit", async () => {
        const run = chat(["--outputs", outputsFile]);
        run.stdin.write(`${USER.email}\n${USER.password}\n`);
        const first = "What does npm run chat print?";
        const expected = sb.answerFor(first);
        run.stdin.write(`${first}\n`);
        await run.waitFor(o => o.length > 0, "the first words");
        // As it streams: what stdout holds when the first words arrive is the start of the answer, not all of it
        // (read in the same turn as the data event that resolved the wait, so nothing later has been added).
        const firstWords = run.stdout();
        assert.ok(
            expected.startsWith(firstWords) && firstWords.length < expected.length,
            `the first output was ${JSON.stringify(firstWords)}, not a start of ${chunks(expected).length} chunks`,
        );
        await run.waitFor(o => o.includes(expected), "the whole answer");
        await run.waitFor(o => o.includes(expected + "\n"), "the newline after the answer");

        const second = "And a follow-up?";
        run.stdin.write(`${second}\n`);
        await run.waitFor(o => o.includes(sb.answerFor(second) + "\n"), "the second answer");
        assert.equal(sb.lastModelRequest()?.messages?.length, 3, "the follow-up carried the first turn");
        assert.equal(run.stdout(), `${expected}\n${sb.answerFor(second)}\n`, "stdout holds the answers, each once");

        run.stdin.write("/new\n");
        run.stdin.write("Fresh start\n");
        await run.waitFor(o => o.includes(sb.answerFor("Fresh start")), "the answer in the new session");
        assert.equal(sb.lastModelRequest()?.messages?.length, 1);
        run.stdin.write("/quit\n");
        assert.equal(await run.exit, 0);
        assert.match(run.stderr(), new RegExp(`Signed in as ${USER.email}`));
        assert.doesNotMatch(run.stderr(), new RegExp(USER.password), "the password is never echoed");
    });

    it("--json prints each event once, in seq order, ending on done", async () => {
        const run = chat(["--outputs", outputsFile, "--prompt", "Events please", "--json"], {
            CHAT_EMAIL: USER.email,
            CHAT_PASSWORD: USER.password,
        });
        assert.equal(await run.exit, 0, run.stderr());
        const events = run
            .stdout()
            .trim()
            .split("\n")
            .map(l => JSON.parse(l));
        assert.deepEqual(
            events.map(e => e.seq),
            events.map((_, i) => i),
        );
        assert.equal(events.at(-1).type, "done");
        assert.equal(
            events
                .filter(e => e.type === "delta")
                .map(e => e.message)
                .join(""),
            sb.answerFor("Events please"),
        );
    });

    it("--json | head -1: ends quietly when the reader goes away mid-answer", async () => {
        // As `head -1` does: read the first line, then close the pipe while the answer still streams.
        const child = spawn(
            "npm",
            ["run", "-s", "chat", "--", "--outputs", outputsFile, "--prompt", "A long one please", "--json"],
            {
                cwd: ROOT,
                env: { ...process.env, CHAT_EMAIL: USER.email, CHAT_PASSWORD: USER.password },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let err = "";
        child.stderr.on("data", d => (err += d));
        const exit = new Promise<number>(r => child.on("close", code => r(code ?? -1)));
        let first = "";
        await new Promise<void>(resolve =>
            child.stdout.on("data", d => {
                first += d;
                if (first.includes("\n")) {
                    child.stdout.destroy();
                    resolve();
                }
            }),
        );
        assert.equal(JSON.parse(first.split("\n")[0]).seq, 0);
        assert.equal(await exit, 0);
        assert.equal(err, "", "no EPIPE, no stack trace");
    });

    it("says what went wrong in one line: wrong password, an error event, a timeout", async () => {
        const silent = http.createServer((_q, res) => {
            res.writeHead(202, { "content-type": "application/json" });
            res.end('{"requestId":"never"}');
        });
        await new Promise<void>(r => silent.listen(0, "127.0.0.1", r));
        const rest = `http://127.0.0.1:${(silent.address() as { port: number }).port}/chat`;
        const signedIn = { CHAT_EMAIL: USER.email, CHAT_PASSWORD: USER.password };
        try {
            // Three processes at once: each is independent, and a CLI start costs seconds on a busy machine.
            const [wrong, busy, slow] = [
                chat(["--outputs", outputsFile, "--prompt", "hi"], {
                    CHAT_EMAIL: USER.email,
                    CHAT_PASSWORD: "Wrong-Password-9",
                }),
                chat(["--outputs", outputsFile, "--prompt", `x ${SANDBOX_PROMPTS.throttle}`], signedIn),
                chat(
                    ["--outputs", outputsFile, "--rest-endpoint", rest, "--timeout", "1", "--prompt", "hello?"],
                    signedIn,
                ),
            ];
            assert.deepEqual(await Promise.all([wrong.exit, busy.exit, slow.exit]), [1, 1, 1]);
            assert.equal(wrong.stderr(), "error: Sign-in failed: wrong email or password.\n");
            assert.equal(busy.stderr(), "error: The model is busy right now. Please try again in a moment.\n");
            assert.equal(slow.stderr(), "error: No answer for 1 s: the stack did not respond in time. Try again.\n");
        } finally {
            silent.close();
        }
    });
});

describe("npm run chat: arguments and endpoints", () => {
    it("reads the sandbox's outputs, an outputs file, or the flags; without the Pulumi CLI says what to pass", () => {
        const dir = scratchDir("bb-chat-args-");
        try {
            assert.throws(() => loadOutputs(parseChatArgs([]), dir, false), /no sandbox running .*npm start/);
            fs.mkdirSync(path.join(dir, ".sandbox"));
            fs.writeFileSync(
                path.join(dir, ".sandbox", "outputs.json"),
                '{"chatRestEndpoint":"http://127.0.0.1:1/prod/chat"}',
            );
            assert.equal(loadOutputs(parseChatArgs(["sandbox"]), dir, false).from, "the sandbox");
            assert.throws(
                () => loadOutputs(parseChatArgs(["caller-prod"]), dir, false),
                /Pulumi CLI is not installed.*--outputs FILE .*pulumi stack output --json -s caller-prod/,
            );
            const flags = parseChatArgs([
                "caller",
                "--rest-endpoint",
                "https://r/chat",
                "--events-endpoint",
                "https://e/event",
                "--user-pool-id",
                "us-east-1_x",
                "--client-id",
                "c",
                "--json",
            ]);
            assert.deepEqual(loadOutputs(flags, dir, false), { outputs: {}, from: "flags" });
            assert.equal(flags.json, true);
            assert.throws(() => parseChatArgs(["--bogus"]), /unknown option --bogus/);
            assert.throws(() => parseChatArgs(["--timeout", "soon"]), /--timeout takes seconds/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
