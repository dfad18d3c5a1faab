using System.IO.Compression;
using ZstdSharp;

namespace Mallard.Api.Admission;

/// <summary>
/// The <c>Content-Encoding</c> of a request body: identity, or one of gzip, deflate, br and zstd,
/// decompressed as it streams in so that only the decompressed bytes are held (and limited).
/// </summary>
public sealed class BodyEncoding
{
    /// <summary>The encodings the gateway decompresses, as named in error messages.</summary>
    public const string Supported = "gzip, deflate, br, zstd";

    private static readonly BodyEncoding Identity = new(null, null);

    private readonly Func<Stream, Stream>? _open;

    private BodyEncoding(string? name, Func<Stream, Stream>? open)
    {
        Name = name;
        _open = open;
    }

    /// <summary>The encoding's name; null for an identity (plain) body.</summary>
    public string? Name { get; }

    /// <summary>
    /// Reads the header. A single coding is accepted (with <c>identity</c> around it); a chain of
    /// two real codings is refused like an unknown one: no client sends it, and each layer would
    /// multiply a bomb.
    /// </summary>
    /// <returns>The encoding, or null when it is not supported (<paramref name="refused"/> names it).</returns>
    public static BodyEncoding? Parse(string? header, out string refused)
    {
        refused = "";
        var codings = (header ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(c => !c.Equals("identity", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (codings.Length == 0)
        {
            return Identity;
        }

        if (codings.Length > 1)
        {
            refused = string.Join(", ", codings);
            return null;
        }

        var name = codings[0].ToLowerInvariant();
        Func<Stream, Stream>? open = name switch
        {
            "gzip" or "x-gzip" => s => new GZipStream(s, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => s => new ZLibStream(s, CompressionMode.Decompress, leaveOpen: true),
            "br" => s => new BrotliStream(s, CompressionMode.Decompress, leaveOpen: true),
            "zstd" => s => new DecompressionStream(s, leaveOpen: true),
            _ => null,
        };
        if (open is null)
        {
            refused = codings[0];
            return null;
        }

        return new BodyEncoding(name, open);
    }

    /// <summary>The stream of decompressed bytes over <paramref name="body"/>.</summary>
    public Stream Open(Stream body) => _open is null ? body : _open(body);
}
