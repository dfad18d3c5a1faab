using Mallard.Bench;

return args switch
{
    ["dedup", ..] => DedupBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench -- dedup [--rows N] [--memory-mb M]");
    return 2;
}
