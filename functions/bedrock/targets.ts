// The Bedrock accounts a function may use, as the component passes them in the environment. No Pulumi imports.

export interface BedrockTarget {
    roleArn: string;
    region: string;
    accountId: string;
    models: string[];
    externalId?: string;
    /** With tenants (issue 13): the tenant, its application profile ARN per model id, its enforced guardrail. */
    tenant?: string;
    profiles?: Record<string, string>;
    guardrail?: { arn: string; version: string };
}

/** Reads BEDROCK_TARGETS (a JSON list, in priority order) once per container. */
export function readTargets(env: NodeJS.ProcessEnv = process.env): BedrockTarget[] {
    const raw = env.BEDROCK_TARGETS;
    if (!raw)
        throw new Error("BEDROCK_TARGETS is not set: the function was deployed without a Bedrock stack reference");
    const list = JSON.parse(raw) as BedrockTarget[];
    if (!Array.isArray(list) || !list.length) throw new Error("BEDROCK_TARGETS must be a non-empty list");
    for (const t of list) {
        if (!/^arn:aws[\w-]*:iam::\d{12}:role\//.test(t.roleArn) || !t.region || !Array.isArray(t.models)) {
            throw new Error(`BEDROCK_TARGETS has an invalid entry for ${t.roleArn}`);
        }
    }
    return list;
}

/** Every model id any target allows, in first-seen order. */
export function allowedModels(targets: BedrockTarget[]): string[] {
    return [...new Set(targets.flatMap(t => t.models))];
}
