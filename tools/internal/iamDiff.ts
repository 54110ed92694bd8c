// What changed in IAM between two synth plans (base branch and pull request), as markdown for a PR comment:
// per role, user, group and managed policy, trust statements, permission statements, attachments and keys.
import { documentsOf, IamStatement, parseDocument, statementText } from "../../policy/iamDocuments";

export interface PlanResource {
    type: string;
    name: string;
    urn?: string;
    id?: string;
    inputs: Record<string, any>;
    outputs?: Record<string, any>;
}

export interface Plan {
    stack?: string;
    project?: string;
    resources: PlanResource[];
}

type Section = "trust" | "permissions" | "attachments" | "credentials";
const SECTIONS: { key: Section; title: string; unit: string }[] = [
    { key: "trust", title: "Trust policy", unit: "statement" },
    { key: "permissions", title: "Permissions", unit: "statement" },
    { key: "attachments", title: "Managed policies and boundary", unit: "attachment" },
    { key: "credentials", title: "Long-term credentials", unit: "credential" },
];

const KINDS: Record<string, string> = {
    "aws:iam/role:Role": "Role",
    "aws:iam/user:User": "User",
    "aws:iam/group:Group": "Group",
    "aws:iam/policy:Policy": "Managed policy",
};

interface Principal {
    kind: string;
    title: string;
    urn?: string;
    lines: Record<Section, string[]>;
}

const emptyLines = (): Record<Section, string[]> => ({ trust: [], permissions: [], attachments: [], credentials: [] });

/** Every IAM principal (and managed policy) of a plan with what it is granted, one text line per grant. */
export function iamView(plan: Plan): Map<string, Principal> {
    const view = new Map<string, Principal>();
    // Physical names and ARNs → key, so policies and attachments find the role/user/group they name.
    const aliases = new Map<string, string>();
    for (const r of plan.resources) {
        const kind = KINDS[r.type];
        if (!kind) continue;
        const key = r.urn || `${r.type}::${r.name}`;
        const physical = r.outputs?.name ?? r.inputs.name ?? r.id;
        view.set(key, {
            kind,
            title: `\`${r.name}\`${physical && physical !== r.name ? ` (${physical})` : ""}`,
            urn: r.urn,
            lines: emptyLines(),
        });
        for (const a of [physical, r.id, r.outputs?.arn, r.inputs.name])
            if (typeof a === "string" && a) aliases.set(`${kind}|${a}`, key);
    }
    const target = (kind: string, ref: unknown): Principal => {
        const name = typeof ref === "string" ? ref : JSON.stringify(ref);
        const key = aliases.get(`${kind}|${name}`) ?? `${kind}|${name}`;
        if (!view.has(key))
            view.set(key, { kind, title: `\`${name}\` (not created by this stack)`, lines: emptyLines() });
        return view.get(key)!;
    };
    const statements = (p: Principal, section: Section, source: string, sts: IamStatement[] | undefined) => {
        for (const st of sts ?? []) p.lines[section].push(`${source}: ${statementText(st)}`);
    };

    for (const r of plan.resources) {
        const i = r.inputs;
        switch (r.type) {
            case "aws:iam/role:Role":
            case "aws:iam/user:User":
            case "aws:iam/group:Group":
            case "aws:iam/policy:Policy": {
                const p = view.get(r.urn || `${r.type}::${r.name}`)!;
                for (const d of documentsOf(r.type, i)) {
                    const source =
                        d.kind === "trust"
                            ? "trust"
                            : r.type === "aws:iam/policy:Policy"
                              ? "document"
                              : `inline policy ${d.at.replace(/^inlinePolicies\[\d+\] \((.*)\)$/, "$1")}`;
                    statements(p, d.kind, source, d.statements);
                }
                for (const arn of Array.isArray(i.managedPolicyArns) ? i.managedPolicyArns : [])
                    p.lines.attachments.push(`managed policy ${arn}`);
                if (i.permissionsBoundary) p.lines.attachments.push(`permissions boundary ${i.permissionsBoundary}`);
                break;
            }
            case "aws:iam/rolePolicy:RolePolicy":
                statements(
                    target("Role", i.role),
                    "permissions",
                    `inline policy ${i.name ?? r.name}`,
                    parseDocument(i.policy),
                );
                break;
            case "aws:iam/userPolicy:UserPolicy":
                statements(
                    target("User", i.user),
                    "permissions",
                    `inline policy ${i.name ?? r.name}`,
                    parseDocument(i.policy),
                );
                break;
            case "aws:iam/groupPolicy:GroupPolicy":
                statements(
                    target("Group", i.group),
                    "permissions",
                    `inline policy ${i.name ?? r.name}`,
                    parseDocument(i.policy),
                );
                break;
            case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
                target("Role", i.role).lines.attachments.push(`managed policy ${i.policyArn}`);
                break;
            case "aws:iam/userPolicyAttachment:UserPolicyAttachment":
                target("User", i.user).lines.attachments.push(`managed policy ${i.policyArn}`);
                break;
            case "aws:iam/groupPolicyAttachment:GroupPolicyAttachment":
                target("Group", i.group).lines.attachments.push(`managed policy ${i.policyArn}`);
                break;
            case "aws:iam/policyAttachment:PolicyAttachment":
                for (const [kind, refs] of [
                    ["Role", i.roles],
                    ["User", i.users],
                    ["Group", i.groups],
                ] as const) {
                    for (const ref of Array.isArray(refs) ? refs : [])
                        target(kind, ref).lines.attachments.push(`managed policy ${i.policyArn}`);
                }
                break;
            case "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": {
                const age =
                    typeof i.credentialAgeDays === "number"
                        ? `expires after ${i.credentialAgeDays} days`
                        : "never expires";
                target("User", i.userName).lines.credentials.push(
                    `${r.name}: service-specific credential for ${i.serviceName}, ${age}, ${i.status ?? "Active"}`,
                );
                break;
            }
            case "aws:iam/accessKey:AccessKey":
                target("User", i.user).lines.credentials.push(`${r.name}: access key, ${i.status ?? "Active"}`);
                break;
        }
    }
    return view;
}

/** Lines of `a` not matched one-for-one in `b` (a multiset difference: duplicates count). */
function minus(a: string[], b: string[]): string[] {
    const left = new Map<string, number>();
    for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
    return a.filter(x => {
        const n = left.get(x) ?? 0;
        if (n > 0) left.set(x, n - 1);
        return n === 0;
    });
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

export function iamDiff(basePlan: Plan, headPlan: Plan): string {
    const base = iamView(basePlan);
    const head = iamView(headPlan);
    const stack = headPlan.stack ?? basePlan.stack;
    const heading = `### IAM changes${stack ? ` in stack \`${stack}\`` : ""}`;
    const order = Object.values(KINDS);
    const keys = [...new Set([...base.keys(), ...head.keys()])].sort((a, b) => {
        const pa = (head.get(a) ?? base.get(a))!,
            pb = (head.get(b) ?? base.get(b))!;
        return order.indexOf(pa.kind) - order.indexOf(pb.kind) || pa.title.localeCompare(pb.title);
    });

    const blocks: string[] = [];
    const counts: Record<string, number> = { added: 0, removed: 0, changed: 0 };
    for (const key of keys) {
        const before = base.get(key),
            after = head.get(key);
        const status = !before ? "added" : !after ? "removed" : "changed";
        const p = (after ?? before)!;
        const parts: string[] = [];
        for (const s of SECTIONS) {
            const added = minus(after?.lines[s.key] ?? [], before?.lines[s.key] ?? []);
            const removed = minus(before?.lines[s.key] ?? [], after?.lines[s.key] ?? []);
            if (!added.length && !removed.length) continue;
            const summary = [
                added.length && `${plural(added.length, s.unit)} added`,
                removed.length && `${plural(removed.length, s.unit)} removed`,
            ]
                .filter(Boolean)
                .join(", ");
            parts.push(
                `${s.title}: ${summary}`,
                "```diff",
                ...removed.map(l => `- ${l}`),
                ...added.map(l => `+ ${l}`),
                "```",
            );
        }
        // A principal with no grants that appears or disappears is still a change worth a line.
        if (!parts.length && status === "changed") continue;
        counts[status]++;
        blocks.push(
            [`#### ${p.kind} ${p.title}: ${status}`, ...(p.urn ? [`<sub>${p.urn}</sub>`] : []), "", ...parts].join(
                "\n",
            ),
        );
    }
    if (!blocks.length) return `${heading}\n\nNo IAM changes.\n`;
    const summary = Object.entries(counts)
        .filter(([, n]) => n)
        .map(([s, n]) => `${n} ${s}`)
        .join(", ");
    return `${heading}\n\nRoles, users, groups and managed policies: ${summary}.\n\n${blocks.join("\n\n")}\n`;
}
