// The local model: Bedrock Runtime's Converse and ConverseStream (event-stream over HTTP/2, what the real SDK
// speaks) answering deterministically at a realistic pace, and STS AssumeRole, both from the test fakes.
// The relay and invoker packages reach them through AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL_STS.
import * as crypto from "crypto";
import {
    bedrockError,
    BedrockAnswer,
    BedrockRequest,
    converseAnswer,
    FakeBedrock,
    FakeSts,
    StreamStep,
} from "../emulation/fakes";
import { SANDBOX_PROMPTS } from "./index";

const SENTENCES = [
    "This answer comes from the sandbox's local model, streamed chunk by chunk like a real one.",
    "The relay Lambda package read it from ConverseStream and published it to your AppSync Events channel.",
    "Each event carries a seq number, so the client can drop duplicates and restore the order.",
    "Only you can subscribe to this channel: the onSubscribe handler compares its second segment with your sub.",
    "ストリーミングはローカルで再現されています。",
    "Nothing here talked to AWS; run `npm run chat` against a deployed stack to see the real service. ✅",
    "The request body was checked against the same JSON schema the API Gateway model deploys.",
];

/** The exact text the local model answers to `prompt`: a stable function of the prompt alone. */
export function answerFor(prompt: string): string {
    const h = crypto.createHash("sha256").update(prompt).digest();
    const picks = [0, 1, 2, 3].map(i => SENTENCES[h[i] % SENTENCES.length]);
    const quoted = prompt.length > 60 ? `${prompt.slice(0, 57)}...` : prompt;
    return [`You said: "${quoted}".`, ...new Set(picks)].join(" ");
}

/** Splits text into the small pieces a model streams (a word or two with their spaces). */
export function chunks(text: string): string[] {
    const words = text.match(/\S+\s*/g) ?? [text];
    const out: string[] = [];
    for (let i = 0; i < words.length; i += 2) out.push(words.slice(i, i + 2).join(""));
    return out;
}

function promptOf(req: BedrockRequest): string {
    const msgs: any[] = req.body?.messages ?? [];
    const last = msgs[msgs.length - 1];
    return (last?.content ?? []).map((c: any) => c.text ?? "").join("");
}

export interface LocalModelOptions {
    delayMs: number;
}

export class LocalModel {
    readonly bedrock = new FakeBedrock();
    readonly sts = new FakeSts();

    constructor(private readonly o: LocalModelOptions) {
        this.bedrock.handler = req => this.answer(req);
    }

    async start(): Promise<this> {
        await Promise.all([this.bedrock.start(), this.sts.start()]);
        return this;
    }

    private answer(req: BedrockRequest): BedrockAnswer {
        const prompt = promptOf(req);
        if (prompt.includes(SANDBOX_PROMPTS.throttle))
            return bedrockError("ThrottlingException", "Too many requests, please wait before trying again.");
        const text = answerFor(prompt);
        const usage = {
            inputTokens: Math.ceil(JSON.stringify(req.body?.messages ?? []).length / 4),
            outputTokens: Math.ceil(text.length / 4),
        };
        if (req.op === "converse")
            return converseAnswer(text, { ...usage, totalTokens: usage.inputTokens + usage.outputTokens });
        const parts = chunks(text);
        const steps: StreamStep[] = [{ event: "messageStart", payload: { role: "assistant" } }];
        const cut = prompt.includes(SANDBOX_PROMPTS.midStreamError) ? Math.ceil(parts.length / 2) : parts.length;
        for (const p of parts.slice(0, cut)) {
            steps.push({ delayMs: this.o.delayMs });
            steps.push({ event: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: p } } });
        }
        if (cut < parts.length) {
            steps.push({ exception: "modelStreamErrorException", message: "The model stream failed (sandbox fault)." });
            return { stream: steps };
        }
        steps.push({ event: "contentBlockStop", payload: { contentBlockIndex: 0 } });
        steps.push({ event: "messageStop", payload: { stopReason: "end_turn" } });
        steps.push({
            event: "metadata",
            payload: {
                usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
                metrics: { latencyMs: this.o.delayMs * parts.length },
            },
        });
        return { stream: steps };
    }

    async stop(): Promise<void> {
        await Promise.all([this.bedrock.stop(), this.sts.stop()]);
    }
}
