// A local DynamoDB for the gateway's token windows: dynalite (DynamoDB's API on an in-memory LevelDB, an npm
// package), reached through the real @aws-sdk/client-dynamodb like the deployed table. Loopback only.
import * as http from "http";
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { listenLoopback } from "./fakes";

// dynalite ships no types: it returns an http.Server that serves DynamoDB's JSON protocol.

const dynalite = require("dynalite") as (o: { createTableMs?: number; deleteTableMs?: number }) => http.Server;

/** Static credentials for the emulator (it checks that requests are signed, not by whom). */
export const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: "AKIALOCALDYNAMO00001", secretAccessKey: "local-dynamo-secret" };

export class LocalDynamo {
    private server?: http.Server;
    url = "";

    async start(): Promise<this> {
        this.server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
        this.url = await listenLoopback(this.server);
        return this;
    }

    client(region = "us-east-1"): DynamoDBClient {
        return new DynamoDBClient({ endpoint: this.url, region, credentials: LOCAL_DYNAMO_CREDENTIALS });
    }

    /**
     * The gateway's table as the gateway component declares it: partition key `pk` (string), on demand, TTL on
     * `expiresAt` (dynalite accepts the setting; expiry itself is DynamoDB's background job and not emulated).
     */
    async createGatewayTable(name: string): Promise<void> {
        const c = this.client();
        await c.send(
            new CreateTableCommand({
                TableName: name,
                AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
                KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
                BillingMode: "PAY_PER_REQUEST",
            }),
        );
        await c
            .send(
                new UpdateTimeToLiveCommand({
                    TableName: name,
                    TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
                }),
            )
            .catch(() => undefined); // not every dynalite version knows UpdateTimeToLive; expiry is not emulated anyway
        c.destroy();
    }

    async stop(): Promise<void> {
        await new Promise(r => this.server?.close(r));
    }
}
