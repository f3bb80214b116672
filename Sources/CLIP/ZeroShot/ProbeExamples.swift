import TensorStream

/// Labelled image embeddings collected from frames, for fitting a ``LinearProbe``.
///
/// An item's class name comes from, in order: the `labels` tensor (I32 [B]) indexing the `labels` metadata list
/// (as `unclip-classify` writes them); else the name of the folder holding the item's file in the `files`
/// metadata (`unclip-png train/*/*.png` for a `train/<class>/<image>` layout, as torchvision's ImageFolder).
public struct ProbeExamples: Sendable {
    /// Embedding rows, one array per frame.
    private var batches: [FeatureRows] = []
    /// The class name of every item, in order.
    public private(set) var itemClasses: [String] = []

    public init() {}

    /// The number of items.
    public var count: Int { itemClasses.count }

    /// The distinct class names, sorted (so the class order does not depend on the input order).
    public var classNames: [String] { Array(Set(itemClasses)).sorted() }

    /// Each item's index into ``classNames``.
    public var labelIndices: [Int] {
        let index = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        return itemClasses.compactMap { index[$0] }
    }

    /// Adds a frame's items given its image embeddings `[B, D]`.
    public mutating func add(_ frame: Frame, embeddings: FeatureRows) throws {
        if let first = batches.first, first.width != embeddings.width {
            throw CLIPError.badInput("image embeddings are \(embeddings.width)-wide, earlier ones \(first.width)-wide")
        }
        let names = try Self.classNames(of: frame, count: embeddings.count)
        batches.append(embeddings)
        itemClasses += names
    }

    /// All embeddings `[N, D]`.
    public func features() throws -> FeatureRows {
        guard let first = batches.first, count > 0 else { throw CLIPError.badInput("no labelled images") }
        return try FeatureRows(count: count, width: first.width, values: batches.flatMap(\.values))
    }

    /// The class name of each of a frame's `count` items.
    public static func classNames(of frame: Frame, count: Int) throws -> [String] {
        if let blob = frame["labels"] {
            guard let names = try frame.metadataList("labels") else {
                throw CLIPError.badInput("tensor 'labels' without 'labels' metadata naming the classes")
            }
            guard blob.shape == [count], blob.dtype.isInteger else {
                throw CLIPError.badInput(
                    "tensor 'labels' is \(blob.dtype.rawValue) \(blob.shape), expected I32 [\(count)]")
            }
            return try blob.int64s().map { label in
                guard label >= 0, label < names.count else {
                    throw CLIPError.badInput("label \(label) is outside the \(names.count) names of 'labels'")
                }
                return names[Int(label)]
            }
        }
        if let files = try frame.metadataList("files") {
            guard files.count == count else {
                throw CLIPError.badInput("metadata 'files' has \(files.count) entries for a batch of \(count)")
            }
            return try files.map { path in
                let parts = path.split(separator: "/", omittingEmptySubsequences: true)
                guard parts.count >= 2 else {
                    throw CLIPError.badInput("file '\(path)' is not inside a class folder (CLASS/IMAGE)")
                }
                return String(parts[parts.count - 2])
            }
        }
        throw CLIPError.badInput("no labels: neither a 'labels' tensor nor 'files' metadata with class folders")
    }
}
