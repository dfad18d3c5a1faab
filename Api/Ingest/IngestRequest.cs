using System.Security.Cryptography;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// Reads one ingest request and checks it whole: media type, body size, every record against the
/// contract, and the Idempotency-Key. A request refused here wrote nothing.
/// </summary>
public static class IngestRequest
{
    /// <summary>The validated batch, or the problem that refuses the request.</summary>
    public static (ValidatedBatch? Batch, IResult? Refusal) Read(HttpContext http, DatasetDefinition dataset, GatewayOptions limits, IngestTelemetry telemetry)
    {
        var format = FormatOf(http.Request.ContentType);
        if (format is null)
        {
            return (null, Problems.Create(
                ErrorCodes.UnsupportedMediaType,
                $"send records as application/json (an array of objects), application/x-ndjson or application/vnd.apache.arrow.stream, not '{DisplayText.Shorten(http.Request.ContentType ?? "")}'"));
        }

        var body = Admission.BufferedBody.Of(http).Bytes;
        if (body is null)
        {
            return (null, telemetry.Refused(IngestTelemetry.BodyTooLarge, 0, Problems.Create(ErrorCodes.BodyTooLarge, $"the request body{(http.Request.Headers.ContentEncoding.Count > 0 ? " once decompressed" : "")} exceeds {limits.MaxBodyBytes} bytes (Mallard:Gateway:MaxBodyBytes); split the batch")));
        }

        var decoded = telemetry.Validate(body.Value.Length, () => format == BodyFormat.ArrowStream
            ? new ArrowRecordDecoder(dataset, limits.MaxRecordsPerBatch, limits.MaxReportedErrors, limits.MaxStringBytes).Decode(body.Value)
            : new RecordDecoder(dataset, limits.MaxRecordsPerBatch, limits.MaxReportedErrors, limits.MaxStringBytes).Decode(body.Value.Span, format.Value));
        if (decoded.MalformedBody is { } malformed)
        {
            return (null, telemetry.Refused(IngestTelemetry.Malformed, decoded.RecordCount, Problems.Create(ErrorCodes.MalformedBody, malformed)));
        }

        if (decoded.TooManyRecords)
        {
            return (null, telemetry.Refused(IngestTelemetry.TooManyRecords, decoded.RecordCount, Problems.Create(ErrorCodes.TooManyRecords, $"a batch may hold at most {limits.MaxRecordsPerBatch} records"), countRecords: true));
        }

        if (decoded.TotalErrors > 0)
        {
            return (null, telemetry.Refused(IngestTelemetry.InvalidRecords, decoded.RecordCount, Problems.Create(
                ErrorCodes.InvalidRecords,
                $"{decoded.TotalErrors} error(s) in a batch of {decoded.RecordCount} record(s); nothing was written",
                new Dictionary<string, object?>
                {
                    ["errors"] = decoded.Errors.Select(e => new { index = e.Index, field = e.Field, code = e.Code, message = e.Message }).ToArray(),
                    ["totalErrors"] = decoded.TotalErrors,
                }), countRecords: true));
        }

        var idempotencyKey = http.Request.Headers["Idempotency-Key"].ToString();
        if (idempotencyKey.Length > 255 || idempotencyKey.Any(c => c < 0x20 || c > 0x7e))
        {
            return (null, Problems.Create(ErrorCodes.BadIdempotencyKey, "an Idempotency-Key is 1 to 255 printable ASCII characters"));
        }

        // Only a key binds a batch id to a body; a keyless batch's id is fresh (SHA-256 of the body
        // was ~7% of the gateway's CPU on NDJSON).
        var keyed = idempotencyKey.Length > 0;
        var requestHash = keyed ? Convert.ToHexStringLower(SHA256.HashData(body.Value.Span)) : IdempotencyKeys.UnkeyedRequestHash;
        var batchId = keyed ? IdempotencyKeys.BatchIdFor(dataset.Name, idempotencyKey) : Guid.CreateVersion7().ToString("N");
        return (new ValidatedBatch(decoded, requestHash, batchId, keyed ? idempotencyKey : null), null);
    }

    private static BodyFormat? FormatOf(string? contentType)
    {
        var mediaType = contentType?.Split(';')[0].Trim();
        return mediaType?.ToLowerInvariant() switch
        {
            "application/json" => BodyFormat.JsonArray,
            "application/x-ndjson" or "application/ndjson" => BodyFormat.NdJson,
            "application/vnd.apache.arrow.stream" => BodyFormat.ArrowStream,
            _ => null,
        };
    }
}
