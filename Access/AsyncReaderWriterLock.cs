namespace Diaryx.Sync.Lite.Access;

/// <summary>
/// An async lock held by many readers at once or by one writer. A writer that is waiting keeps new
/// readers out, so a steady stream of readers cannot starve it. Not reentrant: a holder must not
/// take it again.
/// </summary>
public sealed class AsyncReaderWriterLock
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writers = new(1, 1);
    private int _readers;
    private bool _writerWaitingOrActive;
    private TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _readersGone;

    /// <summary>Waits until no writer holds or waits for the lock, then holds it as one of the readers.</summary>
    public async Task<IDisposable> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task writerDone;
            lock (_gate)
            {
                if (!_writerWaitingOrActive)
                {
                    _readers++;
                    return new Releaser(ExitRead);
                }
                writerDone = _writerDone.Task;
            }
            await writerDone.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Waits for the other writers, then for the readers inside to leave, and holds the lock alone.</summary>
    public async Task<IDisposable> WriteAsync()
    {
        await _writers.WaitAsync();
        Task readersGone;
        lock (_gate)
        {
            _writerWaitingOrActive = true;
            _writerDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _readersGone = _readers == 0 ? null : new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            readersGone = _readersGone?.Task ?? Task.CompletedTask;
        }
        await readersGone;
        return new Releaser(ExitWrite);
    }

    private void ExitRead()
    {
        TaskCompletionSource? lastOut = null;
        lock (_gate)
        {
            if (--_readers == 0 && _readersGone != null)
            {
                lastOut = _readersGone;
                _readersGone = null;
            }
        }
        lastOut?.SetResult();
    }

    private void ExitWrite()
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            _writerWaitingOrActive = false;
            done = _writerDone;
        }
        done.SetResult();
        _writers.Release();
    }

    private sealed class Releaser(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}
