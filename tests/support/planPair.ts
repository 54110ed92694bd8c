// A "plan pair": two synthesized runs of one stack (before and after a configuration change), compared the way
// `pulumi up` would step from one to the other: by URN (aliases included), with replacements from the provider's
// replacement-forcing inputs (tests/support/replacement.ts), and Pulumi's default order for a replacement: create
// the new resource, then delete the old one (deleteBeforeReplace reverses it; resources no longer in the program
// are deleted last). A physical name the new resource needs while the old one still holds it is a collision:
// the `up` fails (ConflictException, StateMachineAlreadyExists, EntityAlreadyExists...).
import { isDeepStrictEqual } from "util";
import type { StackRun } from "../../tools/internal/harness";
import { REPLACEMENT_RULES } from "./replacement";

type Resource = StackRun["resources"][number];

export type Op = "same" | "update" | "replace" | "create" | "delete";

export interface Step {
    op: Op;
    type: string;
    /** The logical name after (before, for a delete). */
    name: string;
    urn: string;
    /** The URN it had before, when an alias carried it over. */
    formerUrn?: string;
    /** Inputs that changed; for a replacement, those that force it. */
    changed: string[];
    deleteBeforeReplace: boolean;
    physicalBefore?: string;
    physicalAfter?: string;
}

export interface PlanPair {
    steps: Step[];
    collisions: string[];
    /** The steps of one type (and logical name), without the unchanged ones unless asked. */
    of(type: string, name?: string, withSame?: boolean): Step[];
}

/** The physical name of a resource whose name the program chose, scoped by the type; undefined when auto-named. */
export function physicalName(r: { type: string; inputs: Record<string, unknown> }): string | undefined {
    const keys = REPLACEMENT_RULES[r.type]?.physicalName;
    if (!keys) return undefined;
    const values = keys.map(k => r.inputs[k]);
    if (values.some(v => v === undefined || v === null || v === "")) return undefined;
    return `${r.type} ${values.map(v => (typeof v === "string" ? v : JSON.stringify(v))).join("/")}`;
}

const urnWithName = (urn: string, name: string) => urn.slice(0, urn.lastIndexOf("::") + 2) + name;

export function planPair(before: StackRun, after: StackRun): PlanPair {
    const old = new Map(before.resources.filter(r => r.urn).map(r => [r.urn, r]));
    const matched = new Map<string, Resource>(); // after URN -> before resource
    const taken = new Set<string>();
    // Own URNs first, then aliases (an alias never steals a resource that still exists under its own URN).
    for (const r of after.resources) {
        if (!old.has(r.urn)) continue;
        matched.set(r.urn, old.get(r.urn)!);
        taken.add(r.urn);
    }
    for (const r of after.resources) {
        if (matched.has(r.urn)) continue;
        for (const alias of r.options?.aliasNames ?? []) {
            const formerUrn = urnWithName(r.urn, alias);
            if (old.has(formerUrn) && !taken.has(formerUrn)) {
                matched.set(r.urn, old.get(formerUrn)!);
                taken.add(formerUrn);
                break;
            }
        }
    }

    const steps: Step[] = [];
    for (const r of after.resources) {
        const o = matched.get(r.urn);
        const dbr = !!r.options?.deleteBeforeReplace;
        const physicalAfter = physicalName(r);
        if (!o) {
            steps.push({
                op: "create",
                type: r.type,
                name: r.name,
                urn: r.urn,
                changed: [],
                deleteBeforeReplace: dbr,
                physicalAfter,
            });
            continue;
        }
        const keys = [...new Set([...Object.keys(o.inputs), ...Object.keys(r.inputs)])];
        const changed = keys.filter(k => !isDeepStrictEqual(o.inputs[k], r.inputs[k]));
        const forcing = (REPLACEMENT_RULES[r.type]?.forcesReplacement ?? []).filter(k => changed.includes(k));
        steps.push({
            op: forcing.length ? "replace" : changed.length ? "update" : "same",
            type: r.type,
            name: r.name,
            urn: r.urn,
            ...(o.urn !== r.urn ? { formerUrn: o.urn } : {}),
            changed: forcing.length ? forcing : changed,
            deleteBeforeReplace: dbr,
            physicalBefore: physicalName(o),
            physicalAfter,
        });
    }
    for (const o of before.resources)
        if (o.urn && !taken.has(o.urn))
            steps.push({
                op: "delete",
                type: o.type,
                name: o.name,
                urn: o.urn,
                changed: [],
                deleteBeforeReplace: false,
                physicalBefore: physicalName(o),
            });

    // Names held while the new resources are created: every old one's, except those deleted before their replacement.
    const holders = new Map<string, string>();
    for (const s of steps)
        if (s.physicalBefore && !(s.op === "replace" && s.deleteBeforeReplace))
            holders.set(s.physicalBefore, s.formerUrn ?? s.urn);
    const collisions: string[] = [];
    const claimedBy = new Map<string, string>();
    for (const s of steps) {
        if (!s.physicalAfter || s.op === "delete") continue;
        const other = claimedBy.get(s.physicalAfter);
        if (other) collisions.push(`${s.urn} and ${other} both name ${s.physicalAfter}`);
        claimedBy.set(s.physicalAfter, s.urn);
        const creates = s.op === "create" || s.op === "replace";
        const renames = s.op === "update" && s.physicalAfter !== s.physicalBefore;
        const holder = holders.get(s.physicalAfter);
        if ((creates || renames) && holder)
            collisions.push(
                `${s.op} of ${s.urn}${s.changed.length ? ` (${s.changed.join(", ")} changed)` : ""} needs ${s.physicalAfter}, still held by ${holder === (s.formerUrn ?? s.urn) ? "the resource it replaces" : holder} (Pulumi creates before it deletes): make it deleteBeforeReplace or put what forces the replacement into its name`,
            );
    }
    return {
        steps,
        collisions,
        of: (type, name, withSame = false) =>
            steps.filter(
                s => s.type === type && (name === undefined || s.name === name) && (withSame || s.op !== "same"),
            ),
    };
}
