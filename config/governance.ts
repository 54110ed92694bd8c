// Governance settings of a Bedrock stack (bedrock-bridge:tenants, :guardrails, :guardrail,
// :activateCostAllocationTags; the caller's :tenant) as zod schemas in config/schema.ts's conventions: configSchema
// registers them as keys (validation, defaults, messages, the configuration table), and governanceFrom() adds the checks
// that span keys (models ⊆ bedrock-bridge:models, guardrail names, one trust form) and returns the parsed types.
// No value imports from config/schema.ts (it imports these); its ConfigValues type only.
import { z } from "zod";
import type { ConfigValues } from "./schema";

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_PATH = /^\/([\w+=,.@-]+\/)*$/;
// AWS Organizations ids and paths: o-<10..32>, r-<4..32>, ou-<4..32>-<8..32>.
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ORG_PATH = /^o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}\/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\/)*\*?$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const GUARDRAIL = /^([a-z0-9]{1,64}|arn:aws[a-z-]*:bedrock:[a-z0-9-]{1,20}:\d{12}:guardrail\/[a-z0-9]+)$/;
const GUARDRAIL_VERSION = /^[1-9][0-9]{0,7}$/;
export const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
export const GUARDRAIL_NAME = /^[A-Za-z0-9-]{1,40}$/;
// Tag keys and values as Bedrock accepts them on the tenant's inference profiles (API reference, Tag: pattern
// [a-zA-Z0-9\s._:/=+@-]*, stricter than cost-allocation tags' \p{L}: "チーム" passes those and fails
// CreateInferenceProfile); user tags may not start with aws:.
const TAG_CHARS = "letters a-z A-Z, digits, spaces and . _ : / = + @ -";
const TAG_KEY = /^(?!aws:)[a-zA-Z0-9\s._:/=+@-]{1,128}$/;
const TAG_VALUE = /^[a-zA-Z0-9\s._:/=+@-]{0,256}$/;

/** Content filter types of a Bedrock guardrail and their strengths (CreateGuardrail's GuardrailContentFilterConfig). */
export const CONTENT_FILTER_TYPES = ["SEXUAL", "VIOLENCE", "HATE", "INSULTS", "MISCONDUCT", "PROMPT_ATTACK"] as const;
export const FILTER_STRENGTHS = ["NONE", "LOW", "MEDIUM", "HIGH"] as const;

const KEY = "bedrock-bridge";
/** config/schema.ts's Meta (expected, hint, message, label, unknown, labelBy, ...): the words messages and docs use. */
const meta = <T extends z.ZodType>(s: T, m: Record<string, unknown>): T => s.meta(m);
const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const str = (pattern: RegExp, hint: string) => meta(z.string().regex(pattern), { hint, short: "string" });
const strings = (pattern: RegExp, hint: string, min = 1) =>
    meta(z.array(str(pattern, hint)).min(min), { expected: "a list of strings", hint });

const budget = meta(
    z
        .strictObject({
            monthlyLimitUsd: meta(z.number().gt(0).max(1_000_000), {
                expected: "a positive number of USD up to 1000000",
                required: "the monthly limit in USD, e.g. 300",
            }),
            notifyAtPercent: meta(z.int().min(1).max(99), { expected: "a whole number from 1 to 99" }).default(80),
            emails: meta(
                z
                    .array(meta(z.email(), { hint: "email addresses such as finops@example.com" }))
                    .min(1)
                    .max(10),
                { expected: "a list of 1..10 email addresses", hint: "email addresses such as finops@example.com" },
            ).optional(),
            snsTopicArn: str(
                SNS_TOPIC_ARN,
                "an SNS topic ARN such as arn:aws:sns:ap-northeast-1:222222222222:finops",
            ).optional(),
            cutOff: meta(z.boolean(), { expected: "true or false" }).default(true),
            costAllocationTag: meta(z.string().min(1), {
                expected: "one of the tenant's costAllocationTags keys",
            }).optional(),
        })
        .superRefine(
            (b, ctx) => {
                if (isMap(b) && !(Array.isArray(b.emails) && b.emails.length) && !b.snsTopicArn) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["emails"],
                        message:
                            "is required: a budget needs a notification target, give emails: [finops@example.com] or snsTopicArn",
                    });
                }
            },
            { when: () => true },
        ),
    { unknown: "fields", expected: "a map such as {monthlyLimitUsd: 300, emails: [finops@example.com]}" },
);

const organization = meta(
    z
        .strictObject({
            /** aws:PrincipalOrgID: every account of this organization. */
            id: str(ORG_ID, "an organization id such as o-a1b2c3d4e5"),
            /** aws:PrincipalOrgPaths: only accounts under these OUs. */
            paths: strings(ORG_PATH, "organization paths such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/").optional(),
        })
        .superRefine(
            (o, ctx) => {
                if (
                    isMap(o) &&
                    typeof o.id === "string" &&
                    Array.isArray(o.paths) &&
                    o.paths.some((p: unknown) => typeof p === "string" && !p.startsWith(`${o.id}/`))
                ) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["paths"],
                        message: `must all start with the organization id ${o.id}/`,
                    });
                }
            },
            { when: () => true },
        ),
    { unknown: "fields", expected: "a map such as {id: o-a1b2c3d4e5, paths: [o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/]}" },
);

const tenant = meta(
    z.strictObject({
        name: meta(z.string().regex(TENANT_NAME), {
            expected: "1..32 lowercase letters, digits and hyphens",
            required: "1..32 lowercase letters, digits and hyphens",
        }),
        callerAccountIds: strings(ACCOUNT_ID, "12-digit account ids").optional(),
        organization: organization.optional(),
        /** IAM path of the tenant's caller roles (default: the stack's bedrock-bridge:callerRolePath). */
        callerRolePath: str(ROLE_PATH, 'an IAM path such as "/bedrock-bridge/"').optional(),
        models: meta(z.array(z.string().min(1)).min(1), {
            expected: "a list of model ids from bedrock-bridge:models",
            required: "the model ids this tenant may use, a subset of bedrock-bridge:models",
        }),
        costAllocationTags: meta(
            z.record(z.string(), z.string()).superRefine((t, ctx) => {
                const n = Object.keys(t).length;
                if (n < 1 || n > 10)
                    ctx.addIssue({
                        code: "custom",
                        message: "must be 1..10 tags such as {team: support} (keys not starting with aws:)",
                    });
                for (const [k, v] of Object.entries(t)) {
                    if (!TAG_KEY.test(k))
                        ctx.addIssue({
                            code: "custom",
                            message: `has the key ${JSON.stringify(k)}, which Bedrock refuses on the tenant's inference profiles: 1..128 of ${TAG_CHARS}, not starting with aws: (a Japanese name, say, goes in romaji: {team: shien})`,
                        });
                    if (!TAG_VALUE.test(v))
                        ctx.addIssue({
                            code: "custom",
                            message: `has the value ${JSON.stringify(v)} (key ${k}), which Bedrock refuses on the tenant's inference profiles: up to 256 of ${TAG_CHARS} (a Japanese name, say, goes in romaji)`,
                        });
                }
            }),
            {
                message: "must be 1..10 tags such as {team: support} (keys not starting with aws:)",
                required: "1..10 tags such as {team: support}: Cost Explorer and the tenant's budget use them",
            },
        ),
        budget: budget.optional(),
        /** A name from bedrock-bridge:guardrails; overrides the stack-wide bedrock-bridge:guardrail. */
        guardrail: str(GUARDRAIL_NAME, "a name from bedrock-bridge:guardrails").optional(),
    }),
    {
        unknown: "fields",
        expected:
            "a map such as {name: support, callerAccountIds: [...], models: [...], costAllocationTags: {team: support}}",
    },
);

export const tenantsSchema = meta(z.array(tenant).min(1), {
    labelBy: "name",
    expected:
        "a list of tenants such as [{name: support, callerAccountIds: [...], models: [...], costAllocationTags: {team: support}}]",
    defaultText: "–",
});

const guardrail = meta(
    z
        .strictObject({
            /** An existing guardrail: its id or ARN, and a numeric version. */
            id: str(GUARDRAIL, "a guardrail id such as abcd1234efgh, or its ARN").optional(),
            // YAML turns an unquoted 3 into a number: both are fine.
            version: meta(z.union([z.string(), z.number()]), { expected: 'a numeric version such as "1"' }).optional(),
            /** Created by this stack: a strength per content filter type; PROMPT_ATTACK applies to input only. */
            contentFilters: meta(z.partialRecord(z.enum(CONTENT_FILTER_TYPES), z.enum(FILTER_STRENGTHS)), {
                message: `must map filter types (${CONTENT_FILTER_TYPES.join(", ")}) to strengths (${FILTER_STRENGTHS.join(", ")})`,
            }).optional(),
            blockedInputMessage: meta(z.string().min(1).max(500), { expected: "1..500 characters" }).optional(),
            blockedOutputMessage: meta(z.string().min(1).max(500), { expected: "1..500 characters" }).optional(),
            /**
             * Versions below this one are no longer accepted from callers. Until then every version enforced since is
             * (callers deployed before a change keep sending theirs): raise it once every caller stack of the
             * guardrail's tenants is updated (docs/governance.md, "Rolling out a change").
             */
            retireVersionsBefore: meta(z.union([z.string(), z.number()]), {
                expected: 'a numeric version such as "3"',
            }).optional(),
        })
        .superRefine(
            (g, ctx) => {
                if (!isMap(g)) return;
                const created = g.contentFilters !== undefined;
                if (g.id !== undefined && created)
                    ctx.addIssue({
                        code: "custom",
                        message:
                            "sets both id and contentFilters: use an existing guardrail (id, version) or create one (contentFilters), not both",
                    });
                else if (g.id === undefined && !created)
                    ctx.addIssue({
                        code: "custom",
                        message:
                            "is required to be {id, version} (an existing guardrail) or {contentFilters: {HATE: HIGH, ...}} (created by this stack)",
                    });
                if (g.id !== undefined && g.version === undefined)
                    ctx.addIssue({
                        code: "custom",
                        path: ["version"],
                        message: 'is required: the numeric version to enforce, e.g. "1" (IAM cannot pin DRAFT)',
                    });
                if (g.version !== undefined && !GUARDRAIL_VERSION.test(String(g.version)))
                    ctx.addIssue({
                        code: "custom",
                        path: ["version"],
                        message: 'must be a numeric version such as "1"',
                    });
                if (g.version !== undefined && g.id === undefined)
                    ctx.addIssue({
                        code: "custom",
                        path: ["version"],
                        message:
                            "belongs to an existing guardrail: give its id too, or drop version for one created here",
                    });
                const retire = g.retireVersionsBefore;
                if (retire !== undefined && !GUARDRAIL_VERSION.test(String(retire)))
                    ctx.addIssue({
                        code: "custom",
                        path: ["retireVersionsBefore"],
                        message: 'must be a numeric version such as "3": callers sending a version below it are denied',
                    });
                else if (
                    retire !== undefined &&
                    g.version !== undefined &&
                    GUARDRAIL_VERSION.test(String(g.version)) &&
                    Number(retire) > Number(g.version)
                )
                    ctx.addIssue({
                        code: "custom",
                        path: ["retireVersionsBefore"],
                        message: `is ${String(retire)}, above version ${String(g.version)}: it would retire the version tenant roles enforce; set it to ${String(g.version)} at most`,
                    });
                if (created && isMap(g.contentFilters) && !Object.values(g.contentFilters).some(s => s !== "NONE"))
                    ctx.addIssue({
                        code: "custom",
                        path: ["contentFilters"],
                        message: "needs at least one filter stronger than NONE",
                    });
            },
            { when: () => true },
        ),
    { unknown: "fields", expected: 'a map such as {contentFilters: {HATE: HIGH}} or {id: abcd1234efgh, version: "1"}' },
);

export const guardrailsSchema = meta(z.record(z.string().regex(GUARDRAIL_NAME), guardrail), {
    expected: "a map of guardrail names to {id, version} or {contentFilters: {...}}",
    defaultText: "–",
});

export interface BudgetConfig {
    monthlyLimitUsd: number;
    notifyAtPercent: number;
    emails?: string[];
    snsTopicArn?: string;
    cutOff: boolean;
    costAllocationTag?: string;
}

export interface TenantConfig {
    name: string;
    callerAccountIds?: string[];
    organization?: { id: string; paths?: string[] };
    callerRolePath: string;
    models: string[];
    costAllocationTags: Record<string, string>;
    budget?: BudgetConfig;
    /** The guardrail enforced on this tenant: its own, or the stack-wide bedrock-bridge:guardrail. */
    guardrail?: string;
}

export interface ExistingGuardrail {
    id: string;
    version: string;
    /** Versions below this one are no longer accepted (absent: every version enforced since stays accepted). */
    retireVersionsBefore?: string;
}

export interface CreatedGuardrail {
    contentFilters: Partial<Record<(typeof CONTENT_FILTER_TYPES)[number], (typeof FILTER_STRENGTHS)[number]>>;
    blockedInputMessage: string;
    blockedOutputMessage: string;
    retireVersionsBefore?: string;
}

export type GuardrailConfig = ExistingGuardrail | CreatedGuardrail;

export interface GovernanceConfig {
    tenants: TenantConfig[];
    /** Guardrails by name (only those some tenant uses are built). */
    guardrails: Record<string, GuardrailConfig>;
    /** Activate the tenants' cost-allocation tags here (only where this account is the payer account). */
    activateCostAllocationTags: boolean;
}

export const isExistingGuardrail = (g: GuardrailConfig): g is ExistingGuardrail => "id" in g;

/** Keys that would open a way around the tenants: a stack-wide role, its external id, IAM-user keys. */
export const STACK_WIDE_KEYS = [
    "callerAccountIds",
    "trustedPrincipalArns",
    "externalId",
    "apiKeys",
    "denyLongTermBearerTokens",
];

function guardrailConfig(g: z.output<typeof guardrailsSchema>[string]): GuardrailConfig {
    const retire = g.retireVersionsBefore !== undefined ? { retireVersionsBefore: String(g.retireVersionsBefore) } : {};
    return g.id !== undefined
        ? { id: g.id, version: String(g.version), ...retire }
        : {
              ...retire,
              contentFilters: g.contentFilters!, // the schema requires id or contentFilters
              blockedInputMessage:
                  g.blockedInputMessage ?? "Sorry, this request is not allowed by the organization's content policy.",
              blockedOutputMessage:
                  g.blockedOutputMessage ?? "Sorry, the answer was withheld by the organization's content policy.",
          };
}

/**
 * The checks that span keys, on the values configSchema parsed (`values`: key name -> value, only valid keys;
 * `present`: the keys the stack sets at all). Returns the governance config when there are tenants and no problems.
 */
export function governanceFrom(
    values: ConfigValues,
    present: (key: string) => boolean,
    accountId: string | undefined,
): { value?: GovernanceConfig; problems: string[] } {
    const problems: string[] = [];
    const k = (name: string) => `${KEY}:${name}`;
    if (!present("tenants")) {
        for (const name of ["guardrails", "guardrail", "activateCostAllocationTags"].filter(present))
            problems.push(`${k(name)} needs ${k("tenants")}: guardrails and cost-allocation tags belong to tenants`);
        return { problems };
    }
    for (const name of STACK_WIDE_KEYS.filter(present)) {
        problems.push(
            `${k(name)} cannot be combined with ${k("tenants")}: with tenants there is no stack-wide role or key that could go around a tenant's profiles, guardrail and budget; ${["callerAccountIds", "trustedPrincipalArns"].includes(name) ? "give each tenant its callerAccountIds (or organization) instead" : "remove it (tenant callers use their role, or short-term keys made from it)"}`,
        );
    }
    const raw = values.tenants;
    if (!raw) return { problems };
    const guardrails = values.guardrails ?? {};
    const models = values.models ?? [];
    const names = new Set<string>();
    const tenants: TenantConfig[] = raw.map(t => {
        const at = `${k("tenants")} "${t.name}"`;
        if (names.has(t.name)) problems.push(`${k("tenants")} names "${t.name}" more than once`);
        names.add(t.name);
        if (!t.callerAccountIds && !t.organization)
            problems.push(
                `${at} needs callerAccountIds (the accounts of its callers) or organization {id, paths} (organization-wide trust)`,
            );
        if (t.callerAccountIds && t.organization)
            problems.push(
                `${at} sets both callerAccountIds and organization: trust either listed accounts or an organization, not both`,
            );
        if (accountId && t.callerAccountIds?.includes(accountId))
            problems.push(
                `${at}.callerAccountIds contains this stack's own account ${accountId}: cross-account trust is for other accounts`,
            );
        const notAllowed = t.models.filter((m: string) => !models.includes(m));
        if (values.models && notAllowed.length)
            problems.push(
                `${at}.models lists ${notAllowed.join(", ")}, not in ${k("models")} (${models.join(", ")}): a tenant uses a subset of the stack's models`,
            );
        if (new Set(t.models).size !== t.models.length) problems.push(`${at}.models lists a model more than once`);
        const tag = t.budget?.costAllocationTag;
        if (tag !== undefined && !(tag in t.costAllocationTags))
            problems.push(
                `${at}.budget.costAllocationTag "${tag}" is not one of its costAllocationTags (${Object.keys(t.costAllocationTags).join(", ")})`,
            );
        const g: string | undefined = t.guardrail ?? values.guardrail;
        // A guardrail that failed its own checks is reported there; only a name nobody defined is reported here.
        if (g !== undefined && !(g in guardrails) && !(present("guardrails") && values.guardrails === undefined)) {
            problems.push(
                `${t.guardrail !== undefined ? `${at}.guardrail` : k("guardrail")} "${g}" is not defined in ${k("guardrails")}${Object.keys(guardrails).length ? ` (defined: ${Object.keys(guardrails).join(", ")})` : ": add it there, as {id, version} or {contentFilters}"}`,
            );
        }
        return {
            ...t,
            callerRolePath: t.callerRolePath ?? values.callerRolePath!, // defaulted on the Bedrock side
            ...(g !== undefined ? { guardrail: g } : {}),
        };
    });
    if (problems.length) return { problems };
    return {
        problems,
        value: {
            tenants,
            guardrails: Object.fromEntries(Object.entries(guardrails).map(([n, g]) => [n, guardrailConfig(g)])),
            activateCostAllocationTags: values.activateCostAllocationTags === true,
        },
    };
}

/** The tag key and value a tenant's budget filters on. */
export function budgetTag(t: Pick<TenantConfig, "costAllocationTags" | "budget">): { key: string; value: string } {
    const key = t.budget?.costAllocationTag ?? Object.keys(t.costAllocationTags)[0];
    return { key, value: t.costAllocationTags[key] };
}
