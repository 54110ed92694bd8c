// Checks that need more than the stack's own config: the referenced Bedrock stacks' outputs (caller side) and
// what Bedrock itself knows about the configured model ids (Bedrock side). Both run at preview, before anything
// is created, and feed the same problem list as config/index.ts, so one preview lists every mistake.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as fs from "fs";
import * as path from "path";
import { isInferenceProfileId, PROJECT } from "./index";
import { foundationModelId } from "../functions/bedrock/modelIds";

export { profilePrefixesFrom };
import { closest, profilePrefixesFrom } from "./messages";
import { tenantProblem } from "../components/caller/tenantTargets";
import type { TenantOutput } from "../components/governance/tenantAccess";
import {
    SFN_INVOKER,
    stateMachineArnFor,
    stepFunctionsTargetProblems,
} from "../components/caller/stepFunctionsInvoker";

/**
 * What a Bedrock stack trusts, exported as its `trust` output. Today: accounts plus a role path, or exact role
 * ARNs. An organization-wide trust adds `organizationIds` (any account of those AWS Organizations); the caller
 * cannot see its own organization at preview, so such a trust passes the account check and is left to AWS.
 */
export interface BedrockTrust {
    callerAccountIds: string[];
    callerRolePath: string;
    trustedPrincipalArns?: string[];
    organizationIds?: string[];
}

/** The outputs the caller needs of one referenced stack, read before anything is built. */
export interface ReferencedStack {
    stackName: string;
    outputs: Record<string, unknown>;
    /** Why the stack could not be read at all (it does not exist, say); its outputs are then empty. */
    unreadable?: string;
}

/** The Bedrock-side stacks of this project, from its stack files (Pulumi.<stack>.yaml beside Pulumi.yaml). */
export function bedrockStackFiles(root = path.join(__dirname, "..")): string[] {
    let files: string[];
    try {
        files = fs.readdirSync(root).filter(f => /^Pulumi\.[^.]+\.ya?ml$/.test(f));
    } catch {
        return [];
    }
    return files
        .filter(f =>
            /^\s*bedrock-bridge:side:\s*["']?bedrock["']?\s*$/m.test(fs.readFileSync(path.join(root, f), "utf8")),
        )
        .map(f => f.replace(/^Pulumi\.|\.ya?ml$/g, ""))
        .sort();
}

/**
 * For a referenced stack that cannot be read or has no outputs: the stack meant, when the name is a bare one with no
 * stack file here (bedrock-prod for bedrock), and the Bedrock stacks this project has.
 */
export function stackNameHint(stackName: string, root?: string): string {
    const bare = stackArg(stackName)!;
    const known = bedrockStackFiles(root);
    if (!known.length || known.includes(bare)) return "";
    const near = closest(bare, known);
    return ` There is no stack file Pulumi.${bare}.yaml here${near ? `: did you mean "${near}"?` : "."} The Bedrock stacks of this project: ${known.join(", ")} (${PROJECT}:bedrockStacks takes org/project/stack for stacks elsewhere).`;
}

export async function readReferencedStack(stackName: string, ref: pulumi.StackReference): Promise<ReferencedStack> {
    const outputs: Record<string, unknown> = {};
    try {
        await ref.getOutputDetails("region");
    } catch (e) {
        // No such stack (a misspelled name): said with the key to fix and the stacks that exist, not as a read error.
        return { stackName, outputs, unreadable: reason(e) };
    }
    for (const key of [
        "roleArn",
        "region",
        "accountId",
        "allowedModelIds",
        "callerRolePath",
        "trust",
        "externalId",
        "trustedStateMachineArns",
        "tenants",
    ]) {
        const d = await ref.getOutputDetails(key);
        outputs[key] = d.value ?? d.secretValue;
    }
    return { stackName, outputs };
}

const stackArg = (stackName: string) => stackName.split("/").pop();

export interface CallerFacts {
    accountId?: string;
    region?: string;
    rolePath?: string;
    models: { key: string; id: string }[];
    /** bedrock-bridge:tenant: with tenants in a referenced stack, its role, trust and models are the tenant's. */
    tenant?: string;
    /** The state machine calls Bedrock in its own region, with no external id: it narrows what a target may be. */
    stepFunctions?: boolean;
    /** bedrock-bridge:gateway: its aliases and each key's models must name models the stacks allow. */
    gateway?: { keys: { name: string; models?: string[] }[]; aliases: Record<string, string> };
    /** bedrock-bridge:workloadRoles: existing roles that will assume the Bedrock roles, so the stacks must trust them. */
    workloadRoles?: string[];
}

/** Everything wrong between this caller stack and the Bedrock stacks it references, naming the keys on both sides. */
export function callerProblems(caller: CallerFacts, stacks: ReferencedStack[]): string[] {
    const problems: string[] = [];
    const allowedBy = new Map<string, string[]>();
    for (const { stackName, outputs: o, unreadable } of stacks) {
        if (unreadable) {
            problems.push(
                `${PROJECT}:bedrockStacks names "${stackName}", which cannot be read (${unreadable}): fix the name, or deploy that stack first (pulumi up -s ${stackArg(stackName)}).${stackNameHint(stackName)}`,
            );
            continue;
        }
        const tenants = o.tenants as Record<string, TenantOutput> | undefined;
        if (tenants || caller.tenant) {
            // Governed stacks (issue 13): the caller's tenant decides role, trust and models.
            const missing = ["region", "accountId"].filter(k => o[k] === undefined || o[k] === null);
            if (missing.length)
                problems.push(
                    `stack ${stackName} has no output${missing.length > 1 ? "s" : ""} ${missing.map(k => `"${k}"`).join(", ")}: deploy the Bedrock side first (pulumi up -s ${stackArg(stackName)}) or fix ${PROJECT}:bedrockStacks${stackNameHint(stackName)}`,
                );
            else if (caller.accountId && caller.accountId === o.accountId)
                problems.push(
                    `this caller stack deploys into account ${caller.accountId} (aws:allowedAccountIds), the account of Bedrock stack ${stackName} itself: a caller stack belongs in another account`,
                );
            else if (caller.stepFunctions && caller.region)
                problems.push(
                    ...stepFunctionsTargetProblems(
                        caller.region,
                        stateMachineArnFor(SFN_INVOKER, caller.region, caller.accountId ?? ""),
                        { stackName, region: o.region as string },
                    ),
                );
            const p = tenantProblem(
                stackName,
                tenants,
                caller.tenant,
                caller.accountId && caller.rolePath
                    ? { accountId: caller.accountId, rolePath: caller.rolePath }
                    : undefined,
            );
            if (p) problems.push(p);
            else if (tenants && caller.tenant) {
                allowedBy.set(stackName, tenants[caller.tenant].models);
                problems.push(...workloadRoleProblems(caller, stackName, { tenant: tenants[caller.tenant].trust }));
            }
            continue;
        }
        const missing = ["roleArn", "region", "accountId", "allowedModelIds", "trust"].filter(
            k => o[k] === undefined || o[k] === null,
        );
        if (missing.length) {
            problems.push(
                `stack ${stackName} has no output${missing.length > 1 ? "s" : ""} ${missing.map(k => `"${k}"`).join(", ")}: deploy (or update) the Bedrock side first with pulumi up -s ${stackArg(stackName)}, or fix ${PROJECT}:bedrockStacks${stackNameHint(stackName)}`,
            );
            continue;
        }
        if (caller.stepFunctions && caller.region) {
            const stateMachineArn = stateMachineArnFor(SFN_INVOKER, caller.region, caller.accountId ?? "");
            problems.push(
                ...stepFunctionsTargetProblems(caller.region, stateMachineArn, {
                    stackName,
                    region: o.region as string,
                    externalId: o.externalId as string | undefined,
                    trustedStateMachineArns: o.trustedStateMachineArns as string[] | undefined,
                }),
            );
        }
        const trust = o.trust as BedrockTrust;
        const there = `Bedrock stack ${stackName}`;
        const redeploy = `and run pulumi up -s ${stackArg(stackName)}`;
        if (caller.accountId && caller.accountId === o.accountId) {
            problems.push(
                `this caller stack deploys into account ${caller.accountId} (aws:allowedAccountIds), the account of ${there} itself: a caller stack belongs in another account, one listed in that stack's ${PROJECT}:callerAccountIds`,
            );
            continue;
        }
        if (caller.accountId && !trust.callerAccountIds.includes(caller.accountId) && !trust.organizationIds?.length) {
            problems.push(
                `${there} does not trust this caller's account ${caller.accountId} (aws:allowedAccountIds here): add "${caller.accountId}" to ${PROJECT}:callerAccountIds there (now ${JSON.stringify(trust.callerAccountIds)}) ${redeploy}, or deploy this stack into a trusted account`,
            );
        }
        if (caller.rolePath && caller.accountId) {
            if (trust.trustedPrincipalArns?.length) {
                const mine = trust.trustedPrincipalArns.filter(a => a.split(":")[4] === caller.accountId);
                if (!mine.some(a => a.split(":role")[1]?.startsWith(caller.rolePath!))) {
                    problems.push(
                        `${there} trusts only the exact roles in its ${PROJECT}:trustedPrincipalArns (${mine.join(", ") || `none in account ${caller.accountId}`}), none of them under this stack's ${PROJECT}:rolePath "${caller.rolePath}": list this stack's role ARNs there ${redeploy}, or remove trustedPrincipalArns to trust the path`,
                    );
                }
            } else if (!caller.rolePath.startsWith(trust.callerRolePath)) {
                problems.push(
                    `${PROJECT}:rolePath "${caller.rolePath}" is not under ${PROJECT}:callerRolePath "${trust.callerRolePath}" of ${there}, which trusts only roles arn:aws:iam::<caller>:role${trust.callerRolePath}*: set ${PROJECT}:rolePath to "${trust.callerRolePath}" here, or change ${PROJECT}:callerRolePath there ${redeploy}`,
                );
            }
        }
        problems.push(...workloadRoleProblems(caller, stackName, { stack: trust }));
    }
    for (const s of stacks)
        if (!allowedBy.has(s.stackName) && !s.outputs.tenants && Array.isArray(s.outputs.allowedModelIds))
            allowedBy.set(s.stackName, s.outputs.allowedModelIds as string[]);
    if (allowedBy.size === stacks.length) {
        const allowed = [...new Set([...allowedBy.values()].flat())];
        const addModel = addModelFix(stacks, caller.tenant);
        for (const { key, id } of caller.models) {
            if (!allowed.includes(id)) {
                problems.push(
                    `${key} "${id}" is not allowed by the referenced Bedrock stack(s) ${stacks.map(s => s.stackName).join(", ")}${caller.tenant && stacks.some(s => s.outputs.tenants) ? ` for tenant "${caller.tenant}"` : ""}; allowed: ${allowed.join(", ")}. Pick one of these, or ${addModel(id)}.`,
                );
            }
        }
        if (caller.gateway) problems.push(...gatewayModelProblems(caller.gateway, allowed, stacks, addModel));
    }
    return problems;
}

/**
 * Where a model a caller names must be added on the Bedrock side. Without tenants: the stack's models. With tenants
 * the caller may use only its tenant's models, a subset of the stack's: a model some tenant already has is in
 * bedrock-bridge:models there, and belongs in this tenant's own `models`.
 */
export function addModelFix(stacks: ReferencedStack[], tenant: string | undefined): (id: string) => string {
    const governed = stacks.filter(s => s.outputs.tenants);
    if (!tenant || !governed.length) return () => `add the model to ${PROJECT}:models there`;
    return id => {
        const inStack = governed.some(s =>
            Object.values(s.outputs.tenants as Record<string, TenantOutput>).some(t => t.models.includes(id)),
        );
        return `add "${id}" to the models of tenant "${tenant}" in ${PROJECT}:tenants there${inStack ? ` (it is in ${PROJECT}:models there already)` : ` and to ${PROJECT}:models there (a tenant's models are some of the stack's)`}, and run pulumi up -s ${governed.map(s => stackArg(s.stackName)).join(", ")}`;
    };
}

/** Bedrock's model providers: an alias named <provider>.<name> (with or without a profile prefix) reads as a model id. */
const MODEL_PROVIDERS = [
    "ai21",
    "amazon",
    "anthropic",
    "cohere",
    "deepseek",
    "google",
    "luma",
    "meta",
    "minimax",
    "mistral",
    "moonshot",
    "moonshotai",
    "nvidia",
    "openai",
    "qwen",
    "stability",
    "twelvelabs",
    "writer",
];

/** An alias clients would take for a Bedrock model id (tests/config/crossStack.test.ts: every offline-catalog id is). */
export function isModelIdShaped(name: string): boolean {
    const parts = foundationModelId(name).split(".");
    return parts.length >= 2 && MODEL_PROVIDERS.includes(parts[0]) && /^[a-z0-9]/.test(parts[1]);
}

/** A short alias for a model id, as clients such as Claude Code name it: jp.anthropic.claude-sonnet-4-5-2025…-v1:0 -> claude-sonnet-4-5. */
function suggestedAlias(id: string): string {
    const name = foundationModelId(id).split(".").slice(1).join(".");
    return name.replace(/-\d{8}.*$/, "").replace(/-v\d+(:\d+)?$/, "") || name;
}

/** The gateway's aliases and key models against the models the referenced stacks allow. */
export function gatewayModelProblems(
    gateway: NonNullable<CallerFacts["gateway"]>,
    allowed: string[],
    stacks: ReferencedStack[],
    addModel: (id: string) => string = () => `add the model to ${PROJECT}:models there`,
): string[] {
    const problems: string[] = [];
    const where = `the referenced Bedrock stack(s) ${stacks.map(s => s.stackName).join(", ")}`;
    for (const [alias, id] of Object.entries(gateway.aliases)) {
        if (allowed.includes(alias))
            problems.push(
                `${PROJECT}:gateway.aliases "${alias}" is itself a model id that ${where} allow: an alias may not shadow a real id (a client asking for it would get "${id}" instead). Rename the alias or remove it.`,
            );
        // A client naming that model would silently be served another one. The same model through a profile
        // (anthropic.claude-… to jp.anthropic.claude-…) is what the client asked for, so that alias stays allowed.
        else if (isModelIdShaped(alias) && foundationModelId(alias) !== foundationModelId(id))
            problems.push(
                `${PROJECT}:gateway.aliases "${alias}" is named like the Bedrock model id "${alias}", which ${where} do not allow, but points to the model "${id}": a client asking for "${alias}" would silently get "${id}". Name the alias after its own model (e.g. ${suggestedAlias(id)}), or ${addModel(alias)} and remove the alias.`,
            );
        if (!allowed.includes(alias) && !allowed.includes(id))
            problems.push(
                `${PROJECT}:gateway.aliases "${alias}" points to "${id}", which ${where} do not allow; allowed: ${allowed.join(", ")}. Point it at one of these, or ${addModel(id)}.`,
            );
    }
    for (const key of gateway.keys) {
        for (const m of key.models ?? []) {
            if (allowed.includes(m) || (gateway.aliases[m] !== undefined && !allowed.includes(m))) continue;
            problems.push(
                `${PROJECT}:gateway.keys "${key.name}".models names "${m}", which is neither a model ${where} allow nor one of ${PROJECT}:gateway.aliases; allowed: ${allowed.join(", ")}${Object.keys(gateway.aliases).length ? `; aliases: ${Object.keys(gateway.aliases).join(", ")}` : ""}. Remove it, or ${addModel(m)}.`,
            );
        }
    }
    return problems;
}

/** The path of a role ARN (arn:aws:iam::A:role/team/app -> "/team/"), "/" without one. */
export function rolePathOf(roleArn: string): string {
    const rest = roleArn.split(":role/")[1] ?? "";
    const i = rest.lastIndexOf("/");
    return i < 0 ? "/" : `/${rest.slice(0, i + 1)}`;
}

/**
 * bedrock-bridge:workloadRoles against what one referenced stack trusts (its `trust` output, or the tenant's trust):
 * a grant on this side is useless, and AssumeRole denied, unless the role is listed in trustedPrincipalArns there or
 * lives under the trusted path in a trusted account. An IAM role's path cannot be changed after it is created, so the
 * fix for a role outside the path is on the Bedrock side (or a new role).
 */
export function workloadRoleProblems(
    caller: Pick<CallerFacts, "workloadRoles" | "accountId">,
    stackName: string,
    trust: { stack: BedrockTrust } | { tenant: TenantOutput["trust"] },
): string[] {
    const problems: string[] = [];
    const there = `Bedrock stack ${stackName}`;
    const redeploy = `and run pulumi up -s ${stackArg(stackName)}`;
    for (const arn of caller.workloadRoles ?? []) {
        const acct = arn.split(":")[4];
        const path = rolePathOf(arn);
        const head = `${PROJECT}:workloadRoles ${arn}`;
        const pathFix = "(an IAM role's path cannot be changed after it is created)";
        if ("tenant" in trust) {
            const t = trust.tenant;
            if (!path.startsWith(t.rolePath))
                problems.push(
                    `${head} is under the path "${path}", but the tenant's role in ${there} trusts only roles under "${t.rolePath}": use a role under that path ${pathFix}, or change that tenant's callerRolePath there ${redeploy}`,
                );
            else if (t.kind === "accounts" && !t.accountIds.includes(acct))
                problems.push(
                    `${head} is in account ${acct}, which the tenant's role in ${there} does not trust (${t.accountIds.join(", ")}): add the account to that tenant's callerAccountIds there ${redeploy}`,
                );
            continue;
        }
        const t = trust.stack;
        if (t.trustedPrincipalArns?.length) {
            if (!t.trustedPrincipalArns.includes(arn))
                problems.push(
                    `${head} is not in ${PROJECT}:trustedPrincipalArns of ${there}, which trusts only those exact roles: add "${arn}" there ${redeploy}`,
                );
        } else if (!t.callerAccountIds.includes(acct) && !t.organizationIds?.length)
            problems.push(
                `${head} is in account ${acct}, which ${there} does not trust: add "${acct}" to ${PROJECT}:callerAccountIds there ${redeploy}`,
            );
        else if (!path.startsWith(t.callerRolePath))
            problems.push(
                `${head} is under the path "${path}", but ${there} trusts only roles under its ${PROJECT}:callerRolePath "${t.callerRolePath}": use a role under that path ${pathFix}, or list "${arn}" in ${PROJECT}:trustedPrincipalArns there together with this stack's own roles (exact ARNs replace the path trust) ${redeploy}`,
            );
    }
    return problems;
}

const reason = (e: unknown) =>
    String((e as Error)?.message ?? e)
        .split("\n")[0]
        .slice(0, 300);

/** The profile ids of a model that may be callable from a Region (whether Bedrock offers each is its own answer). */
export const profileIdsFrom = (region: string, modelId: string): string[] =>
    profilePrefixesFrom(region).map(p => `${p}.${modelId}`);

/**
 * Asks Bedrock (at preview, read-only) whether each configured id exists in the stack's region: a profile through
 * GetInferenceProfile, a model through GetFoundationModel. A misspelled id fails here, naming the id, instead of
 * deploying a policy for a model nobody can call.
 */
export async function modelProblems(region: string, models: string[], opts?: pulumi.InvokeOptions): Promise<string[]> {
    const problems = await Promise.all(
        models.map(async id => {
            try {
                if (isInferenceProfileId(id)) {
                    await aws.bedrock.getInferenceProfile({ inferenceProfileId: id, region }, opts);
                    return undefined;
                }
                const model = await aws.bedrockfoundation.getModel({ modelId: id, region }, opts);
                // Many models are offered in a region only through cross-region profiles: calling the bare id there
                // fails with "on-demand throughput isn't supported", so the policy for it would never be used.
                const types = model.inferenceTypesSupporteds ?? [];
                if (!types.includes("ON_DEMAND")) {
                    return `${PROJECT}:models "${id}" cannot be called directly in ${region}: Bedrock offers it there only ${types.includes("INFERENCE_PROFILE") ? "through cross-region inference profiles" : `as ${types.join(", ") || "nothing"}`}; list a profile id instead: ${profileIdsFrom(region, id).join(" or ")} (the profiles callable from ${region}, where Bedrock offers them for this model); aws bedrock list-inference-profiles --region ${region} lists them`;
                }
                return undefined;
            } catch (e) {
                return isInferenceProfileId(id)
                    ? `${PROJECT}:models: Bedrock has no inference profile "${id}" in ${region} (${reason(e)}): check the id's spelling and that its prefix is one callable from ${region} (${profilePrefixesFrom(
                          region,
                      )
                          .map(p => `${p}.`)
                          .join(", ")}); aws bedrock list-inference-profiles --region ${region} lists them`
                    : `${PROJECT}:models: Bedrock has no model "${id}" in ${region} (${reason(e)}): check the id's spelling, or use an inference profile if the model is offered only through one; aws bedrock list-foundation-models --region ${region} lists them`;
            }
        }),
    );
    const found = problems.filter((p): p is string => !!p);
    // A misspelled region makes every model look missing: name the region instead. Only when a lookup failed, so a
    // region newer than the provider's list still deploys.
    const regions: string[] = Object.values(aws.Region);
    if (found.length && !regions.includes(region)) {
        const near = closest(region, regions);
        return [
            `aws:region "${region}" is not an AWS region${near ? `: did you mean ${near}?` : ""} (looking up ${PROJECT}:models there failed); fix it with pulumi config set aws:region ${near ?? "<region>"}`,
        ];
    }
    return found;
}
