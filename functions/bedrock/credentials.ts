// Credentials for the Bedrock account's role, assumed once per warm container and refreshed before expiry.
// No Pulumi imports: this file runs inside Lambda.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";

export interface AssumedCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    expiration: Date;
}

export interface AssumedRoleOptions {
    roleArn: string;
    sessionName: string;
    externalId?: string;
    durationSeconds?: number;
    /** Refresh this long before expiry (default 300 s, the SDK's own margin). */
    refreshBeforeSeconds?: number;
    sts?: STSClient;
}

/** Lambda's RoleSessionName: the calling function's name, limited to what STS accepts. */
export function sessionNameFor(functionName: string | undefined, prefix = "bb"): string {
    const clean = `${prefix}-${functionName ?? "local"}`.replace(/[^\w+=,.@-]/g, "-");
    return clean.slice(0, 64);
}

/**
 * A credential provider for SDK clients. One AssumeRole per container until the credentials come within
 * `refreshBeforeSeconds` of expiry; concurrent callers share one in-flight request (single flight).
 */
export function assumedRoleProvider(opts: AssumedRoleOptions): () => Promise<AssumedCredentials> {
    const sts = opts.sts ?? new STSClient({});
    const marginMs = (opts.refreshBeforeSeconds ?? 300) * 1000;
    let cached: AssumedCredentials | undefined;
    let inflight: Promise<AssumedCredentials> | undefined;

    const fetch = async (): Promise<AssumedCredentials> => {
        const out = await sts.send(
            new AssumeRoleCommand({
                RoleArn: opts.roleArn,
                RoleSessionName: opts.sessionName,
                ExternalId: opts.externalId || undefined,
                DurationSeconds: opts.durationSeconds ?? 3600,
            }),
        );
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
            throw new Error(`STS returned no credentials for ${opts.roleArn}`);
        }
        return {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            sessionToken: c.SessionToken,
            expiration: new Date(c.Expiration),
        };
    };

    return async () => {
        if (cached && cached.expiration.getTime() - Date.now() > marginMs) return cached;
        if (!inflight) {
            inflight = fetch()
                .then(
                    c => (cached = c),
                    e => {
                        throw e;
                    },
                )
                .finally(() => {
                    inflight = undefined;
                });
        }
        return inflight;
    };
}
