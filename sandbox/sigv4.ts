// Verifies a SigV4-signed request the way AWS does: recompute the signature over the signed headers with the
// secret of the access key id (the sandbox knows the secrets of the roles it hands out) and compare.
import * as crypto from "crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";

export interface KnownCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
    /** The principal these credentials stand for (for messages and permission checks). */
    principal: string;
}

/** SigV4's checksum: the SDK's own Node implementation (what the SDK clients sign with). */
export const sha256 = Hash.bind(null, "sha256");

const AUTH =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/** Returns the signer's principal, or throws with AWS's reason. `headers` keys in any case. */
export async function verifySigV4(
    req: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string },
    service: string,
    region: string,
    known: KnownCredentials[],
): Promise<KnownCredentials> {
    const lower: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) lower[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : String(v);
    const m = AUTH.exec(lower["authorization"] ?? "");
    if (!m) throw sigError("MissingAuthenticationToken", "Missing or malformed SigV4 Authorization header");
    const [, keyId, day, signedRegion, signedService, signedHeaders, signature] = m;
    const creds = known.find(c => c.accessKeyId === keyId);
    if (!creds) throw sigError("UnrecognizedClientException", "The security token included in the request is invalid.");
    if (signedService !== service || signedRegion !== region)
        throw sigError(
            "InvalidSignatureException",
            `Credential should be scoped to a valid region (${region}) and service (${service})`,
        );
    const amzDate = lower["x-amz-date"] ?? "";
    const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!when || !amzDate.startsWith(day))
        throw sigError("InvalidSignatureException", "X-Amz-Date is missing or does not match the credential scope");
    const date = new Date(Date.UTC(+when[1], +when[2] - 1, +when[3], +when[4], +when[5], +when[6]));
    if (Math.abs(Date.now() - date.getTime()) > 5 * 60_000)
        throw sigError(
            "InvalidSignatureException",
            "Signature expired: the request time is more than 5 minutes from now",
        );
    if (creds.sessionToken && lower["x-amz-security-token"] !== creds.sessionToken)
        throw sigError("UnrecognizedClientException", "The security token included in the request is invalid.");
    // A signed payload hash must be the body's: otherwise the signature covers a body other than this one.
    const declared = lower["x-amz-content-sha256"];
    if (
        declared !== undefined &&
        declared !== "UNSIGNED-PAYLOAD" &&
        declared !== crypto.createHash("sha256").update(req.body).digest("hex")
    ) {
        throw sigError(
            "InvalidSignatureException",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        );
    }
    const names = signedHeaders.split(";");
    if (!names.includes("host")) throw sigError("InvalidSignatureException", "host must be a signed header");
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    for (const n of names) if (n in lower) headers[n] = lower[n];
    const signer = new SignatureV4({ service, region, credentials: creds, sha256, uriEscapePath: true });
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => {
        query[k] = v;
    });
    const signed = (await signer.sign(
        {
            method: req.method,
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port ? Number(url.port) : undefined,
            path: url.pathname,
            query,
            headers,
            body: req.body,
        } as any,
        { signingDate: date, unsignableHeaders: new Set(Object.keys(lower).filter(k => !names.includes(k))) } as any,
    )) as unknown as { headers: Record<string, string> };
    const expected = /Signature=([0-9a-f]{64})/.exec(
        signed.headers["authorization"] ?? signed.headers["Authorization"] ?? "",
    )?.[1];
    if (!expected || !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
        throw sigError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    return creds;
}

function sigError(type: string, message: string): Error {
    return Object.assign(new Error(message), { name: type });
}
