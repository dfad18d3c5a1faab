using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Mallard.Api.OpenApi;

/// <summary>The OpenAPI 3.1 document of every public route, and its interactive reference page.</summary>
public static class OpenApiSetup
{
    public const string DocumentRoute = "/openapi/v1.json";

    /// <summary>The reference page (Scalar) and its assets, served by the gateway itself: no CDN, no fonts from elsewhere.</summary>
    public const string ReferenceRoute = "/reference";

    /// <summary>Registers the document and its transformer.</summary>
    public static IServiceCollection AddMallardOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer<MallardDocumentTransformer>();
        });

    /// <summary>Maps the document and the reference page.</summary>
    public static WebApplication MapMallardOpenApi(this WebApplication app)
    {
        app.MapOpenApi(DocumentRoute).ExcludeFromDescription();
        app.MapScalarApiReference(ReferenceRoute, options => options
            .WithTitle("Mallard API")
            .WithOpenApiRoutePattern(DocumentRoute)
            .DisableDefaultFonts()
            .DisableTelemetry()
            .DisableAgent()
            .DisableMcp()
            .AddPreferredSecuritySchemes(MallardDocumentTransformer.BearerScheme))
            .ExcludeFromDescription();
        return app;
    }
}
