// A REST API stage with its access log: what the chat API and the gateway both deploy. The log group is named per
// stack and API; API Gateway refuses access logs until the region's account setting has a CloudWatch Logs role.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

export interface LoggedStageArgs {
    restApi: pulumi.Input<string>;
    deployment: pulumi.Input<string>;
    stageName: string;
    variables?: Record<string, string>;
    logRetentionDays: number;
    /**
     * true when the account setting exists, { after } when this stack manages it (the stage waits for it),
     * false or absent for no access log.
     */
    accessLogs?: boolean | { after: pulumi.Resource };
    /** The access log line: field name -> `$context` variable. Never a request or response body. */
    accessLogFormat: Record<string, string>;
}

/** `${name}-stage` and, with access logs, `${name}-api-access-logs`, both children of `parent`. */
export function loggedStage(name: string, args: LoggedStageArgs, parent: pulumi.Resource): aws.apigateway.Stage {
    const accessLogs = args.accessLogs
        ? new aws.cloudwatch.LogGroup(
              `${name}-api-access-logs`,
              {
                  name: `/aws/apigateway/bedrock-bridge/${pulumi.getStack()}/${name}`,
                  retentionInDays: args.logRetentionDays,
              },
              { parent },
          )
        : undefined;
    return new aws.apigateway.Stage(
        `${name}-stage`,
        {
            restApi: args.restApi,
            deployment: args.deployment,
            stageName: args.stageName,
            ...(args.variables ? { variables: args.variables } : {}),
            accessLogSettings: accessLogs && {
                destinationArn: accessLogs.arn,
                format: JSON.stringify(args.accessLogFormat),
            },
        },
        { parent, dependsOn: typeof args.accessLogs === "object" ? [args.accessLogs.after] : [] },
    );
}
