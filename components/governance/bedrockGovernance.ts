// Bedrock account side with bedrock-bridge:tenants: the guardrails tenants use, and one TenantAccess per tenant.
// It replaces the stack-wide execution role, so no caller can go around the tenants' profiles, guardrails or budgets.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { GovernanceConfig } from "../../config/governance";
import { previousOutputs } from "../../config/previousDeployment";
import type { GuardrailRef } from "./governancePolicies";
import { profileRoutes } from "../bedrock/crossAccountBedrockAccess";
import { EnforcedGuardrail } from "./enforcedGuardrail";
import { TenantAccess, TenantOutput } from "./tenantAccess";

export interface BedrockGovernanceArgs {
    governance: GovernanceConfig;
    accountId: string;
    region: string;
    models: string[];
    maxSessionDurationSeconds?: number;
    shortTermKeys?: boolean;
}

export class BedrockGovernance extends pulumi.ComponentResource {
    readonly tenants: Record<string, TenantAccess> = {};
    readonly guardrails: Record<string, EnforcedGuardrail> = {};
    /** Per tenant: role ARN, model id -> application profile ARN, trust, guardrail, budget. */
    readonly output: pulumi.Output<Record<string, TenantOutput>>;

    constructor(name: string, args: BedrockGovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:BedrockGovernance", name, {}, opts);
        const g = args.governance;
        // The last update's tenants: which guardrail versions callers may still hold, and each tenant's model order
        // then (the profiles' former, index-based names).
        const previous = pulumi
            .output(previousOutputs(["tenants"]))
            .apply(o => (o.tenants ?? {}) as Record<string, Partial<TenantOutput> | undefined>);
        const previousGuardrails = previous.apply(ts =>
            Object.values(ts).flatMap((t): GuardrailRef[] => (t?.guardrail ? [t.guardrail] : [])),
        );
        const used = [...new Set(g.tenants.map(t => t.guardrail).filter((x): x is string => !!x))];
        for (const guardrailName of used) {
            this.guardrails[guardrailName] = new EnforcedGuardrail(
                `guardrail-${guardrailName}`,
                {
                    guardrailName,
                    config: g.guardrails[guardrailName],
                    accountId: args.accountId,
                    region: args.region,
                    previous: previousGuardrails,
                },
                { parent: this },
            );
        }
        const systemRoutes = profileRoutes(args.models, args.region, this);
        for (const t of g.tenants) {
            this.tenants[t.name] = new TenantAccess(
                `tenant-${t.name}`,
                {
                    tenant: t,
                    accountId: args.accountId,
                    region: args.region,
                    systemRoutes,
                    guardrail: t.guardrail ? this.guardrails[t.guardrail].ref : undefined,
                    maxSessionDurationSeconds: args.maxSessionDurationSeconds,
                    shortTermKeys: args.shortTermKeys,
                    previousModels: previous.apply(ts => ts[t.name]?.models),
                },
                { parent: this },
            );
        }
        if (g.activateCostAllocationTags) {
            // Only the payer (management) account can activate cost-allocation tags, and only once a tagged
            // resource has reported usage (up to a day after the first deploy): docs/governance.md, "Cost per tenant".
            const keys = [
                ...new Set(["bedrock-bridge:tenant", ...g.tenants.flatMap(t => Object.keys(t.costAllocationTags))]),
            ];
            // Keyed by the tag key: an index would hand one key's resource to another when tenants change, and the
            // replacement would deactivate a key still in use. The alias keeps the index-named resources of stacks
            // deployed before (same list, same order) as they are.
            keys.forEach(
                (tagKey, i) =>
                    new aws.costexplorer.CostAllocationTag(
                        `cost-tag-${tagKey}`,
                        { tagKey, status: "Active" },
                        { parent: this, aliases: [{ name: `cost-tag-${i}` }] },
                    ),
            );
        }
        this.output = pulumi.all(Object.fromEntries(Object.entries(this.tenants).map(([n, t]) => [n, t.output])));
        this.registerOutputs({ tenants: this.output });
    }
}
