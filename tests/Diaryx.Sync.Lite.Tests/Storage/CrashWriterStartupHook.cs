using Diaryx.Sync.Lite.Documents;
using Diaryx.Sync.Lite.Storage;

/// <summary>
/// The child process of <c>Diaryx.Sync.Lite.Tests.Storage.CrashTests</c>. .NET runs a
/// <c>StartupHook.Initialize()</c> (global namespace) from every assembly named in
/// <c>DOTNET_STARTUP_HOOKS</c> before <c>Main</c>; the crash test starts <c>dotnet exec</c> on this
/// test assembly with itself as the hook and <c>DIARYX_TEST_CRASH_WRITER_DB</c> set. Without that
/// variable (every normal test run) this does nothing.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var dbPath = Environment.GetEnvironmentVariable(Diaryx.Sync.Lite.Tests.Storage.CrashWriter.DbVariable);
        if (string.IsNullOrEmpty(dbPath))
        {
            return;
        }

        Diaryx.Sync.Lite.Tests.Storage.CrashWriter.RunAsync(dbPath).GetAwaiter().GetResult();
        Environment.Exit(0);
    }
}

namespace Diaryx.Sync.Lite.Tests.Storage
{
    /// <summary>
    /// Appends from many concurrent tasks, printing <c>ack &lt;seq&gt; &lt;id&gt;</c> for every append
    /// whose task completed (i.e. committed), until it is killed or hits its bounds.
    /// </summary>
    internal static class CrashWriter
    {
        public const string DbVariable = "DIARYX_TEST_CRASH_WRITER_DB";
        public const int Documents = 16;
        public const int Concurrency = 48;
        private const int MaxAppends = 2_000_000;
        private static readonly TimeSpan MaxRunTime = TimeSpan.FromSeconds(60);

        public static byte[] Payload(int seq)
        {
            var data = new byte[48];
            BitConverter.TryWriteBytes(data, seq);
            data.AsSpan(4).Fill((byte)(seq % 251));
            return data;
        }

        public static string DocId(int seq) => $"body:crash/{seq % Documents}.md";

        public static async Task RunAsync(string dbPath)
        {
            var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
            using var db = new SqliteDatabase(dbPath);
            var store = new SqliteDocumentStore(db);
            await stdout.WriteLineAsync("ready");
            var next = 0;
            var stop = DateTime.UtcNow + MaxRunTime;
            var gate = new SemaphoreSlim(1, 1);
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
            {
                while (DateTime.UtcNow < stop)
                {
                    var seq = Interlocked.Increment(ref next);
                    if (seq > MaxAppends)
                    {
                        return;
                    }

                    var id = await store.AppendAsync(DocId(seq), Payload(seq), new UpdateAuthor("crash-user", "crash-device", null));
                    await gate.WaitAsync();
                    try
                    {
                        await stdout.WriteLineAsync($"ack {seq} {id}");
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            })));
            // Never disposed: the test kills this process long before.
        }
    }
}
