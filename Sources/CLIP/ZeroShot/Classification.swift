import Foundation
import TensorStream

/// Class probabilities for a batch: what `unclip-classify` and the linear probe write.
public struct Classification: Sendable, Equatable {
    /// The K class names, in score order.
    public let classNames: [String]
    /// `[B, K]` row-major probabilities; every row sums to 1.
    public let probabilities: [Double]
    /// `[B]`: the index of each row's most probable class (the first on ties).
    public let labels: [Int]

    /// Rows (B).
    public var count: Int { labels.count }

    /// Softmax over each row of `logits` `[B, K]` (computed in Double after subtracting the row maximum).
    public init(logits: [Double], classNames: [String]) throws {
        let k = classNames.count
        guard k > 0, logits.count % k == 0 else {
            throw CLIPError.badInput("\(logits.count) logits do not make rows of \(k) classes")
        }
        var probabilities = [Double](repeating: 0, count: logits.count)
        var labels: [Int] = []
        for r in 0..<(logits.count / k) {
            let row = logits[(r * k)..<((r + 1) * k)]
            let top = row.max() ?? 0
            var sum = 0.0
            for (j, v) in row.enumerated() {
                let e = Foundation.exp(v - top)
                probabilities[r * k + j] = e
                sum += e
            }
            for j in 0..<k { probabilities[r * k + j] /= sum }
            labels.append(row.firstIndex(of: top).map { $0 - row.startIndex } ?? 0)
        }
        self.classNames = classNames
        self.probabilities = probabilities
        self.labels = labels
    }

    /// The probabilities of row `i`.
    public func row(_ i: Int) -> [Double] {
        let k = classNames.count
        return Array(probabilities[(i * k)..<((i + 1) * k)])
    }

    /// The `top` most probable classes of row `i`, best first (ties in class order).
    public func top(_ top: Int, of i: Int) -> [(name: String, probability: Double)] {
        let p = row(i)
        let order = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
        return order.prefix(max(top, 0)).map { (classNames[$0], p[$0]) }
    }

    /// Stores `scores` F32 [B, K], `labels` I32 [B] and metadata `labels` (the class names) in `frame`.
    public func store(in frame: inout Frame) throws {
        frame["scores"] = try .float32(shape: [count, classNames.count], probabilities.map(Float.init))
        frame["labels"] = try .int32(shape: [count], labels.map(Int32.init))
        frame.setMetadataList(classNames, for: "labels")
    }
}
