using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Mallard.Api.Admission;

/// <summary>Reads a request body into memory, refusing it as soon as it passes the size limit.</summary>
public static class BodyReader
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// Reads the body whole, decompressed by <paramref name="encoding"/>; <paramref name="maxBytes"/>
    /// limits the decompressed size, so a small compressed body that inflates past it (a bomb)
    /// stops at the limit. When <paramref name="reserve"/> is given (a body without Content-Length,
    /// or a compressed one), it is asked for every decompressed chunk's bytes before the chunk is
    /// kept; a refusal ends the read as <see cref="BodyReadOutcome.OverBudget"/>.
    /// </summary>
    public static async Task<BodyRead> ReadAsync(HttpContext http, BodyEncoding encoding, long maxBytes, Func<int, bool>? reserve, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > maxBytes)
        {
            return BodyRead.Failed(BodyReadOutcome.TooLarge);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = maxBytes + 1;
        }

        var capacity = (int)Math.Min(encoding.Name is null ? http.Request.ContentLength ?? ChunkBytes : ChunkBytes, maxBytes);
        var buffer = new MemoryStream(Math.Max(capacity, 1024));
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        var source = encoding.Open(http.Request.Body);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return BodyRead.Failed(BodyReadOutcome.TooLarge);
                }

                if (reserve is not null && !reserve(read))
                {
                    return BodyRead.Failed(BodyReadOutcome.OverBudget);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            return BodyRead.Failed(e.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => BodyReadOutcome.TooLarge,
                StatusCodes.Status408RequestTimeout => BodyReadOutcome.TooSlow,
                _ => BodyReadOutcome.Incomplete,
            });
        }
        catch (InvalidDataException e) when (encoding.Name is not null)
        {
            return BodyRead.Corrupt(e.Message);
        }
        catch (ZstdSharp.ZstdException e)
        {
            return BodyRead.Corrupt(e.Message);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return BodyRead.Failed(BodyReadOutcome.Incomplete);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            if (!ReferenceEquals(source, http.Request.Body))
            {
                await source.DisposeAsync();
            }
        }

        return new BodyRead(BodyReadOutcome.Complete, new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}
