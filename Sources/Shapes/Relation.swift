/// A spatial relation between two objects, read as "subject relation reference".
public enum Relation: String, CaseIterable, Codable, Sendable {
    case above, below
    case leftOf = "left of"
    case rightOf = "right of"

    /// The minimum separation (normalized units) of the two slot centres along the relation's axis.
    static let margin = 0.15

    /// The words used in captions: "above", "below", "to the left of", "to the right of".
    public var phrase: String {
        switch self {
        case .above: return "above"
        case .below: return "below"
        case .leftOf: return "to the left of"
        case .rightOf: return "to the right of"
        }
    }

    /// The relation read the other way round ("A above B" is "B below A").
    public var inverse: Relation {
        switch self {
        case .above: return .below
        case .below: return .above
        case .leftOf: return .rightOf
        case .rightOf: return .leftOf
        }
    }

    /// Whether `subject` stands in this relation to `reference`, judged on their slot centres (the jitter is
    /// far smaller than the margin, so the judgement also holds for the placed centres).
    public func holds(_ subject: Position, _ reference: Position) -> Bool {
        let a = subject.center
        let b = reference.center
        switch self {
        case .above: return a.y < b.y - Relation.margin
        case .below: return a.y > b.y + Relation.margin
        case .leftOf: return a.x < b.x - Relation.margin
        case .rightOf: return a.x > b.x + Relation.margin
        }
    }

    /// Whether a subject centred at `subject` stands in this relation to one centred at `reference` (normalized
    /// coordinates, y down), for judging detected objects: the centres must be `margin` apart along the axis.
    public func holds(_ subject: SIMD2<Double>, _ reference: SIMD2<Double>, margin: Double = 0.1) -> Bool {
        switch self {
        case .above: return subject.y < reference.y - margin
        case .below: return subject.y > reference.y + margin
        case .leftOf: return subject.x < reference.x - margin
        case .rightOf: return subject.x > reference.x + margin
        }
    }

    /// Every relation that holds between two slots.
    public static func all(_ subject: Position, _ reference: Position) -> [Relation] {
        allCases.filter { $0.holds(subject, reference) }
    }
}
