// Rollouts across stacks, caller side: a Bedrock-side change (a tenant's profile replaced, a new guardrail version)
// reaches a caller's functions and state machine only when that caller stack is updated. The caller exports what it
// took from each referenced stack (`bedrockTargets`); at preview (and synth) it compares that, as of its last update,
// with the referenced stacks' outputs now and says what changed and which command catches up
// (docs/deploying.md, "Rolling out a change").
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./index";
import type { ReferencedStack } from "./crossStack";
import { previousOutputs } from "./previousDeployment";
import { selectTenant, TenantSelection } from "../components/caller/tenantTargets";
import type { TenantOutput } from "../components/governance/tenantAccess";

/** What a caller stack deploys from one referenced Bedrock stack (its `bedrockTargets` output). */
export interface DeployedTarget {
    stackName: string;
    roleArn: string;
    tenant?: string;
    /** Model id -> the tenant's application profile ARN. */
    profiles?: Record<string, string>;
    guardrail?: { arn: string; version: string };
}

export function deployedTarget(stackName: string, s: TenantSelection): DeployedTarget {
    return {
        stackName,
        roleArn: s.roleArn,
        ...(s.tenant ? { tenant: s.tenant } : {}),
        ...(s.profiles ? { profiles: s.profiles } : {}),
        ...(s.guardrail ? { guardrail: { arn: s.guardrail.arn, version: s.guardrail.version } } : {}),
    };
}

/** The `bedrockTargets` output: the same selection the functions and the state machine are built from. */
export function deployedTargetsOutput(
    targets: { stackName: string; tenant: pulumi.Output<TenantSelection> }[],
): pulumi.Output<DeployedTarget[]> {
    return pulumi
        .all(targets.map(t => t.tenant))
        .apply(sels => sels.map((s, i) => deployedTarget(targets[i].stackName, s)));
}

const short = (stackName: string) => stackName.split("/").pop();

/**
 * What changed in each referenced stack since this caller's last update, one message per stack, each naming the
 * change, whether what the caller still uses keeps working meanwhile, and `pulumi up -s <this stack>`.
 */
export function behindMessages(
    callerStack: string,
    deployed: DeployedTarget[] | undefined,
    stacks: ReferencedStack[],
    tenant: string | undefined,
): string[] {
    if (!Array.isArray(deployed)) return [];
    const messages: string[] = [];
    for (const { stackName, outputs } of stacks) {
        const before = deployed.find(d => d.stackName === stackName);
        if (!before) continue;
        const o = outputs as { roleArn?: string; allowedModelIds?: string[]; tenants?: Record<string, TenantOutput> };
        const now = deployedTarget(stackName, selectTenant(stackName, o, tenant));
        const changes: string[] = [];
        if (before.roleArn !== now.roleArn) changes.push(`its role is now ${now.roleArn} (was ${before.roleArn})`);
        for (const [model, arn] of Object.entries(before.profiles ?? {})) {
            const current = now.profiles?.[model];
            if (!current) changes.push(`model ${model} is no longer offered to tenant ${now.tenant}`);
            else if (current !== arn)
                changes.push(`the profile for ${model} was replaced (now ${current}, was ${arn})`);
        }
        for (const model of Object.keys(now.profiles ?? {}))
            if (!before.profiles?.[model]) changes.push(`model ${model} is new for tenant ${now.tenant}`);
        const [g0, g1] = [before.guardrail, now.guardrail];
        if (g0?.arn !== g1?.arn || g0?.version !== g1?.version) {
            const accepted = tenant ? (o.tenants?.[tenant]?.guardrail?.previousVersions ?? []) : [];
            const still =
                g0 && g1 && g0.arn === g1.arn && accepted.includes(g0.version)
                    ? `; version ${g0.version} stays accepted until ${short(stackName)} retires it (bedrock-bridge:guardrails.<name>.retireVersionsBefore)`
                    : g0
                      ? `; requests with version ${g0.version} are denied until this stack is updated`
                      : "";
            changes.push(
                `the enforced guardrail is ${g1 ? `${g1.arn} version ${g1.version}` : "none"} (was ${g0 ? `${g0.arn} version ${g0.version}` : "none"})${still}`,
            );
        }
        if (changes.length)
            messages.push(
                `this caller stack is behind Bedrock stack ${stackName}: ${changes.join("; ")}. Its functions and state machine use what it deployed before until you run pulumi up -s ${callerStack} (docs/deploying.md, "Rolling out a change").`,
            );
    }
    return messages;
}

/** Reads this stack's last `bedrockTargets` (a reference to itself) and returns the messages for a caller behind. */
export async function rolloutWarnings(stacks: ReferencedStack[], tenant: string | undefined): Promise<string[]> {
    const previous = await previousOutputs(["bedrockTargets"]);
    try {
        return behindMessages(
            pulumi.getStack(),
            previous.bedrockTargets as DeployedTarget[] | undefined,
            stacks,
            tenant,
        );
    } catch (e) {
        // A referenced stack this preview already reports as wrong (missing outputs, another tenant): nothing to add.
        void pulumi.log.debug(`${PROJECT}: rollout check skipped: ${String((e as Error).message ?? e)}`);
        return [];
    }
}
