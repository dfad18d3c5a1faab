using System.Net;
using System.Net.Sockets;

namespace Mallard.Tests.Support;

/// <summary>
/// Hands out unused loopback ports for hosts a test starts. They come from below the kernel's
/// ephemeral range (32768-60999 on Linux): a port the OS picks for a listener is also one it may
/// give an outgoing connection (an HTTP or PostgreSQL client) in the moment before the host binds
/// it, which failed a cluster test with "address already in use".
/// </summary>
public static class FreePort
{
    private const int First = 20_000;
    private const int Count = 12_000;
    private static int _next = Random.Shared.Next(Count);

    public static int Next()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            // 30000 is the Orleans gateway port the Kubernetes emulation binds on pod addresses:
            // a host of another test listening on every address there would collide with it.
            if (port != 30_000 && IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {First + Count - 1}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
