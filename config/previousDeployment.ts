// The outputs of this stack's last update, read at preview through a StackReference to the stack itself (Pulumi
// reads the stack's last checkpoint; a stack may reference itself, pulumi/pulumi#3722). Rollouts across stacks
// need them: the Bedrock side keeps what callers deployed before a change usable until a later `up`, and the caller
// side says when what it deployed is behind its Bedrock stack (docs/governance.md, "Rolling out a change").
import * as pulumi from "@pulumi/pulumi";

/** Logical name of the self reference (one per program run). */
export const PREVIOUS_DEPLOYMENT = "previous-deployment";

/** This stack's full name, as a StackReference needs it. */
export function ownStackName(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * The given outputs of this stack's last update (absent keys are undefined; a first deployment has none). Call once
 * per program run: the reference is a resource with a fixed name.
 */
export async function previousOutputs(keys: string[]): Promise<Record<string, unknown>> {
    const ref = new pulumi.StackReference(PREVIOUS_DEPLOYMENT, { name: ownStackName() });
    const out: Record<string, unknown> = {};
    for (const key of keys) {
        const d = await ref.getOutputDetails(key);
        out[key] = d.value ?? d.secretValue;
    }
    return out;
}
