// Governance settings of a Bedrock stack (bedrock-bridge:tenants, :guardrails, :guardrail) as one zod schema:
// validation, defaults and the parsed types come from the same description. config.ts reads the raw values and
// hands them here; every problem comes back as "<key>[i].field: what to do", all at once.
import { z } from "zod";

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_PATH = /^\/([\w+=,.@-]+\/)*$/;
// AWS Organizations ids and paths: o-<10..32>, r-<4..32>, ou-<4..32>-<8..32>.
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ORG_PATH = /^o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}\/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)*\*?$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const GUARDRAIL_ID = /^[a-z0-9]{1,64}$/;
const GUARDRAIL_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]{1,20}:\d{12}:guardrail\/[a-z0-9]+$/;
// Tag keys and values as cost-allocation tags allow them (user tags may not start with aws:).
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Content filter types of a Bedrock guardrail and their strengths (CreateGuardrail's GuardrailContentFilterConfig). */
export const CONTENT_FILTER_TYPES = ["SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK"] as const;
export const FILTER_STRENGTHS = ["NONE", "LOW", "MEDIUM", "HIGH"] as const;

const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

const budgetSchema = strict({
    /** Monthly cost limit in USD. */
    monthlyLimitUsd: z.number().positive().max(1_000_000),
    /** The warning notification fires at this percentage of the limit (actual cost). */
    notifyAtPercent: z.number().int().min(1).max(99).default(80),
    emails: z.array(z.string().email()).max(10).optional(),
    snsTopicArn: z.string().regex(SNS_TOPIC_ARN, "an SNS topic ARN such as arn:aws:sns:ap-northeast-1:222222222222:finops").optional(),
    /** At 100 % an AWS Budgets action attaches the deny policy to the tenant's role (default true). */
    cutOff: z.boolean().default(true),
    /** Which cost-allocation tag the budget filters on (a key of costAllocationTags; default the first). */
    costAllocationTag: z.string().optional(),
}).refine(b => (b.emails?.length ?? 0) > 0 || !!b.snsTopicArn, {
    message: "a budget needs a notification target: give emails: [finops@example.com] or snsTopicArn",
    path: ["emails"],
});

const organizationSchema = strict({
    /** aws:PrincipalOrgID: every account of this organization. */
    id: z.string().regex(ORG_ID, "an organization id such as o-a1b2c3d4e5"),
    /** aws:PrincipalOrgPaths: only accounts under these OUs, e.g. o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/. */
    paths: z.array(z.string().regex(ORG_PATH, "an organization path such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/")).min(1).optional(),
}).refine(o => (o.paths ?? []).every(p => p.startsWith(`${o.id}/`)), { message: "every path must start with the organization id", path: ["paths"] });

const tenantSchema = strict({
    name: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "1..32 lowercase letters, digits and hyphens"),
    callerAccountIds: z.array(z.string().regex(ACCOUNT_ID, "12-digit account ids")).min(1).optional(),
    organization: organizationSchema.optional(),
    /** IAM path of the tenant's caller roles (default: the stack's bedrock-bridge:callerRolePath). */
    callerRolePath: z.string().regex(ROLE_PATH, 'an IAM path such as "/bedrock-bridge/"').optional(),
    models: z.array(z.string().min(1)).min(1),
    costAllocationTags: z.record(z.string().regex(TAG_KEY, "a tag key (not aws:...)"), z.string().regex(TAG_VALUE, "a tag value"))
        .refine(t => Object.keys(t).length >= 1 && Object.keys(t).length <= 10, "give 1..10 tags such as {team: search}"),
    budget: budgetSchema.optional(),
    /** A name from bedrock-bridge:guardrails; overrides the stack-wide bedrock-bridge:guardrail. */
    guardrail: z.string().optional(),
});

const existingGuardrailSchema = strict({
    /** An existing guardrail: its id or ARN, and a numeric version (DRAFT cannot be enforced by IAM reliably). */
    id: z.string().regex(GUARDRAIL_ID, "a guardrail id such as abcd1234efgh").or(z.string().regex(GUARDRAIL_ARN, "a guardrail ARN")),
    version: z.string({ required_error: "version is required: the numeric version to enforce, e.g. \"1\"" }).regex(/^[1-9][0-9]{0,7}$/, "a numeric version such as \"1\""),
});

const createdGuardrailSchema = strict({
    /** Created by this stack: one strength per content filter type; PROMPT_ATTACK applies to input only. */
    contentFilters: z.record(z.enum(CONTENT_FILTER_TYPES), z.enum(FILTER_STRENGTHS))
        .refine(f => Object.values(f).some(s => s !== "NONE"), "at least one filter must be stronger than NONE"),
    blockedInputMessage: z.string().min(1).max(500).default("Sorry, this request is not allowed by the organization's content policy."),
    blockedOutputMessage: z.string().min(1).max(500).default("Sorry, the answer was withheld by the organization's content policy."),
});

const guardrailSchema = z.union([existingGuardrailSchema, createdGuardrailSchema]);

export type BudgetConfig = z.output<typeof budgetSchema>;
export type TenantConfig = z.output<typeof tenantSchema> & { callerRolePath: string; guardrail?: string };
export type ExistingGuardrail = z.output<typeof existingGuardrailSchema>;
export type CreatedGuardrail = z.output<typeof createdGuardrailSchema>;
export type GuardrailConfig = ExistingGuardrail | CreatedGuardrail;

export interface GovernanceConfig {
    tenants: TenantConfig[];
    /** Activate the tenants' cost-allocation tags here (only where this account is the payer account). */
    activateCostAllocationTags: boolean;
    /** Guardrails by name (only those some tenant uses are built). */
    guardrails: Record<string, GuardrailConfig>;
}

export const isExistingGuardrail = (g: GuardrailConfig): g is ExistingGuardrail => "id" in g;

export interface GovernanceInput {
    tenants?: unknown;
    guardrails?: unknown;
    guardrail?: string;
    activateCostAllocationTags?: unknown;
    /** The stack's bedrock-bridge:models and callerRolePath, its own account. */
    models: string[];
    callerRolePath: string;
    accountId: string;
}

const KEY = "bedrock-bridge";

function where(key: string, path: (string | number)[]): string {
    return key + path.map(p => typeof p === "number" ? `[${p}]` : `.${p}`).join("");
}

function issues(key: string, err: z.ZodError): string[] {
    return err.issues.flatMap(i => {
        if (i.code === "unrecognized_keys") return [`${where(key, i.path)} has unknown fields ${i.keys.join(", ")}`];
        // A guardrail is one of two shapes: explain both instead of zod's "invalid input".
        if (i.code === "invalid_union") {
            const inner = i.unionErrors.flatMap(e => e.issues);
            const shaped = inner.filter(x => x.code !== "unrecognized_keys");
            const pick = shaped.length ? shaped : inner;
            return [`${where(key, i.path)} must be {id, version} (an existing guardrail) or {contentFilters: {HATE: HIGH, ...}} (created by this stack): ${[...new Set(pick.map(x => `${x.path.slice(i.path.length).join(".") || "(value)"}: ${x.message}`))].join("; ")}`];
        }
        return [`${where(key, i.path)}: ${i.message}`];
    });
}

/** Parses and cross-checks the governance keys; returns the config (undefined without tenants) and every problem. */
export function parseGovernance(input: GovernanceInput): { value?: GovernanceConfig; problems: string[] } {
    const problems: string[] = [];
    const tenantsKey = `${KEY}:tenants`, guardrailsKey = `${KEY}:guardrails`;
    let guardrails: Record<string, GuardrailConfig> = {};
    if (input.guardrails !== undefined) {
        const g = z.record(z.string().regex(/^[A-Za-z0-9-]{1,40}$/, "guardrail names: letters, digits and hyphens"), guardrailSchema).safeParse(input.guardrails);
        if (g.success) guardrails = g.data;
        else problems.push(...issues(guardrailsKey, g.error));
        for (const [name, raw] of Object.entries(isMap(input.guardrails) ? input.guardrails : {})) {
            if (isMap(raw) && "id" in raw && "contentFilters" in raw) problems.push(`${guardrailsKey}.${name} sets both id and contentFilters: use an existing guardrail (id, version) or create one (contentFilters), not both`);
        }
    }
    if (input.guardrail !== undefined && input.tenants === undefined) problems.push(`${KEY}:guardrail needs ${tenantsKey}: guardrails are enforced on tenant roles`);
    if (input.tenants === undefined) {
        if (input.guardrails !== undefined) problems.push(`${guardrailsKey} needs ${tenantsKey}: guardrails are enforced on tenant roles`);
        if (input.activateCostAllocationTags !== undefined) problems.push(`${KEY}:activateCostAllocationTags needs ${tenantsKey}: it activates the tenants' cost-allocation tags`);
        return { problems };
    }
    const parsed = z.array(tenantSchema).min(1).safeParse(input.tenants);
    if (!parsed.success) return { problems: [...problems, ...issues(tenantsKey, parsed.error)] };

    const names = new Set<string>();
    const tenants: TenantConfig[] = parsed.data.map((t, i) => {
        const at = `${tenantsKey}[${i}] "${t.name}"`;
        if (names.has(t.name)) problems.push(`${tenantsKey} names "${t.name}" more than once`);
        names.add(t.name);
        if (!t.callerAccountIds && !t.organization) problems.push(`${at} needs callerAccountIds (the accounts of its callers) or organization {id, paths} (organization-wide trust)`);
        if (t.callerAccountIds && t.organization) problems.push(`${at} sets both callerAccountIds and organization: trust either listed accounts or an organization, not both`);
        if (input.accountId && t.callerAccountIds?.includes(input.accountId)) problems.push(`${at}.callerAccountIds contains this stack's own account ${input.accountId}: cross-account trust is for other accounts`);
        const notAllowed = t.models.filter(m => !input.models.includes(m));
        if (notAllowed.length) problems.push(`${at}.models lists ${notAllowed.join(", ")}, not in ${KEY}:models (${input.models.join(", ")}): a tenant uses a subset of the stack's models`);
        if (new Set(t.models).size !== t.models.length) problems.push(`${at}.models lists a model more than once`);
        const tag = t.budget?.costAllocationTag;
        if (tag !== undefined && !(tag in t.costAllocationTags)) problems.push(`${at}.budget.costAllocationTag "${tag}" is not one of its costAllocationTags (${Object.keys(t.costAllocationTags).join(", ")})`);
        const guardrail = t.guardrail ?? input.guardrail;
        if (guardrail !== undefined && !(guardrail in guardrails) && (input.guardrails === undefined || isMap(input.guardrails) && !(guardrail in input.guardrails))) {
            problems.push(`${t.guardrail !== undefined ? `${at}.guardrail` : `${KEY}:guardrail`} "${guardrail}" is not defined in ${guardrailsKey}${Object.keys(guardrails).length ? ` (defined: ${Object.keys(guardrails).join(", ")})` : ": add it there, as {id, version} or {contentFilters}"}`);
        }
        return { ...t, callerRolePath: t.callerRolePath ?? input.callerRolePath, ...(guardrail !== undefined ? { guardrail } : {}) };
    });
    const activate = z.boolean().default(false).safeParse(input.activateCostAllocationTags);
    if (!activate.success) problems.push(`${KEY}:activateCostAllocationTags must be true or false`);
    return problems.length ? { problems } : { value: { tenants, guardrails, activateCostAllocationTags: activate.success && activate.data }, problems };
}

function isMap(v: unknown): v is Record<string, unknown> {
    return !!v && typeof v === "object" && !Array.isArray(v);
}

/** The tag key and value a tenant's budget filters on. */
export function budgetTag(t: Pick<TenantConfig, "costAllocationTags" | "budget">): { key: string; value: string } {
    const key = t.budget?.costAllocationTag ?? Object.keys(t.costAllocationTags)[0];
    return { key, value: t.costAllocationTags[key] };
}

/** bedrock-bridge:tenant on the caller side: a tenant name. */
export const tenantNameSchema = tenantSchema.shape.name;
