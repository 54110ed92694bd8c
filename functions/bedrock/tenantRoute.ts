// What a call to one Bedrock target names: the model id users know becomes the tenant's application inference
// profile ARN there, and the tenant's enforced guardrail rides along. No Pulumi imports.
import type { GuardrailConfiguration, GuardrailStreamConfiguration } from "@aws-sdk/client-bedrock-runtime";
import type { BedrockTarget } from "./targets";

/** The modelId to send to this target: its application profile for the model, or the model id itself. */
export function targetModelId(target: BedrockTarget, modelId: string): string {
    if (!target.profiles) return modelId;
    const arn = target.profiles[modelId];
    // A tenant target only lists models it has profiles for; anything else would bypass its cost tracking.
    if (!arn)
        throw new Error(
            `tenant ${target.tenant} has no application inference profile for ${modelId} in ${target.accountId}`,
        );
    return arn;
}

/** Converse: the tenant's guardrail (ARN + numeric version: exactly what the role's IAM condition requires). */
export function guardrailConfig(target: BedrockTarget): GuardrailConfiguration | undefined {
    return target.guardrail
        ? { guardrailIdentifier: target.guardrail.arn, guardrailVersion: target.guardrail.version }
        : undefined;
}

/**
 * ConverseStream: "sync" processing mode. The guardrail checks each chunk before it is sent, so a subscriber never
 * sees text the guardrail later blocks; "async" streams first and checks in the background, which would publish
 * blocked text to the chat before the intervention (Bedrock user guide, "Configure streaming response behavior").
 * The price is some latency per chunk.
 */
export function guardrailStreamConfig(target: BedrockTarget): GuardrailStreamConfiguration | undefined {
    return target.guardrail ? { ...guardrailConfig(target), streamProcessingMode: "sync" } : undefined;
}

/** The stop reason Bedrock reports when a guardrail intervened (input blocked or output withheld). */
export const GUARDRAIL_INTERVENED = "guardrail_intervened";

/** Where an answer came from, with the tenant when there is one (cost attribution, logs). */
export function servedBy(target: BedrockTarget): { accountId: string; region: string; tenant?: string } {
    return { accountId: target.accountId, region: target.region, ...(target.tenant ? { tenant: target.tenant } : {}) };
}
