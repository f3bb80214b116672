import Shapes
import StageKit

/// The command line of `unclip-shapes`, validated: which scenes, at what size, written where.
struct ShapesRequest {
    /// Where the scenes go.
    enum Destination {
        /// Image frames on stdout, `batch` scenes per frame.
        case stream(batch: Int)
        /// PNG files and `captions.tsv` in a folder.
        case folder(String)
        /// One contact-sheet PNG, captions on stdout.
        case preview(String, columns: Int)
    }

    /// The supported image sides; the design range is 64...1024.
    static let sizes = 16...2048
    /// A frame's `image` tensor is kept under 1 GiB.
    static let maximumFrameValues = 1 << 28

    var dataSet: DataSet
    var size: Int
    var destination: Destination

    init(_ args: Arguments) throws(UsageError) {
        try args.expectOperands(0...0)
        let count = try args.int("count", in: 0...100_000_000) ?? 16
        let seed = try args.uint64("seed") ?? 0
        let splitName = try args.choice("split", from: Split.allCases.map(\.rawValue)) ?? "train"
        let split = Split(rawValue: splitName) ?? .train
        size = try args.int("size", in: ShapesRequest.sizes) ?? 64
        let variant = try args.int("caption-variant", in: 0...1_000_000) ?? 0
        let options = SamplingOptions(
            objectCounts: try ShapesRequest.objectCounts(args.string("objects") ?? "1-3"),
            backgroundStyles: try ShapesRequest.styles(args.string("backgrounds") ?? "plain,gradient,striped"))
        dataSet = DataSet(firstSeed: seed, count: count, split: split, options: options, captionVariant: variant)

        if args.has("out") && args.has("preview") { throw UsageError("give --out or --preview, not both") }
        if let folder = args.string("out") {
            destination = .folder(folder)
        } else if let file = args.string("preview") {
            guard count <= 1024 else { throw UsageError("--preview shows at most 1024 scenes; lower --count") }
            destination = .preview(file, columns: try args.int("columns", in: 1...256) ?? 4)
        } else {
            // Big frames cost more in memory traffic than in drawing, so the default shrinks above 256 px.
            let batch = try args.int("batch", in: 1...65536) ?? max(1, min(16, 16 * 256 * 256 / (size * size)))
            guard batch * 3 * size * size <= ShapesRequest.maximumFrameValues else {
                throw UsageError("--batch \(batch) at --size \(size) makes frames over 1 GiB; use a smaller batch")
            }
            destination = .stream(batch: batch)
        }
    }

    /// `2` or `1-3`, within 1...3.
    static func objectCounts(_ text: String) throws(UsageError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(parts.count), let lower = parts.first ?? nil, let upper = parts.last ?? nil,
            1 <= lower, lower <= upper, upper <= 3
        else { throw UsageError("option --objects: '\(text)' is not a count or range within 1-3 (e.g. 1 or 1-3)") }
        return lower...upper
    }

    /// A comma-separated list of background styles.
    static func styles(_ text: String) throws(UsageError) -> [Background.Style] {
        var styles: [Background.Style] = []
        for word in text.split(separator: ",") {
            guard let style = Background.Style(rawValue: String(word)) else {
                throw UsageError("option --backgrounds: '\(word)' is not one of plain, gradient, striped")
            }
            if !styles.contains(style) { styles.append(style) }
        }
        guard !styles.isEmpty else { throw UsageError("option --backgrounds: give at least one style") }
        return styles
    }
}
