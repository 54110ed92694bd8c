// What one request of the relay or the invoker adds to the metrics, from the facts its handler already has
// (pool result or error, usage, relay stats). Pure mapping onto the recorder; no prompt or answer text. No Pulumi imports.
import type { MetricsRecorder } from "../metrics";

export interface PoolFacts {
    modelId: string;
    /** The member that answered, or that produced the final error. */
    servedBy?: { accountId: string };
    /** Members left before that one, with the SDK error that made the pool move on. */
    failovers?: { accountId: string; error: string }[];
    /** Our error code when the request failed (functions/errors.ts). */
    errorCode?: string;
    usage?: { inputTokens?: number; outputTokens?: number } | null;
}

const THROTTLE_ERRORS = ["ThrottlingException", "ServiceQuotaExceededException"];

/** Throttles per member, failovers, AllThrottled, errors by code, tokens: the metrics both functions share. */
export function recordPool(rec: MetricsRecorder, f: PoolFacts): void {
    const at = (member: string) => ({ model: f.modelId, member });
    for (const fo of f.failovers ?? []) {
        rec.add("poolFailovers", 1, at(fo.accountId));
        if (THROTTLE_ERRORS.includes(fo.error)) rec.add("bedrockThrottles", 1, at(fo.accountId));
    }
    // A throttle the pool could not route around (a single member) ends the request on that member.
    if ((f.errorCode === "Throttled" || f.errorCode === "QuotaExceeded") && f.servedBy)
        rec.add("bedrockThrottles", 1, at(f.servedBy.accountId));
    if (f.errorCode === "AllThrottled") rec.add("allThrottled", 1, { model: f.modelId });
    if (f.errorCode) rec.add("errors", 1, { code: f.errorCode });
    if (f.usage && f.servedBy) {
        rec.add("inputTokens", f.usage.inputTokens ?? 0, at(f.servedBy.accountId));
        rec.add("outputTokens", f.usage.outputTokens ?? 0, at(f.servedBy.accountId));
    }
}

export interface RelayFacts extends PoolFacts {
    outcome: "done" | "error" | "publishFailed" | "rejected";
    /** From the request reaching the handler to the first text delta acknowledged by AppSync (none: no text). */
    firstDeltaMs?: number;
    /** From the model's last token to the last publish acknowledged. */
    tailMs?: number;
    publishRequests: number;
    publishRetries: number;
    eventsResent: number;
}

export function recordRelay(rec: MetricsRecorder, f: RelayFacts): void {
    recordPool(rec, f);
    rec.add("relayRequests", 1, { outcome: f.outcome });
    if (f.firstDeltaMs !== undefined)
        rec.add(
            "timeToFirstDelta",
            f.firstDeltaMs,
            f.servedBy ? { model: f.modelId, member: f.servedBy.accountId } : {},
        );
    if (f.tailMs !== undefined) rec.add("tailAfterLastToken", f.tailMs);
    rec.add("publishRequests", f.publishRequests);
    rec.add("publishRetries", f.publishRetries);
    rec.add("eventsResent", f.eventsResent);
    rec.flush();
}

export interface InvokerFacts extends PoolFacts {
    latencyMs: number;
}

export function recordInvoker(rec: MetricsRecorder, f: InvokerFacts): void {
    recordPool(rec, f);
    rec.add("invokerRequests", 1, { outcome: f.errorCode ? "error" : "ok" });
    rec.add(
        "latency",
        f.latencyMs,
        f.servedBy && !f.errorCode ? { model: f.modelId, member: f.servedBy.accountId } : {},
    );
    rec.flush();
}

export interface GatewayFacts extends PoolFacts {
    /** The key name ("-" when the request carried none). */
    key: string;
    outcome: "ok" | "refused" | "error";
    /** Why it was refused (functions/gateway/errors.ts RefusalReason). */
    reason?: string;
}

/** The pool's metrics, and per key: one request, its tokens, its refusal with the reason. */
export function recordGateway(rec: MetricsRecorder, f: GatewayFacts): void {
    if (f.modelId) recordPool(rec, f);
    else if (f.errorCode) rec.add("errors", 1, { code: f.errorCode });
    rec.add("keyRequests", 1, { key: f.key });
    if (f.usage) {
        rec.add("keyInputTokens", f.usage.inputTokens ?? 0, { key: f.key });
        rec.add("keyOutputTokens", f.usage.outputTokens ?? 0, { key: f.key });
    }
    if (f.reason) rec.add("keyRefusals", 1, { key: f.key, reason: f.reason });
    rec.flush();
}
