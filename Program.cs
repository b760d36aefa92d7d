using Diaryx.Sync.Lite.Cli;
using Diaryx.Sync.Lite.Http;

var options = ServerOptions.TryParse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"error: {error}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
{
    Args = args,
    // appsettings.json is read from beside the executable, not from the working directory.
    ContentRootPath = AppContext.BaseDirectory,
});

builder.WebHost.UseUrls(options.Url);
builder.Services.ConfigureHttpJsonOptions(json =>
    json.SerializerOptions.TypeInfoResolverChain.Insert(0, HttpJsonContext.Default));

var app = builder.Build();

app.MapHealth();

await app.RunAsync();
return 0;
