// Model ids as Bedrock names them: a foundation model (`anthropic.claude-...`) or a system-defined cross-region
// inference profile (`<geography>.anthropic.claude-...`, `global.` for global ones). Shared by the config check at
// preview and by functions at run time. No Pulumi imports.

/** Cross-region inference profile prefixes (geographic and global). */
export const PROFILE_PREFIXES = ["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"];

export function isInferenceProfileId(modelId: string): boolean {
    const dot = modelId.indexOf(".");
    return dot > 0 && PROFILE_PREFIXES.includes(modelId.slice(0, dot)) && modelId.split(".").length >= 3;
}

/**
 * The foundation model a system-defined profile routes to (its id without the prefix), or the id itself. What
 * CountTokens takes: it counts for a foundation model only, not for a profile (API reference, CountTokens: "modelId:
 * The unique identifier or ARN of the foundation model to use for token counting").
 */
export function foundationModelId(modelId: string): string {
    return isInferenceProfileId(modelId) ? modelId.slice(modelId.indexOf(".") + 1) : modelId;
}
