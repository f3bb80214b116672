import NN

/// Classifier-free guidance training's dropout draws: per row, whether the CLIP image embedding is replaced by
/// the learned null embedding and whether the caption is replaced by the empty caption (unCLIP: 10% and 50%,
/// independently).
public struct ConditioningDropout: Sendable, Equatable {
    public var imageRate: Double
    public var captionRate: Double

    public init(imageRate: Double, captionRate: Double) {
        self.imageRate = imageRate
        self.captionRate = captionRate
    }

    /// `count` rows of draws, two words per row from `random`.
    public func draw(count: Int, random: inout PhiloxRandom) -> (image: [Bool], caption: [Bool]) {
        let words = random.nextWords(count: 2 * count)
        func uniform(_ w: UInt32) -> Double { (Double(w) + 0.5) / 4_294_967_296 }
        return (
            (0..<count).map { uniform(words[2 * $0]) < imageRate },
            (0..<count).map { uniform(words[2 * $0 + 1]) < captionRate }
        )
    }
}
