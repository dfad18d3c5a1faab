using System.Net;
using System.Net.Sockets;

namespace Mallard.Tests.Support;

/// <summary>Asks the OS for unused loopback ports.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
