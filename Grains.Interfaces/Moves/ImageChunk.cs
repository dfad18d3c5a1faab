using Orleans.Serialization.Buffers;

namespace Mallard.Moves;

/// <summary>
/// One bounded piece of a move's file image with its XxHash64, checked by the receiver. The bytes
/// travel in a pooled buffer: Orleans returns the sender's to the pool once it is on the wire, and
/// the receiver disposes its copy after writing it, so a move allocates no chunk-sized arrays.
/// </summary>
[GenerateSerializer, Immutable, Alias("mallard.ImageChunk")]
public sealed record ImageChunk(
    [property: Id(0)] PooledBuffer Bytes,
    [property: Id(1)] ulong Hash);
