// Bedrock account side with bedrock-bridge:tenants: the guardrails tenants use, and one TenantAccess per tenant.
// It replaces the stack-wide execution role, so no caller can go around the tenants' profiles, guardrails or budgets.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { GovernanceConfig } from "../../config/governance";
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
        const used = [...new Set(g.tenants.map(t => t.guardrail).filter((x): x is string => !!x))];
        for (const guardrailName of used) {
            this.guardrails[guardrailName] = new EnforcedGuardrail(
                `guardrail-${guardrailName}`,
                {
                    guardrailName,
                    config: g.guardrails[guardrailName],
                    accountId: args.accountId,
                    region: args.region,
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
            keys.forEach(
                (tagKey, i) =>
                    new aws.costexplorer.CostAllocationTag(
                        `cost-tag-${i}`,
                        { tagKey, status: "Active" },
                        { parent: this },
                    ),
            );
        }
        this.output = pulumi.all(Object.fromEntries(Object.entries(this.tenants).map(([n, t]) => [n, t.output])));
        this.registerOutputs({ tenants: this.output });
    }
}
