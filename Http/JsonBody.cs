using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Net.Http.Headers;

namespace Diaryx.Sync.Lite.Http;

/// <summary>
/// Reads a JSON request body the way upstream's axum <c>Json</c> extractor answers: 413 over
/// <see cref="HttpLimits.MaxBodyBytes"/>, 415 without <c>Content-Type: application/json</c>, 400 for
/// invalid JSON, 422 when the JSON does not fit (a field missing, null or of the wrong type); each
/// with a plain-text reason. Endpoints read bodies with it (not with parameter binding), so
/// authentication, done by a filter, always answers first.
/// </summary>
internal static class JsonBody
{
    public readonly record struct Result<T>(T? Value, IResult? Error);

    public static async Task<Result<T>> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return Fail<T>(StatusCodes.Status415UnsupportedMediaType, "Expected request with `Content-Type: application/json`");
        }

        if (await ReadLimitedAsync(request, cancellationToken) is not { } body)
        {
            return Fail<T>(StatusCodes.Status413PayloadTooLarge, "Failed to buffer the request body: length limit exceeded");
        }

        try
        {
            using var _ = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return Fail<T>(StatusCodes.Status400BadRequest, $"Failed to parse the request body as JSON: {e.Message}");
        }

        try
        {
            return JsonSerializer.Deserialize(body, type) is { } value
                ? new Result<T>(value, null)
                : Fail<T>(StatusCodes.Status422UnprocessableEntity, "Failed to deserialize the JSON body into the target type: null");
        }
        catch (JsonException e)
        {
            // Without our type names: "JSON deserialization was missing required properties including: 'email'."
            var reason = e.Message.Replace($" for type '{typeof(T).FullName}'", "", StringComparison.Ordinal);
            return Fail<T>(StatusCodes.Status422UnprocessableEntity, $"Failed to deserialize the JSON body into the target type: {reason}");
        }
    }

    private static Result<T> Fail<T>(int status, string message) => new(default, Results.Text(message, "text/plain; charset=utf-8", statusCode: status));

    /// <summary><c>application/json</c> or <c>application/*+json</c>, parameters allowed.</summary>
    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || media.Type != "application")
        {
            return false;
        }

        var subtype = media.SubType.Value ?? "";
        return subtype.Equals("json", StringComparison.OrdinalIgnoreCase) || subtype.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The whole body, or null when it is longer than <see cref="HttpLimits.MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > HttpLimits.MaxBodyBytes)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, HttpLimits.MaxBodyBytes) + 1);
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > HttpLimits.MaxBodyBytes)
            {
                return null;
            }
        }
    }
}

/// <summary>Limits of the HTTP API.</summary>
public static class HttpLimits
{
    /// <summary>Largest request body accepted (413 above): upstream's implicit 2 MiB.</summary>
    public const int MaxBodyBytes = 2 * 1024 * 1024;
}
