using System.Net;
using System.Text.Json;

namespace Mallard.Tests.Support;

/// <summary>Reads a gateway answer as JSON after checking its status, showing the body when the status is not the expected one.</summary>
public static class HttpJson
{
    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
