// Which models refuse temperature and topP together: one list, used by every place that builds inferenceConfig.
//
// AWS documents it for Claude Sonnet 4.5 and Haiku 4.5: "Claude Sonnet 4.5 and Claude Haiku 4.5 support specifying
// either the temperature or top_p parameter, but not both. This does not apply to any older models."
// (Bedrock user guide, model-parameters-anthropic-claude-messages-request-response; the restriction covers Converse
// and ConverseStream too.) Claude Opus 4.1, Opus 4.5 and Sonnet 4.6 answer the same ValidationException ("`temperature`
// and `top_p` cannot both be specified for this model"), reported in aws-samples/bedrock-access-gateway#208/#238 and
// aws-samples/bedrock-chat#979. Add a family here when its model card says the same.
export const ONE_SAMPLING_PARAMETER_MODELS = [
    "anthropic.claude-sonnet-4-5",
    "anthropic.claude-haiku-4-5",
    "anthropic.claude-opus-4-1",
    "anthropic.claude-opus-4-5",
    "anthropic.claude-sonnet-4-6",
];

/** The model family part of a model id, inference profile id (jp., global., ...) or ARN. */
function family(modelId: string): string {
    const last = modelId.split("/").pop() ?? modelId;
    const at = last.indexOf("anthropic.");
    return at >= 0 ? last.slice(at) : last;
}

/** True when the model accepts temperature or topP, not both. */
export function acceptsOneSamplingParameter(modelId: string): boolean {
    const f = family(modelId);
    return ONE_SAMPLING_PARAMETER_MODELS.some(m => f.startsWith(m));
}
