// `npm run chat -- <caller stack | sandbox>`: sign in, then ask; each answer streams to the terminal as it is
// written, the session (and its history) is kept for follow-ups. Usage in tools/internal/chatArgs.ts.
import * as readline from "readline";
import { Writable } from "stream";
import { ConsoleLogger } from "aws-amplify/utils";
import { createChatClient, endpointsFromOutputs, isChatError, type ChatClient, type ChatSession } from "../client";
import { useNodeWebSocket, webSocketOptionsFor } from "../client/node";
import { ROOT } from "./internal/harness";
import { loadOutputs, parseChatArgs, type ChatArgs } from "./internal/chatArgs";

/** Lines from stdin in order, whether a person types them or a pipe delivers them all at once. */
function lineReader() {
    let muted = false;
    // Prompts and typed input echo on stderr: stdout carries only answers (or --json events).
    const echo = new Writable({
        write(chunk, _enc, done) {
            if (!muted) process.stderr.write(chunk);
            done();
        },
    });
    const rl = readline.createInterface({
        input: process.stdin,
        output: echo,
        terminal: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    });
    const queue: string[] = [];
    const waiting: ((line: string | undefined) => void)[] = [];
    let closed = false;
    rl.on("line", line => {
        const w = waiting.shift();
        if (w) w(line);
        else queue.push(line);
    });
    rl.on("close", () => {
        closed = true;
        for (const w of waiting.splice(0)) w(undefined);
    });
    return {
        rl,
        async next(prompt: string, hidden = false): Promise<string | undefined> {
            if (queue.length) return queue.shift();
            if (closed) return undefined;
            process.stderr.write(prompt);
            muted = hidden && rl.terminal;
            const line = await new Promise<string | undefined>(r => waiting.push(r));
            if (muted) {
                muted = false;
                process.stderr.write("\n");
            }
            return line;
        },
        close() {
            rl.close();
        },
    };
}

async function signIn(client: ChatClient, a: ChatArgs, lines: ReturnType<typeof lineReader>): Promise<string> {
    const email = a.email ?? process.env.CHAT_EMAIL ?? (await lines.next("Email: "))?.trim();
    if (!email) throw new Error("sign-in needs an email (--email, CHAT_EMAIL or the prompt)");
    const password = process.env.CHAT_PASSWORD ?? (await lines.next("Password: ", true));
    if (!password) throw new Error("sign-in needs a password (CHAT_PASSWORD or the prompt)");
    try {
        return (await client.signIn(email, password)).email ?? email;
    } catch (e) {
        if (!isChatError(e) || e.code !== "NewPasswordRequired") throw e;
        const newPassword =
            process.env.CHAT_NEW_PASSWORD ??
            (await lines.next("This account has a temporary password. New password: ", true));
        if (!newPassword) throw e;
        return (await client.signIn(email, password, { newPassword })).email ?? email;
    }
}

/** One answer, streamed; resolves false when it failed (the error line is printed). */
async function answer(
    session: ChatSession,
    prompt: string,
    a: ChatArgs,
    onCancel: (abort?: () => void) => void,
): Promise<boolean> {
    const ac = new AbortController();
    onCancel(() => ac.abort());
    let wrote = false;
    try {
        const result = await session.ask(prompt, {
            signal: ac.signal,
            onText: chunk => {
                if (!a.json) {
                    process.stdout.write(chunk);
                    wrote = true;
                }
            },
            onEvent: ev => {
                if (a.json) process.stdout.write(JSON.stringify(ev) + "\n");
            },
        });
        if (!a.json) process.stdout.write("\n");
        if (result.stopReason === "max_tokens") process.stderr.write("(the answer reached the stack's token limit)\n");
        return true;
    } catch (e) {
        if (wrote) process.stdout.write("\n");
        process.stderr.write(`error: ${oneLine(e)}\n`);
        return false;
    } finally {
        onCancel(undefined);
    }
}

function oneLine(e: unknown): string {
    const m = isChatError(e) ? e.message : e instanceof Error ? e.message : String(e);
    return m.split("\n")[0];
}

async function main(): Promise<number> {
    let a: ChatArgs;
    try {
        a = parseChatArgs(process.argv.slice(2));
    } catch (e) {
        const help = (e as { help?: boolean }).help;
        (help ? process.stdout : process.stderr).write(`${(e as Error).message}\n`);
        return help ? 0 : 2;
    }
    ConsoleLogger.LOG_LEVEL = "NONE"; // Amplify's console warnings are not for the person at the terminal
    const source = loadOutputs(a, ROOT);
    const endpoints = endpointsFromOutputs(source.outputs, a.overrides);
    useNodeWebSocket(webSocketOptionsFor(source.outputs));
    const client = createChatClient(endpoints, { timeoutMs: a.timeoutSeconds ? a.timeoutSeconds * 1000 : undefined });
    const lines = lineReader();
    let cancel: (() => void) | undefined;
    const onSigint = () => {
        if (cancel) cancel();
        else {
            lines.close();
            process.exit(130);
        }
    };
    lines.rl.on("SIGINT", onSigint);
    process.on("SIGINT", onSigint);
    try {
        const who = await signIn(client, a, lines);
        let session = client.newSession();
        const setCancel = (c?: () => void) => {
            cancel = c;
        };
        if (a.prompt !== undefined) return (await answer(session, a.prompt, a, setCancel)) ? 0 : 1;
        process.stderr.write(
            `Signed in as ${who} (${source.from}). Session ${session.id}: /new starts another, /quit ends.\n`,
        );
        for (;;) {
            const line = await lines.next("> ");
            if (line === undefined || line.trim() === "/quit") return 0;
            if (!line.trim()) continue;
            if (line.trim() === "/new") {
                session = client.newSession();
                process.stderr.write(`New session ${session.id}.\n`);
                continue;
            }
            await answer(session, line, a, setCancel);
        }
    } finally {
        lines.close();
        await client.signOut();
    }
}

// `npm run chat -- ... --json | head -1`: the reader may go away before the answer ends. That ends the command
// quietly, as it does any Unix filter, instead of an unhandled EPIPE with its stack trace.
for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code !== "EPIPE") throw e;
        process.exit(0);
    });

main().then(
    code => process.exit(code),
    e => {
        process.stderr.write(`error: ${oneLine(e)}\n`);
        process.exit(1);
    },
);
