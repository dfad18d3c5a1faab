using Mallard.Partitions;

namespace Mallard.Api.Admission;

/// <summary>Admits or refuses every <c>/v1/datasets/…</c> POST before its body is read.</summary>
public sealed class AdmissionMiddleware(RequestDelegate next, IngestAdmission admission, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method) || !http.Request.Path.StartsWithSegments("/v1/datasets"))
        {
            await next(http);
            return;
        }

        // With keys on, the limit is per key: a client cannot pick a fresh X-Client-Id to get more.
        var client = http.Features.Get<Auth.Caller>() is { } caller ? "key:" + caller.KeyId
            : http.Request.Headers["X-Client-Id"].FirstOrDefault() is { Length: > 0 and <= 128 } id ? id
            : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var bytes = http.Request.ContentLength ?? 0;
        var result = admission.TryEnter(client, bytes);
        if (result != AdmissionResult.Admitted)
        {
            metrics.RequestRefused(result == AdmissionResult.ClientBusy ? "client_busy" : "gateway_busy");
            var problem = result == AdmissionResult.ClientBusy
                ? Problems.Create(ErrorCodes.ClientConcurrencyExceeded, "this client already has its maximum number of requests in flight; retry after one finishes")
                : Problems.Create(ErrorCodes.GatewayOverloaded, "the gateway is at its limit of requests in flight; retry shortly");
            await problem.ExecuteAsync(http);
            return;
        }

        try
        {
            await next(http);
        }
        finally
        {
            admission.Leave(client, bytes);
        }
    }
}
