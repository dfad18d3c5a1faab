using Mallard.Bench;

return args switch
{
    ["dedup", ..] => DedupBenchmark.Run(args[1..]),
    ["ingest", ..] => IngestBenchmark.Run(args[1..]),
    ["all", ..] => FullBenchmark.Run(args[1..]),
    ["queries", ..] => FullBenchmark.RunQueries(args[1..]),
    ["gateway-stages"] => GatewayStagesBenchmark.Run(),
    ["rebalance", ..] => RebalanceBenchmark.Run(args[1..]),
    ["auth", ..] => AuthBenchmark.Run(args[1..]),
    ["clickhouse", ..] => HeadToHeadBenchmark.Run(args[1..]),
    ["soak", ..] => SoakBenchmark.Run(args[1..]),
    ["commits", ..] => CommitCostBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- (all [--quick] | queries [--quick] | ingest [--quick] [--seconds N] [--dashboard] | gateway-stages | rebalance [--quick] [--rows N] | auth [--rounds N] [--seconds S] | clickhouse [--quick] [--seconds N] [--plain-only | --arrow-only] | soak [--minutes N] [--schema FILE] [-- --Mallard:Shards:…=…] | commits [--sizes N,N,…] | dedup [--rows N] [--memory-mb M] [--keys v4|v7] [--storage-version V])");
    return 2;
}
