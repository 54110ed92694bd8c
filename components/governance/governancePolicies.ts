// The governance IAM documents as plain data (no Pulumi): tenant trust, invoke-only-through-own-profiles,
// guardrail enforcement, the budget cut-off deny and the Budgets execution role. Tests feed these to the simulator.
//
// How a call through an application inference profile is authorized (docs/governance.md, "Invoking only through an application profile"):
// Bedrock authorizes InvokeModel / InvokeModelWithResponseStream (Converse / ConverseStream use them) on the
// application profile ARN AND on what it routes to: the system-defined profile it was copied from and the
// foundation model in every destination region (Bedrock user guide, "Prerequisites for inference profiles":
// "When you specify an inference profile in the Resource field ... you must also specify the foundation model in
// each Region associated with it"; to allow a model only through a profile, the condition key
// bedrock:InferenceProfileArn names the profile). So the tenant role gets:
//   1. invoke on its own application profile ARNs (nothing else is named directly), and
//   2. invoke on the system profile and foundation models behind each one, only while
//      bedrock:InferenceProfileArn equals that tenant's application profile ARN.
// A direct call of the system profile or a foundation model carries no (or another) InferenceProfileArn and is
// implicitly denied; another tenant's profile is not in statement 1, and its routes carry its own ARN.
import { partitionOf, Statement } from "../shared/iam";
import { countTokensStatements, INVOKE_ACTIONS } from "../bedrock/crossAccountBedrockAccess";

/** One application profile of a tenant and what it routes to. */
export interface TenantProfileRoute {
    modelId: string;
    /** arn:…:application-inference-profile/<id> */
    applicationProfileArn: string;
    /** The system-defined cross-region profile it copies (absent for a plain model). */
    systemProfileArn?: string;
    /** Foundation models it may reach (every destination region of the system profile, or the one model). */
    modelArns: string[];
}

/** A guardrail to enforce: its ARN (no version) and numeric version. */
export interface GuardrailRef {
    arn: string;
    version: string;
    /** A hash of the guardrail's content (created guardrails): a new one publishes a new version. */
    contentHash?: string;
    /**
     * Versions still accepted besides `version`, newest first: those callers deployed before a change still send,
     * until `bedrock-bridge:guardrails.<name>.retireVersionsBefore` retires them (expand, then contract:
     * docs/governance.md, "Rolling out a change").
     */
    previousVersions?: string[];
}

/**
 * The value of bedrock:GuardrailIdentifier for a guardrail and version: the guardrail ARN, a colon, the numeric
 * version (Bedrock user guide, "Enforce the use of specific guardrails in model inference requests", example 1:
 * "arn:aws:bedrock:us-east-1:123456789012:guardrail/guardrail-id:1"; the Service Authorization Reference:
 * "the GuardrailArn or the GuardrailArn:NumericVersion").
 */
export const guardrailIdentifier = (g: GuardrailRef) => `${g.arn}:${g.version}`;

/** Every identifier a tenant may send: the current version's, then those still accepted (one value stays a string). */
export function acceptedGuardrailIdentifiers(g: GuardrailRef): string | string[] {
    const ids = [g.version, ...(g.previousVersions ?? []).filter(v => v !== g.version)].map(v => `${g.arn}:${v}`);
    return ids.length === 1 ? ids[0] : ids;
}

export type TenantTrust =
    | { kind: "accounts"; accountIds: string[]; rolePath: string }
    | { kind: "organization"; orgId: string; paths?: string[]; rolePath: string };

/**
 * Trust of a tenant role. Listed accounts: the accounts' root, narrowed by aws:PrincipalArn to the caller role
 * path (as the stack-wide role). Organization: any principal ("*"), but only of that organization
 * (aws:PrincipalOrgID) or those OUs (aws:PrincipalOrgPaths), and only roles under the caller path of any of its
 * accounts (aws:PrincipalArn arn:aws:iam::*:role<path>*), so a new account of the OU needs no change here.
 */
export function tenantTrustPolicy(region: string, trust: TenantTrust): Statement[] {
    const partition = partitionOf(region);
    if (trust.kind === "accounts") {
        return [
            {
                Sid: "TenantCallerRoles",
                Effect: "Allow",
                Principal: { AWS: trust.accountIds.map(a => `arn:${partition}:iam::${a}:root`) },
                Action: "sts:AssumeRole",
                Condition: {
                    ArnLike: {
                        "aws:PrincipalArn": trust.accountIds.map(
                            a => `arn:${partition}:iam::${a}:role${trust.rolePath}*`,
                        ),
                    },
                },
            },
        ];
    }
    const condition: Statement["Condition"] = {
        StringEquals: { "aws:PrincipalOrgID": trust.orgId },
        ArnLike: { "aws:PrincipalArn": `arn:${partition}:iam::*:role${trust.rolePath}*` },
    };
    // Paths are matched as prefixes of the principal's OU path, so "…/ou-x/" also covers nested OUs.
    if (trust.paths?.length)
        condition["ForAnyValue:StringLike"] = {
            "aws:PrincipalOrgPaths": trust.paths.map(p => (p.endsWith("*") ? p : `${p}*`)),
        };
    return [
        {
            Sid: "TenantOrganizationRoles",
            Effect: "Allow",
            Principal: { AWS: "*" },
            Action: "sts:AssumeRole",
            Condition: condition,
        },
    ];
}

/** Invoke only through the tenant's own application profiles; with a guardrail, only with exactly that one. */
export function tenantInvokeStatements(routes: TenantProfileRoute[], guardrail?: GuardrailRef): Statement[] {
    const withGuardrail = (c: Statement["Condition"] = {}): Statement["Condition"] =>
        guardrail
            ? {
                  ...c,
                  StringEquals: {
                      ...(c.StringEquals ?? {}),
                      "bedrock:GuardrailIdentifier": acceptedGuardrailIdentifiers(guardrail),
                  },
              }
            : c;
    const statements: Statement[] = [
        {
            Sid: "InvokeOwnApplicationProfiles",
            Effect: "Allow",
            Action: INVOKE_ACTIONS,
            Resource: routes.map(r => r.applicationProfileArn),
            ...(guardrail ? { Condition: withGuardrail() } : {}),
        },
    ];
    routes.forEach((r, i) =>
        statements.push({
            Sid: `RoutesOfOwnProfile${i}`,
            Effect: "Allow",
            Action: INVOKE_ACTIONS,
            Resource: [...new Set([...(r.systemProfileArn ? [r.systemProfileArn] : []), ...r.modelArns])].sort(),
            Condition: withGuardrail({ StringEquals: { "bedrock:InferenceProfileArn": r.applicationProfileArn } }),
        }),
    );
    // Counting tokens names the foundation model in the profiles' region (it runs no model: no guardrail applies).
    if (routes.length)
        statements.push(
            ...countTokensStatements(
                routes[0].applicationProfileArn.split(":")[3],
                routes.map(r => r.modelId),
            ),
        );
    if (guardrail) {
        // The guardrail itself is applied with the caller's permissions (Bedrock user guide, "Set up permissions to
        // use Amazon Bedrock Guardrails": bedrock:ApplyGuardrail on the guardrail).
        statements.push({
            Sid: "ApplyEnforcedGuardrail",
            Effect: "Allow",
            Action: "bedrock:ApplyGuardrail",
            Resource: guardrail.arn,
        });
        // Explicit deny, as the user guide's example: whatever else may be attached, no call without this guardrail.
        // With several accepted versions, StringNotEquals matches only a value equal to none of them (IAM user guide,
        // "Creating a condition with multiple keys or values": negated operators with several values).
        statements.push({
            Sid: "DenyInvokeWithoutEnforcedGuardrail",
            Effect: "Deny",
            Action: INVOKE_ACTIONS,
            Resource: "*",
            Condition: { StringNotEquals: { "bedrock:GuardrailIdentifier": acceptedGuardrailIdentifiers(guardrail) } },
        });
    }
    return statements;
}

/** The policy the Budgets action attaches at 100 %: no model call at all, whatever else the role allows. */
export function budgetCutOffStatements(): Statement[] {
    // Converse and ConverseStream have no IAM actions of their own: these two authorize them.
    return [{ Sid: "TenantBudgetExhausted", Effect: "Deny", Action: INVOKE_ACTIONS, Resource: "*" }];
}

/**
 * Trust of the Budgets execution role: the Budgets service of this account only (Cost Management user guide,
 * "Cross-service confused deputy prevention": aws:SourceAccount, and aws:SourceArn arn:aws:budgets::<account>:budget/*).
 */
export function budgetsTrustStatements(accountId: string, region: string): Statement[] {
    const partition = partitionOf(region);
    return [
        {
            Sid: "BudgetsOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "budgets.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
                StringEquals: { "aws:SourceAccount": accountId },
                ArnLike: { "aws:SourceArn": `arn:${partition}:budgets::${accountId}:budget/*` },
            },
        },
    ];
}

/** What the Budgets execution role may do: attach (and on reset, detach) exactly the cut-off policy to exactly one role. */
export function budgetsActionStatements(roleArn: string, policyArn: string): Statement[] {
    return [
        {
            Sid: "AttachCutOffToTenantRole",
            Effect: "Allow",
            Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            Resource: roleArn,
            Condition: { ArnEquals: { "iam:PolicyARN": policyArn } },
        },
    ];
}
