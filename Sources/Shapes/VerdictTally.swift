import Foundation

/// Counts of the checker's verdicts over many pictures: how often the asked colour, shape, position and
/// relations were found (per object asked for), how often a whole prompt's objects were right (per picture), and
/// how often a named background was shown (per picture that names one).
public struct VerdictTally: Sendable, Equatable {
    /// Pictures checked.
    public private(set) var pictures = 0
    /// Pictures whose prompt named no object the checker can read (not counted anywhere else).
    public private(set) var unreadable = 0
    /// Objects asked for, and how many had the right colour, shape and (where asked) position.
    public private(set) var objects = 0
    public private(set) var colourRight = 0
    public private(set) var shapeRight = 0
    public private(set) var positionsAsked = 0
    public private(set) var positionRight = 0
    /// Relations claimed, and how many held.
    public private(set) var relations = 0
    public private(set) var relationsRight = 0
    /// Readable pictures whose every claim held.
    public private(set) var allRight = 0
    /// Pictures whose prompt named a background, and how many showed it (apart from `all`).
    public private(set) var backgroundsAsked = 0
    public private(set) var backgroundRight = 0

    public init() {}

    /// Adds one picture's verdict.
    public mutating func add(_ verdict: PromptVerdict) {
        pictures += 1
        if let background = verdict.background {
            backgroundsAsked += 1
            if background { backgroundRight += 1 }
        }
        guard !verdict.targets.isEmpty else {
            unreadable += 1
            return
        }
        for result in verdict.targets {
            objects += 1
            if result.colorCorrect { colourRight += 1 }
            if result.colorCorrect && result.shapeCorrect { shapeRight += 1 }
            if result.target.position != nil {
                positionsAsked += 1
                if result.positionCorrect { positionRight += 1 }
            }
        }
        relations += verdict.claims.count
        relationsRight += verdict.claims.filter { $0 }.count
        if verdict.allCorrect { allRight += 1 }
    }

    /// `right / total` as a fraction, nil when nothing was asked.
    static func fraction(_ right: Int, _ total: Int) -> Double? { total > 0 ? Double(right) / Double(total) : nil }

    /// Fraction of objects with the asked colour.
    public var colour: Double? { Self.fraction(colourRight, objects) }
    /// Fraction of objects with the asked colour and shape (a shape is only judged on a blob of its colour).
    public var shape: Double? { Self.fraction(shapeRight, objects) }
    /// Fraction of objects asked at a position that were found there.
    public var position: Double? { Self.fraction(positionRight, positionsAsked) }
    /// Fraction of claimed relations that held.
    public var relation: Double? { Self.fraction(relationsRight, relations) }
    /// Fraction of pictures whose prompt named a background that showed it.
    public var background: Double? { Self.fraction(backgroundRight, backgroundsAsked) }
    /// Fraction of readable pictures whose objects and relations were right in every respect.
    public var all: Double? { Self.fraction(allRight, pictures - unreadable) }

    /// Readable lines: `name fraction (right/total)`, one per measure that was asked.
    public var report: [String] {
        func line(_ name: String, _ right: Int, _ total: Int) -> String? {
            guard let f = Self.fraction(right, total) else { return nil }
            return "\(name)\t\(String(format: "%.3f", f))\t\(right)/\(total)"
        }
        return [
            line("colour", colourRight, objects), line("shape", shapeRight, objects),
            line("position", positionRight, positionsAsked), line("relation", relationsRight, relations),
            line("all", allRight, pictures - unreadable), line("background", backgroundRight, backgroundsAsked),
        ].compactMap { $0 } + (unreadable > 0 ? ["unreadable\t\(unreadable) of \(pictures) prompts"] : [])
    }
}
