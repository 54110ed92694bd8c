// Bedrock account side: a guardrail that tenant roles are forced through, either an existing one (id + numeric
// version) or one created here from content filters, with a published numeric version (DRAFT changes under
// the callers' feet, so IAM enforces a fixed version).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import { GuardrailConfig, isExistingGuardrail } from "../../config/governance";
import { partitionOf } from "../shared/iam";
import { previewError } from "../shared/previewError";
import type { GuardrailRef } from "./governancePolicies";

export interface EnforcedGuardrailArgs {
    /** The name in bedrock-bridge:guardrails. */
    guardrailName: string;
    config: GuardrailConfig;
    accountId: string;
    region: string;
    tags?: Record<string, string>;
    /**
     * The guardrails this stack enforced at its last update (from its previous `tenants` output): the versions
     * callers deployed before send stay accepted until `retireVersionsBefore` retires them (expand before contract).
     */
    previous?: pulumi.Input<GuardrailRef[]>;
}

/** A short hash of what the guardrail does (everything but its tags): a new one means a new published version. */
export function guardrailContentHash(content: unknown): string {
    return crypto.createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 16);
}

export class EnforcedGuardrail extends pulumi.ComponentResource {
    /** ARN (without version) and the numeric version callers must send. */
    readonly ref: pulumi.Output<GuardrailRef>;
    readonly guardrail?: aws.bedrock.Guardrail;

    constructor(name: string, args: EnforcedGuardrailArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bedrock-bridge:index:EnforcedGuardrail", name, {}, opts);
        const c = args.config;
        if (isExistingGuardrail(c)) {
            const arn = c.id.startsWith("arn:")
                ? c.id
                : `arn:${partitionOf(args.region)}:bedrock:${args.region}:${args.accountId}:guardrail/${c.id}`;
            this.ref = pulumi.output({ arn, version: c.version });
        } else {
            const content = {
                name: `bedrock-bridge-${pulumi.getStack()}-${args.guardrailName}`
                    .replace(/[^0-9a-zA-Z_-]/g, "-")
                    .slice(0, 50),
                description: `bedrock-bridge: enforced on tenant roles (${args.guardrailName})`,
                blockedInputMessaging: c.blockedInputMessage,
                blockedOutputsMessaging: c.blockedOutputMessage,
                contentPolicyConfig: {
                    filtersConfigs: Object.entries(c.contentFilters).map(([type, strength]) => ({
                        type,
                        inputStrength: strength,
                        // Prompt attacks exist only in the input: Bedrock requires NONE on the output side.
                        outputStrength: type === "PROMPT_ATTACK" ? "NONE" : strength,
                    })),
                },
            };
            const contentHash = guardrailContentHash(content);
            this.guardrail = new aws.bedrock.Guardrail(name, { ...content, tags: args.tags }, { parent: this });
            // A content change updates only the guardrail's DRAFT: the provider replaces a version only when its
            // guardrail ARN or description changes (terraform-provider-aws internal/service/bedrock/guardrail_version.go:
            // both RequiresReplace), so the description names the content. The replaced version is kept (skipDestroy):
            // callers deployed before the change still send it.
            const version = new aws.bedrock.GuardrailVersion(
                name,
                {
                    guardrailArn: this.guardrail.guardrailArn,
                    description: `bedrock-bridge: the version tenant roles are forced to use (content ${contentHash})`,
                    skipDestroy: true,
                },
                { parent: this },
            );
            this.ref = pulumi
                .all([this.guardrail.guardrailArn, version.version])
                .apply(([arn, v]) => ({ arn, version: v, contentHash }));
        }
        this.ref = pulumi
            .all([this.ref, pulumi.output(args.previous ?? [])])
            .apply(([current, previous]) =>
                expandContract(args.guardrailName, current, previous, c.retireVersionsBefore, this),
            );
        this.registerOutputs({ ref: this.ref });
    }
}

/**
 * Expand before contract: every version tenant roles accepted at the last update stays accepted besides the one
 * enforced now, until the operator retires it (`bedrock-bridge:guardrails.<name>.retireVersionsBefore`, once every
 * caller of its tenants is redeployed: docs/governance.md, "Rolling out a change"). Contracting on the next update
 * instead cut off every caller not yet redeployed on any later Bedrock-side `up`, a budget edit say. The accepted set
 * lives in the stack's own `tenants` output (previousVersions), read back at the next update. Numeric versions only
 * grow (CreateGuardrailVersion numbers them 1, 2, ...; IAM cannot pin DRAFT), so "before" compares numbers.
 */
export function expandContract(
    guardrailName: string,
    current: GuardrailRef,
    previous: GuardrailRef[],
    retireVersionsBefore?: string,
    resource?: pulumi.Resource,
): GuardrailRef {
    const key = `bedrock-bridge:guardrails.${guardrailName}.retireVersionsBefore`;
    if (retireVersionsBefore !== undefined && Number(retireVersionsBefore) > Number(current.version))
        throw previewError(
            `${key} is ${retireVersionsBefore}, above version ${current.version} that tenant roles enforce now: it would deny every caller; set it to ${current.version} at most (once every caller stack of the guardrail's tenants is updated)`,
        );
    const before = previous.filter(p => p.arn === current.arn);
    const held = [...new Set(before.flatMap(p => [p.version, ...(p.previousVersions ?? [])]))];
    const retired = (v: string) => retireVersionsBefore !== undefined && Number(v) < Number(retireVersionsBefore);
    const kept = held.filter(v => v !== current.version && !retired(v)).sort((a, b) => Number(b) - Number(a));
    const dropped = held.filter(v => v !== current.version && retired(v));
    const isNew = before.length > 0 && !held.includes(current.version);
    const list = (vs: string[]) => `version${vs.length > 1 ? "s" : ""} ${vs.join(", ")}`;
    if (isNew && kept.length)
        void pulumi.log.warn(
            `guardrail ${guardrailName}: tenant roles now enforce version ${current.version}; ${list(kept)}, which caller stacks deployed before still send, stay${kept.length > 1 ? "" : "s"} accepted until ${key} retires ${kept.length > 1 ? "them" : "it"}. Run pulumi up on each caller stack of its tenants, then set ${key}: "${current.version}" (docs/governance.md, "Rolling out a change").`,
            resource,
        );
    else if (kept.length)
        void pulumi.log.info(
            `guardrail ${guardrailName}: ${list(kept)} still accepted besides ${current.version}; once every caller stack of its tenants is updated, set ${key}: "${current.version}"`,
            resource,
        );
    if (dropped.length)
        void pulumi.log.info(
            `guardrail ${guardrailName}: ${list(dropped)} no longer accepted (${key}: ${retireVersionsBefore})`,
            resource,
        );
    return kept.length ? { ...current, previousVersions: kept } : current;
}
