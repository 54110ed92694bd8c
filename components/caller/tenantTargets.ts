// Caller side: which role, models, application profiles and guardrail a caller uses in a referenced Bedrock stack,
// from its `tenants` output and bedrock-bridge:tenant. Every mismatch fails at preview naming the keys on both sides.
import * as pulumi from "@pulumi/pulumi";
import type { GuardrailRef, TenantTrust } from "../governance/governancePolicies";
import type { TenantOutput } from "../governance/tenantAccess";

export interface CallerIdentity {
    accountId: string;
    rolePath: string;
}

export interface TenantSelection {
    roleArn: string;
    models: string[];
    profiles?: Record<string, string>;
    guardrail?: GuardrailRef;
    tenant?: string;
}

const short = (stackName: string) => stackName.split("/").pop();

/** Does the tenant's trust cover this caller? Organization membership cannot be checked offline: only the path. */
export function trustProblem(trust: TenantTrust, caller: CallerIdentity): string | undefined {
    // The trust names arn:aws:iam::<account>:role<path>*: a caller path under it matches.
    if (!caller.rolePath.startsWith(trust.rolePath))
        return `trusts caller roles under ${trust.rolePath}, but bedrock-bridge:rolePath here is ${caller.rolePath}`;
    if (trust.kind === "accounts" && !trust.accountIds.includes(caller.accountId))
        return `trusts the accounts ${trust.accountIds.join(", ")}, not this caller account ${caller.accountId}`;
    return undefined;
}

/** What is wrong between bedrock-bridge:tenant here and a referenced stack's `tenants` output, if anything. */
export function tenantProblem(
    stackName: string,
    tenants: Record<string, TenantOutput> | undefined,
    tenant: string | undefined,
    caller?: CallerIdentity,
): string | undefined {
    if (!tenants) {
        return tenant
            ? `bedrock-bridge:tenant is "${tenant}", but Bedrock stack ${stackName} has no tenants (its bedrock-bridge:tenants is not set): remove bedrock-bridge:tenant here, or add the tenant there and run pulumi up -s ${short(stackName)}`
            : undefined;
    }
    const names = Object.keys(tenants).sort();
    if (!tenant)
        return `Bedrock stack ${stackName} serves callers only as tenants (${names.join(", ")}): set bedrock-bridge:tenant here to the tenant this account belongs to`;
    const t = tenants[tenant];
    if (!t)
        return `bedrock-bridge:tenant "${tenant}" is not a tenant of Bedrock stack ${stackName} (tenants: ${names.join(", ")}): fix bedrock-bridge:tenant here, or add it to bedrock-bridge:tenants there`;
    const problem = caller && trustProblem(t.trust, caller);
    return problem
        ? `tenant "${tenant}" of Bedrock stack ${stackName} ${problem}: AssumeRole would be denied. Fix tenant "${tenant}" in bedrock-bridge:tenants there (callerAccountIds, organization, callerRolePath), or bedrock-bridge:rolePath here`
        : undefined;
}

/**
 * The selection for one referenced stack. Without tenants there: its stack-wide role (bedrock-bridge:tenant must
 * be absent). With tenants: exactly the named tenant's role, models, profiles and guardrail. The preview's
 * problem list (config/crossStack.ts) reports the same mismatches first; this is the guard where outputs are used.
 */
export function selectTenant(
    stackName: string,
    outputs: { roleArn?: string; allowedModelIds?: string[]; tenants?: Record<string, TenantOutput> },
    tenant: string | undefined,
    caller?: CallerIdentity,
): TenantSelection {
    const problem = tenantProblem(stackName, outputs.tenants, tenant, caller);
    if (problem) throw new pulumi.RunError(problem);
    if (!outputs.tenants || !tenant) {
        if (!outputs.roleArn || !outputs.allowedModelIds)
            throw new pulumi.RunError(
                `stack ${stackName} has no output "roleArn": deploy the Bedrock side first (pulumi up -s ${short(stackName)}) or fix bedrock-bridge:bedrockStacks`,
            );
        return { roleArn: outputs.roleArn, models: outputs.allowedModelIds };
    }
    const t = outputs.tenants[tenant];
    return {
        roleArn: t.roleArn,
        models: t.models,
        profiles: t.profiles,
        // Only what a request sends: the Bedrock side's rollout details (content hash, versions still accepted)
        // would otherwise redeploy every caller when that stack contracts.
        ...(t.guardrail ? { guardrail: { arn: t.guardrail.arn, version: t.guardrail.version } } : {}),
        tenant,
    };
}
