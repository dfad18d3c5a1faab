using Mallard.Api.Ingest;
using Mallard.Contract;
using Mallard.Tests.Http;
using Mallard.Tests.Support;

namespace Mallard.Tests.Ingest;

/// <summary>Hostile Arrow bodies: whatever the bytes, decoding ends in a batch, record errors or a malformed body, never an exception (a 500).</summary>
public sealed class ArrowRecordDecoderTests
{
    private static readonly DatasetDefinition PageViews =
        ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml")).Datasets["page_views"];

    [Fact]
    public void Decode_streamsWithFlippedTruncatedOrOverwrittenBytes_neverThrows()
    {
        var valid = ArrowIngestTests.Stream(PageView.Generate(40, seed: 70), batchRows: 20);
        var random = new Random(71);
        var outcomes = new Dictionary<string, int>();
        for (var round = 0; round < 3_000; round++)
        {
            var body = (byte[])valid.Clone();
            switch (round % 3)
            {
                case 0:
                    for (var flips = 1 + random.Next(4); flips > 0; flips--)
                    {
                        body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    break;
                case 1:
                    body = body[..random.Next(body.Length)];
                    break;
                default:
                    var at = random.Next(body.Length - 8);
                    BitConverter.TryWriteBytes(body.AsSpan(at), random.Next(2) == 0 ? int.MaxValue : -random.Next(1, 1_000_000));
                    break;
            }

            var decoded = new ArrowRecordDecoder(PageViews, 100_000, 100, 65_536).Decode(body);

            var outcome = decoded.MalformedBody is not null ? "malformed" : decoded.TooManyRecords ? "too many" : decoded.TotalErrors > 0 ? "errors" : "decoded";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (outcome == "decoded")
            {
                Assert.All(decoded.Columns, column => Assert.Equal(decoded.RecordCount, column.Count));
            }
        }

        Assert.True(outcomes.GetValueOrDefault("malformed") > 0 && outcomes.GetValueOrDefault("decoded") > 0, string.Join(", ", outcomes));
    }
}
