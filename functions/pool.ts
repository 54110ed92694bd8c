// Quota pooling: several Bedrock accounts/regions used as one. No Pulumi imports.
// Sticky per warm container (prompt caching works per account); on throttling before any output, move on to
// the next member and let the throttled one cool down; when every member is cooling, say so instead of hammering.
// "Before any output" is structural: `run` covers only the call that starts an answer (a stream's consumer
// reads it after `run` returned), so an error once text flows never reaches the failover.
import { bridgeError, toBridgeError } from "./errors";
import type { BedrockTarget } from "./targets";

/** SDK error names that mean "this account has no capacity now": fail over, if nothing was produced yet. */
export const FAILOVER_ERRORS = ["ThrottlingException", "ServiceQuotaExceededException", "ServiceUnavailableException"];

export interface PoolOptions {
    /** How long a throttled member is skipped (default 60 s: Bedrock quotas are per minute). */
    cooldownMs?: number;
    now?: () => number;
}

export interface Failover {
    accountId: string;
    region: string;
    error: string;
}

export interface Pool {
    run<R>(modelId: string, fn: (target: BedrockTarget) => Promise<R>): Promise<{ result: R; target: BedrockTarget; failovers: Failover[] }>;
}

export function createPool(targets: BedrockTarget[], opts: PoolOptions = {}): Pool {
    const now = opts.now ?? Date.now;
    const cooldownMs = opts.cooldownMs ?? 60_000;
    const cooling = new Map<BedrockTarget, number>();
    let sticky: BedrockTarget | undefined;

    const isCooling = (t: BedrockTarget) => (cooling.get(t) ?? 0) > now();
    const allowing = (modelId: string) => targets.filter(t => t.models.includes(modelId));

    /** Members allowing the model, sticky one first, skipping those cooling down. */
    const candidates = (modelId: string) => {
        const list = allowing(modelId);
        const ordered = sticky && list.includes(sticky) ? [sticky, ...list.filter(t => t !== sticky)] : list;
        return ordered.filter(t => !isCooling(t));
    };

    const run: Pool["run"] = async (modelId, fn) => {
        const failovers: Failover[] = [];
        const tried = new Set<BedrockTarget>();
        for (;;) {
            const next = candidates(modelId).find(t => !tried.has(t));
            if (!next) {
                const waits = allowing(modelId).map(t => (cooling.get(t) ?? 0) - now()).filter(ms => ms > 0);
                const retryAfter = Math.max(1, Math.ceil(Math.min(...waits) / 1000));
                throw Object.assign(bridgeError("AllThrottled", `All Bedrock accounts for ${modelId} are throttled; retry after ${retryAfter} s.`, true), { retryAfterSeconds: retryAfter, failovers });
            }
            tried.add(next);
            try {
                const result = await fn(next);
                sticky = next;
                return { result, target: next, failovers };
            } catch (err) {
                const name = (err as Error)?.name ?? "";
                if (!FAILOVER_ERRORS.includes(name)) {
                    throw Object.assign(toBridgeError(err, { modelId, roleArn: next.roleArn, region: next.region }), { failovers, servedBy: { accountId: next.accountId, region: next.region } });
                }
                // A single account has nowhere to go: its own error each time, and no cooldown that would refuse
                // requests its quota could already serve again.
                if (targets.length === 1) throw toBridgeError(err, { modelId, roleArn: next.roleArn, region: next.region });
                cooling.set(next, now() + cooldownMs);
                failovers.push({ accountId: next.accountId, region: next.region, error: name });
                // Report the throttle (no prompt text): the operator sees which account ran out.
                console.warn(JSON.stringify({ level: "warn", event: "bedrock-failover", accountId: next.accountId, region: next.region, error: name }));
            }
        }
    };

    return { run };
}
