// One loopback port that speaks plain HTTP and TLS (told apart by the first byte: 0x16 opens a TLS handshake).
// Amplify's events client always opens wss:// for a non-AppSync host, while Node scripts, the relay package
// and curl are simplest over http://; one port keeps a single origin for the page, the API and the socket.
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import type { Duplex } from "stream";

export interface Certificate {
    key: string;
    cert: string;
    certFile: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, kept in the state folder (a browser's exception survives restarts). */
export async function loadOrCreateCertificate(dir: string): Promise<Certificate> {
    const keyFile = path.join(dir, "tls-key.pem");
    const certFile = path.join(dir, "tls-cert.pem");
    if (fs.existsSync(keyFile) && fs.existsSync(certFile)) {
        const cert = fs.readFileSync(certFile, "utf8");
        const x = new (require("crypto").X509Certificate)(cert);
        if (new Date(x.validTo).getTime() > Date.now() + 86400_000)
            return { key: fs.readFileSync(keyFile, "utf8"), cert, certFile };
    }
    const selfsigned = require("selfsigned");
    const pems = await selfsigned.generate([{ name: "commonName", value: "bedrock-bridge sandbox (127.0.0.1)" }], {
        days: 365,
        keySize: 2048,
        algorithm: "sha256",
        extensions: [
            { name: "basicConstraints", cA: false },
            { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
            { name: "extKeyUsage", serverAuth: true },
            {
                name: "subjectAltName",
                altNames: [
                    { type: 7, ip: "127.0.0.1" },
                    { type: 2, value: "localhost" },
                ],
            },
        ],
    });
    fs.writeFileSync(keyFile, pems.private, { mode: 0o600 });
    fs.writeFileSync(certFile, pems.cert);
    return { key: pems.private, cert: pems.cert, certFile };
}

/** The largest request head (request line and headers) the sandbox reads: far above API Gateway's 10,240 bytes. */
export const MAX_HEADER_BYTES = 1024 * 1024;

export type RequestHandler = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    secure: boolean,
) => Promise<unknown> | void;
export type UpgradeHandler = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;

export class DualServer {
    onRequest: RequestHandler = (_q, res) => {
        res.writeHead(503);
        res.end();
    };
    onUpgrade: UpgradeHandler = (_q, s) => s.destroy();
    private readonly plain: http.Server;
    private readonly secure: https.Server;
    private readonly front: net.Server;
    private readonly sockets = new Set<net.Socket>();

    constructor(cert: Certificate) {
        const handle = (secure: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
            Promise.resolve(this.onRequest(req, res, secure)).catch(e => {
                if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
                res.end(JSON.stringify({ message: `sandbox error: ${(e as Error).message}` }));
            });
        };
        // Headers up to MAX_HEADER_BYTES reach the handlers, which answer over-size ones as the emulated service does
        // (Node's own limit, 16 KB, would answer a bare 431 with no body first).
        this.plain = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handle(false));
        this.secure = https.createServer(
            { key: cert.key, cert: cert.cert, maxHeaderSize: MAX_HEADER_BYTES },
            handle(true),
        );
        for (const s of [this.plain, this.secure])
            s.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
        this.front = net.createServer(socket => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
            socket.once("data", first => {
                socket.pause();
                socket.unshift(first);
                (first[0] === 0x16 ? this.secure : this.plain).emit("connection", socket);
                process.nextTick(() => socket.resume());
            });
            socket.on("error", () => socket.destroy());
        });
    }

    /** Listens on 127.0.0.1 only (never another interface); returns the port. */
    async listen(port: number): Promise<number> {
        await new Promise<void>((resolve, reject) => {
            this.front.once("error", (e: NodeJS.ErrnoException) =>
                reject(
                    e.code === "EADDRINUSE"
                        ? new Error(
                              `port ${port} on 127.0.0.1 is in use (another sandbox?): stop it, or pass --port <n> (0 picks a free port)`,
                          )
                        : e,
                ),
            );
            this.front.listen(port, "127.0.0.1", () => resolve());
        });
        return (this.front.address() as net.AddressInfo).port;
    }

    async close(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        await new Promise<void>(r => this.front.close(() => r()));
    }
}
