using Diaryx.Sync.Lite.Yjs.Lib0;
using Diaryx.Sync.Lite.Yjs.Structs;
using Diaryx.Sync.Lite.Yjs.Utils;

namespace Diaryx.Sync.Lite.Yjs.Types;

/// <summary>A Y.Text view over a shared type. Indexes and lengths are UTF-16 code units, as in JavaScript.</summary>
public sealed class YText(YType type)
{
    public YType Type { get; } = type;

    public int Length => Type.Length;

    public override string ToString() => Type.TextString();

    /// <summary>A position between two items while walking the text, with the formatting in effect there.</summary>
    private sealed class Position(Item? left, Item? right, int index, Dictionary<string, AnyValue> attributes)
    {
        public Item? Left = left;
        public Item? Right = right;
        public int Index = index;
        public readonly Dictionary<string, AnyValue> Attributes = attributes;

        public void Forward()
        {
            var right = Right!;
            if (!right.IsDeleted)
            {
                if (right.Content is ContentFormat format) ApplyFormat(Attributes, format);
                else Index += right.Content.Length;
            }
            Left = right;
            Right = right.Right;
        }
    }

    private static void ApplyFormat(Dictionary<string, AnyValue> attributes, ContentFormat format)
    {
        if (format.Value is AnyNull) attributes.Remove(format.Key);
        else attributes[format.Key] = format.Value;
    }

    /// <summary>Walks to <paramref name="index"/>, splitting the item it falls into.</summary>
    private Position FindPosition(Transaction transaction, int index)
    {
        var (start, startIndex) = Type.StartNear(index, strictlyBefore: false);
        var position = new Position(start?.Left, start, startIndex, new Dictionary<string, AnyValue>(StringComparer.Ordinal));
        var count = index - startIndex;
        while (position.Right != null && count > 0)
        {
            var right = position.Right;
            if (!right.IsDeleted)
            {
                if (right.Content is ContentFormat format)
                {
                    ApplyFormat(position.Attributes, format);
                }
                else
                {
                    if (count < right.Length) transaction.Doc.Store.GetItemCleanStart(transaction, new Id(right.Client, right.Clock + count));
                    position.Index += right.Content.Length;
                    count -= right.Content.Length;
                }
            }
            position.Left = right;
            position.Right = right.Right;
        }
        return position;
    }

    /// <summary>Inserts <paramref name="text"/> with the formatting already in effect at <paramref name="index"/>.</summary>
    public void Insert(int index, string text)
    {
        if (index < 0 || index > Type.Length) throw new ArgumentOutOfRangeException(nameof(index), "Length exceeded");
        if (text.Length == 0) return;
        Type.RequireDoc().Transact(t =>
        {
            var position = FindPosition(t, index);
            var attributes = new Dictionary<string, AnyValue>(position.Attributes, StringComparer.Ordinal);
            // Step over deleted items and formats that already say what we want, as yjs does.
            while (position.Right is { } right
                   && (right.IsDeleted || (right.Content is ContentFormat f && EqualAttributes(attributes.GetValueOrDefault(f.Key) ?? AnyValue.Null, f.Value))))
            {
                position.Forward();
            }
            var item = Type.InsertItem(t, position.Left, position.Right, null, new ContentString(text));
            Type.SearchMarker = new SearchMarker(item, position.Index);
        });
    }

    public void Delete(int index, int length)
    {
        if (length == 0) return;
        if (index < 0 || length < 0 || index + length > Type.Length) throw new ArgumentOutOfRangeException(nameof(length), "Length exceeded");
        Type.RequireDoc().Transact(t =>
        {
            var position = FindPosition(t, index);
            var startAttributes = new Dictionary<string, AnyValue>(position.Attributes, StringComparer.Ordinal);
            var start = position.Right;
            var remaining = length;
            while (remaining > 0 && position.Right is { } right)
            {
                if (!right.IsDeleted && right.Content is ContentString or ContentEmbed or ContentType)
                {
                    if (remaining < right.Length) t.Doc.Store.GetItemCleanStart(t, new Id(right.Client, right.Clock + remaining));
                    remaining -= right.Content.Length;
                    right.Delete(t);
                }
                position.Forward();
            }
            if (start != null) CleanupFormattingGap(t, start, position.Right, startAttributes, position.Attributes);
            Type.SearchMarker = MarkerAt(position, index);
        });
    }

    /// <summary>A marker for <paramref name="index"/>: the live item starting there, else the one ending there.</summary>
    private static SearchMarker? MarkerAt(Position position, int index)
    {
        if (position.Right is { IsDeleted: false, Countable: true } next) return new SearchMarker(next, index);
        for (var left = position.Left; left != null; left = left.Left)
        {
            if (!left.IsDeleted && left.Countable) return new SearchMarker(left, index - left.Content.Length);
        }
        return null;
    }

    /// <summary>After a deletion, removes format marks between <paramref name="start"/> and the next content that became redundant.</summary>
    private static void CleanupFormattingGap(Transaction transaction, Item start, Item? current, Dictionary<string, AnyValue> startAttributes, Dictionary<string, AnyValue> currentAttributes)
    {
        Item? end = start;
        var endFormats = new Dictionary<string, ContentFormat>(StringComparer.Ordinal);
        while (end != null && (!end.Countable || end.IsDeleted))
        {
            if (!end.IsDeleted && end.Content is ContentFormat f) endFormats[f.Key] = f;
            end = end.Right;
        }
        var reachedCurrent = false;
        for (Item? item = start; item != end; item = item.Right)
        {
            if (item == current) reachedCurrent = true;
            if (item!.IsDeleted || item.Content is not ContentFormat format) continue;
            var startValue = startAttributes.GetValueOrDefault(format.Key) ?? AnyValue.Null;
            if (endFormats.GetValueOrDefault(format.Key) != format || AnyValue.StrictEquals(startValue, format.Value))
            {
                item.Delete(transaction);
                if (!reachedCurrent && AnyValue.StrictEquals(currentAttributes.GetValueOrDefault(format.Key) ?? AnyValue.Null, format.Value) && !AnyValue.StrictEquals(startValue, format.Value))
                {
                    if (startValue is AnyNull) currentAttributes.Remove(format.Key);
                    else currentAttributes[format.Key] = startValue;
                }
            }
            if (!reachedCurrent && !item.IsDeleted) ApplyFormat(currentAttributes, format);
        }
    }

    /// <summary>yjs <c>equalAttrs</c>: identical, or two objects with the same keys and identical values.</summary>
    private static bool EqualAttributes(AnyValue a, AnyValue b)
    {
        if (AnyValue.StrictEquals(a, b)) return true;
        if (a is not AnyObject x || b is not AnyObject y || x.Entries.Count != y.Entries.Count) return false;
        return x.Entries.All(e => y.TryGet(e.Key, out var other) && AnyValue.StrictEquals(e.Value, other));
    }
}
