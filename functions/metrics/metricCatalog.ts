// The one list of the custom metrics our functions emit (CloudWatch embedded metric format, written to the
// function's log, no PutMetricData call) and of the request metadata every Converse call carries. Plain data:
// the functions emit from it, the dashboards and alarms (components/) are built from it, and a test checks
// every dashboard widget against it. No Pulumi imports.

/** CloudWatch namespace of every custom metric. */
export const METRICS_NAMESPACE = "BedrockBridge";

/**
 * Dimension names. Few on purpose: each distinct combination of values is one billed custom metric.
 * `service` is the function ("relay" or "invoker"; Powertools' own default dimension name), `model` the model id
 * as the caller asked for it, `member` the 12-digit account of the Bedrock member that served (or refused).
 */
export const DIM = {
    service: "service",
    model: "model",
    member: "member",
    outcome: "outcome",
    code: "code",
    /** The gateway's key name (bedrock-bridge:gateway keys): a bounded set the operator declares. */
    key: "key",
    /** Why the gateway refused a request (functions/gateway/errors.ts RefusalReason). */
    reason: "reason",
} as const;
export type DimensionName = (typeof DIM)[keyof typeof DIM];

export const SERVICES = { relay: "relay", invoker: "invoker", gateway: "gateway" } as const;
export type ServiceName = (typeof SERVICES)[keyof typeof SERVICES];

/** Outcomes of one relay request (the relay's summary log line says the same). */
export const RELAY_OUTCOMES = ["done", "error", "publishFailed", "rejected"] as const;
/** Outcomes of one invoker request. */
export const INVOKER_OUTCOMES = ["ok", "error"] as const;
/** Outcomes of one gateway request: answered, refused before Bedrock answered (4xx/5xx), or cut mid-stream. */
export const GATEWAY_OUTCOMES = ["ok", "refused", "error"] as const;

/**
 * The dimension sets a metric is emitted with. A CloudWatch metric is identified by its full set, so a
 * dashboard or alarm must name exactly one of these sets: `[service]` is the roll-up that alarms watch,
 * `[service, model, member]` the breakdown dashboards graph with SEARCH.
 */
export const ROLLUP: DimensionName[] = [DIM.service];
export const BY_MEMBER: DimensionName[] = [DIM.service, DIM.model, DIM.member];
export const BY_MODEL: DimensionName[] = [DIM.service, DIM.model];
export const BY_OUTCOME: DimensionName[] = [DIM.service, DIM.outcome];
export const BY_CODE: DimensionName[] = [DIM.service, DIM.code];
export const BY_KEY: DimensionName[] = [DIM.service, DIM.key];
export const BY_KEY_REASON: DimensionName[] = [DIM.service, DIM.key, DIM.reason];

export type MetricUnit = "Milliseconds" | "Count";

export interface MetricSpec {
    name: string;
    unit: MetricUnit;
    /** Which functions emit it. */
    emittedBy: ServiceName[];
    dimensionSets: DimensionName[][];
    description: string;
}

/** Every function that calls Bedrock through the pool (the name predates the gateway). */
const both: ServiceName[] = [SERVICES.relay, SERVICES.invoker, SERVICES.gateway];

/** Every custom metric, keyed by a stable name code uses (`METRICS.timeToFirstDelta.name`). */
export const METRICS = {
    // --- relay: how fast and how completely answers reach the subscriber
    timeToFirstDelta: {
        name: "TimeToFirstDelta",
        unit: "Milliseconds",
        emittedBy: [SERVICES.relay],
        dimensionSets: [ROLLUP, BY_MEMBER],
        description: "From the request reaching the relay to the first published text delta",
    },
    tailAfterLastToken: {
        name: "TailAfterLastToken",
        unit: "Milliseconds",
        emittedBy: [SERVICES.relay],
        dimensionSets: [ROLLUP],
        description: "From the model's last token to the last publish acknowledged",
    },
    publishRequests: {
        name: "PublishRequests",
        unit: "Count",
        emittedBy: [SERVICES.relay],
        dimensionSets: [ROLLUP],
        description: "AppSync Events publish requests of one answer",
    },
    publishRetries: {
        name: "PublishRetries",
        unit: "Count",
        emittedBy: [SERVICES.relay],
        dimensionSets: [ROLLUP],
        description: "Publish requests sent again after a transient failure (429, 5xx, network)",
    },
    eventsResent: {
        name: "EventsResent",
        unit: "Count",
        emittedBy: [SERVICES.relay],
        dimensionSets: [ROLLUP],
        description: "Events sent more than once (partial failures, lost replies); subscribers drop them by seq",
    },
    relayRequests: {
        name: "RelayRequests",
        unit: "Count",
        emittedBy: [SERVICES.relay],
        dimensionSets: [BY_OUTCOME],
        description: `One per relay request, by outcome (${RELAY_OUTCOMES.join(", ")})`,
    },
    // --- invoker
    latency: {
        name: "Latency",
        unit: "Milliseconds",
        emittedBy: [SERVICES.invoker],
        dimensionSets: [ROLLUP, BY_MEMBER],
        description: "From the request reaching the invoker to its answer",
    },
    invokerRequests: {
        name: "InvokerRequests",
        unit: "Count",
        emittedBy: [SERVICES.invoker],
        dimensionSets: [BY_OUTCOME],
        description: `One per invoker request, by outcome (${INVOKER_OUTCOMES.join(", ")})`,
    },
    // --- gateway: per key (requests, tokens, refusals); its pool metrics are the shared ones below
    keyRequests: {
        name: "KeyRequests",
        unit: "Count",
        emittedBy: [SERVICES.gateway],
        dimensionSets: [ROLLUP, BY_KEY],
        description: `One per gateway request, by key (outcomes: ${GATEWAY_OUTCOMES.join(", ")})`,
    },
    keyInputTokens: {
        name: "KeyInputTokens",
        unit: "Count",
        emittedBy: [SERVICES.gateway],
        dimensionSets: [BY_KEY],
        description: "Input tokens Bedrock reported for the key's requests",
    },
    keyOutputTokens: {
        name: "KeyOutputTokens",
        unit: "Count",
        emittedBy: [SERVICES.gateway],
        dimensionSets: [BY_KEY],
        description: "Output tokens Bedrock reported for the key's requests",
    },
    keyRefusals: {
        name: "KeyRefusals",
        unit: "Count",
        emittedBy: [SERVICES.gateway],
        dimensionSets: [ROLLUP, BY_KEY_REASON],
        description:
            "Gateway requests refused, by key and reason (tokensPerMinute, tokensPerDay, modelNotAllowed, unknownModel, invalidRequest, bedrockThrottled, ...)",
    },
    // --- every pool user (relay, invoker, gateway): quota, failover, errors, usage
    bedrockThrottles: {
        name: "BedrockThrottles",
        unit: "Count",
        emittedBy: both,
        dimensionSets: [ROLLUP, BY_MEMBER],
        description: "ThrottlingException answers from a Bedrock member",
    },
    poolFailovers: {
        name: "PoolFailovers",
        unit: "Count",
        emittedBy: both,
        dimensionSets: [ROLLUP, BY_MEMBER],
        description:
            "Requests moved to the next member (throttled, unavailable, AssumeRole denied); member is the one left",
    },
    allThrottled: {
        name: "AllThrottled",
        unit: "Count",
        emittedBy: both,
        dimensionSets: [ROLLUP, BY_MODEL],
        description: "Requests refused because every member was throttled or cooling down",
    },
    errors: {
        name: "Errors",
        unit: "Count",
        emittedBy: both,
        dimensionSets: [ROLLUP, BY_CODE],
        description: "Requests that ended in an error, by our error code (functions/errors.ts)",
    },
    inputTokens: {
        name: "InputTokens",
        unit: "Count",
        emittedBy: both,
        dimensionSets: [ROLLUP, BY_MEMBER],
        description: "Input tokens Bedrock reported (usage.inputTokens)",
    },
    outputTokens: {
        name: "OutputTokens",
        unit: "Count",
        emittedBy: both,
        dimensionSets: [ROLLUP, BY_MEMBER],
        description: "Output tokens Bedrock reported (usage.outputTokens)",
    },
} satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

/** Every (metric name, dimension set) pair the functions emit: what a dashboard may reference. */
export function emittedMetrics(): { name: string; dimensions: DimensionName[]; emittedBy: ServiceName[] }[] {
    return Object.values(METRICS as Record<string, MetricSpec>).flatMap(m =>
        m.dimensionSets.map(d => ({ name: m.name, dimensions: d, emittedBy: m.emittedBy })),
    );
}

/**
 * Keys of the Converse `requestMetadata` our calls carry (they appear in Bedrock's model invocation logs, not in
 * the prompt). Bedrock allows at most 16 pairs; keys 1..256 and values 0..256 characters of
 * [a-zA-Z0-9\s:_@$#=/+,.-] (Converse API reference, requestMetadata).
 */
export const REQUEST_METADATA = {
    /** The calling function: "relay", "invoker" or "stateMachine". */
    caller: "bb_caller",
    /** The caller account id. */
    account: "bb_account",
    /** The caller stack's tenant (bedrock-bridge:tenant), or "-" without tenants. */
    tenant: "bb_tenant",
    /** The chat user's Cognito sub (relay only). */
    user: "bb_user",
    /** The gateway key's name (gateway only): invocation logs and Cost Explorer split by application. */
    key: "bb_key",
} as const;
export const REQUEST_METADATA_LIMITS = {
    maxPairs: 16,
    maxKeyLength: 256,
    maxValueLength: 256,
    pattern: /^[a-zA-Z0-9\s:_@$#=/+,.-]*$/,
};
