// `npm run chat` arguments and where the endpoints come from: flags, an outputs file, `pulumi stack output --json`
// of the named stack (when the Pulumi CLI is installed), or the running sandbox's .sandbox/outputs.json.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { ChatEndpoints } from "../../client/types";

export const USAGE = `usage: npm run chat -- <caller stack | sandbox> [--email EMAIL] [--prompt TEXT] [--json] [--timeout SECONDS]
                    [--outputs FILE] [--rest-endpoint URL] [--events-endpoint URL] [--region REGION]
                    [--user-pool-id ID] [--client-id ID] [--cognito-endpoint URL] [--namespace NS]

Signs in to the stack's Cognito user pool (email and password from CHAT_EMAIL / CHAT_PASSWORD or a prompt),
then streams each answer as it is written. Type a prompt and Enter; /new starts a new session, /quit ends.
Ctrl-C stops an answer; Ctrl-C at the prompt (or Ctrl-D) ends. --prompt asks once and exits; --json prints
the events (one JSON object a line) instead of the text.

Endpoints: from \`pulumi stack output --json --stack <stack>\` when the Pulumi CLI is installed, from --outputs
(a file holding that JSON), from the flags, or for "sandbox" from .sandbox/outputs.json (\`npm start\`).`;

export interface ChatArgs {
    stack?: string;
    email?: string;
    prompt?: string;
    json: boolean;
    timeoutSeconds?: number;
    outputsFile?: string;
    overrides: Partial<ChatEndpoints>;
}

const FLAGS: Record<string, keyof ChatEndpoints> = {
    "--rest-endpoint": "restEndpoint",
    "--events-endpoint": "eventsHttpEndpoint",
    "--region": "region",
    "--user-pool-id": "userPoolId",
    "--client-id": "userPoolClientId",
    "--cognito-endpoint": "userPoolEndpoint",
    "--namespace": "namespace",
};

export function parseChatArgs(argv: string[]): ChatArgs {
    const a: ChatArgs = { json: false, overrides: {} };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw usageError(`${arg} needs a value`);
            return v;
        };
        if (arg === "--json") a.json = true;
        else if (arg === "--email") a.email = value();
        else if (arg === "--prompt") a.prompt = value();
        else if (arg === "--outputs") a.outputsFile = value();
        else if (arg === "--timeout") {
            const s = Number(value());
            if (!(s > 0)) throw usageError("--timeout takes seconds, e.g. --timeout 90");
            a.timeoutSeconds = s;
        } else if (FLAGS[arg]) (a.overrides as Record<string, string>)[FLAGS[arg]] = value();
        else if (arg === "-h" || arg === "--help") throw Object.assign(new Error(USAGE), { help: true });
        else if (arg.startsWith("-")) throw usageError(`unknown option ${arg}`);
        else if (a.stack === undefined) a.stack = arg;
        else throw usageError(`one stack only (got ${a.stack} and ${arg})`);
    }
    return a;
}

function usageError(msg: string): Error {
    return Object.assign(new Error(`${msg}\n${USAGE}`), { usage: true });
}

export interface OutputsSource {
    outputs: Record<string, unknown>;
    from: string;
}

/** The outputs to read endpoints from; the full set of flags needs none. */
export function loadOutputs(a: ChatArgs, root: string, hasPulumi = pulumiInstalled()): OutputsSource {
    const o = a.overrides;
    if (o.restEndpoint && o.eventsHttpEndpoint && o.userPoolId && o.userPoolClientId)
        return { outputs: {}, from: "flags" };
    if (a.outputsFile) return { outputs: readJson(a.outputsFile), from: a.outputsFile };
    const sandboxFile = path.join(root, ".sandbox", "outputs.json");
    if (a.stack === undefined || a.stack === "sandbox") {
        if (!fs.existsSync(sandboxFile))
            throw new Error(
                `no sandbox running (${path.relative(root, sandboxFile)} is missing): start it with npm start, or name a deployed caller stack`,
            );
        return { outputs: readJson(sandboxFile), from: "the sandbox" };
    }
    if (!hasPulumi) {
        throw new Error(
            `the Pulumi CLI is not installed, so the outputs of stack ${a.stack} cannot be read: pass --outputs FILE (from \`pulumi stack output --json -s ${a.stack}\`) or the endpoint flags (see --help)`,
        );
    }
    let out: string;
    try {
        out = execFileSync("pulumi", ["stack", "output", "--json", "--stack", a.stack], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (e) {
        const err = String((e as { stderr?: string }).stderr ?? (e as Error).message)
            .trim()
            .split("\n")
            .pop();
        throw new Error(`pulumi stack output --stack ${a.stack} failed: ${err}`);
    }
    return { outputs: JSON.parse(out), from: `stack ${a.stack}` };
}

function readJson(file: string): Record<string, unknown> {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new Error(`cannot read outputs from ${file}: ${(e as Error).message}`);
    }
}

function pulumiInstalled(): boolean {
    try {
        execFileSync("pulumi", ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}
