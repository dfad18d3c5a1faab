using Mallard.Partitions;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Admission;

/// <summary>
/// Reads the body of every route marked <see cref="BufferedBodyLimit"/>, then admits or refuses
/// the request. The body's bytes are reserved at the door (Content-Length) or as they arrive
/// (chunked); the processing slot is taken only once the body is whole, so connections that
/// trickle bodies hold memory they declared but never a slot, and Kestrel's minimum data rate
/// cuts off those that trickle too slowly.
/// </summary>
public sealed class AdmissionMiddleware(RequestDelegate next, IngestAdmission admission, GatewayMetrics metrics, IOptions<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<BufferedBodyLimit>() is not { } limit)
        {
            await next(http);
            return;
        }

        var limits = options.Value;
        var maxBytes = limit.MaxBytes ?? limits.MaxBodyBytes;
        if (BodyEncoding.Parse(http.Request.Headers.ContentEncoding.ToString(), out var refusedEncoding) is not { } encoding)
        {
            metrics.RequestRefused(ErrorCodes.UnsupportedContentEncoding);
            await Problems.Create(
                ErrorCodes.UnsupportedContentEncoding,
                $"Content-Encoding '{Contract.DisplayText.Shorten(refusedEncoding)}' is not supported; send one of {BodyEncoding.Supported}, or an uncompressed body").ExecuteAsync(http);
            return;
        }

        // A compressed body's Content-Length says nothing about what it holds once decompressed:
        // its decompressed bytes are reserved as they come out, as for a chunked body.
        var declared = encoding.Name is null ? http.Request.ContentLength : null;
        if (http.Request.ContentLength > maxBytes)
        {
            // Refused by the endpoint, which counts it, without reading or reserving anything.
            // Kestrel does not drain a body past its size limit: it closes the connection, and the
            // header tells the client so, or its next request goes out on a closing connection
            // ("response ended prematurely").
            http.Response.Headers.Connection = "close";
            http.Features.Set(new BufferedBody(null));
            await next(http);
            return;
        }

        var reserved = 0L;
        try
        {
            if (declared is { } length)
            {
                if (!admission.TryReserveBytes(length))
                {
                    await RefuseAsync(http, AdmissionResult.GatewayBusy, closeConnection: false);
                    return;
                }

                reserved = length;
            }

            var body = await BodyReader.ReadAsync(
                http,
                encoding,
                maxBytes,
                declared is null ? bytes => admission.TryReserveBytes(bytes) && (reserved += bytes) > 0 : null,
                http.RequestAborted);
            switch (body.Outcome)
            {
                case BodyReadOutcome.TooLarge:
                    // As above: what is left of the body is not read, nor drained.
                    http.Response.Headers.Connection = "close";
                    http.Features.Set(new BufferedBody(null));
                    await next(http);
                    return;
                case BodyReadOutcome.OverBudget:
                    await RefuseAsync(http, AdmissionResult.GatewayBusy, closeConnection: true);
                    return;
                case BodyReadOutcome.TooSlow:
                    metrics.RequestRefused(ErrorCodes.BodyTooSlow);
                    await Problems.Create(
                        ErrorCodes.BodyTooSlow,
                        $"the request body arrived slower than {limits.MinBodyBytesPerSecond} bytes/s after a {limits.BodyRateGracePeriod.TotalSeconds:0.#} s grace period (Mallard:Gateway:MinBodyBytesPerSecond); the connection is closed").ExecuteAsync(http);
                    return;
                case BodyReadOutcome.Corrupt:
                    http.Response.Headers.Connection = "close";
                    metrics.RequestRefused(ErrorCodes.MalformedBody);
                    await Problems.Create(ErrorCodes.MalformedBody, $"the {encoding.Name} body does not decompress: {body.Problem}").ExecuteAsync(http);
                    return;
                case BodyReadOutcome.Incomplete:
                    if (!http.RequestAborted.IsCancellationRequested)
                    {
                        await Problems.Create(ErrorCodes.MalformedBody, "the request body ended before all of it arrived").ExecuteAsync(http);
                    }

                    return;
            }

            var client = ClientOf(http);
            var admitted = admission.TryEnter(client);
            if (admitted != AdmissionResult.Admitted)
            {
                await RefuseAsync(http, admitted, closeConnection: false);
                return;
            }

            try
            {
                http.Features.Set(new BufferedBody(body.Bytes));
                await next(http);
            }
            finally
            {
                admission.Leave(client);
            }
        }
        finally
        {
            admission.ReleaseBytes(reserved);
        }
    }

    // With keys on, the limit is per key: a client cannot pick a fresh X-Client-Id to get more.
    private static string ClientOf(HttpContext http) =>
        http.Features.Get<Auth.Caller>() is { } caller ? "key:" + caller.KeyId
        : http.Request.Headers["X-Client-Id"].FirstOrDefault() is { Length: > 0 and <= 128 } id ? id
        : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private async Task RefuseAsync(HttpContext http, AdmissionResult result, bool closeConnection)
    {
        metrics.RequestRefused(result == AdmissionResult.ClientBusy ? "client_busy" : "gateway_busy");
        if (closeConnection)
        {
            // The rest of the body is not read: the connection cannot carry another request.
            http.Response.Headers.Connection = "close";
        }

        var problem = result == AdmissionResult.ClientBusy
            ? Problems.Create(ErrorCodes.ClientConcurrencyExceeded, "this client already has its maximum number of requests in flight (Mallard:Gateway:MaxConcurrentRequestsPerClient); retry after one finishes")
            : Problems.Create(ErrorCodes.GatewayOverloaded, "the gateway is at its limit of requests or body bytes in flight (Mallard:Gateway:MaxConcurrentRequests, MaxInFlightBodyBytes); retry shortly");
        await problem.ExecuteAsync(http);
    }
}
