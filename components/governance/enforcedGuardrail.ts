// Bedrock account side: a guardrail that tenant roles are forced through, either an existing one (id + numeric
// version) or one created here from content filters, with a published numeric version (DRAFT changes under
// the callers' feet, so IAM enforces a fixed version).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as crypto from "crypto";
import { GuardrailConfig, isExistingGuardrail } from "../../config/governance";
import { partitionOf } from "../shared/iam";
import type { GuardrailRef } from "./governancePolicies";

export interface EnforcedGuardrailArgs {
    /** The name in bedrock-bridge:guardrails. */
    guardrailName: string;
    config: GuardrailConfig;
    accountId: string;
    region: string;
    tags?: Record<string, string>;
    /**
     * The guardrails this stack enforced at its last update (from its previous `tenants` output): the version callers
     * deployed before a content change send stays accepted until a later `up` (expand before contract).
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
            .apply(([current, previous]) => expandContract(args.guardrailName, current, previous, this));
        this.registerOutputs({ ref: this.ref });
    }
}

/**
 * Expand before contract: when the enforced version changed since the last update (new content, or another
 * configured version), the version callers deployed before still send stays accepted; the next update that does not
 * change it accepts only the current one. Callers are redeployed in between (docs/governance.md, "Rolling out a change").
 */
export function expandContract(
    guardrailName: string,
    current: GuardrailRef,
    previous: GuardrailRef[],
    resource?: pulumi.Resource,
): GuardrailRef {
    const before = previous.find(p => p.arn === current.arn);
    if (before && before.version !== current.version) {
        void pulumi.log.warn(
            `guardrail ${guardrailName}: tenant roles now enforce version ${current.version}; version ${before.version}, which caller stacks deployed before still send, stays accepted until the next pulumi up of this stack. Run pulumi up on each caller stack of its tenants before that (docs/governance.md, "Rolling out a change").`,
            resource,
        );
        return { ...current, previousVersions: [before.version] };
    }
    if (before?.previousVersions?.length)
        void pulumi.log.info(
            `guardrail ${guardrailName}: version ${before.previousVersions.join(", ")} is no longer accepted, only ${current.version}`,
            resource,
        );
    return current;
}
