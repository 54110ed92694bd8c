// Quota pooling: several Bedrock accounts/regions used as one. No Pulumi imports.
// Sticky per warm container (prompt caching works per account); on throttling before any output, move on to
// the next member and let the throttled one cool down; when every member is cooling, say so instead of hammering.
// Bedrock quotas are per model (tokens and requests per minute), so the sticky member and the cooldown are kept
// per (member, model): one model's throttle neither moves nor blocks another model's traffic.
// A member whose role cannot be assumed (AccessDenied from STS: a misconfigured trust) is skipped and cooled down
// for every model, since the role is the same for all of them.
// "Before any output" is structural: `run` covers only the call that starts an answer (a stream's consumer
// reads it after `run` returned), so an error once text flows never reaches the failover.
import { bridgeError, toBridgeError } from "../errors";
import type { BedrockTarget } from "./targets";

/** SDK error names that mean "this account has no capacity now": fail over, if nothing was produced yet. */
export const FAILOVER_ERRORS = ["ThrottlingException", "ServiceQuotaExceededException", "ServiceUnavailableException"];
/** STS's error name for a refused AssumeRole (Bedrock's own is AccessDeniedException). */
const ASSUME_ROLE_DENIED = "AccessDenied";

export interface PoolOptions {
    /** How long a throttled or refusing member is skipped (default 60 s: Bedrock quotas are per minute). */
    cooldownMs?: number;
    now?: () => number;
}

export interface Failover {
    accountId: string;
    region: string;
    /** The SDK error name, or AssumeRoleDenied when the member's role could not be assumed. */
    error: string;
}

export interface Pool {
    run<R>(
        modelId: string,
        fn: (target: BedrockTarget) => Promise<R>,
    ): Promise<{ result: R; target: BedrockTarget; failovers: Failover[] }>;
}

/** Cooldowns are keyed by member and model; a refused AssumeRole uses ANY_MODEL. */
const ANY_MODEL = "*";

export function createPool(targets: BedrockTarget[], opts: PoolOptions = {}): Pool {
    const now = opts.now ?? Date.now;
    const cooldownMs = opts.cooldownMs ?? 60_000;
    const cooling = new Map<BedrockTarget, Map<string, { until: number; denied: boolean }>>();
    const sticky = new Map<string, BedrockTarget>();

    const coolingFor = (t: BedrockTarget, modelId: string) => {
        const m = cooling.get(t);
        const hits = [m?.get(modelId), m?.get(ANY_MODEL)].filter(
            (c): c is { until: number; denied: boolean } => !!c && c.until > now(),
        );
        return hits.length
            ? { until: Math.max(...hits.map(c => c.until)), denied: hits.some(c => c.denied) }
            : undefined;
    };
    const coolDown = (t: BedrockTarget, key: string, denied: boolean) => {
        if (!cooling.has(t)) cooling.set(t, new Map());
        cooling.get(t)!.set(key, { until: now() + cooldownMs, denied });
    };
    const allowing = (modelId: string) => targets.filter(t => t.models.includes(modelId));

    /** Members allowing the model, this model's sticky one first, skipping those cooling down for it. */
    const candidates = (modelId: string) => {
        const list = allowing(modelId);
        const s = sticky.get(modelId);
        const ordered = s && list.includes(s) ? [s, ...list.filter(t => t !== s)] : list;
        return ordered.filter(t => !coolingFor(t, modelId));
    };

    const unusable = (modelId: string, failovers: Failover[]) => {
        const states = allowing(modelId).map(t => ({ t, c: coolingFor(t, modelId) }));
        // Every member refused its role: the trust is wrong, waiting will not help.
        if (states.length && states.every(x => x.c?.denied)) {
            const roles = states.map(x => x.t.roleArn).join(", ");
            return Object.assign(
                bridgeError(
                    "AssumeRoleDenied",
                    `This function may not assume the role of any Bedrock account allowing ${modelId} (${roles}). Check that its role lives under the path the Bedrock stacks trust (bedrock-bridge:callerRolePath) and that the caller stack references the right Bedrock stacks.`,
                ),
                { failovers },
            );
        }
        const waits = states.map(x => (x.c?.until ?? 0) - now()).filter(ms => ms > 0);
        const retryAfter = Math.max(1, Math.ceil(Math.min(...waits) / 1000));
        return Object.assign(
            bridgeError(
                "AllThrottled",
                `All Bedrock accounts for ${modelId} are throttled; retry after ${retryAfter} s.`,
                true,
            ),
            { retryAfterSeconds: retryAfter, failovers },
        );
    };

    const run: Pool["run"] = async (modelId, fn) => {
        const failovers: Failover[] = [];
        const tried = new Set<BedrockTarget>();
        for (;;) {
            const next = candidates(modelId).find(t => !tried.has(t));
            if (!next) throw unusable(modelId, failovers);
            tried.add(next);
            try {
                const result = await fn(next);
                sticky.set(modelId, next);
                return { result, target: next, failovers };
            } catch (err) {
                const name = (err as Error)?.name ?? "";
                const denied = name === ASSUME_ROLE_DENIED;
                if (!denied && !FAILOVER_ERRORS.includes(name)) {
                    throw Object.assign(toBridgeError(err, { modelId, roleArn: next.roleArn, region: next.region }), {
                        failovers,
                        servedBy: { accountId: next.accountId, region: next.region },
                    });
                }
                // A single account has nowhere to go: its own error each time, and no cooldown that would refuse
                // requests its quota could already serve again.
                if (targets.length === 1)
                    throw toBridgeError(err, { modelId, roleArn: next.roleArn, region: next.region });
                coolDown(next, denied ? ANY_MODEL : modelId, denied);
                failovers.push({
                    accountId: next.accountId,
                    region: next.region,
                    error: denied ? "AssumeRoleDenied" : name,
                });
                // Report it (no prompt text), once per cooldown since a cooling member is not tried: the operator
                // sees which account ran out, or which role refuses this function.
                console.warn(
                    JSON.stringify(
                        denied
                            ? {
                                  level: "warn",
                                  event: "bedrock-assume-role-denied",
                                  accountId: next.accountId,
                                  region: next.region,
                                  roleArn: next.roleArn,
                                  cooldownSeconds: cooldownMs / 1000,
                              }
                            : {
                                  level: "warn",
                                  event: "bedrock-failover",
                                  accountId: next.accountId,
                                  region: next.region,
                                  modelId,
                                  error: name,
                              },
                    ),
                );
            }
        }
    };

    return { run };
}
