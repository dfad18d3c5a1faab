namespace Mallard.Moves;

/// <summary>One bounded piece of a move's file image with its XxHash64, checked by the receiver.</summary>
[GenerateSerializer, Immutable, Alias("mallard.ImageChunk")]
public sealed record ImageChunk(
    [property: Id(0)] byte[] Bytes,
    [property: Id(1)] ulong Hash);
