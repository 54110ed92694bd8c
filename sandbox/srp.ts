// The server half of Cognito's SRP-6a variant (USER_SRP_AUTH + PASSWORD_VERIFIER), the counterpart of what
// Amplify Auth computes in @aws-amplify/auth/.../cognito/utils/srp: 3072-bit group, g = 2, k = H(N | g),
// x = H(salt | H(poolName + userId + ":" + password)), u = H(A | B), key = HKDF(S, u, "Caldera Derived Key")[0..16),
// signature = HMAC(key, poolName + userId + secretBlock + timestamp). Hex values are padded like Java's
// BigInteger.toByteArray (a leading 00 when the top bit is set), as Cognito and Amplify both do.
import * as crypto from "crypto";

const N_HEX =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
const N = BigInt(`0x${N_HEX}`);
const g = 2n;

function padHex(n: bigint): string {
    let h = n.toString(16);
    if (h.length % 2) h = `0${h}`;
    return /^[89a-f]/i.test(h) ? `00${h}` : h;
}

const sha256 = (data: Buffer | string) => crypto.createHash("sha256").update(data).digest();
const hashHex = (hex: string) => sha256(Buffer.from(hex, "hex")).toString("hex");
const big = (hex: string) => BigInt(`0x${hex}`);

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
    let result = 1n;
    base %= mod;
    while (exp > 0n) {
        if (exp & 1n) result = (result * base) % mod;
        base = (base * base) % mod;
        exp >>= 1n;
    }
    return result;
}

const k = big(hashHex(padHex(N) + padHex(g)));

/** What the pool stores for a user: a salt and the verifier g^x (never the password). */
export function makeVerifier(poolName: string, userId: string, password: string): { salt: string; verifier: bigint } {
    const salt = padHex(big(crypto.randomBytes(16).toString("hex")));
    const x = big(hashHex(salt + sha256(`${poolName}${userId}:${password}`).toString("hex")));
    return { salt, verifier: modPow(g, x, N) };
}

export interface SrpSession {
    b: bigint;
    B: bigint;
    A: bigint;
    secretBlock: string;
}

/** The server's answer to SRP_A: B = k*v + g^b. */
export function startSrp(srpA: string, verifier: bigint): SrpSession {
    const A = big(srpA);
    if (A % N === 0n) throw new Error("SRP_A mod N is 0");
    const b = big(crypto.randomBytes(32).toString("hex"));
    const B = (k * verifier + modPow(g, b, N)) % N;
    return { b, B, A, secretBlock: crypto.randomBytes(64).toString("base64") };
}

/** Checks PASSWORD_CLAIM_SIGNATURE against the key the server derives from A, b and the verifier. */
export function verifySrp(
    s: SrpSession,
    verifier: bigint,
    poolName: string,
    userId: string,
    timestamp: string,
    signature: string,
): boolean {
    const u = big(hashHex(padHex(s.A) + padHex(s.B)));
    const S = modPow((s.A * modPow(verifier, u, N)) % N, s.b, N);
    const prk = crypto
        .createHmac("sha256", Buffer.from(padHex(u), "hex"))
        .update(Buffer.from(padHex(S), "hex"))
        .digest();
    const key = crypto
        .createHmac("sha256", prk)
        .update(Buffer.concat([Buffer.from("Caldera Derived Key"), Buffer.from([1])]))
        .digest()
        .subarray(0, 16);
    const expected = crypto
        .createHmac("sha256", key)
        .update(
            Buffer.concat([
                Buffer.from(poolName),
                Buffer.from(userId),
                Buffer.from(s.secretBlock, "base64"),
                Buffer.from(timestamp),
            ]),
        )
        .digest();
    const given = Buffer.from(signature, "base64");
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

export function hexOf(n: bigint): string {
    return n.toString(16);
}
