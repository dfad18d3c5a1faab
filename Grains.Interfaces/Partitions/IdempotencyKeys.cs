using System.Security.Cryptography;
using System.Text;

namespace Mallard.Partitions;

/// <summary>How an Idempotency-Key becomes a batch id: the same key on the same dataset always names the same batch.</summary>
public static class IdempotencyKeys
{
    /// <summary>The batch id of <paramref name="idempotencyKey"/> on <paramref name="dataset"/>: <c>k</c> + 32 hex digits of SHA-256.</summary>
    public static string BatchIdFor(string dataset, string idempotencyKey) =>
        "k" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataset + "\n" + idempotencyKey)))[..32];

    /// <summary>
    /// The request hash of a batch sent without an Idempotency-Key. Its id is new and never sent
    /// again (a gateway's own retry resends the same batch), so no other body can be bound to it
    /// and hashing the body would buy nothing.
    /// </summary>
    public const string UnkeyedRequestHash = "unkeyed";

    /// <summary>The key of the grain that coordinates a batch id.</summary>
    public static string GrainKeyFor(string dataset, string batchId) => $"{dataset}/{batchId}";
}
