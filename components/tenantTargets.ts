// Caller side: which role, models, application profiles and guardrail a caller uses in a referenced Bedrock stack,
// from its `tenants` output and bedrock-bridge:tenant. Every mismatch fails at preview naming the keys on both sides.
import * as pulumi from "@pulumi/pulumi";
import type { GuardrailRef, TenantTrust } from "./governancePolicies";
import type { TenantOutput } from "./tenantAccess";

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
    if (trust.rolePath !== caller.rolePath) return `trusts caller roles under ${trust.rolePath}, but bedrock-bridge:rolePath here is ${caller.rolePath}`;
    if (trust.kind === "accounts" && !trust.accountIds.includes(caller.accountId)) return `trusts the accounts ${trust.accountIds.join(", ")}, not this caller account ${caller.accountId}`;
    return undefined;
}

/**
 * The selection for one referenced stack. Without tenants there: its stack-wide role (bedrock-bridge:tenant must
 * be absent). With tenants: exactly the named tenant's role, models, profiles and guardrail.
 */
export function selectTenant(stackName: string, outputs: { roleArn?: string; allowedModelIds?: string[]; tenants?: Record<string, TenantOutput> }, tenant: string | undefined, caller?: CallerIdentity): TenantSelection {
    const tenants = outputs.tenants;
    if (!tenants) {
        if (tenant) throw new pulumi.RunError(`bedrock-bridge:tenant is "${tenant}", but Bedrock stack ${stackName} has no tenants (its bedrock-bridge:tenants is not set): remove bedrock-bridge:tenant here, or add the tenant there and run pulumi up -s ${short(stackName)}`);
        if (!outputs.roleArn || !outputs.allowedModelIds) throw new pulumi.RunError(`stack ${stackName} has no output "roleArn": deploy the Bedrock side first (pulumi up -s ${short(stackName)}) or fix bedrock-bridge:bedrockStacks`);
        return { roleArn: outputs.roleArn, models: outputs.allowedModelIds };
    }
    const names = Object.keys(tenants).sort();
    if (!tenant) throw new pulumi.RunError(`Bedrock stack ${stackName} serves callers only as tenants (${names.join(", ")}): set bedrock-bridge:tenant here to the tenant this account belongs to`);
    const t = tenants[tenant];
    if (!t) throw new pulumi.RunError(`bedrock-bridge:tenant "${tenant}" is not a tenant of Bedrock stack ${stackName} (tenants: ${names.join(", ")}): fix bedrock-bridge:tenant here, or add it to bedrock-bridge:tenants there`);
    const problem = caller && trustProblem(t.trust, caller);
    if (problem) throw new pulumi.RunError(`tenant "${tenant}" of Bedrock stack ${stackName} ${problem}: AssumeRole would be denied. Fix tenant "${tenant}" in bedrock-bridge:tenants there (callerAccountIds, organization, callerRolePath), or bedrock-bridge:rolePath here`);
    return { roleArn: t.roleArn, models: t.models, profiles: t.profiles, ...(t.guardrail ? { guardrail: t.guardrail } : {}), tenant };
}
