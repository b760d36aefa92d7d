using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Structs;

/// <summary>What an <see cref="Item"/> carries. The ref numbers are the update v1 content refs.</summary>
public interface IContent
{
    /// <summary>Length in clock units (UTF-16 code units for strings).</summary>
    int Length { get; }

    /// <summary>Whether the content counts towards a list's length (formats and deletions do not).</summary>
    bool Countable { get; }

    byte Ref { get; }

    /// <summary>The JSON view of each unit, as yjs <c>getContent()</c> followed by <c>toJSON</c>.</summary>
    IEnumerable<AnyValue> JsonValues();

    /// <summary>Keeps the first <paramref name="offset"/> units here and returns the rest.</summary>
    IContent Splice(int offset);

    bool TryMergeWith(IContent right);

    void Write(Lib0Writer writer, int offset);

    void Integrate(Transaction transaction, Item item) { }

    void Delete(Transaction transaction) { }

    void Gc(StructStore store) { }
}
