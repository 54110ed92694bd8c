// The project's security promises as pure functions over one resource's inputs (type tokens and property
// names as the AWS provider defines them), so tests can run them without the Pulumi engine.
import { conditionKeys, documentsOf, IamStatement, list, wildcardMatch } from "./iamDocuments";

export interface PolicyResource {
    type: string;
    name: string;
    urn?: string;
    /** Resource inputs (what `pulumi preview` hands a policy as `props`). */
    props: Record<string, any>;
}

export interface RuleContext {
    /** The account the stack deploys into; without it every AWS principal counts as another account. */
    accountId?: string;
    config: Record<string, any>;
}

export interface Rule {
    name: string;
    description: string;
    configSchema?: { properties: Record<string, any> };
    /** Messages of the violations this resource commits (none: compliant). */
    check(resource: PolicyResource, ctx: RuleContext): string[];
    /** For a promise that needs more than one resource: the violations over the whole stack. */
    checkStack?(resources: PolicyResource[], ctx: RuleContext): { resource: PolicyResource; message: string }[];
}

const label = (r: PolicyResource) => `${r.type.split(":").pop()} "${r.name}"`;

function allows(st: IamStatement): boolean {
    return st.Effect === "Allow";
}

function permissionStatements(r: PolicyResource): { at: string; st: IamStatement }[] {
    return documentsOf(r.type, r.props)
        .filter(d => d.kind === "permissions")
        .flatMap(d => d.statements.filter(allows).map(st => ({ at: d.at, st })));
}

function trustStatements(r: PolicyResource): IamStatement[] {
    return documentsOf(r.type, r.props)
        .filter(d => d.kind === "trust")
        .flatMap(d => d.statements.filter(allows));
}

// An action pattern that matches a made-up action covers the whole service.
const ANY_BEDROCK_ACTION = "bedrock:ZzzAnyFutureAction";
// Actions that run a model, agent, flow or function; on "*" they reach every model in the account.
export const INVOKE_ACTIONS = [
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:InvokeModelWithBidirectionalStream",
    "bedrock:InvokeAgent",
    "bedrock:InvokeInlineAgent",
    "bedrock:InvokeFlow",
    "lambda:InvokeFunction",
    "lambda:InvokeFunctionUrl",
    "states:StartExecution",
    "states:StartSyncExecution",
    "execute-api:Invoke",
];

/** "*", or an ARN naming every resource of a kind (`foundation-model/*`, `function:*`) in some region/account. */
export function isWildcardResource(res: string): boolean {
    if (res === "*") return true;
    const m = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:(.*)$/.exec(res);
    return !!m && /^([\w-]+[/:])?\*$/.test(m[1]);
}

const noBroadBedrock: Rule = {
    name: "no-bedrock-wildcard-or-invoke-on-star",
    description: "No IAM statement may allow bedrock:* (or *), NotAction, or an invoke action on every resource.",
    check(r) {
        const out: string[] = [];
        // The stack's permissions boundary (components/shared/permissionsBoundary.ts) is a ceiling, not a grant: each
        // role's own policy still names its models. Only by the name the stack gives it.
        if (r.type === "aws:iam/policy:Policy" && String(r.props.name ?? "").startsWith("bedrock-bridge-boundary-"))
            return out;
        for (const { at, st } of permissionStatements(r)) {
            const sid = st.Sid ? ` (Sid ${st.Sid})` : "";
            const actions = list(st.Action);
            if (st.NotAction !== undefined) {
                out.push(
                    `${label(r)} ${at}${sid} allows NotAction ${JSON.stringify(list(st.NotAction))}: Allow with NotAction grants everything else, list the actions instead`,
                );
            }
            const serviceWide = actions.filter(a => wildcardMatch(a, ANY_BEDROCK_ACTION));
            if (serviceWide.length) {
                out.push(
                    `${label(r)} ${at}${sid} allows ${serviceWide.join(", ")}: never grant bedrock:*, name the actions (bedrock:InvokeModel, bedrock:InvokeModelWithResponseStream)`,
                );
            }
            const invoke = INVOKE_ACTIONS.filter(i => actions.some(a => wildcardMatch(a, i)));
            const wide = list(st.Resource).filter(isWildcardResource);
            if (invoke.length && (wide.length || st.NotResource !== undefined)) {
                out.push(
                    `${label(r)} ${at}${sid} allows invoke actions (${invoke.join(", ")}) on ${wide.length ? wide.join(", ") : "NotResource"}: name the model, profile or function ARNs`,
                );
            }
        }
        return out;
    },
};

function accountOf(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    const m = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal);
    return m?.[1];
}

/** A condition key present with at least one value and no bare "*" (which would match anyone). */
function hasNarrowing(st: IamStatement, keys: string[]): boolean {
    const found = conditionKeys(st);
    return keys.some(k => {
        const values = found.get(k.toLowerCase());
        return !!values && values.length > 0 && values.every(v => typeof v === "string" && v !== "" && v !== "*");
    });
}

const ORG_KEYS = ["aws:PrincipalOrgID", "aws:PrincipalOrgPaths"];

const crossAccountTrust: Rule = {
    name: "cross-account-trust-has-principal-condition",
    description:
        'A role trusted by another account must narrow it with an aws:PrincipalArn or organization condition; one trusted by any AWS principal ("*") with aws:PrincipalOrgID or aws:PrincipalOrgPaths.',
    check(r, ctx) {
        const out: string[] = [];
        for (const st of trustStatements(r)) {
            const aws = st.Principal === "*" ? ["*"] : list((st.Principal as Record<string, unknown> | undefined)?.AWS);
            const foreign = aws.filter(p => p === "*" || !ctx.accountId || accountOf(p) !== ctx.accountId);
            if (aws.includes("*")) {
                // Any AWS principal: only an organization condition narrows it to known accounts; aws:PrincipalArn
                // such as arn:aws:iam::*:role/x/* still matches that path in every account of every customer.
                if (!hasNarrowing(st, ORG_KEYS)) {
                    out.push(
                        `${label(r)} trusts every AWS principal ("*") without an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition: any account could assume it`,
                    );
                }
            } else if (foreign.length && !hasNarrowing(st, ["aws:PrincipalArn", ...ORG_KEYS])) {
                out.push(
                    `${label(r)} trusts ${foreign.join(", ")} without an aws:PrincipalArn or aws:PrincipalOrgID condition: any principal of that account could assume it`,
                );
            }
        }
        return out;
    },
};

const serviceTrust: Rule = {
    name: "service-trust-has-source-account",
    description:
        "A role trusted by an AWS service must pin the calling account with an aws:SourceAccount condition (confused deputy).",
    check(r) {
        const out: string[] = [];
        for (const st of trustStatements(r)) {
            const services = st.Principal && st.Principal !== "*" ? list(st.Principal.Service) : [];
            if (services.length && !hasNarrowing(st, ["aws:SourceAccount"])) {
                out.push(
                    `${label(r)} trusts ${services.join(", ")} without an aws:SourceAccount condition: another account's resource of that service could use the role`,
                );
            }
        }
        return out;
    },
};

// What aws.lambda.CallbackFunction attaches when no role is given (lambdaMixins.js), and the other
// account-wide grants no function here needs. AWSXrayWriteOnlyAccess, also a default, is narrow.
export const BROAD_MANAGED_POLICIES = [
    "AWSLambda_FullAccess",
    "CloudWatchFullAccessV2",
    "CloudWatchEventsFullAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonSQSFullAccess",
    "AmazonKinesisFullAccess",
    "AmazonCognitoPowerUser",
    "AdministratorAccess",
    "PowerUserAccess",
    "AmazonBedrockFullAccess",
];

function broadManaged(arn: unknown): string | undefined {
    const m = typeof arn === "string" ? /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn) : null;
    return m && BROAD_MANAGED_POLICIES.includes(m[1]) ? m[1] : undefined;
}

const ATTACHMENT_TYPES = new Set([
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
]);

const lambdaRole: Rule = {
    name: "lambda-explicit-least-privilege-role",
    description:
        "Every Lambda has an explicit role, and no role or user gets the broad managed policies CallbackFunction attaches by default.",
    check(r) {
        if (r.type === "aws:lambda/function:Function") {
            return r.props.role
                ? []
                : [
                      `${label(r)} has no role: pass an explicit least-privilege role (CallbackFunction without one attaches full-access managed policies)`,
                  ];
        }
        const arns = ATTACHMENT_TYPES.has(r.type)
            ? [r.props.policyArn]
            : r.type === "aws:iam/role:Role"
              ? list(r.props.managedPolicyArns)
              : [];
        return arns
            .map(broadManaged)
            .filter((n): n is string => !!n)
            .map(
                n =>
                    `${label(r)} attaches the managed policy ${n}: a broad default of CallbackFunction without a role, grant only what the function uses`,
            );
    },
};

/** Managed policies that allow every Bedrock model (AmazonBedrockLimitedAccess: bedrock:InvokeModel* on "*"). */
export const ALL_MODELS_MANAGED_POLICIES = ["AmazonBedrockLimitedAccess"];
/** The tag by which a stack accepts one of them on a user or role (components/bedrock/bedrockApiKeys.ts sets it). */
export const ALL_MODELS_TAG = "bedrock-bridge:all-models";

const PRINCIPAL_OF: Record<string, { prop: string; type: string }> = {
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": { prop: "user", type: "aws:iam/user:User" },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { prop: "role", type: "aws:iam/role:Role" },
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": { prop: "group", type: "aws:iam/group:Group" },
};

const allModelsManaged: Rule = {
    name: "bedrock-managed-policy-accepted",
    description: `A user or role gets a managed policy that allows every Bedrock model (${ALL_MODELS_MANAGED_POLICIES.join(", ")}) only when the stack accepts it explicitly: the principal carries the tag ${ALL_MODELS_TAG}=accepted (bedrock-bridge:apiKeys[].allModels: true).`,
    check: () => [],
    checkStack(resources) {
        const out: { resource: PolicyResource; message: string }[] = [];
        const named = (type: string, name: unknown) =>
            resources.find(x => x.type === type && typeof name === "string" && x.props.name === name);
        const accepted = (p: PolicyResource | undefined) => p?.props.tags?.[ALL_MODELS_TAG] === "accepted";
        const policyName = (arn: unknown) => {
            const m = typeof arn === "string" ? /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn) : null;
            return m && ALL_MODELS_MANAGED_POLICIES.includes(m[1]) ? m[1] : undefined;
        };
        const flag = (r: PolicyResource, policy: string, principal: string) =>
            out.push({
                resource: r,
                message: `${label(r)} attaches ${policy} to ${principal}: it allows every Bedrock model, not only bedrock-bridge:models. Drop managedPolicy (the key then gets exactly the stack's models), or accept it explicitly with allModels: true beside managedPolicy: true in bedrock-bridge:apiKeys (tags the user ${ALL_MODELS_TAG}=accepted)`,
            });
        for (const r of resources) {
            const via = PRINCIPAL_OF[r.type];
            if (via) {
                const policy = policyName(r.props.policyArn);
                if (policy && !accepted(named(via.type, r.props[via.prop])))
                    flag(r, policy, `${via.prop} ${String(r.props[via.prop])}`);
            } else if (r.type === "aws:iam/role:Role" || r.type === "aws:iam/user:User") {
                for (const policy of list(r.props.managedPolicyArns).map(policyName))
                    if (policy && !accepted(r)) flag(r, policy, "itself");
            } else if (r.type === "aws:iam/policyAttachment:PolicyAttachment") {
                const policy = policyName(r.props.policyArn);
                const principals = [
                    ...list(r.props.users).map(u => named("aws:iam/user:User", u)),
                    ...list(r.props.roles).map(x => named("aws:iam/role:Role", x)),
                ];
                if (policy && (list(r.props.groups).length || !principals.every(accepted)))
                    flag(r, policy, "its users, roles or groups");
            }
        }
        return out;
    },
};

export const DEFAULT_MAX_CREDENTIAL_AGE_DAYS = 90;

const bedrockKeyExpiry: Rule = {
    name: "bedrock-api-key-expires",
    description:
        "Bedrock long-term API keys (service-specific credentials for bedrock.amazonaws.com) must expire within the configured maximum age.",
    configSchema: {
        properties: { maxCredentialAgeDays: { type: "integer", minimum: 1, default: DEFAULT_MAX_CREDENTIAL_AGE_DAYS } },
    },
    check(r, ctx) {
        if (
            r.type !== "aws:iam/serviceSpecificCredential:ServiceSpecificCredential" ||
            r.props.serviceName !== "bedrock.amazonaws.com"
        )
            return [];
        const max = Number(ctx.config.maxCredentialAgeDays ?? DEFAULT_MAX_CREDENTIAL_AGE_DAYS);
        const age = r.props.credentialAgeDays;
        if (typeof age !== "number")
            return [`${label(r)} is a Bedrock API key that never expires: set credentialAgeDays (at most ${max})`];
        if (age < 1 || age > max)
            return [
                `${label(r)} is a Bedrock API key valid for ${age} days: credentialAgeDays must be between 1 and ${max}`,
            ];
        return [];
    },
};

const logRetention: Rule = {
    name: "log-group-retention",
    description: "Every CloudWatch log group sets retentionInDays (prompts and errors must not be kept forever).",
    check(r) {
        if (r.type !== "aws:cloudwatch/logGroup:LogGroup") return [];
        const days = r.props.retentionInDays;
        return typeof days === "number" && days > 0
            ? []
            : [`${label(r)} has no retentionInDays: its logs would be kept forever`];
    },
};

const appsyncPublish: Rule = {
    name: "appsync-iam-only-publish",
    description: "AppSync Events channel namespaces allow publishing only with AWS_IAM (only the backend publishes).",
    check(r) {
        if (r.type !== "aws:appsync/channelNamespace:ChannelNamespace") return [];
        const modes = Array.isArray(r.props.publishAuthModes)
            ? r.props.publishAuthModes.map((m: any) => m?.authType)
            : [];
        if (!modes.length)
            return [
                `${label(r)} sets no publishAuthModes: it inherits the API's defaults, set [{authType: "AWS_IAM"}]`,
            ];
        const other = modes.filter((m: unknown) => m !== "AWS_IAM");
        return other.length ? [`${label(r)} allows publishing with ${other.join(", ")}: only AWS_IAM may publish`] : [];
    },
};

// Must match components/bedrock/bedrockInvocationLogging.ts: the tag with which a stack declares prompt logging.
export const PROMPT_TEXT_TAG = "bedrock-bridge:prompt-text";
export const PROMPT_TEXT_DECLARED = "delivered-by-config";
const DELIVERY_FLAGS = [
    "textDataDeliveryEnabled",
    "imageDataDeliveryEnabled",
    "embeddingDataDeliveryEnabled",
    "videoDataDeliveryEnabled",
];

const invocationLoggingContent: Rule = {
    name: "invocation-logging-no-prompt-text",
    description:
        "Bedrock model invocation logging delivers metadata only (text, image, embedding and video delivery false) unless the stack declares prompt logging on the destination (tag bedrock-bridge:prompt-text).",
    check: () => [],
    checkStack(resources) {
        const out: { resource: PolicyResource; message: string }[] = [];
        for (const r of resources.filter(
            x => x.type === "aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration",
        )) {
            const cfg = r.props.loggingConfig ?? {};
            // The provider defaults every flag to true, so only an explicit false keeps content out.
            const on = DELIVERY_FLAGS.filter(f => cfg[f] !== false);
            if (!on.length) continue;
            const group = cfg.cloudwatchConfig?.logGroupName;
            const bucket = cfg.s3Config?.bucketName;
            const destinations = resources.filter(
                d =>
                    (d.type === "aws:cloudwatch/logGroup:LogGroup" && group !== undefined && d.props.name === group) ||
                    (d.type === "aws:s3/bucket:Bucket" &&
                        bucket !== undefined &&
                        (d.props.bucket === bucket || d.props.id === bucket)),
            );
            const wanted = (group !== undefined ? 1 : 0) + (bucket !== undefined ? 1 : 0);
            const declared = destinations.filter(d => d.props.tags?.[PROMPT_TEXT_TAG] === PROMPT_TEXT_DECLARED).length;
            if (wanted === 0 || declared < wanted) {
                out.push({
                    resource: r,
                    message: `${label(r)} delivers ${on.join(", ")} (prompts and answers) to ${[group, bucket].filter(Boolean).join(" and ") || "its destination"} without the stack declaring it: set them false (the provider's default is true), or set bedrock-bridge:invocationLogging.textDelivery: true, which tags the destination ${PROMPT_TEXT_TAG}=${PROMPT_TEXT_DECLARED}`,
                });
            }
        }
        return out;
    },
};

export const RULES: Rule[] = [
    noBroadBedrock,
    crossAccountTrust,
    serviceTrust,
    lambdaRole,
    bedrockKeyExpiry,
    allModelsManaged,
    logRetention,
    appsyncPublish,
    invocationLoggingContent,
];

export function rule(name: string): Rule {
    const found = RULES.find(r => r.name === name);
    if (!found) throw new Error(`no policy rule ${name}; rules: ${RULES.map(r => r.name).join(", ")}`);
    return found;
}

export interface Violation {
    rule: string;
    resource: string;
    message: string;
}

/** Runs every rule (or the named ones) over a set of resources, as the pack does during preview. */
export function checkAll(resources: PolicyResource[], ctx: Partial<RuleContext> = {}, only?: string[]): Violation[] {
    const rules = only ? only.map(rule) : RULES;
    const c = { accountId: ctx.accountId, config: ctx.config ?? {} };
    return rules.flatMap(ru => [
        ...resources.flatMap(res =>
            ru.check(res, c).map(message => ({ rule: ru.name, resource: res.urn ?? res.name, message })),
        ),
        ...(ru.checkStack?.(resources, c) ?? []).map(v => ({
            rule: ru.name,
            resource: v.resource.urn ?? v.resource.name,
            message: v.message,
        })),
    ]);
}

/** The stack's account from the AWS provider's allowedAccountIds (a list, or its JSON text in provider config). */
export function accountFromProvider(props: Record<string, any> | undefined): string | undefined {
    let ids: unknown = props?.allowedAccountIds;
    if (typeof ids === "string") {
        try {
            ids = JSON.parse(ids);
        } catch {
            return undefined;
        }
    }
    return Array.isArray(ids) && ids.length === 1 && typeof ids[0] === "string" ? ids[0] : undefined;
}
