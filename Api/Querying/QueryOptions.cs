namespace Mallard.Api.Querying;

/// <summary>Query limits (section <c>Mallard:Query</c>), bound and checked once.</summary>
public sealed class QueryOptions
{
    public const string Section = "Mallard:Query";

    /// <summary>
    /// How long a query may run, all partitions together; then every partition's DuckDB statement
    /// is interrupted and the answer is <c>422 query_timeout</c>. Default: 4 s in PostgreSQL cluster
    /// mode (below its 5 s response timeout, so the timeout is ours and named), 25 s embedded.
    /// </summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>The timeout in force.</summary>
    public TimeSpan Effective { get; private set; }

    /// <exception cref="InvalidOperationException">The timeout is not positive or not below the cluster response timeout; the message names the key.</exception>
    public static QueryOptions Read(IConfiguration configuration, TimeSpan responseTimeout)
    {
        var options = configuration.GetSection(Section).Get<QueryOptions>() ?? new QueryOptions();
        options.Effective = options.Timeout ?? responseTimeout - TimeSpan.FromSeconds(responseTimeout > TimeSpan.FromSeconds(10) ? 5 : 1);
        if (options.Effective <= TimeSpan.Zero || options.Effective >= responseTimeout)
        {
            throw new InvalidOperationException(
                $"{Section}:Timeout is {options.Effective}; expected a positive time span below Mallard:Cluster:ResponseTimeout ({responseTimeout}), so a slow query is interrupted and named rather than cut off by the cluster");
        }

        return options;
    }
}
