// IAM decisions by an independent simulator (@cloud-copilot/iam-simulate) on the synthesized policy documents.
import { runSimulation } from "@cloud-copilot/iam-simulate";

export interface SimRequest {
    /** The calling principal: a role session (arn:aws:sts::…:assumed-role/…) or a user ARN. */
    principal: string;
    /** aws:PrincipalArn of the caller (the role ARN for a role session). */
    principalArn: string;
    action: string;
    resource: string;
    resourceAccount: string;
    identityPolicies: any[];
    resourcePolicy?: any;
    /** The principal's permissions boundary: what its identity policies may grant at most. */
    permissionBoundary?: any;
    context?: Record<string, string | string[]>;
}

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export async function decide(req: SimRequest): Promise<Decision> {
    const principalAccount = /::(\d{12}):/.exec(req.principalArn)?.[1] ?? "";
    const response: any = await runSimulation(
        {
            identityPolicies: req.identityPolicies.map((policy, i) => ({ name: `p${i}`, policy })),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: req.resourcePolicy,
            ...(req.permissionBoundary
                ? { permissionBoundaryPolicies: [{ name: "boundary", policy: req.permissionBoundary }] }
                : {}),
            request: {
                principal: req.principal,
                action: req.action,
                resource: { resource: req.resource, accountId: req.resourceAccount },
                contextVariables: {
                    "aws:PrincipalArn": req.principalArn,
                    "aws:PrincipalAccount": principalAccount,
                    ...(req.context ?? {}),
                },
            },
        },
        {},
    );
    if (response.resultType === "error") throw new Error(`simulation rejected: ${JSON.stringify(response.errors)}`);
    return response.overallResult as Decision;
}

/** A request of the deploy role's session (bedrock-bridge-deploy/gha) in `account`, decided against `policies` (plus `extra`). */
export const asDeployRole =
    (account: string, policies: unknown[]) =>
    (action: string, resource: string, context: Record<string, string> = {}, extra: unknown[] = []) =>
        decide({
            principal: `arn:aws:sts::${account}:assumed-role/bedrock-bridge-deploy/gha`,
            principalArn: `arn:aws:iam::${account}:role/bedrock-bridge-deploy`,
            action,
            resource,
            resourceAccount: account,
            identityPolicies: [...policies, ...extra],
            context,
        });

/** The session ARN STS gives a role (path dropped, as AWS does). */
export function sessionOf(roleArn: string, session = "test"): string {
    const [, partitionAcct, rest] = /^arn:(aws[\w-]*:iam::\d{12}):role\/(.+)$/.exec(roleArn) ?? [];
    if (!rest) throw new Error(`not a role ARN: ${roleArn}`);
    return `arn:${partitionAcct.replace(":iam::", ":sts::")}:assumed-role/${rest.split("/").pop()}/${session}`;
}

/** AdministratorAccess as a document: the most an identity policy can grant. */
export const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

export const inferenceProfileArn = (region: string, account: string, id: string) =>
    `arn:aws:bedrock:${region}:${account}:inference-profile/${id}`;
export const foundationModelArn = (region: string, model: string) =>
    `arn:aws:bedrock:${region}::foundation-model/${model}`;
