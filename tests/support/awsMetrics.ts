// The metrics AWS documents for the services our dashboards and alarms graph, with the dimensions each is
// published under, written down from the service guides (not from our components), so a dashboard line naming
// a metric or dimension AWS does not publish fails a test.
// - Lambda: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html (dimension FunctionName)
// - Step Functions: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html (StateMachineArn)
// - Bedrock: https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html (ModelId)
export const AWS_DOCUMENTED: Record<string, { dimensions: string[][]; metrics: string[] }> = {
    "AWS/Lambda": {
        dimensions: [["FunctionName"], ["FunctionName", "Resource"], ["FunctionName", "ExecutedVersion"], []],
        metrics: [
            "Invocations",
            "Errors",
            "DeadLetterErrors",
            "DestinationDeliveryFailures",
            "Throttles",
            "OversizedRecordCount",
            "ProvisionedConcurrencySpilloverInvocations",
            "RecursiveInvocationsDropped",
            "Duration",
            "PostRuntimeExtensionsDuration",
            "IteratorAge",
            "ConcurrentExecutions",
            "UnreservedConcurrentExecutions",
            "AsyncEventsReceived",
            "AsyncEventAge",
            "AsyncEventsDropped",
        ],
    },
    "AWS/States": {
        dimensions: [["StateMachineArn"]],
        metrics: [
            "ExecutionTime",
            "ExecutionThrottled",
            "ExecutionsAborted",
            "ExecutionsFailed",
            "ExecutionsStarted",
            "ExecutionsSucceeded",
            "ExecutionsTimedOut",
            "ExecutionsRedriven",
            "RedrivenExecutionsSucceeded",
            "RedrivenExecutionsFailed",
            "RedrivenExecutionsTimedOut",
            "RedrivenExecutionsAborted",
            "OpenExecutionCount",
            "OpenExecutionLimit",
        ],
    },
    "AWS/Bedrock": {
        dimensions: [["ModelId"]],
        metrics: [
            "Invocations",
            "InvocationLatency",
            "InvocationClientErrors",
            "InvocationServerErrors",
            "InvocationThrottles",
            "InputTokenCount",
            "OutputTokenCount",
            "OutputImageCount",
            "LegacyModelInvocations",
            "TimeToFirstToken",
            "EstimatedTPMQuotaUsage",
        ],
    },
};
