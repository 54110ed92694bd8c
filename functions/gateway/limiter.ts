// Tokens per minute and per day per key, enforced across every container of the gateway in real time: one
// DynamoDB item per key and window (partition key `pk`, TTL attribute `expiresAt`), changed only by atomic
// conditional UpdateItem calls. Before Bedrock is called, the estimated input plus max_tokens is reserved in each
// window the key has a limit for (the condition refuses a reservation that would overfill it); after the answer,
// the reservation is settled with the real usage (an unconditional ADD of the difference: what was used is
// counted even when it overfills the window). The way Bedrock itself counts its token quota ("How tokens are
// counted in Amazon Bedrock", quotas-token-burndown). Round trips: one per limited window before, one after.
// No Pulumi imports.
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { gatewayError } from "./errors";
import type { KeySettings } from "./models";

export interface Window {
    kind: "tokensPerMinute" | "tokensPerDay";
    /** The item's partition key: key name, window kind and window start. */
    pk: string;
    limit: number;
    /** When the window ends (ms): the retry-after of a refusal. */
    endsAt: number;
}

export interface Reservation {
    /** Settles with the tokens really used (input + output); 0 releases the reservation (nothing was served). */
    settle(usedTokens: number): Promise<void>;
    reserved: number;
}

export interface Limiter {
    /** Reserves `tokens` in every limited window of the key, or throws a 429 GatewayError (400 when it can never fit). */
    reserve(keyName: string, key: KeySettings, tokens: number): Promise<Reservation>;
    /** DynamoDB calls made so far (the benchmark reports them per request). */
    readonly roundTrips: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The windows a key has limits for, at `now`. */
export function windowsFor(keyName: string, key: KeySettings, now: number): Window[] {
    const out: Window[] = [];
    if (key.tokensPerMinute) {
        const start = Math.floor(now / MINUTE) * MINUTE;
        out.push({
            kind: "tokensPerMinute",
            pk: `${keyName}#tpm#${start / MINUTE}`,
            limit: key.tokensPerMinute,
            endsAt: start + MINUTE,
        });
    }
    if (key.tokensPerDay) {
        const start = Math.floor(now / DAY) * DAY;
        const day = new Date(start).toISOString().slice(0, 10);
        out.push({ kind: "tokensPerDay", pk: `${keyName}#tpd#${day}`, limit: key.tokensPerDay, endsAt: start + DAY });
    }
    return out;
}

export function createLimiter(o: { table: string; client?: DynamoDBClient; now?: () => number }): Limiter {
    const client = o.client ?? new DynamoDBClient({});
    const now = o.now ?? Date.now;
    let roundTrips = 0;

    const add = async (w: Window, n: number, conditional: boolean) => {
        roundTrips++;
        await client.send(
            new UpdateItemCommand({
                TableName: o.table,
                Key: { pk: { S: w.pk } },
                // The item lives a while past its window (TTL deletes within days, not at once: it is never read
                // for a past window, so a late deletion is harmless).
                UpdateExpression: "ADD used :n SET expiresAt = if_not_exists(expiresAt, :exp)",
                ...(conditional ? { ConditionExpression: "attribute_not_exists(used) OR used <= :room" } : {}),
                ExpressionAttributeValues: {
                    ":n": { N: String(n) },
                    ":exp": {
                        N: String(Math.ceil((w.endsAt + (w.kind === "tokensPerMinute" ? 3600_000 : DAY)) / 1000)),
                    },
                    ...(conditional ? { ":room": { N: String(w.limit - n) } } : {}),
                },
            }),
        );
    };

    const limiterDown = (err: unknown) =>
        gatewayError("unavailable", "The gateway cannot check this key's token limits right now. Retry shortly.", {
            reason: "limiterUnavailable",
            retryAfterSeconds: 1,
            code: (err as Error)?.name,
        });

    return {
        get roundTrips() {
            return roundTrips;
        },
        async reserve(keyName, key, tokens) {
            const windows = windowsFor(keyName, key, now());
            for (const w of windows)
                if (tokens > w.limit)
                    throw gatewayError(
                        "invalid_request",
                        `This request may use up to ${tokens} tokens (its input and max_tokens), more than the key's ${w.kind} of ${w.limit}. Lower max_tokens or shorten the input.`,
                        { reason: w.kind, param: "max_tokens", code: "request_too_large" },
                    );
            // Both windows at once: the reservation is one round trip before the first token, not one per window.
            const taken = await Promise.allSettled(windows.map(w => add(w, tokens, true)));
            const refusedAt = taken.findIndex(r => r.status === "rejected");
            if (refusedAt >= 0) {
                const w = windows[refusedAt];
                const err = (taken[refusedAt] as PromiseRejectedResult).reason as unknown;
                // Give back what this request took in the other windows (best effort: a failure only leaves the
                // window fuller than it is until it ends).
                await Promise.all(
                    windows
                        .filter((_, i) => taken[i].status === "fulfilled")
                        .map(d => add(d, -tokens, false).catch(() => undefined)),
                );
                if (
                    err instanceof ConditionalCheckFailedException ||
                    (err as Error)?.name === "ConditionalCheckFailedException"
                )
                    throw gatewayError(
                        "rate_limit",
                        `The key ${keyName} has used its ${w.kind} (${w.limit} tokens). Retry after the time in retry-after.`,
                        {
                            reason: w.kind,
                            retryAfterSeconds: Math.max(1, Math.ceil((w.endsAt - now()) / 1000)),
                            code: "rate_limit_exceeded",
                        },
                    );
                throw limiterDown(err);
            }
            let settled = false;
            return {
                reserved: tokens,
                async settle(used) {
                    if (settled) return;
                    settled = true;
                    const diff = Math.max(0, Math.round(used)) - tokens;
                    if (diff === 0) return;
                    await Promise.all(windows.map(w => add(w, diff, false)));
                },
            };
        },
    };
}

/**
 * The limiter's estimate of the tokens in a text: about four characters a token for ASCII (English, code, JSON
 * punctuation), and one token for every other UTF-16 code unit. Japanese, Chinese and Korean run close to a token a
 * character in Claude's tokenizer, so four characters a token would reserve a quarter (or less) of what such a
 * prompt uses; counting each one whole errs on the side of reserving too much, which the settle gives back.
 */
export function estimateTokens(text: string): number {
    let ascii = 0;
    let other = 0;
    for (let i = 0; i < text.length; i++) {
        if (text.charCodeAt(i) < 0x80) ascii++;
        else other++;
    }
    return Math.ceil(ascii / 4) + other;
}

/** The limiter's estimate of a request's input tokens (estimateTokens of the prompt parts as JSON). */
export const estimateInputTokens = (promptJson: string): number => estimateTokens(promptJson);
