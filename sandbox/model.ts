// The local model: Bedrock Runtime's Converse, ConverseStream and InvokeModel* (event-stream over HTTP/2, what the
// real SDK speaks) answering deterministically at a realistic pace, and STS AssumeRole, both from the test fakes.
// The relay and invoker packages reach them through AWS_ENDPOINT_URL_BEDROCK_RUNTIME / AWS_ENDPOINT_URL_STS.
import * as crypto from "crypto";
import { BedrockAnswer, BedrockRequest, FakeBedrock, FakeSts } from "../emulation/fakes";
import { SANDBOX_PROMPTS } from "./index";
import { modelAnswer } from "./modelAnswers";

// Plain ASCII on purpose: a bare Linux desktop has no emoji or CJK font, and the page showed boxes for them.
const SENTENCES = [
    "This answer comes from the sandbox's local model, streamed chunk by chunk like a real one.",
    "The relay Lambda package read it from ConverseStream and published it to your AppSync Events channel.",
    "Each event carries a seq number, so the client can drop duplicates and restore the order.",
    "Only you can subscribe to this channel: the onSubscribe handler compares its second segment with your sub.",
    "The streaming is reproduced locally, on this machine only.",
    "Nothing here talked to AWS; run `npm run chat` against a deployed stack to see the real service.",
    "The request body was checked against the same JSON schema the API Gateway model deploys.",
];

/** The exact text the local model answers to `prompt`: a stable function of the prompt alone. */
export function answerFor(prompt: string): string {
    const echo = prompt.indexOf(SANDBOX_PROMPTS.echo);
    // Leading whitespace goes: chunks() streams words with the whitespace after them.
    if (echo >= 0) return prompt.slice(echo + SANDBOX_PROMPTS.echo.length).trimStart();
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
        // Every operation (Converse, ConverseStream, InvokeModel*), maxTokens, stop sequences, tools: modelAnswers.ts.
        return modelAnswer(req, { delayMs: this.o.delayMs, answerFor, chunks });
    }

    async stop(): Promise<void> {
        await Promise.all([this.bedrock.stop(), this.sts.stop()]);
    }
}
