/// A run of consecutive scene seeds in one split: the unit `unclip-shapes` generates.
///
/// Scene `i` of the set has seed `firstSeed + i` (wrapping), so a data set is reproduced from four numbers and
/// sets with disjoint seed ranges never share a scene.
public struct DataSet: Sendable, Equatable {
    /// The seed of the first scene.
    public var firstSeed: UInt64
    /// The number of scenes.
    public var count: Int
    /// The split the scenes are drawn for.
    public var split: Split
    /// The sampling options (object counts, background styles).
    public var options: SamplingOptions
    /// Which caption phrasing to use (0 is each scene's own caption; others are augmentations).
    public var captionVariant: Int

    /// Creates a data set description.
    public init(
        firstSeed: UInt64 = 0, count: Int, split: Split = .train, options: SamplingOptions = .full,
        captionVariant: Int = 0
    ) {
        self.firstSeed = firstSeed
        self.count = max(0, count)
        self.split = split
        self.options = options
        self.captionVariant = captionVariant
    }

    /// The seed of scene `index`.
    public func seed(at index: Int) -> UInt64 {
        firstSeed &+ UInt64(truncatingIfNeeded: index)
    }

    /// Scene `index` of the set.
    public func scene(at index: Int) -> Scene {
        Scene(seed: seed(at: index), split: split, options: options)
    }

    /// The caption used for a scene of this set.
    public func caption(for scene: Scene) -> String {
        scene.caption(variant: captionVariant)
    }

    /// The index ranges of consecutive batches of at most `batchSize` scenes (the last may be shorter).
    public func batches(of batchSize: Int) -> [Range<Int>] {
        let size = max(1, batchSize)
        return stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }
}
