// The StepFunctionsInvoker's state machine as plain data (Amazon States Language, JSONata). No Pulumi here:
// the component resolves the targets and hands plain values in, tests build definitions directly.
//
// Flow: ValidateInput (Choice, one rule per problem -> named Fail) -> PrepareRequest (Pass, assigns the
// Converse arguments) -> Converse.1 .. Converse.n (one Task per Bedrock target in priority order: Retry on
// transient errors, then Catch on throttling to the next target) -> output {text, stopReason, usage, latencyMs, modelId}.

import { DEFAULT_MAX_TOKENS_LIMIT, maxTokensProblem, MODEL_MAX_OUTPUT_TOKENS } from "../../functions/bedrock/limits";
import { acceptsOneSamplingParameter } from "../../functions/bedrock/samplingRules";

export const CONVERSE_RESOURCE = "arn:aws:states:::aws-sdk:bedrockruntime:converse";

/** Errors the state machine ends with; each Cause says what to change. */
export const FAILURES = {
    invalidInput: "BedrockBridge.InvalidInput",
    modelNotAllowed: "BedrockBridge.ModelNotAllowed",
    throttled: "BedrockBridge.Throttled",
    accessDenied: "BedrockBridge.AccessDenied",
    bedrockError: "BedrockBridge.BedrockError",
} as const;

// The SDK integration names errors <Service>.<Exception>.
const bedrock = (exception: string) => `BedrockRuntime.${exception}`;
/** Worth retrying on the same target: they pass with time. */
export const TRANSIENT_ERRORS = [
    "ThrottlingException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ModelNotReadyException",
].map(bedrock);
/** After the retries, these move on to the next target (quota pooling, issue 6), or end in Throttled. */
export const FAILOVER_ERRORS = ["ThrottlingException", "ServiceQuotaExceededException"].map(bedrock);

export interface RetrySettings {
    maxAttempts: number;
    intervalSeconds: number;
    backoffRate: number;
    maxDelaySeconds: number;
}

export interface DefinitionTarget {
    /** The Bedrock account's role the Task runs as (Credentials.RoleArn). */
    roleArn: string;
    /** Shown in the Task's Comment, e.g. the stack name and region. */
    label?: string;
    /** When given, the output says which account and region served the answer (cost attribution). */
    accountId?: string;
    region?: string;
    /** With tenants: model id -> the tenant's application inference profile ARN this Task calls instead. */
    profiles?: Record<string, string>;
    /** The tenant's enforced guardrail, sent with every call (its IAM policy denies calls without it). */
    guardrail?: { arn: string; version: string };
    tenant?: string;
}

export interface DefinitionOptions {
    /** In priority order; the first is called first, the others on throttling. */
    targets: DefinitionTarget[];
    /** Model ids the input may ask for (every target must allow them). */
    allowedModelIds: string[];
    defaultModelId: string;
    /** Sent when the input gives none: every Converse call carries an explicit MaxTokens (quota reservation). */
    maxTokens: number;
    /** The largest inferenceConfig.maxTokens an input may ask for (default DEFAULT_MAX_TOKENS_LIMIT). */
    maxTokensLimit?: number;
    temperature: number;
    retry: RetrySettings;
    /** Converse requestMetadata on every call (who asks, for the Bedrock account's invocation logs). */
    requestMetadata?: Record<string, string>;
}

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type State = Record<string, Json>;
export interface Definition {
    Comment: string;
    QueryLanguage: "JSONata";
    StartAt: string;
    States: Record<string, State>;
}

/** A JSONata field value; parts are joined with spaces (Step Functions wants it on one line). */
function expr(...parts: string[]): string {
    return "{% " + parts.join(" ") + " %}";
}

/** A value written into an expression as a JSONata literal (JSON literals are valid JSONata). */
const lit = (v: Json) => JSON.stringify(v);

const INPUT = "$states.input";
const INFERENCE_KEYS = ["maxTokens", "temperature", "topP", "stopSequences"];
const MAX_STOP_SEQUENCES = 4;

/** The model the execution asks for, or the default. */
const requestedModel = (o: DefinitionOptions) =>
    `($exists(${INPUT}.modelId) ? ${INPUT}.modelId : ${lit(o.defaultModelId)})`;

/** [condition, what is wrong], checked in order; the first that holds ends the execution with InvalidInput. */
function inputChecks(o: DefinitionOptions, maxTokensLimit: number): [string, string][] {
    const msg = `${INPUT}.message`,
        msgs = `${INPUT}.messages`,
        ic = `${INPUT}.inferenceConfig`;
    const blank = (v: string) => `($type(${v}) != "string" or $length($trim(${v})) = 0)`;
    const notInRange = (v: string) => `$exists(${v}) and ($type(${v}) != "number" or ${v} < 0 or ${v} > 1)`;
    return [
        [`$type(${INPUT}) != "object"`, 'the input must be a JSON object such as {"message": "hello"}'],
        [
            `$not($exists(${msg})) and $not($exists(${msgs}))`,
            'the input has no "message": start the execution with {"message": "<text>"}, or give the conversation as "messages"',
        ],
        [`$exists(${msg}) and ${blank(msg)}`, '"message" must be a non-empty string'],
        [
            `$exists(${msgs}) and ($type(${msgs}) != "array" or $count(${msgs}) = 0)`,
            '"messages" must be a non-empty list of {"role": "user" | "assistant", "content": "<text>"}',
        ],
        [
            `$exists(${msgs}) and $count($filter(${msgs}, function($t) { $type($t) != "object" or $not($t.role in ["user", "assistant"]) or ${blank("$t.content")} })) > 0`,
            'every entry of "messages" must be {"role": "user" | "assistant", "content": "<non-empty text>"}',
        ],
        [
            `($r := $append(${msgs}.role, $exists(${msg}) ? ["user"] : []); $r[0] != "user" or $count($filter($r, function($v, $i) { $i > 0 and $v = $r[$i - 1] })) > 0)`,
            'the conversation must start with a "user" turn and alternate "user" and "assistant" ("message" is appended as the last "user" turn, so "messages" then ends with "assistant")',
        ],
        [`$exists(${INPUT}.system) and ${blank(`${INPUT}.system`)}`, '"system" must be a non-empty string'],
        [`$exists(${INPUT}.modelId) and $type(${INPUT}.modelId) != "string"`, '"modelId" must be a string'],
        [
            `$exists(${ic}) and $type(${ic}) != "object"`,
            `"inferenceConfig" must be an object with any of ${INFERENCE_KEYS.join(", ")}`,
        ],
        [
            `$exists(${ic}) and $count($filter($keys(${ic}), function($k) { $not($k in ${lit(INFERENCE_KEYS)}) })) > 0`,
            `"inferenceConfig" accepts only ${INFERENCE_KEYS.join(", ")}`,
        ],
        [
            `$exists(${ic}.maxTokens) and ($type(${ic}.maxTokens) != "number" or ${ic}.maxTokens != $floor(${ic}.maxTokens) or ${ic}.maxTokens < 1 or ${ic}.maxTokens > ${maxTokensLimit})`,
            `"inferenceConfig.maxTokens" must be a whole number from 1 to ${maxTokensLimit} (bedrock-bridge:stepFunctions.maxTokensLimit)`,
        ],
        [notInRange(`${ic}.temperature`), '"inferenceConfig.temperature" must be a number from 0 to 1'],
        [notInRange(`${ic}.topP`), '"inferenceConfig.topP" must be a number from 0 to 1'],
        [
            `$exists(${ic}.stopSequences) and ($type(${ic}.stopSequences) != "array" or $count(${ic}.stopSequences) > ${MAX_STOP_SEQUENCES} or $count($filter(${ic}.stopSequences, function($s) { $type($s) != "string" })) > 0)`,
            `"inferenceConfig.stopSequences" must be a list of at most ${MAX_STOP_SEQUENCES} strings`,
        ],
        // Bedrock would answer a ValidationException for these models (functions/bedrock/samplingRules.ts).
        [
            `$exists(${ic}.temperature) and $exists(${ic}.topP) and ${requestedModel(o)} in ${lit(o.allowedModelIds.filter(acceptsOneSamplingParameter))}`,
            '"inferenceConfig" gives both "temperature" and "topP", but this model accepts only one of them: drop one',
        ],
    ];
}

/** The Converse arguments (PascalCase, as the SDK integration expects) built from the validated input. */
function converseArguments(o: DefinitionOptions): string {
    return expr(
        `($i := ${INPUT}; $ic := $i.inferenceConfig;`,
        `$turns := $append($i.messages, $exists($i.message) ? [{"role": "user", "content": $i.message}] : []);`,
        "$merge([{",
        `"ModelId": $exists($i.modelId) ? $i.modelId : ${lit(o.defaultModelId)},`,
        `"Messages": [$map($turns, function($t) { {"Role": $t.role, "Content": [{"Text": $t.content}]} })],`,
        `"InferenceConfig": {`,
        `"MaxTokens": $exists($ic.maxTokens) ? $ic.maxTokens : ${lit(o.maxTokens)},`,
        // The default temperature only when the input sets neither: a topP of its own must not be paired with it.
        `"Temperature": $exists($ic.temperature) ? $ic.temperature : ($not($exists($ic.topP)) ? ${lit(o.temperature)}),`,
        `"TopP": $ic.topP, "StopSequences": $ic.stopSequences}`,
        `}${o.requestMetadata ? `, {"RequestMetadata": ${lit(o.requestMetadata)}}` : ""}, $exists($i.system) ? {"System": [{"Text": $i.system}]} : {}]))`,
    );
}

const RESULT = "$states.result";

/** What a consumer gets: the answer's text, why it stopped, tokens, latency, and the model that answered. */
function converseOutput(target: DefinitionTarget, index: number): State {
    const servedBy: State =
        target.accountId && target.region
            ? {
                  servedBy: {
                      accountId: target.accountId,
                      region: target.region,
                      ...(target.tenant ? { tenant: target.tenant } : {}),
                  },
                  ...(index ? { failovers: index } : {}),
              }
            : {};
    return {
        ...servedBy,
        text: expr(`$join([${RESULT}.Output.Message.Content.Text], "")`),
        stopReason: expr(`${RESULT}.StopReason`),
        usage: expr(
            `{"inputTokens": ${RESULT}.Usage.InputTokens, "outputTokens": ${RESULT}.Usage.OutputTokens, "totalTokens": ${RESULT}.Usage.TotalTokens,`,
            `"cacheReadInputTokens": ${RESULT}.Usage.CacheReadInputTokens, "cacheWriteInputTokens": ${RESULT}.Usage.CacheWriteInputTokens}`,
        ),
        latencyMs: expr(`${RESULT}.Metrics.LatencyMs`),
        modelId: expr("$request.ModelId"),
    };
}

const CAUGHT = { failure: expr("$states.errorOutput") };
const failureText = '$failure.Error & ": " & $failure.Cause';

function fail(error: string, cause: string): State {
    return { Type: "Fail", Error: error, Cause: cause };
}

export function converseStateName(index: number): string {
    return `Converse.${index + 1}`;
}

/**
 * The request as this target receives it: $request keeps the plain model id (the output reports it), a tenant
 * target swaps in its application profile ARN and adds its guardrail.
 */
function targetArguments(target: DefinitionTarget): string {
    const parts: string[] = [];
    if (target.profiles) parts.push(`{"ModelId": $lookup(${lit(target.profiles)}, $request.ModelId)}`);
    if (target.guardrail)
        parts.push(
            lit({
                GuardrailConfig: {
                    GuardrailIdentifier: target.guardrail.arn,
                    GuardrailVersion: target.guardrail.version,
                },
            }),
        );
    return parts.length ? expr(`$merge([$request, ${parts.join(", ")}])`) : expr("$request");
}

function converseTask(o: DefinitionOptions, index: number): State {
    const target = o.targets[index];
    const next = index + 1 < o.targets.length ? converseStateName(index + 1) : "Throttled";
    return {
        Type: "Task",
        Comment: `Bedrock target ${index + 1} of ${o.targets.length}${target.label ? `: ${target.label}` : ""}`,
        Resource: CONVERSE_RESOURCE,
        Credentials: { RoleArn: target.roleArn },
        Arguments: targetArguments(target),
        Retry: [
            {
                ErrorEquals: TRANSIENT_ERRORS,
                IntervalSeconds: o.retry.intervalSeconds,
                MaxAttempts: o.retry.maxAttempts,
                BackoffRate: o.retry.backoffRate,
                MaxDelaySeconds: o.retry.maxDelaySeconds,
                JitterStrategy: "FULL",
            },
        ],
        Catch: [
            { ErrorEquals: FAILOVER_ERRORS, Next: next, Assign: CAUGHT },
            { ErrorEquals: [bedrock("AccessDeniedException")], Next: "AccessDenied", Assign: CAUGHT },
            { ErrorEquals: ["States.ALL"], Next: "BedrockFailed", Assign: CAUGHT },
        ],
        Output: converseOutput(target, index),
        End: true,
    };
}

export function buildDefinition(o: DefinitionOptions): Definition {
    if (o.targets.length === 0) throw new Error("buildDefinition needs at least one Bedrock target");
    if (!o.allowedModelIds.includes(o.defaultModelId)) {
        throw new Error(
            `default model "${o.defaultModelId}" is not among the allowed models ${o.allowedModelIds.join(", ")}`,
        );
    }
    const maxTokensLimit = o.maxTokensLimit ?? DEFAULT_MAX_TOKENS_LIMIT;
    const tokenProblem =
        maxTokensProblem(maxTokensLimit, MODEL_MAX_OUTPUT_TOKENS) ?? maxTokensProblem(o.maxTokens, maxTokensLimit);
    if (tokenProblem)
        throw new Error(
            `maxTokens ${o.maxTokens} and maxTokensLimit ${maxTokensLimit}: need 1 <= maxTokens <= maxTokensLimit <= ${MODEL_MAX_OUTPUT_TOKENS}`,
        );
    const modelId = requestedModel(o);
    const states: Record<string, State> = {
        ValidateInput: {
            Type: "Choice",
            Comment: "Bad input ends here with a named error instead of a Bedrock ValidationException",
            Choices: [
                ...inputChecks(o, maxTokensLimit).map(([condition, problem]) => ({
                    Condition: expr(condition),
                    Next: "InvalidInput",
                    Assign: { problem },
                })),
                {
                    Condition: expr(`$not(${modelId} in ${lit(o.allowedModelIds)})`),
                    Next: "ModelNotAllowed",
                    Assign: {
                        problem: expr(
                            `"model id \\"" & ${modelId} & "\\" is not allowed by the Bedrock stack; allowed: " & ${lit(o.allowedModelIds.join(", "))}`,
                        ),
                    },
                },
            ],
            Default: "PrepareRequest",
        },
        PrepareRequest: {
            Type: "Pass",
            Comment: "Assigned once, so every target's Task sends the same request",
            Assign: { request: converseArguments(o) },
            Next: converseStateName(0),
        },
    };
    o.targets.forEach((_, i) => {
        states[converseStateName(i)] = converseTask(o, i);
    });
    Object.assign(states, {
        InvalidInput: fail(FAILURES.invalidInput, expr("$problem")),
        ModelNotAllowed: fail(
            FAILURES.modelNotAllowed,
            expr(
                `$problem & ". Pass one of these as \\"modelId\\", or add the model to bedrock-bridge:models of the Bedrock stack."`,
            ),
        ),
        Throttled: fail(
            FAILURES.throttled,
            expr(
                `"Bedrock throttled every target after retries (" & ${failureText} & "). Lower the request rate, raise the Bedrock quota, or add a Bedrock stack to bedrock-bridge:bedrockStacks."`,
            ),
        ),
        AccessDenied: fail(
            FAILURES.accessDenied,
            expr(
                `"The Bedrock account's role may not call this model (" & ${failureText} & "). Check bedrock-bridge:models and the model access in the Bedrock account."`,
            ),
        ),
        BedrockFailed: fail(FAILURES.bedrockError, expr(`"Bedrock Converse failed: " & ${failureText}`)),
    });
    return {
        Comment: 'bedrock-bridge: Bedrock Converse in the Bedrock account through its role (input {"message": "..."})',
        QueryLanguage: "JSONata",
        StartAt: "ValidateInput",
        States: states,
    };
}
