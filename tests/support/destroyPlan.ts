// What deleting resources does to the managed policies among them, from a synthesized run's recorded options
// (tools/internal/harness.ts: retainOnDelete, protect, dependencies): the order Pulumi deletes in (a resource before
// what it depends on; resources without a dependency path between them in parallel) and what it keeps (retained
// resources are only forgotten, protected ones refuse the delete). IAM refuses to delete a policy that is still
// attached to a role or user, or used as a permissions boundary (DeleteConflict, IAM API reference, DeletePolicy:
// "you must detach the policy from all users, groups, and roles that it is attached to"; DeleteConflictException:
// "deleting a resource that has attached subordinate entities").
import type { StackRun } from "../../tools/internal/harness";

type Resource = StackRun["resources"][number];

/** A resource of a provider (aws:iam/role:Role), not a component or Pulumi's own (stack, stack reference). */
export const isCloudResource = (r: Resource) => !r.type.startsWith("pulumi:") && r.type.includes("/");

/** What holds a policy: inputs whose whole value is its ARN (boundary, attachment, action definition). */
function inputsNaming(value: unknown, arn: string, at = ""): string[] {
    if (value === arn) return [at || "(input)"];
    if (Array.isArray(value)) return value.flatMap((v, i) => inputsNaming(v, arn, `${at}[${i}]`));
    if (value && typeof value === "object")
        return Object.entries(value).flatMap(([k, v]) => inputsNaming(v, arn, at ? `${at}.${k}` : k));
    return [];
}

/** Does `a` depend on `b`, directly or through other resources (so Pulumi deletes `a` first)? */
export function dependsOn(run: StackRun, a: Resource, b: Resource): boolean {
    const byUrn = new Map(run.resources.map(r => [r.urn, r]));
    const seen = new Set<string>();
    const stack = [...(a.options?.dependencies ?? [])];
    while (stack.length) {
        const urn = stack.pop()!;
        if (urn === b.urn) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...(byUrn.get(urn)?.options?.dependencies ?? []));
    }
    return false;
}

/**
 * The problems of deleting `deleted` (default: every cloud resource of the run, as `pulumi destroy` does) for each
 * managed policy among them:
 * - a resource the delete keeps (retained, protected, or not deleted at all) still names the policy: DeleteConflict,
 *   every time;
 * - a deleted resource holding it (a role with it as boundary, an attachment), or a role an AWS Budgets action
 *   attaches it to outside Pulumi, does not depend on it: the two deletes run in parallel, and the policy's may come
 *   first and meet the attachment.
 */
export function destroyConflicts(run: StackRun, deleted: (r: Resource) => boolean = () => true): string[] {
    const cloud = run.resources.filter(isCloudResource);
    const gone = cloud.filter(r => deleted(r) && !r.options?.retainOnDelete && !r.options?.protect);
    const kept = cloud.filter(r => !gone.includes(r));
    const why = (r: Resource) =>
        r.options?.retainOnDelete ? "retainOnDelete" : r.options?.protect ? "protect" : "not deleted";
    const problems: string[] = [];
    for (const policy of gone.filter(r => r.type === "aws:iam/policy:Policy")) {
        const arn = policy.state.arn as string;
        for (const k of kept)
            for (const at of inputsNaming(k.inputs, arn))
                problems.push(
                    `${run.stack}: ${k.type} ${k.name} (${why(k)}) keeps ${arn} as ${at}: deleting policy ${policy.name} fails with DeleteConflict`,
                );
        // Roles that AWS Budgets attaches the policy to (not in Pulumi's state): they hold it as much as an attachment.
        const attachedOutside = cloud
            .filter(
                a =>
                    a.type === "aws:budgets/budgetAction:BudgetAction" &&
                    a.inputs.definition?.iamActionDefinition?.policyArn === arn,
            )
            .flatMap(a => (a.inputs.definition.iamActionDefinition.roles ?? []) as string[])
            .map(name => cloud.find(r => r.type === "aws:iam/role:Role" && r.state.name === name))
            .filter((r): r is Resource => !!r);
        const holders = [...new Set([...gone.filter(r => inputsNaming(r.inputs, arn).length), ...attachedOutside])];
        for (const h of holders.filter(h => gone.includes(h) && !dependsOn(run, h, policy)))
            problems.push(
                `${run.stack}: ${h.type} ${h.name} holds policy ${policy.name} but does not depend on it: Pulumi deletes both at once, and the policy's delete can meet the attachment (DeleteConflict)`,
            );
    }
    return problems;
}
