using Diaryx.Sync.Lite.Access;

namespace Diaryx.Sync.Lite.Tests.Access;

/// <summary>
/// The lock under <see cref="AccessPolicy"/>: joins share it, a change of access holds it alone. Each
/// "not completed" below is a wait that cannot end while the other side holds the lock.
/// </summary>
public sealed class AsyncReaderWriterLockTests
{
    [Fact]
    public async Task Readers_share_the_lock()
    {
        var gate = new AsyncReaderWriterLock();
        using var first = await gate.ReadAsync();
        var second = gate.ReadAsync();
        Assert.True(second.IsCompletedSuccessfully);
        (await second).Dispose();
    }

    [Fact]
    public async Task A_writer_waits_for_the_readers_inside_and_then_holds_the_lock_alone()
    {
        var gate = new AsyncReaderWriterLock();
        var reader = await gate.ReadAsync();
        var writer = gate.WriteAsync();
        Assert.False(writer.IsCompleted);

        reader.Dispose();
        var writing = await writer;
        var otherWriter = gate.WriteAsync();
        Assert.False(otherWriter.IsCompleted);

        writing.Dispose();
        (await otherWriter).Dispose();
    }

    [Fact]
    public async Task A_waiting_writer_keeps_new_readers_out()
    {
        var gate = new AsyncReaderWriterLock();
        var early = await gate.ReadAsync();
        var writer = gate.WriteAsync();
        var late = gate.ReadAsync();
        Assert.False(late.IsCompleted);

        early.Dispose();
        var writing = await writer;
        Assert.False(late.IsCompleted);
        writing.Dispose();
        (await late).Dispose();
    }

    [Fact]
    public async Task Releasing_twice_releases_once()
    {
        var gate = new AsyncReaderWriterLock();
        var first = await gate.ReadAsync();
        var second = await gate.ReadAsync();
        var writer = gate.WriteAsync();
        first.Dispose();
        first.Dispose();
        Assert.False(writer.IsCompleted); // the second reader is still inside
        second.Dispose();
        (await writer).Dispose();
    }

    [Fact]
    public async Task A_cancelled_reader_leaves_nothing_held()
    {
        var gate = new AsyncReaderWriterLock();
        var writing = await gate.WriteAsync();
        using var cancel = new CancellationTokenSource();
        var reader = gate.ReadAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader);
        writing.Dispose();
        (await gate.WriteAsync()).Dispose();
    }
}
