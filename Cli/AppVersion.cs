using System.Reflection;

namespace Diaryx.Sync.Lite.Cli;

/// <summary>The product version, e.g. <c>0.1.0</c> (the assembly's informational version without the <c>+commit</c> suffix).</summary>
internal static class AppVersion
{
    public static string Current { get; } =
        typeof(AppVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
