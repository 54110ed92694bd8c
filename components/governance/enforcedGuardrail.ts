// Bedrock account side: a guardrail that tenant roles are forced through, either an existing one (id + numeric
// version) or one created here from content filters, with a published numeric version (DRAFT changes under
// the callers' feet, so IAM enforces a fixed version).
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
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
            this.guardrail = new aws.bedrock.Guardrail(
                name,
                {
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
                    tags: args.tags,
                },
                { parent: this },
            );
            const version = new aws.bedrock.GuardrailVersion(
                name,
                {
                    guardrailArn: this.guardrail.guardrailArn,
                    description: "bedrock-bridge: the version tenant roles are forced to use",
                    // Callers may still hold this version while a new one rolls out.
                    skipDestroy: true,
                },
                { parent: this },
            );
            this.ref = pulumi
                .all([this.guardrail.guardrailArn, version.version])
                .apply(([arn, v]) => ({ arn, version: v }));
        }
        this.registerOutputs({ ref: this.ref });
    }
}
