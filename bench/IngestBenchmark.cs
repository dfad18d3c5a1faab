using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Mallard.Bench;

/// <summary>
/// End-to-end ingest through the real gateway: starts a silo and the gateway as processes (the
/// Release build, as run.sh runs them), then for each format, batch size and client count posts
/// batches of unique page views for a fixed time and reports rows/s, batch latency and peak RSS.
/// </summary>
public static class IngestBenchmark
{
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var secondsIndex = Array.IndexOf(args, "--seconds");
        var seconds = secondsIndex >= 0 ? int.Parse(args[secondsIndex + 1], CultureInfo.InvariantCulture) : quick ? 3 : 10;
        using var cluster = MallardCluster.Start(Path.Combine(FindRoot(), "schema.yaml"));

        // --dashboard: poll the Orleans dashboard's data endpoints once a second, as an open
        // dashboard page does, to measure the profiling overhead it switches on.
        using var dashboard = new CancellationTokenSource();
        if (args.Contains("--dashboard"))
        {
            _ = Task.Run(async () =>
            {
                using var http = new HttpClient { BaseAddress = new Uri(cluster.Gateway) };
                while (!dashboard.IsCancellationRequested)
                {
                    foreach (var path in new[] { "/dashboard/DashboardCounters", "/dashboard/ClusterStats" })
                    {
                        try
                        {
                            using var response = await http.GetAsync(path, dashboard.Token);
                        }
                        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                        {
                            // Measuring load, not the dashboard's answers.
                        }
                    }

                    await Task.Delay(1000, dashboard.Token).ContinueWith(_ => { });
                }
            });
        }

        Console.WriteLine($"# ingest through the gateway: {Environment.ProcessorCount} cores, {seconds} s per row, durable commits{(args.Contains("--dashboard") ? ", Orleans dashboard polled every second" : "")}");
        Console.WriteLine();
        foreach (var line in Matrix(cluster, quick, seconds, out _))
        {
            Console.WriteLine(line);
        }

        dashboard.Cancel();
        return 0;
    }

    /// <summary>The ingest table; <paramref name="reference"/> is rows/s of NDJSON, 10,000-row batches, 4 clients.</summary>
    internal static List<string> Matrix(MallardCluster cluster, bool quick, int seconds, out double reference)
    {
        reference = 0;
        var lines = new List<string>
        {
            "| format | batch rows | clients | rows/s | batch p50 ms | batch p99 ms | non-200 | silo CPU cores | api CPU cores | silo peak RSS MiB | api peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        };
        var formats = quick ? new[] { "ndjson" } : ["json", "ndjson"];
        var sizes = quick ? new[] { 10_000 } : [1_000, 10_000];
        var clientCounts = quick ? new[] { 4 } : [1, 4, 16];
        foreach (var format in formats)
        {
            foreach (var size in sizes)
            {
                var template = PayloadTemplate.Create(size, format == "ndjson");
                foreach (var clients in clientCounts)
                {
                    var (siloCpu, apiCpu, wall) = (CpuSeconds(cluster.Silo), CpuSeconds(cluster.Api), Stopwatch.StartNew());
                    var result = RunLoad(cluster.Gateway, template, format, clients, TimeSpan.FromSeconds(seconds));
                    var siloCores = (CpuSeconds(cluster.Silo) - siloCpu) / wall.Elapsed.TotalSeconds;
                    var apiCores = (CpuSeconds(cluster.Api) - apiCpu) / wall.Elapsed.TotalSeconds;
                    if (format == "ndjson" && size == 10_000 && clients == 4)
                    {
                        reference = result.RowsPerSecond;
                    }

                    lines.Add(string.Create(CultureInfo.InvariantCulture,
                        $"| {format} | {size:N0} | {clients} | {result.RowsPerSecond:N0} | {result.P50:F1} | {result.P99:F1} | {result.Failures} | {siloCores:F2} | {apiCores:F2} | {PeakRssMiB(cluster.Silo):N0} | {PeakRssMiB(cluster.Api):N0} |"));
                }
            }
        }

        return lines;
    }

    internal static (double RowsPerSecond, double P50, double P99, int Failures) RunLoad(string gateway, PayloadTemplate template, string format, int clients, TimeSpan duration, List<double>? allLatencies = null, string? key = null, Func<byte[]>? bodies = null, string? encoding = null, string path = "/v1/datasets/page_views/records")
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = new Uri(gateway), Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        var latencies = new List<double>();
        var rows = 0L;
        var failures = 0;
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < duration)
            {
                var body = bodies is null ? template.Next() : bodies();
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue(format switch { "ndjson" => "application/x-ndjson", "arrow" => "application/vnd.apache.arrow.stream", _ => "application/json" });
                if (encoding is not null)
                {
                    content.Headers.ContentEncoding.Add(encoding);
                }

                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(path, content);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Add(ref rows, template.Rows);
                    lock (latencies)
                    {
                        latencies.Add(elapsed);
                    }
                }
                else
                {
                    Interlocked.Increment(ref failures);
                    LastRefusal = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                }
            }
        })).ToArray();
        Task.WaitAll(workers);
        var total = stopwatch.Elapsed.TotalSeconds;
        allLatencies?.AddRange(latencies);
        latencies.Sort();
        return (rows / total, Percentile(latencies, 0.5), Percentile(latencies, 0.99), failures);
    }

    /// <summary>The status and body of the last refused batch of any load run, for diagnosis.</summary>
    internal static string? LastRefusal { get; private set; }

    internal static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * p))];

    // utime + stime from /proc/PID/stat, in seconds (clock ticks of 1/100 s on Linux).
    internal static double CpuSeconds(Process process)
    {
        var fields = StatFields(process);
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    // minflt + majflt from /proc/PID/stat: what `perf stat -e page-faults` counts for the process.
    internal static long PageFaults(Process process)
    {
        var fields = StatFields(process);
        return long.Parse(fields[7], CultureInfo.InvariantCulture) + long.Parse(fields[9], CultureInfo.InvariantCulture);
    }

    // The fields of /proc/PID/stat after the command name (which may hold spaces), from "state" on.
    private static string[] StatFields(Process process) =>
        File.ReadAllText($"/proc/{process.Id}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    internal static long PeakRssMiB(Process process) => StatusMiB(process, "VmHWM:");

    /// <summary>A memory line of /proc/PID/status (<c>VmRSS:</c>, <c>VmHWM:</c>) in MiB; 0 once the process is gone.</summary>
    internal static long StatusMiB(Process process, string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    internal static Process Start(string assembly, string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [assembly, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(start)!;
        // Standard output is the processes' log; only move phase lines are worth showing here.
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains(" phases: ", StringComparison.Ordinal) == true) Console.Error.WriteLine(e.Data.Trim()); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static void WaitFor(string url, Process process)
    {
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 1200; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.StartInfo.ArgumentList[0]} exited with {process.ExitCode}");
            }

            try
            {
                if (http.GetAsync(url).Result.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (AggregateException)
            {
                // Not listening yet.
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"{url} did not answer");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("run the benchmark from inside the repository");
    }

    /// <summary>A batch body built once; each use writes fresh event ids in place, so every record is new.</summary>
    internal sealed class PayloadTemplate
    {
        private readonly byte[] _bytes;
        private readonly int[] _idOffsets;

        private PayloadTemplate(byte[] bytes, int[] idOffsets, int rows)
        {
            _bytes = bytes;
            _idOffsets = idOffsets;
            Rows = rows;
        }

        public int Rows { get; }

        /// <param name="rows">Records per body.</param>
        /// <param name="ndjson">NDJSON instead of a JSON array.</param>
        /// <param name="userAccepted">When given, only user ids it accepts are used (to aim at some partitions).</param>
        public static PayloadTemplate Create(int rows, bool ndjson, Func<string, bool>? userAccepted = null)
        {
            var random = new Random(7);
            var text = new StringBuilder(rows * 240);
            var offsets = new List<int>();
            string[] pages = ["/home", "/search", "/cart", "/checkout", "/help", "/about"];
            string?[] countries = ["DE", "FR", "US", "JP", null];
            text.Append(ndjson ? "" : "[");
            for (var i = 0; i < rows; i++)
            {
                if (i > 0)
                {
                    text.Append(ndjson ? "\n" : ",");
                }

                text.Append("{\"event_id\":\"");
                offsets.Add(text.Length); // the payload is ASCII: characters are bytes
                text.Append(Guid.Empty.ToString("D"));
                var country = countries[random.Next(countries.Length)];
                var invariant = CultureInfo.InvariantCulture;
                text.Append(invariant, $"\",\"ts\":\"2026-11-{1 + random.Next(28):00}T{random.Next(24):00}:{random.Next(60):00}:{random.Next(60):00}.{random.Next(1_000_000):000000}Z\"");
                var user = $"user-{random.Next(100_000)}";
                while (userAccepted is not null && !userAccepted(user))
                {
                    user = $"user-{random.Next(100_000)}";
                }

                text.Append(invariant, $",\"user_id\":\"{user}\",\"page\":\"{pages[random.Next(pages.Length)]}\"");
                if (country is not null)
                {
                    text.Append(invariant, $",\"country\":\"{country}\"");
                }

                text.Append(invariant, $",\"duration_ms\":{random.Next(600_000)},\"bytes\":\"{random.NextInt64(5_000_000_000)}\",\"revenue\":\"{random.Next(10_000_000) / 100m:F2}\"");
                text.Append(invariant, $",\"bot\":{(random.Next(10) == 0 ? "true" : "false")},\"score\":{random.NextDouble():F6},\"day\":\"2026-11-26\"}}");
            }

            text.Append(ndjson ? "\n" : "]");
            return new PayloadTemplate(Encoding.UTF8.GetBytes(text.ToString()), offsets.ToArray(), rows);
        }

        /// <summary>The same rows rewritten by <paramref name="convert"/> (which keeps every <c>"event_id":"…"</c>).</summary>
        public PayloadTemplate Map(Func<byte[], byte[]> convert)
        {
            var bytes = convert(_bytes);
            var offsets = new List<int>();
            var marker = "\"event_id\":\""u8;
            for (var at = bytes.AsSpan().IndexOf(marker); at >= 0;)
            {
                offsets.Add(at + marker.Length);
                var next = bytes.AsSpan(at + marker.Length).IndexOf(marker);
                at = next < 0 ? -1 : at + marker.Length + next;
            }

            return new PayloadTemplate(bytes, offsets.ToArray(), Rows);
        }

        public byte[] Next()
        {
            var body = (byte[])_bytes.Clone();
            Span<byte> id = stackalloc byte[36];
            foreach (var offset in _idOffsets)
            {
                Guid.NewGuid().TryFormat(id, out _, "D");
                id.CopyTo(body.AsSpan(offset));
            }

            return body;
        }
    }
}
