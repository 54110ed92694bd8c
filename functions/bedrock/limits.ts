// Output-token bounds, in one place for config validation (config/index.ts), the invoker, the chat relay and the state
// machine definition. A plain constant module: no Pulumi imports, so the Lambda packages can carry it.
//
// Why every call sends an explicit, bounded maxTokens: Bedrock reserves input tokens + maxTokens against the
// model's tokens-per-minute quota when a request starts and settles the difference at the end, and an unset
// maxTokens reserves the model's own maximum ("How tokens are counted in Amazon Bedrock",
// https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-token-burndown.html). A large reservation
// throttles a small account long before the tokens are really used.

/** The most output tokens current Claude models produce in one answer (Claude Sonnet 4.5, Haiku 4.5: 64K). */
export const MODEL_MAX_OUTPUT_TOKENS = 64_000;

/** maxTokens sent when a request gives none (invoker; the chat relay sends its configured value always). */
export const DEFAULT_MAX_TOKENS = 4096;

/** The largest maxTokens a request may ask for unless the stack raises it (invoker, state machine). */
export const DEFAULT_MAX_TOKENS_LIMIT = 8192;

/** A problem with a maxTokens bound, or undefined when `value` is a whole number in 1..limit. */
export function maxTokensProblem(value: unknown, limit = MODEL_MAX_OUTPUT_TOKENS): string | undefined {
    if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= limit) return undefined;
    return `must be a whole number from 1 to ${limit}`;
}
